/** A JWT authorizer as the service declares it under `provider.httpApi.authorizers`. */
export interface JwtAuthorizer {
  name: string;
  issuerUrl: string;
  audience: string[];
  /** Where HTTP API reads the token, e.g. `$request.header.Authorization` (its default). */
  identitySource: string;
}

export const DEFAULT_IDENTITY_SOURCE = '$request.header.Authorization';

/**
 * An issuer or audience known only at deploy (a CloudFormation value, as for the user pool Gantry
 * generates: its issuer names the pool's id, its audience the app client's) has a fixed local
 * stand-in, so tokens survive restarts and `sls gantry token` works without `sls offline`.
 * `.invalid` is reserved (RFC 2606): the name can never reach a real host.
 */
export const standInIssuer = (authorizer: string) => `https://${authorizer}.issuer.gantry.invalid`;
export const standInAudience = (authorizer: string) => `gantry-local-${authorizer}`;

/**
 * The JWT authorizers among the declared ones (a `type: request` authorizer is a Lambda of the
 * user's, which serverless-offline runs itself). Locally each one is stood in for by the local
 * issuer: same `iss` and `aud`, the local keys. A user pool Gantry generates later adds one more
 * entry here (its issuer URL and app client id), and nothing downstream changes.
 */
export function jwtAuthorizers(declared: Record<string, unknown> | null | undefined): JwtAuthorizer[] {
  const found: JwtAuthorizer[] = [];
  for (const [name, value] of Object.entries(declared ?? {})) {
    const raw = (value ?? {}) as { type?: unknown; issuerUrl?: unknown; audience?: unknown; identitySource?: unknown };
    if (raw.type === 'request' || raw.issuerUrl === undefined) continue;
    const audience = [raw.audience ?? []]
      .flat()
      .map((entry) => (typeof entry === 'string' ? entry : standInAudience(name)));
    const identitySource = Array.isArray(raw.identitySource) ? raw.identitySource[0] : raw.identitySource;
    found.push({
      name,
      issuerUrl: typeof raw.issuerUrl === 'string' ? raw.issuerUrl : standInIssuer(name),
      audience,
      identitySource: typeof identitySource === 'string' ? identitySource : DEFAULT_IDENTITY_SOURCE,
    });
  }
  return found;
}
