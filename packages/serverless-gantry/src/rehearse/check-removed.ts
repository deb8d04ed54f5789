import { GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { ListEventSourceMappingsCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { bucketNameIn } from '../generate/names.js';
import type { AwsClients } from './aws-clients.js';
import { type Check, expectEqual, probe } from './check.js';
import { expectedPoolName } from './check-user-pool.js';
import type { Expected } from './expected.js';

/**
 * After `sls remove`: the stage's stack and everything in it are gone (queues, mappings, schedules
 * and their roles included), except the tables, buckets and user pool whose deletion policy is
 * Retain (production stages), which must still be there. The emulator holds only this rehearsal, so anything left is
 * the stage's.
 */
export async function checkRemoved(aws: AwsClients, expected: Expected): Promise<Check[]> {
  return probe('after remove', async () => {
    const stacks = await aws.cloudFormation.send(new DescribeStacksCommand({})).then(
      (r) => (r.Stacks ?? []).filter((s) => s.StackStatus !== 'DELETE_COMPLETE').map((s) => s.StackName),
      () => [],
    );
    const tables = (await aws.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
    const functions = ((await aws.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map(
      (f) => f.FunctionName,
    );
    const roles = ((await aws.iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName);
    const apis = ((await aws.apiGateway.send(new GetApisCommand({}))).Items ?? []).map((a) => a.Name);
    const groups = ((await aws.logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName);
    const buckets = ((await aws.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
    const pools = ((await aws.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? []).map(
      (p) => p.Name,
    );
    const queues = (await aws.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    const mappings = ((await aws.lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? []).map(
      (m) => `${m.EventSourceArn} → ${m.FunctionArn}`,
    );
    const schedules = (await aws.scheduler.listSchedules('')).map((s) => s.name);
    const retained = expected.options.retain ? expected.manifest.tables.map((t) => t.tableName).sort() : [];
    const accountId = (await aws.sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
    const retainedBuckets = expected.options.retain
      ? (expected.manifest.buckets ?? [])
          .map((b) => bucketNameIn(b.bucketName, { accountId, region: expected.region }))
          .sort()
      : [];
    // Users are data: a stage that retains its tables retains its pool (DeletionPolicy Retain).
    const poolName = expectedPoolName(expected);
    const retainedPools = expected.options.retain && poolName ? [poolName] : [];
    return [
      expectEqual('after remove: stacks', stacks, []),
      expectEqual(`after remove: tables (retained: ${retained.length})`, tables.sort(), retained),
      expectEqual('after remove: functions', functions, []),
      expectEqual('after remove: roles', roles, []),
      expectEqual('after remove: queues', queues, []),
      expectEqual('after remove: event source mappings', mappings, []),
      expectEqual('after remove: schedules', schedules, []),
      expectEqual('after remove: HTTP APIs', apis, []),
      expectEqual('after remove: log groups', groups, []),
      expectEqual(`after remove: buckets (retained: ${retainedBuckets.length})`, buckets.sort(), retainedBuckets),
      ...(poolName
        ? [expectEqual(`after remove: user pools (retained: ${retainedPools.length})`, pools, retainedPools)]
        : []),
    ];
  });
}
