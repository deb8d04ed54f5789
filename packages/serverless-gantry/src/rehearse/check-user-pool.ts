import { GetApiCommand, GetAuthorizerCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import {
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DEFAULT_USER_POOL_AUTHORIZER, PAGE_AUTH_ENV, USER_POOL_IDS } from '../generate/user-pool.js';
import type { AwsClients } from './aws-clients.js';
import { type Check, expectEqual, fail, pass, probe } from './check.js';
import type { Expected } from './expected.js';
import { resolveIntrinsics, type StackValues } from './intrinsics.js';

interface PoolResource {
  Properties: { UserPoolName: string };
}
interface ClientResource {
  Properties: { ClientName: string; AllowedOAuthScopes: string[]; CallbackURLs: unknown[] };
}
interface DomainResource {
  Properties: { Domain: unknown };
}

/** The generated user pool's name, when the service declares one. */
export function expectedPoolName(expected: Expected): string | undefined {
  return (expected.fragment.resources[USER_POOL_IDS.pool] as PoolResource | undefined)?.Properties.UserPoolName;
}

/**
 * The stage's user pool as Cognito holds it, and everything that must point at it: the pool (name,
 * deletion protection, self sign-up), its public app client, its domain, the HTTP API's JWT
 * authorizer, the stack's outputs and the page's environment. The pool's id and the client's id are
 * read from Cognito, never from the stack, so a wrong Ref anywhere shows.
 */
export async function checkUserPool(
  aws: AwsClients,
  expected: Expected,
  outputs: Record<string, string>,
  at: StackValues,
): Promise<Check[]> {
  const name = expectedPoolName(expected);
  if (!name) return [];
  const label = `user pool ${name}`;
  return probe(label, async () => {
    const pools = ((await aws.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? []).filter(
      (p) => p.Name === name,
    );
    if (pools.length !== 1 || !pools[0]?.Id) return fail(label, `${pools.length} pools of that name`);
    const poolId = pools[0].Id;
    const pool = (await aws.cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool;
    const issuer = `https://cognito-idp.${expected.region}.amazonaws.com/${poolId}`;
    const selfSignUp = expected.options.userPool?.selfSignUp !== false;
    const checks: Check[] = [
      pass(`${label}: exists (${poolId})`),
      expectEqual(
        `${label}: deletion protection`,
        pool?.DeletionProtection === 'ACTIVE',
        expected.options.deletionProtection,
      ),
      expectEqual(
        `${label}: self sign-up ${selfSignUp ? 'on' : 'off'}`,
        pool?.AdminCreateUserConfig?.AllowAdminCreateUserOnly !== true,
        selfSignUp,
      ),
    ];

    const clients = (await aws.cognito.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 60 })))
      .UserPoolClients;
    const clientId = clients?.length === 1 ? clients[0]?.ClientId : undefined;
    if (!clientId) return [...checks, fail(`${label}: app client`, `${clients?.length ?? 0} clients, expected 1`)];
    checks.push(...(await checkClient(aws, expected, poolId, clientId, at)));
    checks.push(...(await checkDomain(aws, expected, poolId, at, outputs)));
    checks.push(...(await checkAuthorizer(aws, expected, outputs, issuer, clientId)));
    checks.push(
      expectEqual('output UserPoolIssuerUrl: the pool’s issuer', outputs.UserPoolIssuerUrl, issuer),
      expectEqual('output UserPoolClientId: the app client', outputs.UserPoolClientId, clientId),
    );
    checks.push(...(await checkPageEnvironment(aws, expected, issuer, clientId)));
    return checks;
  });
}

async function checkClient(
  aws: AwsClients,
  expected: Expected,
  poolId: string,
  clientId: string,
  at: StackValues,
): Promise<Check[]> {
  const generated = expected.fragment.resources[USER_POOL_IDS.client] as unknown as ClientResource;
  const label = `app client ${generated.Properties.ClientName}`;
  const client = (await aws.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId })))
    .UserPoolClient;
  const scopes = [...(client?.AllowedOAuthScopes ?? [])].sort();
  return [
    client?.ClientSecret === undefined
      ? pass(`${label}: public (no secret)`)
      : fail(`${label}: public (no secret)`, 'it has a secret'),
    expectEqual(
      `${label}: authorization code flow`,
      { flows: client?.AllowedOAuthFlows, enabled: client?.AllowedOAuthFlowsUserPoolClient },
      { flows: ['code'], enabled: true },
    ),
    // The code flow (with PKCE, which Cognito accepts from any public client) needs `openid`.
    scopes.includes('openid')
      ? expectEqual(`${label}: scopes`, scopes, [...generated.Properties.AllowedOAuthScopes].sort())
      : fail(`${label}: scopes`, `no openid in ${scopes.join(' ')}`),
    expectEqual(
      `${label}: callback URLs`,
      client?.CallbackURLs,
      resolveIntrinsics(generated.Properties.CallbackURLs, at),
    ),
  ];
}

async function checkDomain(
  aws: AwsClients,
  expected: Expected,
  poolId: string,
  at: StackValues,
  stackOutputs: Record<string, string>,
): Promise<Check[]> {
  const generated = expected.fragment.resources[USER_POOL_IDS.domain] as unknown as DomainResource;
  const prefix = String(resolveIntrinsics(generated.Properties.Domain, at));
  const label = `user pool domain ${prefix}`;
  const domain = (await aws.cognito.send(new DescribeUserPoolDomainCommand({ Domain: prefix }))).DomainDescription;
  return [
    expectEqual(`${label}: the pool's`, domain?.UserPoolId, poolId),
    expectEqual(
      'output SignInUrl: the domain’s managed sign-in',
      stackOutputs.SignInUrl,
      `https://${prefix}.auth.${expected.region}.amazoncognito.com`,
    ),
  ];
}

/** The HTTP API's authorizer of the pool trusts the pool's issuer for the app client. */
async function checkAuthorizer(
  aws: AwsClients,
  expected: Expected,
  stackOutputs: Record<string, string>,
  issuer: string,
  clientId: string,
): Promise<Check[]> {
  const name = expected.options.userPool?.authorizer ?? DEFAULT_USER_POOL_AUTHORIZER;
  const label = `JWT authorizer ${name}`;
  const ApiId = stackOutputs.HttpApiId;
  if (!ApiId) return [fail(label, 'the stack has no HttpApiId output')];
  const routes = (await aws.apiGateway.send(new GetRoutesCommand({ ApiId }))).Items ?? [];
  // One by one: moto 5.2.1 does not list an API's authorizers (GetAuthorizers).
  for (const AuthorizerId of new Set(routes.flatMap((r) => (r.AuthorizerId ? [r.AuthorizerId] : [])))) {
    const authorizer = await aws.apiGateway.send(new GetAuthorizerCommand({ ApiId, AuthorizerId }));
    if (authorizer.Name !== name) continue;
    return [
      expectEqual(`${label}: issuer is the pool's`, authorizer.JwtConfiguration?.Issuer, issuer),
      expectEqual(`${label}: audience is the app client`, authorizer.JwtConfiguration?.Audience, [clientId]),
    ];
  }
  return [fail(label, 'no route uses it')];
}

/** The page's function starts sign-ins: it must know the pool's issuer and the app client. */
async function checkPageEnvironment(
  aws: AwsClients,
  expected: Expected,
  issuer: string,
  clientId: string,
): Promise<Check[]> {
  const page = Object.values(expected.fragment.functions).find(
    (fn) => PAGE_AUTH_ENV.issuer in ((fn.environment ?? {}) as Record<string, unknown>),
  ) as { name: string } | undefined;
  if (!page) return [];
  const env =
    (await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: page.name }))).Environment?.Variables ??
    {};
  return [
    expectEqual(
      `function ${page.name}: ${PAGE_AUTH_ENV.issuer} is the pool's issuer`,
      env[PAGE_AUTH_ENV.issuer],
      issuer,
    ),
    expectEqual(
      `function ${page.name}: ${PAGE_AUTH_ENV.clientId} is the app client`,
      env[PAGE_AUTH_ENV.clientId],
      clientId,
    ),
  ];
}

/** The stack's HTTP API endpoint, for `GetAtt HttpApi.ApiEndpoint` in what Gantry generated. */
export async function apiEndpoint(aws: AwsClients, apiId: string | undefined): Promise<string | undefined> {
  if (!apiId) return undefined;
  // Missing, it stays unresolved in what is compared, and the check that needs it fails visibly.
  return (await aws.apiGateway.send(new GetApiCommand({ ApiId: apiId })).catch(() => undefined))?.ApiEndpoint;
}
