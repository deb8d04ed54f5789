import { describe, expect, it } from 'vitest';
import { resolveStageOptions } from '../src/config.js';
import {
  COMPLIANT_LOG_RETENTION_DAYS,
  compliantRetention,
  encryptLogGroups,
  STAGE_KEY_ARN,
  STAGE_KEY_ID,
  stageKeyResource,
} from '../src/generate/compliance.js';
import { deploymentBucketObject, hardenDeploymentBucket } from '../src/generate/deployment-bucket.js';
import { generateService } from '../src/generate/service.js';
import type { Manifest, ManifestQueue } from '../src/manifest.js';
import { manifestFunction, manifestTable } from './support/manifest.js';

const options = (config: Record<string, unknown> = {}) =>
  resolveStageOptions(config, { service: 'shop', stage: 'prod', region: 'eu-west-1' });

const jobs: ManifestQueue = {
  name: 'jobs',
  queueName: 'shop-prod-jobs',
  envVar: 'GANTRY_QUEUE_JOBS',
  fifo: false,
  visibilityTimeout: 60,
  retentionPeriod: 345_600,
  deadLetter: { maxReceiveCount: 3, queueName: 'shop-prod-jobs-dlq' },
  source: 'src/queues.ts',
};

const manifest: Manifest = {
  service: 'shop',
  stage: 'prod',
  tables: [manifestTable('notes', { tableName: 'shop-prod-notes', stream: 'NEW_IMAGE' })],
  queues: [jobs],
  functions: [
    manifestFunction('reader', { uses: [{ table: 'notes', access: 'read' }] }),
    manifestFunction('sender', { sends: ['jobs'] }),
    manifestFunction('consumer', { triggers: [{ type: 'queue', queue: 'jobs', batchSize: 10, maxBatchingWindow: 0 }] }),
    manifestFunction('watcher', {
      triggers: [{ type: 'change', table: 'notes', batchSize: 100, startingPosition: 'LATEST', retries: -1 }],
    }),
    manifestFunction('plain'),
  ],
};

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resource = {
  Type: string;
  Properties: Record<string, unknown> & { Policies?: { PolicyDocument: { Statement: Statement[] } }[] };
};

const generate = (compliance: boolean) =>
  generateService(manifest, options(compliance ? { compliance: true } : {}), { authorizers: [] }).resources as Record<
    string,
    Resource
  >;
const statements = (resources: Record<string, Resource>, role: string) =>
  resources[role]?.Properties.Policies?.[0]?.PolicyDocument.Statement ?? [];
const kmsStatements = (resources: Record<string, Resource>, role: string) =>
  statements(resources, role).filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));

describe('compliance off vs on (custom.gantry.compliance)', () => {
  const off = generate(false);
  const on = generate(true);

  it('adds exactly one resource, the stage key, rotated, kept like the tables', () => {
    expect(Object.keys(on).filter((id) => !(id in off))).toEqual([STAGE_KEY_ID]);
    expect(Object.keys(off).filter((id) => !(id in on))).toEqual([]);
    expect(on[STAGE_KEY_ID]).toMatchObject({
      Type: 'AWS::KMS::Key',
      DeletionPolicy: 'Retain',
      Properties: { EnableKeyRotation: true },
    });
    expect(options().compliance).toBe(false);
  });

  it("key policy: the account, CloudWatch Logs for exactly the stage's log groups, grants only for AWS services", () => {
    const policy = on[STAGE_KEY_ID]?.Properties.KeyPolicy as { Statement: Statement[] & { Principal?: unknown }[] };
    const [account, logs, grants] = policy.Statement as (Statement & { Principal: unknown })[];
    expect(account).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Sub': expect.stringContaining(':root') } },
    });
    expect(logs?.Principal).toEqual({ Service: { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' } });
    const condition = logs?.Condition as { ArnEquals: Record<string, { 'Fn::Sub': string }[]> };
    const arns = condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']?.map(
      (arn) => arn['Fn::Sub'].split(':log-group:')[1],
    );
    // Every function's log group and the production stage's HTTP API access log; nothing else.
    expect(arns).toEqual([
      '/aws/lambda/shop-prod-reader',
      '/aws/lambda/shop-prod-sender',
      '/aws/lambda/shop-prod-consumer',
      '/aws/lambda/shop-prod-watcher',
      '/aws/lambda/shop-prod-plain',
      '/aws/http-api/shop-prod',
    ]);
    expect(grants).toMatchObject({ Effect: 'Deny', Action: 'kms:CreateGrant' });
  });

  it('tables: SSE with the stage key only when on', () => {
    expect(off.NotesTable?.Properties).not.toHaveProperty('SSESpecification');
    expect(on.NotesTable?.Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: STAGE_KEY_ARN,
    });
    const { SSESpecification: _, ...rest } = on.NotesTable?.Properties ?? {};
    expect(rest).toEqual(off.NotesTable?.Properties);
  });

  it('queues and their dead-letter queues: the stage key instead of SQS-managed keys', () => {
    for (const id of ['JobsQueue', 'JobsDeadLetterQueue']) {
      expect(off[id]?.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      expect(off[id]?.Properties).not.toHaveProperty('KmsMasterKeyId');
      expect(on[id]?.Properties).toMatchObject({ KmsMasterKeyId: STAGE_KEY_ARN });
      expect(on[id]?.Properties).not.toHaveProperty('SqsManagedSseEnabled');
    }
    // On every stage the dead-letter queue takes messages from its own queue only (CT.SQS.PR.1).
    expect(off.JobsDeadLetterQueue?.Properties.RedriveAllowPolicy).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:shop-prod-jobs' }],
    });
  });

  it('roles: exactly the KMS actions each use needs, on the stage key only, through that service only', () => {
    for (const role of Object.keys(off).filter((id) => off[id]?.Type === 'AWS::IAM::Role')) {
      expect(kmsStatements(off, role), role).toEqual([]);
      // Turning compliance on only adds statements.
      expect(statements(on, role).slice(0, statements(off, role).length)).toEqual(statements(off, role));
    }
    const via = (service: string) => ({
      StringEquals: { 'kms:ViaService': { 'Fn::Sub': `${service}.\${AWS::Region}.amazonaws.com` } },
    });
    const dynamodb = {
      Sid: 'StageKeyViaDynamoDB',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: [STAGE_KEY_ARN],
      Condition: via('dynamodb'),
    };
    const sqs = (actions: string[]) => ({
      Sid: 'StageKeyViaSqs',
      Effect: 'Allow',
      Action: actions,
      Resource: [STAGE_KEY_ARN],
      Condition: via('sqs'),
    });
    expect(kmsStatements(on, 'ReaderRole')).toEqual([dynamodb]);
    expect(kmsStatements(on, 'WatcherRole')).toEqual([dynamodb]);
    expect(kmsStatements(on, 'SenderRole')).toEqual([sqs(['kms:Decrypt', 'kms:GenerateDataKey'])]);
    expect(kmsStatements(on, 'ConsumerRole')).toEqual([sqs(['kms:Decrypt'])]);
    expect(kmsStatements(on, 'PlainRole')).toEqual([]);
  });
});

describe("osls's log groups (after:package:compileEvents)", () => {
  it('provider.logRetentionInDays: at least a year, a longer one kept', () => {
    expect([30, 365, 731].map(compliantRetention)).toEqual([365, 365, 731]);
  });

  it('get the stage key and a year of retention; one the key does not list yet is added to its policy', () => {
    const key = stageKeyResource({ service: 'shop', stage: 'prod', retain: true }, ['/aws/lambda/shop-prod-a']);
    const resources: Record<string, { Type: string; Properties: Record<string, unknown> }> = {
      ALogGroup: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: '/aws/lambda/shop-prod-a', RetentionInDays: 30 },
      },
      HandWrittenLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: '/aws/lambda/shop-prod-legacy', RetentionInDays: 731 },
      },
      Other: { Type: 'AWS::SQS::Queue', Properties: {} },
    };
    encryptLogGroups(resources, key);
    expect(resources.ALogGroup?.Properties).toEqual({
      LogGroupName: '/aws/lambda/shop-prod-a',
      RetentionInDays: COMPLIANT_LOG_RETENTION_DAYS,
      KmsKeyId: STAGE_KEY_ARN,
    });
    expect(resources.HandWrittenLogGroup?.Properties).toMatchObject({ RetentionInDays: 731, KmsKeyId: STAGE_KEY_ARN });
    expect(resources.Other?.Properties).toEqual({});
    const listed = JSON.stringify(key.Properties.KeyPolicy.Statement[1]);
    expect(listed).toContain('/aws/lambda/shop-prod-a');
    expect(listed).toContain('/aws/lambda/shop-prod-legacy');
  });
});

describe("osls's deployment bucket on production stages", () => {
  it('versioning and the public access block unless written otherwise; a named bucket is left alone', () => {
    expect(deploymentBucketObject(undefined, undefined)).toEqual({ versioning: true, blockPublicAccess: true });
    expect(deploymentBucketObject({ versioning: false, tags: { a: 'b' } }, undefined)).toEqual({
      versioning: false,
      blockPublicAccess: true,
      tags: { a: 'b' },
    });
    expect(deploymentBucketObject({ name: 'mine' }, 'mine')).toEqual({ name: 'mine' });
    expect(deploymentBucketObject(undefined, 'mine')).toBeUndefined();
  });

  it("SSE-KMS, lifecycle, EventBridge; osls's TLS-only statement rewritten, other statements kept", () => {
    const resources = {
      ServerlessDeploymentBucket: { Type: 'AWS::S3::Bucket', Properties: {} as Record<string, unknown> },
      ServerlessDeploymentBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': false } } },
              { Sid: 'Mine', Effect: 'Deny' },
            ],
          },
        } as Record<string, unknown>,
      },
    };
    expect(hardenDeploymentBucket(resources)).toBe(true);
    expect(resources.ServerlessDeploymentBucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
      LifecycleConfiguration: { Rules: [{ Status: 'Enabled' }] },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    const statement = (resources.ServerlessDeploymentBucketPolicy.Properties.PolicyDocument as { Statement: unknown[] })
      .Statement;
    expect(statement).toEqual([
      expect.objectContaining({ Sid: 'TlsRequestsOnly', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      { Sid: 'Mine', Effect: 'Deny' },
    ]);
    expect(hardenDeploymentBucket({})).toBe(false);
  });
});
