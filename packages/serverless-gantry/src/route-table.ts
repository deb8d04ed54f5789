import type { Manifest } from './manifest.js';

/**
 * The route table of `sls gantry routes`: method, path, function, tables and access. With
 * `baseUrl` (what `sls offline` prints), each path is a full URL on that base.
 */
export function routeTable(manifest: Manifest, baseUrl?: string): string {
  const base = baseUrl?.replace(/\/$/, '');
  const rows: string[][] = [['METHOD', base === undefined ? 'PATH' : 'URL', 'FUNCTION', 'TABLES']];
  for (const fn of manifest.functions) {
    const tables = fn.uses.map((u) => `${u.table} (${u.access})`).join(', ') || '-';
    const routes = fn.routes.length > 0 ? fn.routes : [{ method: '-', path: '(no route)', auth: undefined }];
    for (const route of routes) {
      const auth = route.auth ? ` [auth${route.auth.scopes ? `: ${route.auth.scopes.join(' ')}` : ''}]` : '';
      const path = base === undefined || route.method === '-' ? route.path : `${base}${route.path}`;
      rows.push([route.method, path + auth, fn.name, tables]);
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}
