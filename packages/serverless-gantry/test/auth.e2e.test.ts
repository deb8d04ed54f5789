import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtAuthorizer, jwtAuthorizers } from '../src/auth/jwt-authorizers.js';
import { localKeys } from '../src/auth/local-keys.js';
import { mintAccessToken, type TokenOptions } from '../src/auth/mint-token.js';
import { type OfflineRun, startOffline } from './support/offline.js';
import { signIn } from './support/oidc-sign-in.js';
import { SLS_BIN } from './support/serverless.js';

// The fixture's JWT authorizers under plain `sls offline`: every refusal is API Gateway's exact
// answer, from the front; a valid token reaches the function with the claims HTTP API passes.
const cwd = fileURLToPath(new URL('./fixtures/auth/', import.meta.url));
const declared = {
  users: {
    type: 'jwt',
    identitySource: '$request.header.Authorization',
    issuerUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
    audience: ['web-client'],
  },
  partners: {
    type: 'jwt',
    identitySource: '$request.header.X-Partner-Token',
    issuerUrl: 'https://partners.example.org',
    audience: ['partners-api'],
  },
};
const [users, partners] = jwtAuthorizers(declared) as [JwtAuthorizer, JwtAuthorizer];

let offline: OfflineRun;
/** Printed by `sls gantry token` before sls offline started. */
let tokenBeforeStart: string;
/** The local issuers' URLs sls offline printed. */
let issuerUrls: string[];

/** The real `sls gantry token` in the fixture: the token is all it prints on stdout. */
async function slsToken(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [SLS_BIN, 'gantry', 'token', ...args], {
    cwd,
    env: { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1' },
  });
  return stdout.trim();
}
let signing: Awaited<ReturnType<typeof localKeys>>['signing'];
let verifying: Awaited<ReturnType<typeof localKeys>>['verifying'];
const token = (options: TokenOptions = {}, authorizer = users) => mintAccessToken(authorizer, signing, options);

beforeAll(async () => {
  // Keys made before sls offline starts: it must use the persisted ones, not new ones.
  await rm(join(cwd, '.gantry', 'issuer'), { recursive: true, force: true });
  ({ signing, verifying } = await localKeys(cwd));
  tokenBeforeStart = await slsToken(['--authorizer', 'users', '--sub', 'ann', '--scope', 'tasks:read']);
  offline = await startOffline(cwd);
  const [, usersIssuer, partnersIssuer] = await offline.waitFor(
    /Sign-in \(local OIDC issuer for users, partners\): (\S+), (\S+)/,
  );
  issuerUrls = [usersIssuer as string, partnersIssuer as string];
});
afterAll(async () => {
  await offline?.stop();
});

async function call(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${offline.url}${path}`, { headers });
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get('content-type'),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    requestId: response.headers.get('apigw-requestid'),
  };
}

const UNAUTHORIZED = { status: 401, body: '{"message":"Unauthorized"}', contentType: 'application/json' };
const invalid = (description: string) => `Bearer scope="" error="invalid_token" error_description="${description}"`;

/** A token's three parts. */
const parts = (jwt: string) => jwt.split('.') as [string, string, string];

describe('a route with a JWT authorizer, through the front of plain sls offline', () => {
  it('answers 401 without a token, with www-authenticate and apigw-requestid as HTTP API does', async () => {
    const answer = await call('/me');
    expect(answer).toMatchObject({ ...UNAUTHORIZED, wwwAuthenticate: 'Bearer' });
    expect(answer.requestId).toMatch(/^[A-Za-z0-9+/]{14}[A-Za-z0-9+/=]{2}$/);
  });

  it('answers 401 for a token in another header than the identity source', async () => {
    const valid = await token();
    expect(await call('/me', { 'x-token': `Bearer ${valid}` })).toMatchObject(UNAUTHORIZED);
    // …and the partners authorizer reads X-Partner-Token, not Authorization.
    const partnerToken = await token({}, partners);
    expect(await call('/partner', { authorization: `Bearer ${partnerToken}` })).toMatchObject(UNAUTHORIZED);
    expect((await call('/partner', { 'x-partner-token': partnerToken })).status).toBe(200);
  });

  it('answers 401 for a forged signature (another key with the same kid)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ client_id: 'web-client' })
      .setProtectedHeader({ alg: 'RS256', kid: signing[0]?.kid as string })
      .setIssuer(users.issuerUrl)
      .setAudience('web-client')
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await call('/me', { authorization: `Bearer ${forged}` })).toMatchObject({
      ...UNAUTHORIZED,
      wwwAuthenticate: invalid('the token signature is invalid'),
    });
  });

  it('answers 401 for a tampered payload', async () => {
    const [header, payload, signature] = parts(await token({ sub: 'ann' }));
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    expect(await call('/me', { authorization: `${header}.${tampered}.${signature}` })).toMatchObject({
      ...UNAUTHORIZED,
      wwwAuthenticate: invalid('the token signature is invalid'),
    });
  });

  it("answers 401 for alg 'none'", async () => {
    const unsigned = new UnsecuredJWT({ client_id: 'web-client' })
      .setIssuer(users.issuerUrl)
      .setAudience('web-client')
      .setSubject('mallory')
      .setExpirationTime('1h')
      .encode();
    expect(await call('/me', { authorization: `Bearer ${unsigned}` })).toMatchObject(UNAUTHORIZED);
  });

  it('answers 401 for HS256 signed with the public key as the secret', async () => {
    const publicKey = await importJWK(verifying.keys[0] as never, 'RS256', { extractable: true });
    const publicPem = await exportSPKI(publicKey as never);
    const confused = await new SignJWT({ client_id: 'web-client' })
      .setProtectedHeader({ alg: 'HS256', kid: signing[0]?.kid as string })
      .setIssuer(users.issuerUrl)
      .setAudience('web-client')
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(publicPem));
    expect(await call('/me', { authorization: `Bearer ${confused}` })).toMatchObject({
      ...UNAUTHORIZED,
      wwwAuthenticate: invalid('the token is signed with an algorithm that is not allowed'),
    });
  });

  it('answers 401 for an expired token and for one not valid yet', async () => {
    expect(await call('/me', { authorization: `Bearer ${await token({ expiresIn: -60 })}` })).toMatchObject({
      ...UNAUTHORIZED,
      wwwAuthenticate: invalid('the token has expired'),
    });
    const later = Math.floor(Date.now() / 1000) + 3600;
    expect(await call('/me', { authorization: `Bearer ${await token({ claims: { nbf: later } })}` })).toMatchObject({
      ...UNAUTHORIZED,
      wwwAuthenticate: invalid('the token is not valid yet'),
    });
  });

  it('answers 401 for another issuer and for another audience (aud wins over client_id)', async () => {
    const otherIssuer = await mintAccessToken({ ...users, issuerUrl: 'https://evil.example.com' }, signing);
    expect(await call('/me', { authorization: `Bearer ${otherIssuer}` })).toMatchObject({
      ...UNAUTHORIZED,
      wwwAuthenticate: invalid('the token does not have a valid issuer'),
    });
    // client_id is web-client, but aud is present, so aud is what HTTP API evaluates.
    expect(await call('/me', { authorization: `Bearer ${await token({ audience: 'someone-else' })}` })).toMatchObject({
      ...UNAUTHORIZED,
      wwwAuthenticate: invalid('the token does not have a valid audience'),
    });
    // A token for the partners issuer is no token for users.
    expect(await call('/me', { authorization: `Bearer ${await token({}, partners)}` })).toMatchObject(UNAUTHORIZED);
  });

  it('answers 403 when the token has none of the route scopes', async () => {
    const answer = await call('/tasks', { authorization: `Bearer ${await token({ scope: 'profile other' })}` });
    expect(answer).toMatchObject({ status: 403, body: '{"message":"Forbidden"}', contentType: 'application/json' });
    expect(answer.wwwAuthenticate).toContain('error="insufficient_scope"');
    expect((await call('/tasks', { authorization: `Bearer ${await token()}` })).status).toBe(403);
  });

  it('passes a valid token: the function gets the claims (as strings) and scopes, and request.claims', async () => {
    const valid = await token({ sub: 'ann', scope: 'profile tasks:read', claims: { groups: ['a', 'b'] } });
    const answer = await call('/tasks', { authorization: valid }); // without "Bearer " too
    expect(answer.status, answer.body).toBe(200);
    const seen = JSON.parse(answer.body);
    expect(seen.authorizer.jwt.scopes).toEqual(['profile', 'tasks:read']);
    expect(seen.authorizer.jwt.claims).toMatchObject({
      sub: 'ann',
      iss: users.issuerUrl,
      aud: 'web-client',
      client_id: 'web-client',
      scope: 'profile tasks:read',
      groups: '[a b]',
      exp: expect.stringMatching(/^\d+$/),
    });
    expect(seen.claims).toEqual(seen.authorizer.jwt.claims);
  });

  it('accepts an access token with client_id and no aud (a Cognito access token)', async () => {
    const [, payload] = parts(await token());
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const { aud: _aud, ...cognitoShape } = claims;
    const key = await importJWK(signing[0] as never, 'RS256');
    const cognito = await new SignJWT(cognitoShape)
      .setProtectedHeader({ alg: 'RS256', kid: signing[0]?.kid as string })
      .sign(key);
    const answer = await call('/me', { authorization: `Bearer ${cognito}` });
    expect(answer.status, answer.body).toBe(200);
  });

  it('keeps a public route public: no authorizer in the event, even with a token or a forged context header', async () => {
    const valid = await token({ sub: 'ann' });
    const forgedContext = Buffer.from(JSON.stringify({ claims: { sub: 'admin' }, scopes: [] })).toString('base64url');
    const answer = await call('/public', { authorization: `Bearer ${valid}`, 'x-gantry-authorizer': forgedContext });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ claims: {}, authorizer: null });
    expect(JSON.parse(answer.body).requestContextKeys).not.toContain('authorizer');
    // …and the context header opens no protected route.
    expect(await call('/me', { 'x-gantry-authorizer': forgedContext })).toMatchObject(UNAUTHORIZED);
  });
});

describe('sls gantry token', () => {
  it('prints a token the running sls offline accepts, made before it started (the keys persist)', async () => {
    const answer = await call('/tasks', { authorization: `Bearer ${tokenBeforeStart}` });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body).claims).toMatchObject({ sub: 'ann', scope: 'tasks:read', aud: 'web-client' });
  });

  it('prints an expired token for a negative --expires-in, while sls offline runs', async () => {
    const expired = await slsToken(['--authorizer', 'users', '--expires-in', '-5']);
    expect(await call('/me', { authorization: `Bearer ${expired}` })).toMatchObject({
      ...UNAUTHORIZED,
      wwwAuthenticate: invalid('the token has expired'),
    });
  });
});

describe('the local issuer under sls offline', () => {
  it('stands in for each declared issuer at the URL it prints: discovery names the declared issuer', async () => {
    const discovered = await Promise.all(
      issuerUrls.map(async (url) => (await fetch(`${url}/.well-known/openid-configuration`)).json()),
    );
    expect(discovered.map((d) => (d as { issuer: string }).issuer)).toEqual([users.issuerUrl, partners.issuerUrl]);
  });

  it('signs a user in on its page (code flow with PKCE, back to the API address) and the API accepts the token', async () => {
    const issuerUrl = issuerUrls[0] as string;
    const as = await oauth.processDiscoveryResponse(
      new URL(users.issuerUrl),
      await fetch(`${issuerUrl}/.well-known/openid-configuration`),
    );
    const client: oauth.Client = { client_id: 'web-client', token_endpoint_auth_method: 'none' };
    const verifier = oauth.generateRandomCodeVerifier();
    const redirectUri = `${offline.url}/`;
    const origin = new URL(issuerUrl).origin;
    const callback = await signIn(as, client, {
      issuerUrl: origin,
      redirectUri,
      user: 'zoe',
      scope: 'openid tasks:admin',
      verifier,
    });
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, redirectUri, verifier, {
        [oauth.allowInsecureRequests]: true,
      }),
    );
    const answer = await call('/tasks', { authorization: `Bearer ${tokens.access_token}` });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body).authorizer.jwt).toMatchObject({ claims: { sub: 'zoe' }, scopes: ['tasks:admin'] });
  });
});
