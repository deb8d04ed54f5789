import { type JwtAuthorizer, jwtAuthorizers } from '../../auth/jwt-authorizers.js';
import { type JwtCheck, jwtCheck } from '../../auth/jwt-check.js';
import type { LocalIssuer } from '../../auth/local-issuer.js';
import { type LocalKeys, localKeys } from '../../auth/local-keys.js';
import type { ServedRoute } from '../http/served-routes.js';
import { localUrl } from './offline-hooks.js';

export interface LocalAuth {
  authorizers: JwtAuthorizer[];
  keys: LocalKeys;
  checkJwt: JwtCheck;
}

/**
 * The service's JWT authorizers and the check the front applies to their routes, with the local
 * keys standing in for every issuer's. Undefined when the service declares none.
 */
export async function localAuth(
  servicePath: string,
  declared: Record<string, unknown> | undefined,
): Promise<LocalAuth | undefined> {
  const authorizers = jwtAuthorizers(declared);
  if (authorizers.length === 0) return undefined;
  const keys = await localKeys(servicePath);
  return { authorizers, keys, checkJwt: jwtCheck(authorizers, keys.verifying) };
}

/**
 * Takes the JWT authorizers off the events serverless-offline serves (after the front read them):
 * the front checks them as HTTP API does and passes the verified claims on. serverless-offline
 * 14.8.2 cannot serve them itself: without `--ignoreJWTSignature` it stops at start, with it it
 * accepts forged tokens. Lambda (`request`) authorizers are left to it.
 */
export function leaveJwtToFront(functions: Record<string, unknown> | null | undefined, auth: LocalAuth): void {
  const names = new Set(auth.authorizers.map((a) => a.name));
  for (const fn of Object.values(functions ?? {})) {
    for (const event of (fn as { events?: unknown[] } | null)?.events ?? []) {
      const httpApi = (event as { httpApi?: unknown } | null)?.httpApi as { authorizer?: unknown } | undefined;
      if (!httpApi || typeof httpApi !== 'object' || httpApi.authorizer === undefined) continue;
      const { authorizer } = httpApi;
      const name = typeof authorizer === 'string' ? authorizer : (authorizer as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && names.has(name)) delete httpApi.authorizer;
    }
  }
}

/**
 * Starts the local issuer for the declared authorizers under `sls offline`: on `issuerPort`
 * (GANTRY_ISSUER_PORT wins; default a free port), sending browsers back to the API's address or
 * the service's page; a client may ask for the scopes the routes use. `line` says where it is.
 */
export async function startServiceIssuer(
  auth: LocalAuth,
  address: { host: string; port: number },
  options: { page?: string | undefined; port?: number | undefined },
  routes: { functions: readonly { routes: readonly ServedRoute[] }[] } | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalIssuer & { line: string }> {
  const scopes: Record<string, string[]> = {};
  for (const fn of routes?.functions ?? []) {
    for (const route of fn.routes) {
      const needs = route.authorizer;
      if (needs) scopes[needs.authorizer] = [...(scopes[needs.authorizer] ?? []), ...(needs.scopes ?? [])];
    }
  }
  const pages = [localUrl(address), ...(options.page !== undefined ? [localUrl(address, options.page)] : [])];
  // Loaded only when a service has authorizers: oidc-provider (and Koa) stay out of every other command.
  const { startLocalIssuer } = await import('../../auth/local-issuer.js');
  const issuer = await startLocalIssuer({
    host: address.host,
    port: Number(env.GANTRY_ISSUER_PORT ?? options.port ?? 0),
    redirectUris: pages.flatMap(loopbackVariants),
    authorizers: auth.authorizers,
    keys: auth.keys,
    scopes,
  });
  const names = auth.authorizers.map((a) => a.name).join(', ');
  return { ...issuer, line: `Sign-in (local OIDC issuer for ${names}): ${Object.values(issuer.issuers).join(', ')}` };
}

/** A URL on 127.0.0.1 and on localhost both: a browser may open either. */
export function loopbackVariants(url: string): string[] {
  const variants = new Set([url]);
  variants.add(url.replace('//127.0.0.1:', '//localhost:'));
  variants.add(url.replace('//localhost:', '//127.0.0.1:'));
  return [...variants];
}
