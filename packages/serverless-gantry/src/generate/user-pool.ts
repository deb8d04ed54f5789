import { standInAudience, standInIssuer } from '../auth/jwt-authorizers.js';
import type { StageOptions, UserPoolConfig } from '../config.js';

/** Logical IDs of what a declared user pool generates (one pool per service and stage). */
export const USER_POOL_IDS = {
  pool: 'UserPool',
  client: 'UserPoolClient',
  domain: 'UserPoolDomain',
} as const;

/** The authorizer name routes use when `custom.gantry.userPool.authorizer` is not set. */
export const DEFAULT_USER_POOL_AUTHORIZER = 'users';

/** Scopes the page's sign-in asks for: who the user is, nothing more. */
const OAUTH_SCOPES = ['openid', 'email', 'profile'];

/**
 * Environment of the function that serves the page, so it can start a sign-in: the issuer (OIDC
 * discovery lives under it) and the public app client's id. Both are public by design (no secret).
 */
export const PAGE_AUTH_ENV = {
  issuer: 'GANTRY_OIDC_ISSUER',
  clientId: 'GANTRY_OIDC_CLIENT_ID',
  /** Local runs only: where the local issuer that stands in for the pool serves its discovery. */
  discovery: 'GANTRY_OIDC_DISCOVERY_URL',
} as const;

/**
 * The page's sign-in settings in a local run, where the local issuer stands in for the pool: its
 * fixed stand-in issuer and client id (see jwtAuthorizers), and where to find its discovery.
 */
export function localPageAuthEnvironment(authorizer: string, discoveryUrl?: string): Record<string, string> {
  return {
    [PAGE_AUTH_ENV.issuer]: standInIssuer(authorizer),
    [PAGE_AUTH_ENV.clientId]: standInAudience(authorizer),
    ...(discoveryUrl ? { [PAGE_AUTH_ENV.discovery]: discoveryUrl } : {}),
  };
}

// A managed sign-in domain prefix: lowercase letters, digits and hyphens, at most 63 characters, and
// Cognito refuses prefixes that contain these words.
const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RESERVED_IN_DOMAIN = ['aws', 'amazon', 'cognito'];
const ACCOUNT_ID_LENGTH = 12;

export interface UserPoolFragment {
  authorizerName: string;
  /** `provider.httpApi.authorizers.<name>`: a JWT authorizer that trusts the pool for its app client. */
  authorizer: Record<string, unknown>;
  resources: Record<string, Record<string, unknown>>;
  outputs: Record<string, Record<string, unknown>>;
  /** Environment for the page's function (see PAGE_AUTH_ENV). */
  pageEnvironment: Record<string, unknown>;
}

/**
 * `custom.gantry.userPool` → a Cognito user pool for this stage, a public app client (authorization
 * code with PKCE, no secret), a domain for Cognito's managed sign-in, the HTTP API's JWT authorizer
 * pointing at them, and outputs. Users are data: a stage that retains tables retains its pool, and
 * deletion protection follows the tables'. Returns the fragment, or problems naming the fix.
 */
export function userPoolFragment(
  config: UserPoolConfig,
  options: Pick<StageOptions, 'service' | 'stage' | 'retain' | 'deletionProtection' | 'page'>,
): { fragment?: UserPoolFragment; problems: string[] } {
  const problems: string[] = [];
  const where = 'serverless.yml › custom.gantry.userPool';
  const authorizerName = config.authorizer ?? DEFAULT_USER_POOL_AUTHORIZER;
  const domain = domainPrefix(config, options);
  if (typeof domain === 'object' && 'problem' in domain) problems.push(`${where}.domain: ${domain.problem}`);

  // Where the managed sign-in may send a user back: the deployed page, and any URL the user lists.
  const pageUrl =
    options.page !== undefined
      ? { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] }, options.page]] }
      : undefined;
  const callbackUrls = [...(pageUrl ? [pageUrl] : []), ...(config.callbackUrls ?? [])];
  if (callbackUrls.length === 0) {
    problems.push(
      `${where}: the managed sign-in needs a URL to send users back to; set custom.gantry.page (the page's deployed URL is then used) or userPool.callbackUrls.`,
    );
  }
  if (problems.length > 0 || typeof domain === 'object') return { problems };

  const removal = options.retain ? 'Retain' : 'Delete';
  const issuerUrl = { 'Fn::Sub': `https://cognito-idp.\${AWS::Region}.amazonaws.com/\${${USER_POOL_IDS.pool}}` };
  const domainValue = { 'Fn::Sub': domain };
  const resources: Record<string, Record<string, unknown>> = {
    [USER_POOL_IDS.pool]: {
      Type: 'AWS::Cognito::UserPool',
      DeletionPolicy: removal,
      UpdateReplacePolicy: removal,
      Properties: {
        UserPoolName: `${options.service}-${options.stage}`,
        // Users sign in with their email address, verified by a code Cognito sends.
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: config.selfSignUp === false },
        DeletionProtection: options.deletionProtection ? 'ACTIVE' : 'INACTIVE',
      },
    },
    [USER_POOL_IDS.client]: {
      Type: 'AWS::Cognito::UserPoolClient',
      Properties: {
        UserPoolId: { Ref: USER_POOL_IDS.pool },
        ClientName: `${options.service}-${options.stage}-web`,
        // A browser cannot keep a secret: a public client, authorization code flow with PKCE.
        GenerateSecret: false,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: OAUTH_SCOPES,
        SupportedIdentityProviders: ['COGNITO'],
        CallbackURLs: callbackUrls,
        // Where the managed sign-in's `/logout` may send a user back: the page's Sign out ends the
        // sign-in session there (`logout_uri` must be one of these), so another user can sign in.
        LogoutURLs: [...(pageUrl ? [pageUrl] : []), ...(config.logoutUrls ?? config.callbackUrls ?? [])],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
      },
    },
    [USER_POOL_IDS.domain]: {
      Type: 'AWS::Cognito::UserPoolDomain',
      Properties: { Domain: domainValue, UserPoolId: { Ref: USER_POOL_IDS.pool } },
    },
  };
  const signInBase = { 'Fn::Sub': `https://${domain}.auth.\${AWS::Region}.amazoncognito.com` };
  const outputs: Record<string, Record<string, unknown>> = {
    UserPoolIssuerUrl: { Description: 'Issuer of the users’ tokens (OIDC discovery lives under it)', Value: issuerUrl },
    UserPoolClientId: {
      Description: 'The public app client the page signs in with',
      Value: { Ref: USER_POOL_IDS.client },
    },
    SignInUrl: { Description: 'Cognito’s managed sign-in for this stage', Value: signInBase },
  };
  return {
    problems,
    fragment: {
      authorizerName,
      authorizer: {
        identitySource: '$request.header.Authorization',
        issuerUrl,
        // Cognito's access tokens carry the app client in `client_id`, which HTTP API checks
        // against the audience as it does `aud` in ID tokens.
        audience: [{ Ref: USER_POOL_IDS.client }],
      },
      resources,
      outputs,
      pageEnvironment: { [PAGE_AUTH_ENV.issuer]: issuerUrl, [PAGE_AUTH_ENV.clientId]: { Ref: USER_POOL_IDS.client } },
    },
  };
}

/**
 * The managed sign-in domain's prefix, as an Fn::Sub string. Prefixes are global to a region, so
 * the default adds the account ID to `<service>-<stage>`; a chosen one is used as written.
 */
function domainPrefix(
  config: UserPoolConfig,
  options: { service: string; stage: string },
): string | { problem: string } {
  if (config.domain !== undefined) {
    const reserved = RESERVED_IN_DOMAIN.find((word) => config.domain?.includes(word));
    if (!DOMAIN_PREFIX.test(config.domain) || reserved) {
      return {
        problem: `'${config.domain}' is not a domain prefix Cognito accepts (lowercase letters, digits and hyphens, at most 63 characters${reserved ? `, without '${reserved}'` : ''}); choose another.`,
      };
    }
    return config.domain;
  }
  const base = `${options.service}-${options.stage}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const reserved = RESERVED_IN_DOMAIN.find((word) => base.includes(word));
  if (reserved || base.length + 1 + ACCOUNT_ID_LENGTH > 63) {
    return {
      problem: `the default prefix '${base}-<account id>' ${reserved ? `contains '${reserved}', which Cognito refuses` : 'is longer than the 63 characters Cognito allows'}; set userPool.domain to a prefix of your own.`,
    };
  }
  return `${base}-\${AWS::AccountId}`;
}
