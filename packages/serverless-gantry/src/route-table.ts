import { accessLevels } from '@gantry/decorators';
import type { Manifest, ManifestFunction, ManifestTrigger } from './manifest.js';

/**
 * The route table of `sls gantry routes` and of `sls offline`'s start: method, path, function,
 * what it touches. Functions that events run are listed under their trigger: `QUEUE jobs`,
 * `SCHEDULE cron(0 3 * * ? *) Europe/Berlin`, `CHANGES orders`. With `baseUrl` (what `sls offline`
 * prints), each path is a full URL on that base.
 */
export function routeTable(manifest: Manifest, baseUrl?: string): string {
  const base = baseUrl?.replace(/\/$/, '');
  const rows: string[][] = [['METHOD', base === undefined ? 'PATH' : 'URL', 'FUNCTION', 'USES']];
  for (const fn of manifest.functions) {
    const uses = usesOf(fn);
    for (const route of fn.routes) {
      const auth = route.auth ? ` [auth${route.auth.scopes ? `: ${route.auth.scopes.join(' ')}` : ''}]` : '';
      const path = base === undefined ? route.path : `${base}${route.path}`;
      rows.push([route.method, path + auth, fn.name, uses]);
    }
    for (const trigger of fn.triggers) rows.push([...triggerCells(trigger), fn.name, uses]);
    if (fn.routes.length === 0 && fn.triggers.length === 0) rows.push(['-', '(no route)', fn.name, uses]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

function usesOf(fn: ManifestFunction): string {
  const tables = fn.uses.map((u) => `${u.table} (${accessLevels(u.access).join(', ')})`);
  const queues = fn.sends.map((q) => `${q} (send)`);
  const buckets = (fn.buckets ?? []).map(
    (u) => `${u.bucket} (${u.access.join(', ')}${u.prefix ? ` ${u.prefix}` : ''})`,
  );
  return [...tables, ...queues, ...buckets].join(', ') || '-';
}

function triggerCells(trigger: ManifestTrigger): [string, string] {
  if (trigger.type === 'queue') return ['QUEUE', `${trigger.queue} (batch ${trigger.batchSize})`];
  if (trigger.type === 'change') return ['CHANGES', `${trigger.table} (batch ${trigger.batchSize})`];
  if (trigger.type === 'object') {
    const filter = `${trigger.prefix ?? ''}*${trigger.suffix ?? ''}`;
    return ['OBJECTS', `${trigger.bucket} ${trigger.events}${filter === '*' ? '' : ` ${filter}`}`];
  }
  return ['SCHEDULE', `${trigger.expression}${trigger.timezone ? ` ${trigger.timezone}` : ''}`];
}
