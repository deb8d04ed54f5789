/**
 * Sign-in for the page: OpenID Connect's authorization code flow with PKCE, through oauth4webapi
 * (a maintained, certified client), for a public client (no secret: a browser cannot keep one).
 * Locally the issuer is `sls offline`'s dev issuer; deployed, the stage's user pool. The access
 * token is kept in sessionStorage: this tab only, gone when it closes. Signing out also ends the
 * issuer's own sign-in session, so the next Sign in asks who is signing in.
 */
import * as oauth from 'oauth4webapi';

export interface SignInConfig {
  /** The issuer's identifier (`GANTRY_OIDC_ISSUER` of the page's function): tokens carry it as `iss`. */
  issuer: string;
  /** The app client's id (`GANTRY_OIDC_CLIENT_ID`). */
  clientId: string;
  /**
   * Local runs only (`GANTRY_OIDC_DISCOVERY_URL`): where the local issuer that stands in for the
   * user pool serves its discovery; its metadata still names `issuer`, which is checked.
   */
  discovery?: string;
}

export interface Session {
  accessToken: string;
  /** The user's name from the ID token (`cognito:username`, `preferred_username`, else `sub`). */
  user: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  idToken?: string;
  /** Who issued it: signing out ends the sign-in session there. */
  signedInWith?: SignInConfig;
}

const SESSION = 'gantry.session';
const PENDING = 'gantry.sign-in';
/** The page's hash while the browser is at the issuer to sign out (the way back drops it). */
const SIGNING_OUT = 'gantry.sign-out';

/** What sign-in needs across the redirect to the issuer and back (sessionStorage, this tab). */
interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  /** The page's hash (`#list=…`): redirects drop it. */
  hash: string;
}

/** Where the issuer sends the browser back: this page, without its query or hash. */
const redirectUri = () => `${location.origin}${location.pathname}`;

/** http is allowed only for an issuer on this machine (the local one), never for a deployed one. */
function onThisMachine(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === '127.0.0.1' || hostname === 'localhost';
}

const insecureIfLocal = (config: SignInConfig) =>
  onThisMachine(config.discovery ?? config.issuer) ? { [oauth.allowInsecureRequests]: true } : {};

async function authorizationServer(config: SignInConfig): Promise<oauth.AuthorizationServer> {
  const response = await oauth.discoveryRequest(new URL(config.discovery ?? config.issuer), {
    algorithm: 'oidc',
    ...insecureIfLocal(config),
  });
  return oauth.processDiscoveryResponse(new URL(config.issuer), response);
}

/** The session in this tab, unless it has expired. */
export function currentSession(): Session | undefined {
  const text = sessionStorage.getItem(SESSION);
  if (!text) return undefined;
  const session = JSON.parse(text) as Session;
  if (session.expiresAt <= Date.now()) {
    sessionStorage.removeItem(SESSION);
    return undefined;
  }
  return session;
}

/** Sends the browser to the issuer's sign-in page. */
export async function signIn(config: SignInConfig): Promise<void> {
  const as = await authorizationServer(config);
  if (!as.authorization_endpoint) throw new Error(`${config.issuer} has no authorization endpoint.`);
  const pending: Pending = {
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    hash: location.hash,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid',
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  }).toString();
  location.assign(url);
}

/**
 * When the issuer has sent the browser back (`?code=&state=`), trades the code for tokens, keeps
 * the session, and puts the URL back as it was before sign-in. Otherwise does nothing.
 */
export async function completeSignIn(config: SignInConfig): Promise<void> {
  const current = new URL(location.href);
  const signedOutHash = sessionStorage.getItem(SIGNING_OUT);
  if (signedOutHash !== null) {
    // Back from signing out at the issuer: the page as it was (its list), without the session.
    sessionStorage.removeItem(SIGNING_OUT);
    if (!current.hash && signedOutHash)
      history.replaceState(null, '', `${current.pathname}${current.search}${signedOutHash}`);
  }
  if (!current.searchParams.has('state')) return;
  const pendingText = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const pending = pendingText ? (JSON.parse(pendingText) as Pending) : undefined;
  const back = new URL(current);
  for (const key of ['code', 'state', 'error', 'error_description', 'iss', 'session_state']) {
    back.searchParams.delete(key);
  }
  back.hash = pending?.hash ?? '';
  history.replaceState(null, '', back);
  if (!pending) throw new Error('Sign-in was not started in this tab: sign in again.');

  const as = await authorizationServer(config);
  const client: oauth.Client = { client_id: config.clientId };
  const params = oauth.validateAuthResponse(as, client, current, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri(),
    pending.verifier,
    insecureIfLocal(config),
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  const user =
    (claims?.['cognito:username'] as string | undefined) ??
    (claims?.preferred_username as string | undefined) ??
    claims?.sub ??
    'signed in';
  const session: Session = {
    accessToken: tokens.access_token,
    user,
    expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
    ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
    signedInWith: config,
  };
  sessionStorage.setItem(SESSION, JSON.stringify(session));
}

/**
 * Signs out: forgets the session in this tab at once, then sends the browser to end the issuer's
 * own sign-in session, which comes back to this page. Without that, the next Sign in would go
 * straight back in as the same user. Where the issuer's discovery names an `end_session_endpoint`
 * (the local issuer), that is OpenID Connect's RP-initiated logout: the ID token as hint, the client,
 * and this page to come back to. Cognito's discovery names none: its managed sign-in signs out at
 * `/logout` on the sign-in domain (the authorization endpoint's), with the client and this page,
 * which the app client lists among its sign-out URLs.
 */
export async function signOut(): Promise<void> {
  const text = sessionStorage.getItem(SESSION);
  sessionStorage.removeItem(SESSION);
  const session = text ? (JSON.parse(text) as Session) : undefined;
  const config = session?.signedInWith;
  if (!config) return;
  const as = await authorizationServer(config);
  let url: URL;
  if (as.end_session_endpoint) {
    url = new URL(as.end_session_endpoint);
    url.search = new URLSearchParams({
      ...(session.idToken ? { id_token_hint: session.idToken } : {}),
      client_id: config.clientId,
      post_logout_redirect_uri: redirectUri(),
    }).toString();
  } else if (isCognito(config.issuer) && as.authorization_endpoint) {
    url = new URL('/logout', as.authorization_endpoint);
    url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: redirectUri() }).toString();
  } else {
    return; // an issuer with no way to end its session: this tab's is gone, which is all there is
  }
  sessionStorage.setItem(SIGNING_OUT, location.hash);
  location.assign(url);
}

/** A Cognito user pool's issuer: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
function isCognito(issuer: string): boolean {
  return /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/.test(new URL(issuer).hostname);
}
