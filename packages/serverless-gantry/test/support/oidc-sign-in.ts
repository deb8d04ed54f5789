import * as oauth from 'oauth4webapi';
import { expect } from 'vitest';

/** A browser's cookie jar, as far as the sign-in flow needs one (every cookie sent back to the issuer). */
export function cookieBrowser() {
  const jar = new Map<string, string>();
  return async function go(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
    for (const set of response.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
}

export type CookieBrowser = ReturnType<typeof cookieBrowser>;

/** Follows redirects on the issuer until one leaves it (for the app's redirect URI). */
export async function follow(go: CookieBrowser, response: Response, issuerUrl: string): Promise<Response> {
  let current = response;
  for (let hops = 0; hops < 10; hops++) {
    const location = current.headers.get('location');
    if (!location || !(current.status >= 300 && current.status < 400)) return current;
    const next = new URL(location, current.url || issuerUrl);
    if (!next.href.startsWith(issuerUrl)) return current;
    current = await go(next.href);
  }
  throw new Error('too many redirects');
}

/** An authorization request with PKCE (S256), as a web app sends the browser to the issuer. */
export async function authorizationUrl(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  options: { redirectUri: string; scope: string; verifier: string; state: string },
): Promise<string> {
  const url = new URL(as.authorization_endpoint as string);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: options.scope,
    state: options.state,
    code_challenge: await oauth.calculatePKCECodeChallenge(options.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

/**
 * Signs `user` in on the local issuer's development page as a browser would, through an authorization
 * request with PKCE, and returns the callback parameters (checked by oauth4webapi) for the token request.
 * `go`: the browser (its cookies) to sign in with; a fresh one by default.
 */
export async function signIn(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  options: {
    issuerUrl: string;
    redirectUri: string;
    user: string;
    scope: string;
    verifier: string;
    go?: CookieBrowser;
  },
) {
  const go = options.go ?? cookieBrowser();
  const state = oauth.generateRandomState();
  const url = await authorizationUrl(as, client, { ...options, state });
  const page = await follow(go, await go(url), options.issuerUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<input name="user"');
  const submitted = await go(page.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user: options.user }).toString(),
  });
  const back = await follow(go, submitted, options.issuerUrl);
  const location = back.headers.get('location') as string;
  expect(location.startsWith(options.redirectUri)).toBe(true);
  return oauth.validateAuthResponse(as, client, new URL(location), state);
}
