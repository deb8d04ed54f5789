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
 * The JWT authorizers among the declared ones (a `type: request` authorizer is a Lambda of the
 * user's, which serverless-offline runs itself). Locally each one is stood in for by the local
 * issuer: same `iss` and `aud`, the local keys. A user pool Gantry generates later adds one more
 * entry here (its issuer URL and app client id), and nothing downstream changes.
 */
export function jwtAuthorizers(declared: Record<string, unknown> | null | undefined): JwtAuthorizer[] {
  const found: JwtAuthorizer[] = [];
  for (const [name, value] of Object.entries(declared ?? {})) {
    const raw = (value ?? {}) as { type?: unknown; issuerUrl?: unknown; audience?: unknown; identitySource?: unknown };
    if (raw.type === 'request' || typeof raw.issuerUrl !== 'string') continue;
    const audience = Array.isArray(raw.audience)
      ? raw.audience.map(String)
      : raw.audience
        ? [String(raw.audience)]
        : [];
    const identitySource = Array.isArray(raw.identitySource) ? raw.identitySource[0] : raw.identitySource;
    found.push({
      name,
      issuerUrl: raw.issuerUrl,
      audience,
      identitySource: typeof identitySource === 'string' ? identitySource : DEFAULT_IDENTITY_SOURCE,
    });
  }
  return found;
}
