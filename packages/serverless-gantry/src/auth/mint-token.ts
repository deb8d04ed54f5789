import { importJWK, type JWK, SignJWT } from 'jose';
import type { JwtAuthorizer } from './jwt-authorizers.js';

export interface TokenOptions {
  /** The subject (the user); default `dev-user`. */
  sub?: string;
  /** Space-separated scopes for the `scope` claim. */
  scope?: string;
  /** `aud`; default the authorizer's first audience. */
  audience?: string;
  /** Seconds from now; negative gives a token that has already expired. Default 3600. */
  expiresIn?: number;
  /** More claims (e.g. `email`). */
  claims?: Record<string, unknown>;
}

/**
 * An access token the local run accepts for `authorizer`: signed with the local key, carrying the
 * declared issuer and audience, as the local issuer's own access tokens do.
 */
export async function mintAccessToken(
  authorizer: JwtAuthorizer,
  signing: readonly JWK[],
  options: TokenOptions = {},
): Promise<string> {
  const jwk = signing[0];
  if (!jwk?.kid) throw new Error('the local issuer has no signing key');
  const key = await importJWK(jwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const audience = options.audience ?? authorizer.audience[0];
  const jwt = new SignJWT({
    ...options.claims,
    ...(options.scope ? { scope: options.scope } : {}),
    client_id: authorizer.audience[0] ?? 'local',
    token_use: 'access',
  })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'at+jwt' })
    .setIssuer(authorizer.issuerUrl)
    .setSubject(options.sub ?? 'dev-user')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600));
  if (audience !== undefined) jwt.setAudience(audience);
  return jwt.sign(key);
}
