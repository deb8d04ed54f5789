import {
  accessActions,
  accessReads,
  accessWriteActions,
  BUCKET_LEVEL_ACTIONS,
  type IamStatement,
} from '@gantry/decorators';
import type { ManifestBucket, ManifestFunction, ManifestTable } from '../manifest.js';
import { bucketArn, bucketObjectsArn } from './buckets.js';
import { dynamoDbKeyStatement, sqsKeyStatement } from './compliance.js';
import { pascal, tableLogicalId } from './names.js';
import { queueArn } from './queues.js';

/** What Lambda's event source mapping does with a consumer's role on its queue: receive, delete, hide longer, read its settings. */
export const QUEUE_CONSUMER_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
] as const;

/**
 * What Lambda's event source mapping does with a consumer's role on a table's stream. Not
 * `dynamodb:ListStreams`: it applies to no resource (IAM needs `"Resource": "*"` for it, which Gantry
 * never writes), and the mapping is given the stream's ARN, so it has nothing to list.
 */
export const STREAM_CONSUMER_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
] as const;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

const READ_ACTIONS = accessActions('read');

/**
 * The statements of one function's role: writing to its own log group, exactly the DynamoDB actions
 * of each `uses` (its levels, `accessActions`) on exactly that table (its indexes only for reads, only when it has indexes),
 * sending to each queue it `uses(Q, 'send')` or sends failed change batches to, consuming the queue
 * it consumes, reading the stream of the table whose changes it consumes, and the statements the
 * user wrote in `@fn({ iamStatements })`. Nothing else. With `stageKey` (`compliance`: tables and
 * queues encrypted with the stage's KMS key), also the key actions those uses need, on that key only.
 * With `tracing` (the user turned X-Ray on), X-Ray's two write actions (`XRAY_WRITE_ACTIONS`).
 * For each bucket it uses, `bucketStatements`; a bucket's trigger grants nothing (S3 invokes the
 * function with its own permission).
 */
export function functionPolicyStatements(
  fn: ManifestFunction,
  tables: ManifestTable[],
  deployedName: string,
  stageKey = false,
  tracing = false,
  buckets: ManifestBucket[] = [],
): PolicyStatement[] {
  const logGroup = `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${deployedName}`;
  const statements: PolicyStatement[] = [
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // Both actions apply to log streams, whose names Lambda picks at run time: `:*` covers the
      // streams of this function's own log group and nothing else.
      Resource: { 'Fn::Sub': `${logGroup}:*` },
    },
  ];
  for (const use of fn.uses) {
    const table = tables.find((t) => t.name === use.table);
    if (!table) throw new Error(`Manifest names table '${use.table}' in ${fn.name} but does not define it`);
    const arn = { 'Fn::GetAtt': [tableLogicalId(table.name), 'Arn'] };
    if (accessReads(use.access)) {
      const resources: unknown[] = [arn];
      if (table.indexes.length > 0) resources.push({ 'Fn::Sub': `\${${tableLogicalId(table.name)}.Arn}/index/*` });
      statements.push({ Sid: `Read${pascal(table.name)}`, Effect: 'Allow', Action: READ_ACTIONS, Resource: resources });
    }
    // Exactly the write actions of the declared levels: `create` alone is PutItem and ConditionCheckItem.
    const writeActions = accessWriteActions(use.access);
    if (writeActions.length > 0) {
      statements.push({ Sid: `Write${pascal(table.name)}`, Effect: 'Allow', Action: writeActions, Resource: [arn] });
    }
  }
  const sendsTo = new Set(fn.sends);
  for (const trigger of fn.triggers) {
    if (trigger.type === 'queue') {
      statements.push({
        Sid: `Consume${pascal(trigger.queue)}`,
        Effect: 'Allow',
        Action: [...QUEUE_CONSUMER_ACTIONS],
        Resource: [queueArn(trigger.queue)],
      });
    } else if (trigger.type === 'change') {
      statements.push({
        Sid: `Changes${pascal(trigger.table)}`,
        Effect: 'Allow',
        Action: [...STREAM_CONSUMER_ACTIONS],
        Resource: [{ 'Fn::GetAtt': [tableLogicalId(trigger.table), 'StreamArn'] }],
      });
      // Lambda sends the record of a batch it gives up with the function's own role.
      if (trigger.onFailure) sendsTo.add(trigger.onFailure);
    }
  }
  for (const queue of sendsTo) {
    statements.push({
      Sid: `Send${pascal(queue)}`,
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [queueArn(queue)],
    });
  }
  if (stageKey) {
    const consumesQueue = fn.triggers.some((t) => t.type === 'queue');
    const usesDynamoDb = fn.uses.length > 0 || fn.triggers.some((t) => t.type === 'change');
    if (usesDynamoDb) statements.push(dynamoDbKeyStatement());
    if (sendsTo.size > 0 || consumesQueue) statements.push(sqsKeyStatement(sendsTo.size > 0));
  }
  statements.push(...bucketStatements(fn, buckets));
  if (tracing) statements.push(xrayStatement());
  return [...statements, ...(fn.config.iamStatements ?? []).map((s: IamStatement) => ({ ...s }))];
}

/**
 * The statements of a function's bucket uses (the contract of `BUCKET_LEVEL_ACTIONS`): per bucket
 * and prefix, the object actions of its levels on `<bucket>/<prefix>*` only, and for `list`,
 * `s3:ListBucket` on the bucket with `s3:prefix` held to the prefix (without a prefix, the whole
 * bucket was declared). No level lists more than that, so a key outside it is answered 403, never
 * 404. Sids: `Objects<Bucket>`, `List<Bucket>`; a bucket's further prefixes add `Prefix2`, `Prefix3`.
 * Encryption needs nothing here: with `compliance`, buckets use AWS's managed key for S3, whose
 * key policy lets the account's principals use it through S3.
 */
export function bucketStatements(fn: ManifestFunction, buckets: ManifestBucket[]): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const seen = new Map<string, number>();
  for (const use of fn.buckets ?? []) {
    const bucket = buckets.find((b) => b.name === use.bucket);
    if (!bucket) throw new Error(`Manifest names bucket '${use.bucket}' in ${fn.name} but does not define it`);
    const nth = (seen.get(use.bucket) ?? 0) + 1;
    seen.set(use.bucket, nth);
    const sid = `${pascal(bucket.name)}${nth === 1 ? '' : `Prefix${nth}`}`;
    const objectActions = use.access
      .filter((level) => level !== 'list')
      .flatMap((level) => BUCKET_LEVEL_ACTIONS[level]);
    if (objectActions.length > 0) {
      statements.push({
        Sid: `Objects${sid}`,
        Effect: 'Allow',
        Action: [...new Set(objectActions)],
        Resource: [bucketObjectsArn(bucket, use.prefix)],
      });
    }
    if (use.access.includes('list')) {
      statements.push({
        Sid: `List${sid}`,
        Effect: 'Allow',
        Action: [...BUCKET_LEVEL_ACTIONS.list],
        Resource: [bucketArn(bucket)],
        ...(use.prefix !== undefined ? { Condition: { StringLike: { 's3:prefix': `${use.prefix}*` } } } : {}),
      });
    }
  }
  return statements;
}

/** What Lambda's active tracing and the X-Ray SDK send traces with. */
export const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

/**
 * The one statement with Resource "*" Gantry writes, and only when the user turns tracing on: X-Ray's
 * write actions support no resource-level permissions (AWS's service authorization reference lists
 * no resource type for them), so IAM accepts no narrower resource. test/guard/no-wildcards.guard
 * allows "*" for a statement of these actions alone.
 */
function xrayStatement(): PolicyStatement {
  return { Sid: 'XRayTraces', Effect: 'Allow', Action: [...XRAY_WRITE_ACTIONS], Resource: '*' };
}

/** The function's own role, trusted by Lambda only. */
export function functionRole(roleName: string, policyName: string, statements: PolicyStatement[]) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: roleName,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
      },
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}
