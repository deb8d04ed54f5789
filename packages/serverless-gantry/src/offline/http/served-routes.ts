import type { RouteAuth } from '../../auth/jwt-check.js';

/** A route as served, with the JWT authorizer it names (and its scopes), if any. */
export interface ServedRoute {
  method: string;
  path: string;
  authorizer?: RouteAuth;
}

/** A function of serverless.yml (its key) and the routes it serves. */
export interface ServedFunction {
  key: string;
  routes: ServedRoute[];
}

/**
 * The HTTP API routes serverless-offline serves, read from the service's functions once Gantry's
 * are merged in (hand-written functions included). Undefined when something else also answers
 * requests (`httpApi: '*'`, the $default route, or REST `http` events): then the front routes
 * nothing and passes every request on.
 */
export function servedRoutes(
  functions: Record<string, unknown> | null | undefined,
): { functions: ServedFunction[] } | undefined {
  const served: ServedFunction[] = [];
  for (const [key, fn] of Object.entries(functions ?? {})) {
    const routes: ServedRoute[] = [];
    for (const event of (fn as { events?: unknown[] } | null)?.events ?? []) {
      if (!event || typeof event !== 'object') continue;
      if ('http' in event) return undefined;
      if (!('httpApi' in event)) continue;
      const route = routeOf((event as { httpApi: unknown }).httpApi);
      if (!route) return undefined;
      routes.push(route);
    }
    served.push({ key, routes });
  }
  return { functions: served };
}

/** `'GET /x'` or `{ method, path }`; undefined for `'*'` and anything not understood. */
function routeOf(httpApi: unknown): { method: string; path: string } | undefined {
  if (typeof httpApi === 'string') {
    const [method, path] = httpApi.trim().split(/\s+/);
    return method && path ? { method: anyFor(method), path } : undefined;
  }
  const { method, path, authorizer } = (httpApi ?? {}) as { method?: unknown; path?: unknown; authorizer?: unknown };
  if (typeof method !== 'string' || typeof path !== 'string') return undefined;
  const auth = authorizerOf(authorizer);
  return { method: anyFor(method), path, ...(auth ? { authorizer: auth } : {}) };
}

/** `authorizer: name` or `{ name, scopes }` (osls's forms); an authorizer by `id` is not declared here. */
function authorizerOf(authorizer: unknown): RouteAuth | undefined {
  if (typeof authorizer === 'string') return { authorizer };
  const { name, scopes } = (authorizer ?? {}) as { name?: unknown; scopes?: unknown };
  if (typeof name !== 'string') return undefined;
  return { authorizer: name, ...(Array.isArray(scopes) ? { scopes: scopes.map(String) } : {}) };
}

/** Serverless writes ANY as `*`; matchRoute knows it as ANY. */
const anyFor = (method: string) => (method === '*' ? 'ANY' : method.toUpperCase());
