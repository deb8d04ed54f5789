import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type JwtAuthorizer, jwtAuthorizers } from '../src/auth/jwt-authorizers.js';
import { jwtCheck } from '../src/auth/jwt-check.js';
import { type LocalIssuer, startLocalIssuer } from '../src/auth/local-issuer.js';
import { type LocalKeys, localKeys } from '../src/auth/local-keys.js';
import { authorizationUrl, cookieBrowser, follow, signIn } from './support/oidc-sign-in.js';
import { tempService } from './support/temp-service.js';

// The local OIDC issuer over real HTTP, driven by an OIDC client library (oauth4webapi), as a web
// app signs a user in: discovery, the authorization code flow with PKCE through the development
// sign-in page, the token endpoint; the access token it gets is one the front accepts.
const REDIRECT = 'http://127.0.0.1:3999/';
const [authorizer] = jwtAuthorizers({
  users: {
    type: 'jwt',
    issuerUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
    audience: ['web-client'],
  },
}) as [JwtAuthorizer];
const client: oauth.Client = { client_id: 'web-client', token_endpoint_auth_method: 'none' };
const insecure = { [oauth.allowInsecureRequests]: true }; // loopback HTTP, a local run only

let issuer: LocalIssuer;
let keys: LocalKeys;
let as: oauth.AuthorizationServer;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  const service = await tempService({});
  cleanups.push(service.remove);
  keys = await localKeys(service.dir);
  issuer = await startLocalIssuer({
    host: '127.0.0.1',
    port: 0,
    authorizers: [authorizer],
    keys,
    redirectUris: [REDIRECT],
    scopes: { users: ['tasks:read', 'tasks:admin'] },
  });
  cleanups.push(issuer.stop);
  // Served locally, but the metadata names the declared issuer: the client checks exactly that.
  const response = await fetch(`${issuer.issuers.users}/.well-known/openid-configuration`);
  as = await oauth.processDiscoveryResponse(new URL(authorizer.issuerUrl), response);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('the local issuer: authorization code with PKCE through the sign-in page', () => {
  it('serves discovery for the declared issuer, with its local endpoints and JWKS', async () => {
    expect(as.issuer).toBe(authorizer.issuerUrl);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    const jwks = (await (await fetch(as.jwks_uri as string)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(keys.verifying.keys.map((k) => k.kid));
    expect(JSON.stringify(jwks)).not.toContain('"d":'); // no private part
  });

  it('signs a user in by name and issues an access token the front accepts, with the declared iss and aud', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const callback = await signIn(as, client, {
      issuerUrl: issuer.url,
      redirectUri: REDIRECT,
      user: 'ann',
      scope: 'openid profile tasks:read',
      verifier,
    });
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      callback,
      REDIRECT,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({
      sub: 'ann',
      iss: authorizer.issuerUrl,
      aud: 'web-client',
    });
    const verdict = await jwtCheck([authorizer], keys.verifying)(
      { authorizer: 'users', scopes: ['tasks:read'] },
      { headers: { authorization: `Bearer ${tokens.access_token}` }, query: new URLSearchParams() },
    );
    expect(verdict).toMatchObject({
      allowed: true,
      jwt: {
        claims: { sub: 'ann', iss: authorizer.issuerUrl, aud: 'web-client', client_id: 'web-client' },
        scopes: ['tasks:read'],
      },
    });
  });

  it('refuses the code without the PKCE verifier it was issued for', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const callback = await signIn(as, client, {
      issuerUrl: issuer.url,
      redirectUri: REDIRECT,
      user: 'bob',
      scope: 'openid tasks:read',
      verifier,
    });
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      callback,
      REDIRECT,
      oauth.generateRandomCodeVerifier(),
      insecure,
    );
    await expect(oauth.processAuthorizationCodeResponse(as, client, response)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses a redirect URI it does not know', async () => {
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: 'https://evil.example.com/',
      response_type: 'code',
      scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('redirect_uri');
  });
});

describe('the local issuer: signing out (RP-initiated logout)', () => {
  it("ends the sign-in session, so the browser's next sign-in asks for a user again", async () => {
    const go = cookieBrowser();
    const verifier = oauth.generateRandomCodeVerifier();
    const scope = 'openid';
    const callback = await signIn(as, client, {
      issuerUrl: issuer.url,
      redirectUri: REDIRECT,
      user: 'ann',
      scope,
      verifier,
      go,
    });
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      callback,
      REDIRECT,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);

    // Signed in: the same browser's next authorization request comes straight back with a code.
    const again = async () => {
      const url = await authorizationUrl(as, client, {
        redirectUri: REDIRECT,
        scope,
        verifier: oauth.generateRandomCodeVerifier(),
        state: oauth.generateRandomState(),
      });
      return follow(go, await go(url), issuer.url);
    };
    const straightBack = await again();
    expect(straightBack.status).toBe(303);
    expect(straightBack.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:3999\/\?code=/);

    // The page's Sign out: the end-session endpoint with the ID token as hint and where to come back.
    expect(as.end_session_endpoint).toBe(`${issuer.issuers.users}/session/end`);
    const end = new URL(as.end_session_endpoint as string);
    end.search = new URLSearchParams({
      id_token_hint: tokens.id_token as string,
      client_id: client.client_id,
      post_logout_redirect_uri: REDIRECT,
    }).toString();
    const confirm = await go(end.href);
    expect(confirm.status).toBe(200);
    // The page submits its form by itself (a script); a browser would post exactly these fields.
    const html = await confirm.text();
    expect(html).toContain("document.getElementById('op.logoutForm').submit()");
    const action = /<form id="op\.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1] as string;
    const fields = [...html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"\/>/g)].map(([, n, v]) => [
      n,
      v,
    ]);
    expect(fields.map(([name]) => name)).toEqual(['xsrf', 'logout']);
    const done = await go(new URL(action, end).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields as [string, string][]).toString(),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(REDIRECT);

    // Signed out: the next sign-in shows the sign-in page, and another user can sign in.
    const signInPage = await again();
    expect(signInPage.status).toBe(200);
    expect(await signInPage.text()).toContain('<input name="user"');
    const bob = await signIn(as, client, {
      issuerUrl: issuer.url,
      redirectUri: REDIRECT,
      user: 'bob',
      scope,
      verifier,
      go,
    });
    const bobTokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), bob, REDIRECT, verifier, insecure),
    );
    expect(oauth.getValidatedIdTokenClaims(bobTokens)?.sub).toBe('bob');
  });

  it('refuses to send the browser after sign-out to a page it does not know', async () => {
    const end = new URL(as.end_session_endpoint as string);
    end.search = new URLSearchParams({
      client_id: client.client_id,
      post_logout_redirect_uri: 'https://evil.example.com/',
    }).toString();
    const response = await fetch(end);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('post_logout_redirect_uri not registered');
  });
});

describe('the local issuer at start', () => {
  it("prints no warning that asks to replace its in-memory storage (a development issuer's by design)", async () => {
    const printed: string[] = [];
    const spies = (['warn', 'info', 'log', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(' '));
      }),
    );
    try {
      const service = await tempService({});
      cleanups.push(service.remove);
      const another = await startLocalIssuer({
        host: '127.0.0.1',
        port: 0,
        authorizers: [authorizer],
        keys: await localKeys(service.dir),
        redirectUris: [REDIRECT],
        scopes: {},
      });
      cleanups.push(another.stop);
      expect((await fetch(`${another.issuers.users}/.well-known/openid-configuration`)).status).toBe(200);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(printed.filter((line) => /in-memory adapter|MUST change/.test(line))).toEqual([]);
  });
});
