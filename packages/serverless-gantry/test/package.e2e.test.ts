import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/manifest.js';
import { resolveIntrinsics, resourcesOfType, TEST_DEPLOYMENT } from './support/cfn.js';
import { cfnLintEach } from './support/cfn-lint.js';
import { discoveredManifest } from './support/discovered-manifest.js';
import { guardIam } from './support/guard.js';
import { simulate } from './support/iam.js';
import { eventsIamMatrix, iamMatrix, roleOf } from './support/iam-matrix.js';
import { startOffline } from './support/offline.js';
import { type CfnTemplate, packageService, sls } from './support/serverless.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface Packaged {
  template: CfnTemplate;
  path: string;
  /** The Manifest the template is checked against. */
  manifest: Manifest;
}

const packages = new Map<string, Promise<Packaged>>();

/**
 * `sls package` of a fixture for a stage, once for the whole file: several describes check the same
 * template (packaging is most of this file's time). The Manifest is discovered in-process, not with
 * `sls gantry routes --json` (an osls start each); 'fixture notes in detail' checks the command
 * prints the same.
 */
function packaged(fixture: string, stage: string): Promise<Packaged> {
  const key = `${fixture} ${stage}`;
  let built = packages.get(key);
  if (!built) {
    const cwd = join(fixtures, fixture);
    built = Promise.all([packageService(cwd, stage), discoveredManifest(cwd, stage)]).then(([pkg, manifest]) => ({
      ...pkg,
      manifest,
    }));
    packages.set(key, built);
  }
  return built;
}

const cases = [
  { fixture: 'notes', stages: ['dev', 'prod'], production: 'prod' },
  { fixture: 'accounts', stages: ['dev', 'live'], production: 'live' },
  { fixture: 'members', stages: ['dev', 'prod'], production: 'prod' },
  { fixture: 'events', stages: ['dev', 'prod'], production: 'prod' },
];

describe.each(cases)('sls package of fixture $fixture', ({ fixture, stages, production }) => {
  const built: Record<string, Packaged> = {};

  beforeAll(async () => {
    // One stage after the other: serverless-esbuild copies every package into the service's
    // `.serverless/` whatever `--package` says, so two at once in one folder collide.
    for (const stage of stages) built[stage] = await packaged(fixture, stage);
  });

  it.each(stages)('%s: one Lambda per decorated method, each on its own role, no shared role for them', (stage) => {
    const { template, manifest } = built[stage] ?? expect.unreachable();
    expect(manifest.functions.length).toBeGreaterThan(0);
    const roleIds = new Set<string>();
    for (const fn of manifest.functions) {
      const { roleId, role } = roleOf(template, fn.name);
      expect(roleId).not.toBe('IamRoleLambdaExecution');
      expect(role.Properties.RoleName.length).toBeLessThanOrEqual(64);
      roleIds.add(roleId);
    }
    expect(roleIds.size).toBe(manifest.functions.length);
  });

  it.each(stages)(
    '%s: IAM allows exactly the access contract, per function × table × index × action',
    async (stage) => {
      const { template, manifest } = built[stage] ?? expect.unreachable();
      const { mismatches, allowed, tableActions } = await iamMatrix(template, manifest, stage);
      expect(tableActions).toEqual(
        expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteTable']),
      );
      expect(mismatches).toEqual([]);
      expect(allowed).toBeGreaterThan(0);
    },
  );

  it.runIf(fixture === 'notes')(
    "dev: the narrow levels allow exactly their actions: 'create' cannot delete or batch, ['read', 'delete'] cannot put",
    async () => {
      const { template, manifest } = built.dev ?? expect.unreachable();
      const notes = `arn:aws:dynamodb:${TEST_DEPLOYMENT.region}:${TEST_DEPLOYMENT.accountId}:table/${manifest.service}-dev-notes`;
      const audit = notes.replace(/notes$/, 'audit');
      const verdicts = async (fnName: string, resource: string, actions: string[]) => {
        const { statements, roleArn } = roleOf(template, fnName);
        const out: Record<string, string> = {};
        for (const action of actions) {
          out[action] = await simulate(
            statements,
            { action: `dynamodb:${action}`, resource, roleArn },
            TEST_DEPLOYMENT,
          );
        }
        return out;
      };
      const probe = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'GetItem', 'ConditionCheckItem'];
      // @uses(Notes, 'create')
      expect(await verdicts('notes-api-create', notes, probe)).toEqual({
        PutItem: 'Allowed',
        UpdateItem: 'ImplicitlyDenied',
        DeleteItem: 'ImplicitlyDenied',
        BatchWriteItem: 'ImplicitlyDenied',
        GetItem: 'ImplicitlyDenied',
        ConditionCheckItem: 'Allowed',
      });
      // @uses(Audit, ['create', 'update'])
      expect(await verdicts('notes-api-create', audit, probe)).toEqual({
        PutItem: 'Allowed',
        UpdateItem: 'Allowed',
        DeleteItem: 'ImplicitlyDenied',
        BatchWriteItem: 'ImplicitlyDenied',
        GetItem: 'ImplicitlyDenied',
        ConditionCheckItem: 'Allowed',
      });
      // @uses(Notes, ['read', 'delete'])
      expect(await verdicts('notes-api-remove', notes, probe)).toEqual({
        PutItem: 'ImplicitlyDenied',
        UpdateItem: 'ImplicitlyDenied',
        DeleteItem: 'Allowed',
        BatchWriteItem: 'ImplicitlyDenied',
        GetItem: 'Allowed',
        ConditionCheckItem: 'Allowed',
      });
      expect(manifest.functions.find((f) => f.name === 'notes-api-remove')?.uses).toEqual([
        { table: 'notes', access: ['read', 'delete'] },
      ]);
    },
  );

  it.each(stages)('%s: each function may write logs to its own log group only', async (stage) => {
    const { template, manifest } = built[stage] ?? expect.unreachable();
    const logGroup = (fnName: string) =>
      `arn:aws:logs:${TEST_DEPLOYMENT.region}:${TEST_DEPLOYMENT.accountId}:log-group:/aws/lambda/${roleOf(template, fnName).lambda.Properties.FunctionName}`;
    const [first, second] = manifest.functions;
    if (!first || !second) throw new Error('fixture needs two functions');
    const { statements, roleArn } = roleOf(template, first.name);
    const verdict = (action: string, resource: string) =>
      simulate(statements, { action, resource, roleArn }, TEST_DEPLOYMENT);
    expect(await verdict('logs:CreateLogStream', `${logGroup(first.name)}:log-stream:2026/11/27/[$LATEST]abc`)).toBe(
      'Allowed',
    );
    expect(await verdict('logs:PutLogEvents', `${logGroup(first.name)}:log-stream:2026/11/27/[$LATEST]abc`)).toBe(
      'Allowed',
    );
    expect(await verdict('logs:PutLogEvents', `${logGroup(second.name)}:log-stream:x`)).toBe('ImplicitlyDenied');
    expect(await verdict('logs:CreateLogStream', `${logGroup(second.name)}:log-stream:x`)).toBe('ImplicitlyDenied');
    expect(await verdict('logs:DeleteLogGroup', logGroup(first.name))).toBe('ImplicitlyDenied');
  });

  it.each(stages)('%s: passes cfn-guard (Control Tower IAM rules + no wildcards)', (stage) => {
    const { path } = built[stage] ?? expect.unreachable();
    const result = guardIam(path);
    expect(result.output).not.toMatch(/FAIL/);
    expect(result.status).toBe(0);
  });

  // Every stage's template in one cfn-lint run: its start-up is most of a run's time.
  let lint: ReturnType<typeof cfnLintEach> | undefined;
  it.each(stages)('%s: lints with 0 errors and 0 warnings (cfn-lint)', (stage) => {
    const { path } = built[stage] ?? expect.unreachable();
    lint ??= cfnLintEach(stages.map((s) => built[s]?.path ?? expect.unreachable()));
    const all = [...lint.findings.values()].flat();
    expect(lint.findings.get(path)).toEqual([]);
    // The run's status is every template's: 0 when none has a finding (all of them shown if one has).
    expect(lint.status, all.join('\n')).toBe(0);
  });

  it.each(stages)(
    "%s: every log group has a retention; routes throttled at 100/s on development stages and only at the account's quota in production, or their own; a JSON access log only in production",
    (stage) => {
      const { template, manifest } = built[stage] ?? expect.unreachable();
      const isProduction = stage === production;
      const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');
      expect(logGroups.length).toBeGreaterThan(0);
      for (const [, group] of logGroups) expect(group.Properties?.RetentionInDays).toBe(isProduction ? 90 : 14);
      const [[, stageResource] = expect.unreachable()] = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage');
      // Production: API Gateway's account quota, written out (an earlier lower limit would otherwise stay).
      const stageDefault = isProduction
        ? { ThrottlingBurstLimit: 5000, ThrottlingRateLimit: 10000 }
        : { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 };
      // Production stages have a dashboard, which reads the per-route (detailed) metrics.
      const metrics = isProduction ? { DetailedMetricsEnabled: true } : {};
      expect(stageResource.Properties?.DefaultRouteSettings).toMatchObject({
        ...stageDefault,
        DetailedMetricsEnabled: isProduction,
      });
      // Every route has its settings: its own throttle, else the stage's; the stage waits for the routes.
      const routes = manifest.functions.flatMap((f) => f.routes);
      expect(stageResource.Properties?.RouteSettings).toEqual(
        Object.fromEntries(
          routes.map((r) => [
            `${r.method} ${r.path}`,
            r.throttle
              ? { ...metrics, ThrottlingBurstLimit: r.throttle.burst, ThrottlingRateLimit: r.throttle.rate }
              : { ...metrics, ...stageDefault },
          ]),
        ),
      );
      const keys = new Set(routes.map((r) => `${r.method} ${r.path}`));
      const routeIds = resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
        .filter(([, r]) => keys.has(String(r.Properties?.RouteKey)))
        .map(([id]) => id);
      expect(routeIds.length).toBe(keys.size);
      expect(stageResource.DependsOn).toEqual(expect.arrayContaining(routeIds));
      if (fixture === 'notes') {
        expect(stageResource.Properties?.RouteSettings).toMatchObject({
          'POST /notes': { ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 },
        });
      }
      const accessLog = stageResource.Properties?.AccessLogSettings as
        | { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string }
        | undefined;
      expect(Boolean(accessLog)).toBe(isProduction);
      if (accessLog) {
        const destination = template.Resources[accessLog.DestinationArn['Fn::GetAtt'][0]];
        expect(destination?.Type).toBe('AWS::Logs::LogGroup');
        expect(destination?.Properties?.RetentionInDays).toBe(90);
        expect(JSON.parse(accessLog.Format)).toMatchObject({
          requestId: '$context.requestId',
          sourceIp: '$context.identity.sourceIp',
          routeKey: '$context.routeKey',
          status: '$context.status',
          responseLatency: '$context.responseLatency',
          integrationError: '$context.integrationErrorMessage',
        });
      }
    },
  );

  it.each(stages)('%s: alarms, a composite alarm, its encrypted topic and a dashboard only in production', (stage) => {
    const { template, manifest } = built[stage] ?? expect.unreachable();
    const isProduction = stage === production;
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    const composite = resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm');
    const dashboards = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
    if (!isProduction) {
      expect([...alarms, ...composite, ...dashboards]).toEqual([]);
      return;
    }
    // At least error rate, throttles and duration per function, each named <service>-<stage>-….
    expect(alarms.length).toBeGreaterThanOrEqual(3 * manifest.functions.length);
    for (const [, alarm] of alarms) {
      expect(String(alarm.Properties?.AlarmName)).toMatch(new RegExp(`^${manifest.service}-${stage}-`));
      expect(alarm.Properties?.AlarmActions).toBeUndefined();
    }
    const [[, serviceAlarm] = expect.unreachable()] = composite;
    expect(serviceAlarm.Properties?.AlarmActions).toEqual([{ Ref: 'GantryAlarmTopic' }]);
    expect(template.Resources.GantryAlarmTopic?.Properties?.KmsMasterKeyId).toEqual({ Ref: 'GantryAlarmTopicKey' });
    expect(dashboards).toHaveLength(1);
    expect(template.Outputs?.DashboardUrl).toBeDefined();
  });

  it.each(stages)(
    '%s: stage-scoped tables, on demand; retained with PITR and deletion protection only in production',
    (stage) => {
      const { template, manifest } = built[stage] ?? expect.unreachable();
      const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');
      expect(tables.map(([, t]) => t.Properties?.TableName).sort()).toEqual(
        manifest.tables.map((t) => `${manifest.service}-${stage}-${t.name}`).sort(),
      );
      for (const [, table] of tables) {
        expect(table.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
        const isProduction = stage === production;
        expect(table.DeletionPolicy).toBe(isProduction ? 'Retain' : 'Delete');
        expect(table.UpdateReplacePolicy).toBe(isProduction ? 'Retain' : 'Delete');
        expect(Boolean(table.Properties?.PointInTimeRecoverySpecification)).toBe(isProduction);
        expect(table.Properties?.DeletionProtectionEnabled).toBe(isProduction ? true : undefined);
      }
    },
  );

  it.each(stages)('%s: routes, table-name environment and outputs', (stage) => {
    const { template, manifest } = built[stage] ?? expect.unreachable();
    const routeKeys = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties?.RouteKey);
    for (const fn of manifest.functions) {
      for (const route of fn.routes) {
        expect(routeKeys).toContain(route.method === 'ANY' ? `ANY ${route.path}` : `${route.method} ${route.path}`);
      }
      const env = (
        roleOf(template, fn.name).lambda.Properties as unknown as { Environment: { Variables: Record<string, string> } }
      ).Environment.Variables;
      for (const use of fn.uses) {
        const table = manifest.tables.find((t) => t.name === use.table);
        expect(env[table?.envVar ?? '']).toBe(`${manifest.service}-${stage}-${use.table}`);
      }
    }
    expect(Object.keys(template.Outputs ?? {})).toEqual(
      expect.arrayContaining([
        'HttpApiUrl',
        ...manifest.tables.map((t) => `${t.name[0]?.toUpperCase()}${t.name.slice(1)}TableName`),
      ]),
    );
  });
});

describe('fixture members: a user pool per stage', () => {
  const built: Record<string, CfnTemplate> = {};

  beforeAll(async () => {
    for (const stage of ['dev', 'prod']) built[stage] = (await packaged('members', stage)).template;
  });

  it.each(['dev', 'prod'])('%s: a pool, a public PKCE client, a managed sign-in domain, and outputs', (stage) => {
    const template = built[stage] ?? expect.unreachable();
    const [[poolId, pool] = expect.unreachable()] = resourcesOfType(template, 'AWS::Cognito::UserPool');
    expect(pool.Properties?.UserPoolName).toBe(`fixture-members-${stage}`);
    const [[clientId, client] = expect.unreachable()] = resourcesOfType(template, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      UserPoolId: { Ref: poolId },
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      // The deployed page, then the URL the service lists.
      CallbackURLs: [
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] }, '/']] },
        'http://localhost:5173/',
      ],
    });
    expect(client.Properties?.ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    const [[, domain] = expect.unreachable()] = resourcesOfType(template, 'AWS::Cognito::UserPoolDomain');
    expect(domain.Properties).toEqual({
      Domain: { 'Fn::Sub': `fixture-members-${stage}-\${AWS::AccountId}` },
      UserPoolId: { Ref: poolId },
    });
    expect(template.Outputs).toMatchObject({
      UserPoolIssuerUrl: { Value: { 'Fn::Sub': `https://cognito-idp.\${AWS::Region}.amazonaws.com/\${${poolId}}` } },
      UserPoolClientId: { Value: { Ref: clientId } },
      SignInUrl: {
        Value: {
          'Fn::Sub': `https://fixture-members-${stage}-\${AWS::AccountId}.auth.\${AWS::Region}.amazoncognito.com`,
        },
      },
    });
  });

  it.each(['dev', 'prod'])(
    "%s: the routes' JWT authorizer trusts the pool for its client, with the route's scopes",
    (stage) => {
      const template = built[stage] ?? expect.unreachable();
      const [[authorizerId, authorizer] = expect.unreachable()] = resourcesOfType(
        template,
        'AWS::ApiGatewayV2::Authorizer',
      );
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Issuer: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}' },
          Audience: [{ Ref: 'UserPoolClient' }],
        },
      });
      const routes = Object.fromEntries(
        resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties?.RouteKey, r.Properties]),
      );
      expect(routes['GET /me']).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      expect(routes['PUT /me']).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: ['profile'] });
      expect(routes['GET /']?.AuthorizerId).toBeUndefined();
    },
  );

  it('users are data: the production pool is retained with deletion protection, the dev pool is not', () => {
    const pool = (stage: string) =>
      resourcesOfType(built[stage] ?? expect.unreachable(), 'AWS::Cognito::UserPool')[0]?.[1];
    expect(pool('prod')).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { DeletionProtection: 'ACTIVE' },
    });
    expect(pool('dev')).toMatchObject({
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: { DeletionProtection: 'INACTIVE' },
    });
  });

  it('only the page function learns the issuer and the public client id', () => {
    const template = built.prod ?? expect.unreachable();
    const variables = (name: string) =>
      (roleOf(template, name).lambda.Properties as unknown as { Environment?: { Variables: Record<string, unknown> } })
        .Environment?.Variables ?? {};
    // Besides the kit's metrics settings (GANTRY_SERVICE, GANTRY_STAGE, GANTRY_FUNCTION), which every function gets.
    expect(variables('members-api-page')).toEqual({
      GANTRY_SERVICE: 'fixture-members',
      GANTRY_STAGE: 'prod',
      GANTRY_FUNCTION: 'members-api-page',
      GANTRY_OIDC_ISSUER: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}' },
      GANTRY_OIDC_CLIENT_ID: { Ref: 'UserPoolClient' },
    });
    expect(variables('members-api-read')).not.toHaveProperty('GANTRY_OIDC_CLIENT_ID');
  });
});

describe('fixture notes in detail', () => {
  const cwd = join(fixtures, 'notes');

  it('prints the route table with methods, paths, functions, tables and access', async () => {
    const result = await sls(cwd, ['gantry', 'routes']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^METHOD\s+PATH\s+FUNCTION\s+USES$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^POST\s+\/notes\s+notes-api-create\s+audit \(create, update\), notes \(create\)$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^DELETE\s+\/notes\/\{id\}\s+notes-api-remove\s+notes \(read, delete\)$/),
    );
  });

  it('prints the Manifest as JSON on stdout and nothing else', async () => {
    const result = await sls(cwd, ['gantry', 'routes', '--json', '--stage', 'qa']);
    const manifest = JSON.parse(result.stdout) as Manifest;
    // The Manifest this file checks every template against (discovered in-process) is the one printed.
    expect(manifest).toEqual(await discoveredManifest(cwd, 'qa'));
    expect(manifest.functions.find((f) => f.name === 'notes-api-read')).toMatchObject({
      routes: [{ method: 'GET', path: '/notes/{id}' }],
      uses: [{ table: 'notes', access: 'read' }],
    });
    expect(manifest.tables.find((t) => t.name === 'notes')).toMatchObject({
      tableName: 'fixture-notes-qa-notes',
      indexes: [{ name: 'byOwner' }],
    });
  });

  it('shows generated functions and resources in sls print', async () => {
    const result = await sls(cwd, ['print', '--format', 'json']);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as {
      functions: Record<string, unknown>;
      resources: { Resources: Record<string, unknown> };
    };
    expect(Object.keys(printed.functions)).toContain('notes-api-create');
    expect(Object.keys(printed.resources.Resources)).toContain('NotesApiCreateRole');
  });

  it('runs a generated function with sls invoke local', async () => {
    const event = JSON.stringify({ rawPath: '/notes', requestContext: { http: { method: 'GET' } } });
    // LOG_LEVEL=silent keeps the kit's request log line out of stdout, which then holds the response only.
    const result = await sls(cwd, ['invoke', 'local', '-f', 'notes-api-list', '--data', event], {
      LOG_LEVEL: 'silent',
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.slice(result.stdout.indexOf('{')))).toMatchObject({ statusCode: 200, body: '[]' });
  });

  it('serves the generated routes under sls offline', async () => {
    const offline = await startOffline(cwd);
    try {
      const list = await fetch(`${offline.url}/notes`);
      expect(list.status).toBe(200);
      expect(await list.json()).toEqual([]);
      const created = await fetch(`${offline.url}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":',
      });
      expect(created.status).toBe(400);
      expect(await created.json()).toMatchObject({ error: { code: 'malformed_json' } });
    } finally {
      await offline.stop();
    }
  });

  it('lets sls deploy function -f find a generated function (stopping only for lack of credentials)', async () => {
    const noCredentials = {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_CONFIG_FILE: '/nonexistent',
    };
    const found = await sls(cwd, ['deploy', 'function', '-f', 'notes-api-read'], noCredentials);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain('AWS provider credentials not found');
    const missing = await sls(cwd, ['deploy', 'function', '-f', 'notes-api-nope'], noCredentials);
    expect(missing.stdout).toContain('Function "notes-api-nope" doesn\'t exist in this Service');
  });
});

describe('fixture accounts in detail', () => {
  it('keeps hand-written functions and resources, adds JWT scopes and user statements', async () => {
    // The dev stage's template (a stage with no settings of its own, as any but prod and live).
    const { template } = await packaged('accounts', 'dev');
    expect(template.Resources.LegacyLambdaFunction).toBeDefined();
    expect(template.Resources.UploadsBucket).toBeDefined();
    const routes = Object.fromEntries(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties?.RouteKey, r.Properties]),
    );
    expect(routes['PATCH /accounts/{tenant}/{id}']).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizationScopes: ['accounts:write'],
    });
    expect(routes['GET /accounts/{tenant}/{id}']).toMatchObject({ AuthorizationScopes: ['accounts:read'] });
    expect(routes['GET /accounts/health']?.AuthorizationType).toBeUndefined();
    expect(routes['ANY /admin/{proxy+}']).toMatchObject({ AuthorizationScopes: ['admin'] });

    const { statements, roleArn, lambda } = roleOf(template, 'accounts-api-update');
    expect(lambda.Properties).toMatchObject({
      MemorySize: 1024,
      Timeout: 29,
      Description: 'Updates an account',
      ReservedConcurrentExecutions: 5,
    });
    const upload = 'arn:aws:s3:::uploadsbucket/accounts/42.json';
    const verdict = (action: string, resource: string) =>
      simulate(statements, { action, resource, roleArn }, TEST_DEPLOYMENT);
    expect(await verdict('s3:PutObject', upload)).toBe('Allowed');
    expect(await verdict('s3:PutObject', 'arn:aws:s3:::uploadsbucket/other/42.json')).toBe('ImplicitlyDenied');
    expect(await verdict('s3:GetObject', upload)).toBe('ImplicitlyDenied');
  });
});

describe('fixture events: queues, schedules and table changes', () => {
  const built: Record<string, Packaged> = {};

  beforeAll(async () => {
    for (const stage of ['dev', 'prod']) built[stage] = await packaged('events', stage);
  });

  it.each(['dev', 'prod'])(
    '%s: IAM allows exactly what each function declares, per function × queue and stream × action',
    async (stage) => {
      const { template, manifest } = built[stage] ?? expect.unreachable();
      const { mismatches, allowed } = await eventsIamMatrix(template, manifest);
      expect(mismatches).toEqual([]);
      // create sends to jobs; fulfil consumes jobs (4) and sends receipts; receipt consumes receipts (4);
      // count reads the orders stream (3) and sends failed batches to failures.
      expect(allowed).toBe(1 + 4 + 1 + 4 + 3 + 1);
    },
  );

  it('queues: stage-scoped names, FIFO, encryption, dead-letter queue and redrive, visibility from the consumer', () => {
    const { template } = built.dev ?? expect.unreachable();
    const queues = Object.fromEntries(
      resourcesOfType(template, 'AWS::SQS::Queue').map(([id, q]) => [id, q.Properties as Record<string, unknown>]),
    );
    expect(queues.JobsQueue).toEqual({
      QueueName: 'fixture-events-dev-jobs',
      // six times the consumer's 20 s timeout
      VisibilityTimeout: 120,
      MessageRetentionPeriod: 345600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['JobsDeadLetterQueue', 'Arn'] }, maxReceiveCount: 3 },
    });
    expect(queues.JobsDeadLetterQueue).toEqual({
      QueueName: 'fixture-events-dev-jobs-dlq',
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
      // Only its own queue may use it (CT.SQS.PR.1); by name, as a GetAtt would be a cycle.
      RedriveAllowPolicy: {
        redrivePermission: 'byQueue',
        sourceQueueArns: [
          { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:fixture-events-dev-jobs' },
        ],
      },
    });
    expect(queues.ReceiptsQueue).toMatchObject({
      QueueName: 'fixture-events-dev-receipts.fifo',
      FifoQueue: true,
      ContentBasedDeduplication: true,
      VisibilityTimeout: 36,
    });
    expect(queues.FailuresQueue).toMatchObject({ QueueName: 'fixture-events-dev-failures', VisibilityTimeout: 30 });
    expect(template.Outputs?.JobsQueueUrl).toMatchObject({ Value: { Ref: 'JobsQueue' } });
    const create = roleOf(template, 'orders-api-create').lambda.Properties as unknown as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(create.Environment.Variables.GANTRY_QUEUE_JOBS).toEqual({ Ref: 'JobsQueue' });
  });

  it('event source mappings report partial batch failures; the stream one retries, then sends to the failure queue', () => {
    const { template } = built.dev ?? expect.unreachable();
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(
      ([, m]) => m.Properties as Record<string, unknown>,
    );
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings) expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mappings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ EventSourceArn: { 'Fn::GetAtt': ['JobsQueue', 'Arn'] }, BatchSize: 5 }),
        expect.objectContaining({ EventSourceArn: { 'Fn::GetAtt': ['ReceiptsQueue', 'Arn'] }, BatchSize: 10 }),
        expect.objectContaining({
          EventSourceArn: { 'Fn::GetAtt': ['OrdersTable', 'StreamArn'] },
          BatchSize: 100,
          StartingPosition: 'LATEST',
          MaximumRetryAttempts: 3,
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailuresQueue', 'Arn'] } } },
        }),
      ]),
    );
    const orders = template.Resources.OrdersTable?.Properties as Record<string, unknown>;
    expect(orders.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it.each(['dev', 'prod'])(
    '%s: schedules run through a role of their own that may invoke that function alone',
    async (stage) => {
      const { template } = built[stage] ?? expect.unreachable();
      const schedules = resourcesOfType(template, 'AWS::Scheduler::Schedule').map(
        ([, r]) => r.Properties as Record<string, unknown>,
      );
      expect(schedules).toEqual([
        expect.objectContaining({
          Name: `fixture-events-${stage}-order-work-purge`,
          ScheduleExpression: 'cron(0 3 * * ? *)',
          ScheduleExpressionTimezone: 'Europe/Berlin',
          FlexibleTimeWindow: { Mode: 'OFF' },
          // custom.gantry.stages.dev.schedules: false
          State: stage === 'prod' ? 'ENABLED' : 'DISABLED',
          Target: expect.objectContaining({ Input: '{"olderThanDays":30}' }),
        }),
        expect.objectContaining({
          Name: `fixture-events-${stage}-order-work-purge-2`,
          ScheduleExpression: 'rate(12 hours)',
          Target: expect.objectContaining({ Input: '{}' }),
        }),
      ]);
      const target = schedules[0]?.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } };
      const roleId = target.RoleArn['Fn::GetAtt'][0];
      const role = template.Resources[roleId]?.Properties as {
        RoleName: string;
        AssumeRolePolicyDocument: { Statement: { Principal: unknown }[] };
        Policies: { PolicyDocument: { Statement: unknown[] } }[];
      };
      expect(role.AssumeRolePolicyDocument.Statement.map((s) => s.Principal)).toEqual([
        { Service: ['scheduler.amazonaws.com'] },
      ]);
      const statements = resolveIntrinsics(
        role.Policies.flatMap((p) => p.PolicyDocument.Statement),
        template,
        TEST_DEPLOYMENT,
      ) as unknown[];
      const roleArn = `arn:aws:iam::${TEST_DEPLOYMENT.accountId}:role/${role.RoleName}`;
      const functionArn = (fn: string) =>
        `arn:aws:lambda:${TEST_DEPLOYMENT.region}:${TEST_DEPLOYMENT.accountId}:function:${roleOf(template, fn).lambda.Properties.FunctionName}`;
      const invoke = (fn: string) =>
        simulate(statements, { action: 'lambda:InvokeFunction', resource: functionArn(fn), roleArn }, TEST_DEPLOYMENT);
      expect(await invoke('order-work-purge')).toBe('Allowed');
      expect(await invoke('order-work-count')).toBe('ImplicitlyDenied');
      expect(await invoke('orders-api-create')).toBe('ImplicitlyDenied');
    },
  );
});
