import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
// The library's own in-memory storage, named explicitly: left as the default, oidc-provider warns at
// every start that it is development-only and "you MUST change it", which is this issuer's purpose.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import type { JwtAuthorizer } from './jwt-authorizers.js';
import type { LocalKeys } from './local-keys.js';

export interface LocalIssuerOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  authorizers: readonly JwtAuthorizer[];
  keys: LocalKeys;
  /**
   * Where a browser may be sent back after signing in (the service's page, a test's callback), and
   * after signing out (RP-initiated logout's `post_logout_redirect_uri`).
   */
  redirectUris: readonly string[];
  /** Per authorizer, the scopes its routes use: what a client may ask for. */
  scopes: Record<string, readonly string[]>;
}

export interface LocalIssuer {
  /** The server's base URL. */
  url: string;
  /** Per authorizer, the base URL that stands in for its issuer (discovery at `/.well-known/openid-configuration`). */
  issuers: Record<string, string>;
  stop(): Promise<void>;
}

/** The one API resource the local issuer knows: access tokens for it are JWTs for the declared audience. */
const RESOURCE = 'urn:gantry:api';
/** oidc-provider's default, given to its memory adapter as the library itself would. */
const CLOCK_TOLERANCE_S = 15;

/**
 * The local OpenID Connect issuer of `sls offline`: one oidc-provider (panva's certified provider)
 * per declared JWT authorizer, each at `/<authorizer>/`, issuing tokens with that authorizer's
 * declared `iss` and `aud`, signed with the service's local keys (which the front trusts for every
 * declared issuer). Discovery, JWKS, the token endpoint and authorization code with PKCE are the
 * library's; the sign-in page is a development one: a user name, no password. A public client
 * (no secret) whose id is the authorizer's first audience may use it, as an app client of a
 * Cognito user pool does. Signing out is OpenID Connect's RP-initiated logout (discovery's
 * `end_session_endpoint`): it ends the issuer's sign-in session, so the next sign-in asks for a
 * user again, as Cognito's managed sign-in does after its `/logout`.
 */
export async function startLocalIssuer(options: LocalIssuerOptions): Promise<LocalIssuer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostname = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${hostname}:${port}`;
  const mounted = new Map<string, { provider: Provider; handle: ReturnType<Provider['callback']> }>();
  for (const authorizer of options.authorizers) {
    const provider = issuerFor(authorizer, options, `/${authorizer.name}`);
    mounted.set(authorizer.name, { provider, handle: provider.callback() });
  }

  server.on('request', (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse) => {
    const path = req.url ?? '/';
    const name = decodeURIComponent(path.split(/[/?]/)[1] ?? '');
    const entry = mounted.get(name);
    if (!entry) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`No issuer here. Issuers: ${[...mounted.keys()].map((n) => `${url}/${n}`).join(', ')}\n`);
      return;
    }
    // oidc-provider finds its mount path from originalUrl, as under Express's app.use(prefix, …).
    req.originalUrl = path;
    req.url = path.slice(name.length + 1) || '/';
    if (/^\/interaction\/[^/?]+/.test(req.url)) {
      signInPage(entry.provider, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}\n`);
      });
      return;
    }
    entry.handle(req, res);
  });

  return {
    url,
    issuers: Object.fromEntries([...mounted.keys()].map((name) => [name, `${url}/${name}`])),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function issuerFor(authorizer: JwtAuthorizer, options: LocalIssuerOptions, mountPath: string): Provider {
  const clientId = authorizer.audience[0] ?? 'gantry-local';
  const audience = authorizer.audience[0] ?? clientId;
  const routeScopes = [...new Set(options.scopes[authorizer.name] ?? [])];
  const provider = new Provider(authorizer.issuerUrl, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: [...options.redirectUris],
        post_logout_redirect_uris: [...options.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    adapter: createMemoryAdapter(CLOCK_TOLERANCE_S),
    clockTolerance: CLOCK_TOLERANCE_S,
    // The page calls the token endpoint from its own origin (fetch, so CORS): the origins it may be
    // served from are those of its redirect URIs. Written out, as oidc-provider asks (its default
    // allows every origin and prints a NOTICE at first use).
    clientBasedCORS: (_ctx, origin) => options.redirectUris.some((uri) => new URL(uri).origin === origin),
    // Each lifetime written out, as oidc-provider asks (left to its defaults, it prints a NOTICE per
    // kind at first use): Cognito's defaults for tokens (an hour), its library's for the rest.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    jwks: { keys: options.keys.signing as never },
    cookies: { keys: [options.keys.cookieSecret] },
    scopes: ['openid', 'profile', ...routeScopes],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, name: id, preferred_username: id }),
    }),
    // Errors as JSON (the library's default HTML page also prints a notice at every use).
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    interactions: { url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: routeScopes.join(' '),
          audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  return provider;
}

/**
 * The development sign-in: GET shows a form for a user name, POST signs that user in. Consent is
 * given at once (a local run has one app and the developer is its user): every requested scope.
 */
async function signInPage(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, uid } = details;
  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session?.accountId as string, clientId: params.client_id as string });
    if (!grant) throw new Error('the grant of this sign-in has expired; start again');
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '));
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grant.save() } },
      {
        mergeWithLastSubmission: true,
      },
    );
    return;
  }
  if (req.method === 'POST') {
    const form = new URLSearchParams(await readText(req));
    const user = form.get('user')?.trim();
    if (!user) return page(res, uid, 'Type a user name.');
    await provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
    return;
  }
  page(res, uid, '');
}

// The issuer's pages name an inline icon (a person), so browsers do not ask this origin for
// /favicon.ico, which it does not serve (a 404 in every sign-in otherwise).
const iconSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#374151"/><circle cx="16" cy="12" r="5" fill="#fff"/><path d="M7 26c1-5 5-8 9-8s8 3 9 8z" fill="#fff"/></svg>';
const iconLink = `<link rel="icon" href="data:image/svg+xml,${encodeURIComponent(iconSvg)}">`;

/**
 * The sign-out confirmation oidc-provider asks for, answered at once: a development issuer has one
 * app, and the page's Sign out is the user's choice already (Cognito's `/logout` asks nothing either).
 * `logout=yes` ends the whole sign-in session, not only this client's part of it.
 */
function logoutSource(ctx: { body?: unknown; type?: string }, form: string): void {
  ctx.type = 'html';
  ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing out (local)</title>${iconLink}</head>
<body style="font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto">
${form.replace('</form>', '<input type="hidden" name="logout" value="yes"/><button type="submit">Sign out</button></form>')}
<script>document.getElementById('op.logoutForm').submit()</script>
</body></html>`;
}

/** Shown after a sign-out that named no page to go back to. */
function postLogoutSuccessSource(ctx: { body?: unknown; type?: string }): void {
  ctx.type = 'html';
  ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed out (local)</title>${iconLink}</head>
<body style="font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto">
<h1>Signed out</h1><p>The local issuer's sign-in session has ended.</p></body></html>`;
}

function page(res: ServerResponse, uid: string, problem: string): void {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in (local)</title>${iconLink}
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto">
<h1>Sign in</h1>
<p>Local development sign-in: any user name, no password. Each name is a user of its own (its <code>sub</code>).</p>
${problem ? `<p role="alert">${problem}</p>` : ''}
<form method="post" action="${encodeURI(uid)}">
<label>User name <input name="user" autofocus required autocomplete="username"></label>
<button type="submit">Sign in</button>
</form></body></html>`;
  res.writeHead(problem ? 400 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 10_000) req.destroy();
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
