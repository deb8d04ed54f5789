import { GetAuthorizerCommand, GetIntegrationsCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import { DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { oslsFunctionStem, queueOutputId, tableLogicalId, tableOutputId } from '../generate/names.js';
import type { AwsClients } from './aws-clients.js';
import { type Check, expectEqual, fail, pass, probe } from './check.js';
import { checkBuckets } from './check-buckets.js';
import { checkEventSourceMappings, checkQueues, checkSchedules } from './check-events.js';
import { checkOperations } from './check-operations.js';
import { checkRole, type RoleResource } from './check-role.js';
import { apiEndpoint, checkUserPool } from './check-user-pool.js';
import type { Expected } from './expected.js';
import { resolveIntrinsics, type StackValues } from './intrinsics.js';

/** Everything the stack should hold after a deploy, checked against the emulator: one Check per fact. */
export async function checkStack(aws: AwsClients, expected: Expected): Promise<Check[]> {
  const stack = (await aws.cloudFormation.send(new DescribeStacksCommand({ StackName: expected.stackName })))
    .Stacks?.[0];
  const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  const identity = await aws.sts.send(new GetCallerIdentityCommand({}));
  const at: StackValues = {
    partition: 'aws',
    region: expected.region,
    accountId: identity.Account ?? '',
    arns: {},
    refs: {},
    attributes: {},
  };
  // Statements written by the user may name other resources of the stack (a bucket's Arn); the page's
  // environment names the user pool and its client (Ref).
  const resources = await aws.cloudFormation.send(new ListStackResourcesCommand({ StackName: expected.stackName }));
  for (const r of resources.StackResourceSummaries ?? []) {
    if (!r.LogicalResourceId || !r.PhysicalResourceId) continue;
    if (at.refs) at.refs[r.LogicalResourceId] = r.PhysicalResourceId;
    if (r.ResourceType === 'AWS::S3::Bucket') {
      at.arns[r.LogicalResourceId] = `arn:${at.partition}:s3:::${r.PhysicalResourceId}`;
    }
    // A KMS key's physical ID is its key id; the roles name the stage key (`compliance`) by its ARN.
    if (r.ResourceType === 'AWS::KMS::Key') {
      at.arns[r.LogicalResourceId] = `arn:${at.partition}:kms:${at.region}:${at.accountId}:key/${r.PhysicalResourceId}`;
    }
  }
  const endpoint = await apiEndpoint(aws, outputs.HttpApiId);
  if (endpoint && at.attributes) at.attributes['HttpApi.ApiEndpoint'] = endpoint;
  const checks: Check[] = [];
  // Tables, queues and functions first: they give the ARNs the roles, mappings and schedules name.
  for (const table of expected.manifest.tables) checks.push(...(await checkTable(aws, expected, table.name, at)));
  checks.push(...(await checkQueues(aws, expected, at)));
  for (const fn of expected.manifest.functions) checks.push(...(await checkFunction(aws, expected, fn.name, at)));
  // After the functions: a bucket's notifications name their ARNs.
  checks.push(...(await checkBuckets(aws, expected, at)));
  checks.push(...(await checkEventSourceMappings(aws, expected, at)));
  checks.push(...(await checkSchedules(aws, expected, at)));
  checks.push(...(await checkHttpApi(aws, expected, outputs)));
  checks.push(...(await checkOutputs(aws, expected, outputs)));
  checks.push(...(await checkUserPool(aws, expected, outputs, at)));
  checks.push(...(await checkOperations(aws, expected, outputs)));
  return checks;
}

async function checkTable(aws: AwsClients, expected: Expected, name: string, at: StackValues): Promise<Check[]> {
  const table = expected.manifest.tables.find((t) => t.name === name);
  if (!table) return [];
  const label = `table ${table.tableName}`;
  return probe(label, async () => {
    const found = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: table.tableName }))).Table;
    const consumed = expected.manifest.functions.some((f) =>
      f.triggers.some((t) => t.type === 'change' && t.table === table.name),
    );
    const logicalId = tableLogicalId(table.name);
    if (found?.TableArn) at.arns[logicalId] = found.TableArn;
    if (found?.LatestStreamArn && at.attributes) at.attributes[`${logicalId}.StreamArn`] = found.LatestStreamArn;
    const keys = [
      { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
      ...(table.sortKey ? [{ AttributeName: table.sortKey.name, KeyType: 'RANGE' }] : []),
    ];
    const indexes = (found?.GlobalSecondaryIndexes ?? []).map((i) => ({
      name: i.IndexName,
      keys: i.KeySchema?.map((k) => k.AttributeName),
    }));
    const ttl = (await aws.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table.tableName })))
      .TimeToLiveDescription;
    const pitr = (await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table.tableName })))
      .ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
    return [
      expectEqual(`${label}: keys`, found?.KeySchema, keys),
      expectEqual(
        `${label}: indexes`,
        indexes,
        table.indexes.map((i) => ({
          name: i.name,
          keys: [i.partitionKey.name, ...(i.sortKey ? [i.sortKey.name] : [])],
        })),
      ),
      expectEqual(`${label}: TTL`, ttl?.TimeToLiveStatus === 'ENABLED' ? ttl.AttributeName : undefined, table.ttl),
      expectEqual(`${label}: billing`, found?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST'),
      expectEqual(`${label}: point-in-time recovery`, pitr === 'ENABLED', expected.options.pointInTimeRecovery),
      expectEqual(
        `${label}: deletion protection`,
        found?.DeletionProtectionEnabled ?? false,
        expected.options.deletionProtection,
      ),
      // A table whose changes a function consumes has a stream, with the view its declaration asks for.
      expectEqual(
        `${label}: stream`,
        found?.StreamSpecification?.StreamEnabled ? found.StreamSpecification.StreamViewType : 'none',
        table.stream ?? (consumed ? 'a stream, for its change consumers' : 'none'),
      ),
      ...(table.stream
        ? [
            found?.LatestStreamArn?.startsWith(`${found.TableArn}/stream/`)
              ? pass(`${label}: stream ARN`)
              : fail(
                  `${label}: stream ARN`,
                  `${found?.LatestStreamArn ?? 'none'} is not a stream of ${found?.TableArn}`,
                ),
          ]
        : []),
    ];
  });
}

async function checkFunction(aws: AwsClients, expected: Expected, key: string, at: StackValues): Promise<Check[]> {
  const config = expected.fragment.functions[key] as {
    name: string;
    role: string;
    environment: Record<string, string>;
  };
  const role = expected.fragment.resources[config.role] as unknown as RoleResource | undefined;
  const label = `function ${config.name}`;
  return probe(label, async () => {
    const deployed = await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: config.name }));
    const size = expected.sizes[key];
    const env = deployed.Environment?.Variables ?? {};
    // Values Gantry writes as intrinsics (the user pool's issuer) compare as the stack resolved them.
    const missing = Object.entries(config.environment).filter(
      ([name, value]) => env[name] !== resolveIntrinsics(value, at),
    );
    // Schedules and their roles name the function by this ARN.
    if (deployed.FunctionArn) at.arns[`${oslsFunctionStem(key)}LambdaFunction`] = deployed.FunctionArn;
    const checks = [
      expectEqual(`${label}: runtime`, deployed.Runtime, expected.runtime),
      expectEqual(`${label}: memory`, deployed.MemorySize, size?.memory),
      expectEqual(`${label}: timeout`, deployed.Timeout, size?.timeout),
      missing.length === 0
        ? pass(`${label}: environment`)
        : fail(`${label}: environment`, `missing or different: ${missing.map(([n]) => n).join(', ')}`),
    ];
    if (!role) return [...checks, fail(`${label}: role`, `no generated role ${config.role}`)];
    const found = await checkRole(aws, `role ${role.Properties.RoleName}`, role, at);
    checks.push(expectEqual(`${label}: role`, deployed.Role, found.arn));
    checks.push(...found.checks);
    return checks;
  });
}

async function checkHttpApi(aws: AwsClients, expected: Expected, outputs: Record<string, string>): Promise<Check[]> {
  const ApiId = outputs.HttpApiId;
  const routes = expected.manifest.functions.flatMap((fn) => fn.routes.map((route) => ({ fn, route })));
  if (routes.length === 0) return [];
  if (!ApiId) return [fail('HTTP API', 'the stack has no HttpApiId output')];
  return probe('HTTP API', async () => {
    const deployedRoutes = (await aws.apiGateway.send(new GetRoutesCommand({ ApiId }))).Items ?? [];
    const integrations = (await aws.apiGateway.send(new GetIntegrationsCommand({ ApiId }))).Items ?? [];
    // Every Manifest route is deployed; other routes may come from functions written in serverless.yml.
    const keys = new Set(deployedRoutes.map((r) => r.RouteKey));
    const missing = routes.map(({ route }) => `${route.method} ${route.path}`).filter((key) => !keys.has(key));
    const checks: Check[] = [
      missing.length === 0
        ? pass(`HTTP API: the Manifest's ${routes.length} routes`)
        : fail('HTTP API: routes', `missing ${missing.join(', ')}`),
    ];
    for (const { fn, route } of routes) {
      const key = `${route.method} ${route.path}`;
      const label = `route ${key}`;
      const deployed = deployedRoutes.find((r) => r.RouteKey === key);
      if (!deployed) continue;
      const integration = integrations.find((i) => `integrations/${i.IntegrationId}` === deployed.Target);
      const name = (expected.fragment.functions[fn.name] as { name: string }).name;
      checks.push(
        integration?.IntegrationUri?.endsWith(`:function:${name}`) && integration.PayloadFormatVersion === '2.0'
          ? pass(`${label}: integration → ${name} (payload 2.0)`)
          : fail(
              `${label}: integration`,
              `target ${deployed.Target} → ${integration?.IntegrationUri ?? 'no integration'}`,
            ),
      );
      if (route.auth) {
        // One by one: moto 5.2.1 does not list an API's authorizers (GetAuthorizers).
        const authorizer = deployed.AuthorizerId
          ? await aws.apiGateway.send(new GetAuthorizerCommand({ ApiId, AuthorizerId: deployed.AuthorizerId }))
          : undefined;
        checks.push(
          deployed.AuthorizationType === 'JWT' && authorizer
            ? expectEqual(
                `${label}: JWT authorizer ${authorizer.Name}`,
                deployed.AuthorizationScopes ?? [],
                route.auth.scopes ?? [],
              )
            : fail(
                `${label}: authorizer`,
                `authorization ${deployed.AuthorizationType ?? 'NONE'}, authorizer ${deployed.AuthorizerId ?? 'none'}`,
              ),
        );
      } else {
        checks.push(expectEqual(`${label}: public`, deployed.AuthorizationType ?? 'NONE', 'NONE'));
      }
    }
    return checks;
  });
}

export async function checkLogGroups(aws: AwsClients, expected: Expected): Promise<Check[]> {
  const checks: Check[] = [];
  for (const fn of expected.manifest.functions) {
    const name = `/aws/lambda/${(expected.fragment.functions[fn.name] as { name: string }).name}`;
    checks.push(
      ...(await probe(`log group ${name}`, async () => {
        const groups =
          (await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups ?? [];
        const group = groups.find((g) => g.logGroupName === name);
        return group
          ? expectEqual(`log group ${name}: retention`, group.retentionInDays, expected.logRetentionInDays)
          : fail(`log group ${name}`, 'missing');
      })),
    );
  }
  return checks;
}

async function checkOutputs(aws: AwsClients, expected: Expected, outputs: Record<string, string>): Promise<Check[]> {
  const wanted = [
    ...Object.keys(expected.fragment.outputs),
    ...(expected.manifest.functions.some((f) => f.routes.length > 0) ? ['HttpApiUrl', 'HttpApiId'] : []),
  ];
  const checks = wanted.map((key) =>
    outputs[key] ? pass(`output ${key} = ${outputs[key]}`) : fail(`output ${key}`, 'missing or empty'),
  );
  for (const table of expected.manifest.tables) {
    const key = tableOutputId(table.name);
    if (outputs[key]) checks.push(expectEqual(`output ${key}: the table's name`, outputs[key], table.tableName));
  }
  for (const queue of expected.manifest.queues) {
    const key = queueOutputId(queue.name);
    if (!outputs[key]) continue;
    checks.push(
      ...(await probe(`output ${key}`, async () => {
        const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: queue.queueName }));
        return expectEqual(`output ${key}: the queue's URL`, outputs[key], QueueUrl);
      })),
    );
  }
  return checks;
}
