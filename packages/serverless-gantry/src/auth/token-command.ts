import { GantryError } from '../errors.js';
import { jwtAuthorizers } from './jwt-authorizers.js';
import { localKeys } from './local-keys.js';
import { mintAccessToken, type TokenOptions } from './mint-token.js';

/** `sls gantry token`'s options, as the CLI passes them (strings). */
export interface TokenCommandOptions {
  sub?: unknown;
  scope?: unknown;
  authorizer?: unknown;
  audience?: unknown;
  'expires-in'?: unknown;
}

/**
 * `sls gantry token`: an access token the local run accepts for one of the declared JWT
 * authorizers (the only one, or `--authorizer`). It reads the service's persisted local keys (made
 * here when missing), so it works whether `sls offline` runs or not, and its tokens stay valid
 * across restarts.
 */
export async function tokenCommand(
  servicePath: string,
  declared: Record<string, unknown> | undefined,
  options: TokenCommandOptions,
): Promise<string> {
  const authorizers = jwtAuthorizers(declared);
  const names = authorizers.map((a) => a.name).join(', ');
  if (authorizers.length === 0) {
    throw new GantryError(
      'sls gantry token: the service declares no JWT authorizer; add one under provider.httpApi.authorizers (issuerUrl, audience).',
    );
  }
  const name = options.authorizer === undefined ? undefined : String(options.authorizer);
  const authorizer =
    name === undefined
      ? authorizers.length === 1
        ? authorizers[0]
        : undefined
      : authorizers.find((a) => a.name === name);
  if (!authorizer) {
    throw new GantryError(
      name === undefined
        ? `sls gantry token: the service declares ${authorizers.length} JWT authorizers (${names}); choose one with --authorizer.`
        : `sls gantry token: no JWT authorizer '${name}'; the service declares ${names}.`,
    );
  }
  const token: TokenOptions = {};
  if (options.sub !== undefined) token.sub = String(options.sub);
  if (options.scope !== undefined) token.scope = String(options.scope);
  if (options.audience !== undefined) token.audience = String(options.audience);
  if (options['expires-in'] !== undefined) {
    const seconds = Number(options['expires-in']);
    if (!Number.isInteger(seconds) || seconds === 0) {
      throw new GantryError(
        `sls gantry token: --expires-in must be a whole number of seconds, not 0 (negative: an expired token); got '${String(options['expires-in'])}'.`,
      );
    }
    token.expiresIn = seconds;
  }
  const { signing } = await localKeys(servicePath);
  return mintAccessToken(authorizer, signing, token);
}
