import type { CorsConfig } from '../config.js';
import { GantryBuildError } from '../errors.js';
import type { Manifest, ManifestFunction, ManifestRoute } from '../manifest.js';

const DEFAULT_HEADERS = ['content-type', 'authorization'];

/** The `httpApi` event of one route, with its JWT authorizer when the route requires auth. */
export function httpApiEvent(route: ManifestRoute, authorizer: string | undefined) {
  return {
    httpApi: {
      method: route.method === 'ANY' ? '*' : route.method,
      path: route.path,
      ...(authorizer
        ? { authorizer: { name: authorizer, ...(route.auth?.scopes ? { scopes: route.auth.scopes } : {}) } }
        : {}),
    },
  };
}

/**
 * Which declared authorizer a route uses: the one it names, or the service's only one. A route that
 * needs auth never silently becomes public: no authorizer to use is a build problem.
 */
export function routeAuthorizer(
  fn: ManifestFunction,
  route: ManifestRoute,
  declared: string[],
): { authorizer?: string; problem?: string } {
  if (!route.auth) return {};
  const where = `${fn.source} › ${fn.class}.${fn.method} (${route.method} ${route.path})`;
  if (route.auth.authorizer) {
    if (declared.includes(route.auth.authorizer)) return { authorizer: route.auth.authorizer };
    return {
      problem: `${where}: requires authorizer '${route.auth.authorizer}', which provider.httpApi.authorizers does not declare; declare it there or fix the name.`,
    };
  }
  if (declared.length === 1) return { authorizer: declared[0] as string };
  return {
    problem:
      declared.length === 0
        ? `${where}: requires auth, but the service declares no authorizer; add a JWT authorizer under provider.httpApi.authorizers.`
        : `${where}: requires auth and the service declares ${declared.length} authorizers (${declared.join(', ')}); name one with { auth: { authorizer: '...' } }.`,
  };
}

/**
 * The HTTP API's CORS (one configuration per API, so the classes' options are combined), or
 * undefined when no class asks for CORS or `custom.gantry.cors.origins` is an empty list (no other
 * origin may call). Secure by default: credentials need explicit origins.
 */
export function httpApiCors(manifest: Manifest, config: CorsConfig) {
  const wanting = manifest.functions.filter((f) => f.cors);
  if (wanting.length === 0) return undefined;
  const origins = new Set(config.origins ?? []);
  const headers = new Set([...DEFAULT_HEADERS, ...(config.headers ?? [])]);
  let credentials = config.credentials ?? false;
  let maxAge = config.maxAge;
  for (const fn of wanting) {
    for (const o of fn.cors?.origins ?? []) origins.add(o);
    for (const h of fn.cors?.headers ?? []) headers.add(h.toLowerCase());
    credentials ||= fn.cors?.credentials ?? false;
    if (fn.cors?.maxAge !== undefined) maxAge = Math.max(maxAge ?? 0, fn.cors.maxAge);
  }
  if (config.origins?.length === 0 && origins.size === 0) return undefined;
  if (credentials && (origins.size === 0 || origins.has('*'))) {
    const fn = wanting.find((f) => f.cors?.credentials) ?? wanting[0];
    throw new GantryBuildError([
      `${fn?.source} › ${fn?.class}: CORS with credentials needs explicit origins (browsers reject '*' with credentials); set custom.gantry.cors.origins or { cors: { origins: [...] } }.`,
    ]);
  }
  return {
    allowedOrigins: origins.size > 0 ? [...origins] : ['*'],
    allowedHeaders: [...headers],
    allowedMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    ...(credentials ? { allowCredentials: true } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
  };
}
