import type { Routed } from '../../route-match.js';

/**
 * The HTTP API routes serverless-offline serves, read from the service's functions once Gantry's
 * are merged in (hand-written functions included). Undefined when something else also answers
 * requests (`httpApi: '*'`, the $default route, or REST `http` events): then the front routes
 * nothing and passes every request on.
 */
export function servedRoutes(
  functions: Record<string, unknown> | null | undefined,
): { functions: Routed[] } | undefined {
  const served: Routed[] = [];
  for (const fn of Object.values(functions ?? {})) {
    const routes: { method: string; path: string }[] = [];
    for (const event of (fn as { events?: unknown[] } | null)?.events ?? []) {
      if (!event || typeof event !== 'object') continue;
      if ('http' in event) return undefined;
      if (!('httpApi' in event)) continue;
      const route = routeOf((event as { httpApi: unknown }).httpApi);
      if (!route) return undefined;
      routes.push(route);
    }
    served.push({ routes });
  }
  return { functions: served };
}

/** `'GET /x'` or `{ method, path }`; undefined for `'*'` and anything not understood. */
function routeOf(httpApi: unknown): { method: string; path: string } | undefined {
  if (typeof httpApi === 'string') {
    const [method, path] = httpApi.trim().split(/\s+/);
    return method && path ? { method: anyFor(method), path } : undefined;
  }
  const { method, path } = (httpApi ?? {}) as { method?: unknown; path?: unknown };
  return typeof method === 'string' && typeof path === 'string' ? { method: anyFor(method), path } : undefined;
}

/** Serverless writes ANY as `*`; matchRoute knows it as ANY. */
const anyFor = (method: string) => (method === '*' ? 'ANY' : method.toUpperCase());
