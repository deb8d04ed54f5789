import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, errors, type JWK, type JWTPayload, jwtVerify } from 'jose';
import type { JwtAuthorizer } from './jwt-authorizers.js';

/** What a route needs: the authorizer it names and its scopes (at least one must be in the token). */
export interface RouteAuth {
  authorizer: string;
  scopes?: readonly string[] | undefined;
}

/** The request as the authorizer reads it: header names in lower case, the query string parsed. */
export interface AuthRequest {
  headers: Record<string, string | undefined>;
  query: URLSearchParams;
}

/** Allowed: what API Gateway passes to the function as `requestContext.authorizer.jwt`. */
export interface JwtContext {
  claims: Record<string, string>;
  scopes: string[] | null;
}

export type AuthVerdict =
  | { allowed: true; jwt: JwtContext }
  | { allowed: false; status: 401 | 403; headers: Record<string, string>; body: string };

/** HTTP API verifies only RSA signatures ("Currently, only RSA-based algorithms are supported"). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512'];

/**
 * HTTP API's JWT authorizer, for every declared authorizer, with the local keys standing in for
 * each issuer's JWKS (the keys are parsed once; each request costs one signature check). The
 * order is HTTP API's: the token from the identity source (with or without `Bearer `), its
 * algorithm and signature, then `iss`, `aud` (or `client_id` when there is no `aud`), `exp`, `nbf`,
 * then the route's scopes (`scope` or `scp`). The cryptography and the time claims are jose's.
 */
export type JwtCheck = ReturnType<typeof jwtCheck>;

export function jwtCheck(authorizers: readonly JwtAuthorizer[], keys: { keys: JWK[] }) {
  const jwks = createLocalJWKSet(keys);
  const byName = new Map(authorizers.map((a) => [a.name, a]));
  /** The verdict, or undefined when the route's authorizer is not a JWT one (a Lambda authorizer: not ours). */
  return async function checkRequest(route: RouteAuth, request: AuthRequest): Promise<AuthVerdict | undefined> {
    const authorizer = byName.get(route.authorizer);
    if (!authorizer) return undefined;
    const raw = tokenFrom(authorizer.identitySource, request);
    if (!raw) return unauthorized(undefined);
    const token = raw.replace(/^Bearer\s+/i, '');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { algorithms: ALGORITHMS, issuer: authorizer.issuerUrl }));
    } catch (error) {
      return unauthorized(describe(error));
    }
    if (!audienceMatches(payload, authorizer.audience)) return unauthorized('the token does not have a valid audience');
    const scopes = tokenScopes(payload);
    if (route.scopes?.length && !route.scopes.some((s) => scopes?.includes(s))) {
      return refused(403, {
        'www-authenticate': `Bearer scope="${route.scopes.join(' ')}" error="insufficient_scope" error_description="expected scopes: [${route.scopes.join(' ')}]"`,
      });
    }
    // HTTP API passes the token's scopes only to a route that declares scopes (then all of them,
    // not just the ones the route asked for); elsewhere `scopes` is null even when the token has
    // a scope claim. Measured on real HTTP APIs: docs/architecture.md, "The authorizer's payload".
    return { allowed: true, jwt: { claims: stringClaims(payload), scopes: route.scopes?.length ? scopes : null } };
  };
}

/** The token, from the authorizer's identity source: a header or a query string parameter. */
function tokenFrom(identitySource: string, request: AuthRequest): string | undefined {
  const header = /^\$request\.header\.(.+)$/i.exec(identitySource);
  if (header?.[1]) return request.headers[header[1].toLowerCase()] || undefined;
  const query = /^\$request\.querystring\.(.+)$/i.exec(identitySource);
  if (query?.[1]) return request.query.get(query[1]) || undefined;
  return undefined;
}

/** HTTP API evaluates `aud` when present, else `client_id`: one must be among the audiences. */
function audienceMatches(payload: JWTPayload, audience: readonly string[]): boolean {
  const claimed = payload.aud ?? payload.client_id;
  const values = Array.isArray(claimed) ? claimed : claimed === undefined ? [] : [claimed];
  return values.some((value) => typeof value === 'string' && audience.includes(value));
}

/** `scope` (space-separated) or `scp` (a list or a string); null when the token has neither. */
function tokenScopes(payload: JWTPayload): string[] | null {
  const scope = payload.scope ?? payload.scp;
  if (Array.isArray(scope)) return scope.map(String);
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  return null;
}

/**
 * HTTP API passes every claim as a string: numbers as their digits, booleans as `true`/`false`, a
 * list as `[a b]`; a null claim is left out. An object is passed as its JSON here: the one point the
 * published measurements disagree on (docs/architecture.md, "The authorizer's payload").
 */
function stringClaims(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = `[${value.join(' ')}]`;
    else if (value !== null && typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

/** The `error_description` HTTP API gives in `www-authenticate`, from jose's reason. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    if (error.claim === 'iss') return 'the token does not have a valid issuer';
    return `the token's ${error.claim} claim is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey)
    return 'the token signature is invalid';
  return 'the token is not a valid JWT';
}

function unauthorized(description: string | undefined): AuthVerdict {
  return refused(401, {
    'www-authenticate': description
      ? `Bearer scope="" error="invalid_token" error_description="${description}"`
      : 'Bearer',
  });
}

function refused(status: 401 | 403, headers: Record<string, string>): AuthVerdict {
  const body = JSON.stringify({ message: status === 401 ? 'Unauthorized' : 'Forbidden' });
  return { allowed: false, status, headers: { ...headers, 'apigw-requestid': gatewayRequestId() }, body };
}

/** An id shaped like HTTP API's `apigw-requestid` (11 random bytes, base64, e.g. `Mc7UVioPPHcEKPA=`). */
export const gatewayRequestId = () => randomBytes(11).toString('base64');
