import type { Manifest } from '../../src/manifest.js';
import { resolveIntrinsics, resourcesOfType, TEST_DEPLOYMENT, TEST_STREAM_LABEL } from './cfn.js';
import { actionsOn, dynamodbActionsOn, simulate } from './iam.js';
import type { CfnTemplate } from './serverless.js';

// The access contract, written out here independently of the implementation (README of
// @gantry/decorators): reads on the table and (Query/Scan apply to) its indexes; every other level
// on the table alone. A list grants the union of its levels.
const CONTRACT: Record<string, readonly string[]> = {
  read: ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'ConditionCheckItem'],
  create: ['PutItem', 'ConditionCheckItem'],
  update: ['UpdateItem', 'ConditionCheckItem'],
  delete: ['DeleteItem', 'ConditionCheckItem'],
  write: ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'ConditionCheckItem'],
  readwrite: [
    'GetItem',
    'BatchGetItem',
    'Query',
    'Scan',
    'ConditionCheckItem',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
    'BatchWriteItem',
  ],
};
type AccessIn = string | readonly string[] | undefined;
const levels = (access: AccessIn): readonly string[] =>
  access === undefined ? [] : typeof access === 'string' ? [access] : access;
const allowedOnTable = (access: AccessIn, action: string) =>
  levels(access).some((level) => (CONTRACT[level] ?? []).some((a) => `dynamodb:${a}` === action));
const allowedOnIndex = (access: AccessIn, action: string) =>
  levels(access).some((level) => level === 'read' || level === 'readwrite') &&
  (CONTRACT.read ?? []).some((a) => `dynamodb:${a}` === action);

type Role = { Properties: { RoleName: string; Policies: { PolicyDocument: { Statement: unknown[] } }[] } };
type LambdaFn = { Properties: { Handler: string; FunctionName: string; Role: { 'Fn::GetAtt': [string, string] } } };

/** The role a generated function runs with, found through the template's own wiring. */
export function roleOf(template: CfnTemplate, functionName: string) {
  const found = resourcesOfType(template, 'AWS::Lambda::Function').find(
    ([, r]) => (r as unknown as LambdaFn).Properties.Handler === `.gantry/entries/${functionName}.handler`,
  );
  if (!found) throw new Error(`no Lambda function for ${functionName}`);
  const lambda = found[1] as unknown as LambdaFn;
  const roleId = lambda.Properties.Role['Fn::GetAtt'][0];
  const role = template.Resources[roleId] as unknown as Role;
  const statements = resolveIntrinsics(
    role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement),
    template,
    TEST_DEPLOYMENT,
  ) as unknown[];
  const roleArn = `arn:aws:iam::${TEST_DEPLOYMENT.accountId}:role/${role.Properties.RoleName}`;
  return { lambda, roleId, role, statements, roleArn };
}

const tableArn = (name: string) =>
  `arn:aws:dynamodb:${TEST_DEPLOYMENT.region}:${TEST_DEPLOYMENT.accountId}:table/${name}`;

/**
 * Evaluates every generated role with the independent simulator over function × table (plus one
 * the service never declared) × index × every DynamoDB action AWS lists for tables and indexes, and
 * returns where the verdict differs from the access contract, and how many requests were allowed.
 */
export async function iamMatrix(template: CfnTemplate, manifest: Manifest, stage: string) {
  const tableActions = await dynamodbActionsOn('table');
  const indexActions = await dynamodbActionsOn('index');
  const mismatches: string[] = [];
  let allowed = 0;
  for (const fn of manifest.functions) {
    const { statements, roleArn } = roleOf(template, fn.name);
    const check = async (action: string, resource: string, expected: boolean) => {
      const verdict = await simulate(statements, { action, resource, roleArn }, TEST_DEPLOYMENT);
      if ((verdict === 'Allowed') !== expected) mismatches.push(`${fn.name}: ${action} on ${resource} → ${verdict}`);
      if (verdict === 'Allowed') allowed++;
    };
    const undeclared = {
      name: 'undeclared',
      tableName: `${manifest.service}-${stage}-undeclared`,
      indexes: [{ name: 'any' }],
    };
    for (const table of [...manifest.tables, undeclared]) {
      const access = fn.uses.find((u) => u.table === table.name)?.access;
      for (const action of tableActions) await check(action, tableArn(table.tableName), allowedOnTable(access, action));
      for (const index of table.indexes) {
        for (const action of indexActions) {
          await check(action, `${tableArn(table.tableName)}/index/${index.name}`, allowedOnIndex(access, action));
        }
      }
    }
  }
  return { mismatches, allowed, tableActions };
}

// The events contract, written out independently of the implementation (decorators' README):
// `@uses(Q, 'send')` and a change consumer's onFailure queue → SendMessage; `@consumes(Q)` → what
// Lambda's SQS mapping needs; `@onChange(T)` → what its stream mapping needs, on that stream only.
const QUEUE_CONSUMER = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
];
const STREAM_CONSUMER = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];

/**
 * Every generated role over function × queue (and one never declared) × every SQS action on a queue,
 * and function × table stream × every DynamoDB action on a stream: where the verdict differs from
 * the events contract, and how many requests were allowed.
 */
export async function eventsIamMatrix(template: CfnTemplate, manifest: Manifest) {
  const queueActions = await actionsOn('sqs', 'queue');
  const streamActions = await dynamodbActionsOn('stream');
  const at = TEST_DEPLOYMENT;
  const queueArn = (name: string) => `arn:aws:sqs:${at.region}:${at.accountId}:${name}`;
  const mismatches: string[] = [];
  let allowed = 0;
  for (const fn of manifest.functions) {
    const { statements, roleArn } = roleOf(template, fn.name);
    const check = async (action: string, resource: string, expected: boolean) => {
      const verdict = await simulate(statements, { action, resource, roleArn }, at);
      if ((verdict === 'Allowed') !== expected) mismatches.push(`${fn.name}: ${action} on ${resource} → ${verdict}`);
      if (verdict === 'Allowed') allowed++;
    };
    const consumes = new Set(fn.triggers.flatMap((t) => (t.type === 'queue' ? [t.queue] : [])));
    const sends = new Set([
      ...fn.sends,
      ...fn.triggers.flatMap((t) => (t.type === 'change' && t.onFailure ? [t.onFailure] : [])),
    ]);
    const changes = new Set(fn.triggers.flatMap((t) => (t.type === 'change' ? [t.table] : [])));
    const undeclared = { name: 'undeclared', queueName: `${manifest.service}-undeclared`, deadLetter: undefined };
    for (const queue of [...manifest.queues, undeclared]) {
      const names = [queue.queueName, ...(queue.deadLetter ? [queue.deadLetter.queueName] : [])];
      for (const [i, name] of names.entries()) {
        const main = i === 0; // nothing is granted on a dead-letter queue
        for (const action of queueActions) {
          const expected =
            main &&
            ((action === 'sqs:SendMessage' && sends.has(queue.name)) ||
              (QUEUE_CONSUMER.includes(action) && consumes.has(queue.name)));
          await check(action, queueArn(name), expected);
        }
      }
    }
    for (const table of manifest.tables) {
      const stream = `arn:aws:dynamodb:${at.region}:${at.accountId}:table/${table.tableName}/stream/${TEST_STREAM_LABEL}`;
      for (const action of streamActions)
        await check(action, stream, STREAM_CONSUMER.includes(action) && changes.has(table.name));
    }
  }
  return { mismatches, allowed };
}
