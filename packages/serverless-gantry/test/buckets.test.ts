import { api, bucket, get, onObjectCreated, onObjectRemoved, post, readClassMetadata, uses } from '@gantry/decorators';
import { describe, expect, it } from 'vitest';
import { buildFromModules } from '../src/build-service.js';
import { resolveStageOptions } from '../src/config.js';
import type { LoadedModule } from '../src/discover/build-manifest.js';
import { checkForeignDeclarations } from '../src/discover/foreign-declarations.js';
import { GantryBuildError } from '../src/errors.js';
import { entryFile } from '../src/generate/entries.js';
import { bucketNameIn } from '../src/generate/names.js';
import type { ServiceFragment } from '../src/generate/service.js';

// Discovery and generation together, on decorated classes: what the plugin does at `initialize`,
// without the file system or Serverless.

const Uploads = bucket('uploads', { lifecycle: { expireAfterDays: 90 } });
const Archive = bucket('archive', { cors: false, versioned: true });
const Avatars = bucket('avatars', {
  cors: { origins: ['https://app.example.com'], maxAgeSeconds: 600 },
  versioned: false,
  lifecycle: { abortIncompleteUploadsAfterDays: 3 },
});

@api('/files', { cors: true })
class FilesApi {
  @post('/uploads')
  @uses(Uploads, 'write', { prefix: 'incoming/' })
  static sign() {}

  @get('/{key}')
  @uses(Uploads, 'read')
  @uses(Uploads, 'list', { prefix: 'incoming/' })
  @uses(Uploads, ['read'], { prefix: 'incoming/' })
  static read() {}

  @get('/avatars/{key}')
  @uses(Avatars, ['read', 'delete'])
  @uses(Archive, 'write')
  static avatar() {}
}

class FileWork {
  @onObjectCreated(Uploads, { prefix: 'incoming/', suffix: '.jpg' })
  @onObjectCreated(Uploads, { prefix: 'incoming/', suffix: '.png' })
  static scan() {}

  @onObjectRemoved(Uploads, { prefix: 'incoming/' })
  static forget() {}
}

const modules: LoadedModule[] = [
  { file: 'src/resources.ts', exports: { Uploads, Archive, Avatars } },
  { file: 'src/files.ts', exports: { FilesApi, FileWork } },
];

const options = (stage: string, config: Record<string, unknown> = {}, service = 'files') =>
  resolveStageOptions(
    { cors: { origins: ['https://app.example.com'] }, ...config },
    {
      service,
      stage,
      region: 'eu-west-1',
    },
  );

type Resource = { Type: string; Properties: Record<string, unknown>; [key: string]: unknown };
type Statement = { Sid: string; Effect: string; Action: string[]; Resource: unknown[]; Condition?: unknown };

function build(stage: string, config: Record<string, unknown> = {}, mods = modules, service = 'files') {
  const { manifest, fragment } = buildFromModules(mods, options(stage, config, service), { authorizers: [] });
  const resources = fragment.resources as Record<string, Resource>;
  return { manifest, fragment, resources };
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof GantryBuildError) return error.problems;
    throw error;
  }
  throw new Error('expected a GantryBuildError');
}

const statementsOf = (resources: Record<string, Resource>, role: string) => {
  const policies = (resources[role]?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies[0]?.PolicyDocument.Statement ?? [];
};
const s3Statements = (resources: Record<string, Resource>, role: string) =>
  statementsOf(resources, role).filter((s) => s.Action.some((a) => a.startsWith('s3:')));
const environmentOf = (fragment: ServiceFragment, fn: string) =>
  fragment.functions[fn]?.environment as Record<string, unknown>;

const uploadsName = 'files-dev-uploads-${AWS::AccountId}-${AWS::Region}';
const uploadsArn = `arn:\${AWS::Partition}:s3:::${uploadsName}`;

describe('discovery: buckets in the Manifest', () => {
  it('lists each bucket with its deployed name, environment variable and lifecycle defaults', () => {
    const { manifest } = build('dev');
    expect(manifest.buckets).toEqual([
      {
        name: 'uploads',
        bucketName: uploadsName,
        envVar: 'GANTRY_BUCKET_UPLOADS',
        cors: true,
        lifecycle: { expireAfterDays: 90, abortIncompleteUploadsAfterDays: 1, noncurrentVersionsExpireAfterDays: 30 },
        source: 'src/resources.ts',
      },
      expect.objectContaining({ name: 'archive', cors: false, versioned: true }),
      expect.objectContaining({
        name: 'avatars',
        versioned: false,
        lifecycle: { abortIncompleteUploadsAfterDays: 3, noncurrentVersionsExpireAfterDays: 30 },
      }),
    ]);
    expect(bucketNameIn(uploadsName, { accountId: '123456789012', region: 'eu-west-1' })).toBe(
      'files-dev-uploads-123456789012-eu-west-1',
    );
  });

  it('gives each function one use per bucket and prefix, levels combined, and its object triggers', () => {
    const { manifest } = build('dev');
    const byName = Object.fromEntries(manifest.functions.map((f) => [f.name, f]));
    expect(byName['files-api-sign']?.buckets).toEqual([{ bucket: 'uploads', access: ['write'], prefix: 'incoming/' }]);
    expect(byName['files-api-read']?.buckets).toEqual([
      { bucket: 'uploads', access: ['read', 'list'], prefix: 'incoming/' },
      { bucket: 'uploads', access: ['read'] },
    ]);
    expect(byName['file-work-scan']?.buckets).toBeUndefined();
    expect(byName['file-work-scan']?.triggers).toEqual([
      { type: 'object', bucket: 'uploads', events: 'created', prefix: 'incoming/', suffix: '.jpg' },
      { type: 'object', bucket: 'uploads', events: 'created', prefix: 'incoming/', suffix: '.png' },
    ]);
    expect(byName['file-work-forget']?.triggers).toEqual([
      { type: 'object', bucket: 'uploads', events: 'removed', prefix: 'incoming/' },
    ]);
  });

  it('leaves a Manifest without buckets as it was before buckets existed', () => {
    const { manifest } = build('dev', {}, [{ file: 'src/plain.ts', exports: {} }]);
    expect(manifest).toEqual({ service: 'files', stage: 'dev', functions: [], tables: [], queues: [] });
  });

  it('refuses two different buckets with one name, naming both modules', () => {
    const other = bucket('uploads', { versioned: true });
    class Other {
      @onObjectCreated(other, { prefix: 'other/' })
      static run() {}
    }
    expect(problemsOf(() => build('dev', {}, [...modules, { file: 'src/other.ts', exports: { Other } }]))).toEqual([
      "src/other.ts › Other.run: a second, different bucket is named 'uploads' (first in src/resources.ts); give each bucket its own name.",
    ]);
  });

  it('refuses triggers of one event whose keys overlap, as S3 would, and accepts ones that cannot match one key', () => {
    // FileWork.scan (created, incoming/ and .jpg) and FileWork.forget (removed, incoming/) are another event each.
    class Overlap {
      @onObjectCreated(Uploads, { prefix: 'incoming/photos/' })
      static photos() {}

      @onObjectCreated(Uploads, { prefix: 'elsewhere/', suffix: '.jpg' })
      static elsewhere() {}
    }
    expect(problemsOf(() => build('dev', {}, [...modules, { file: 'src/overlap.ts', exports: { Overlap } }]))).toEqual([
      "src/overlap.ts › Overlap.photos: @onObjectCreated(uploads, { prefix: 'incoming/photos/' }) overlaps @onObjectCreated(uploads, { prefix: 'incoming/', suffix: '.jpg' }) of src/files.ts › FileWork.scan: S3 refuses two notifications for the same event whose prefix and suffix could both match one key; give them prefixes (or suffixes) where neither starts (or ends) with the other, or handle both in one method.",
    ]);
  });

  it("reports the decorators' problems, bad lifecycle days and a route beside an object trigger", () => {
    const Bad = bucket('bad', {
      versioned: false,
      lifecycle: { expireAfterDays: 0.5, noncurrentVersionsExpireAfterDays: 7 },
    });
    class Mixed {
      @get('/mixed')
      @onObjectCreated(Bad)
      @uses(Bad, 'readwrite' as never)
      static run() {}
    }
    expect(problemsOf(() => build('dev', {}, [{ file: 'src/mixed.ts', exports: { Mixed } }]))).toEqual([
      `src/mixed.ts › Mixed.run: uses(bad) access "readwrite" is not a bucket access level or a non-empty list of them: use one of 'read', 'write', 'delete', 'list', or a list such as ['read', 'write'].`,
      'src/mixed.ts › Mixed.run: a method is either served by routes or run by events (@onObjectCreated/@onObjectRemoved); move the event work into a method of its own.',
      "src/mixed.ts › bucket 'bad': lifecycle.expireAfterDays is 0.5; S3's lifecycle rules count whole days from 1: give a whole number of at least 1.",
      "src/mixed.ts › bucket 'bad': lifecycle.noncurrentVersionsExpireAfterDays applies to versioned buckets only, and this one is declared versioned: false; remove one of them.",
    ]);
  });
});

describe("discovery: another service's bucket", () => {
  it('refuses @uses and object triggers of a bucket another service declares, with the rule and the fix', () => {
    const Invoices = bucket('invoices');
    class Billing {
      @onObjectCreated(Invoices)
      @uses(Invoices, 'read')
      static copy() {}
    }
    const record = readClassMetadata(Billing)?.methods.copy ?? expect.unreachable();
    const problems: string[] = [];
    const elsewhere = {
      file: '../billing/src/buckets.ts',
      owner: { kind: 'service' as const, dir: '../billing', config: 'serverless.yml' },
    };
    checkForeignDeclarations(
      record,
      (value) => (value === Invoices ? elsewhere : undefined),
      'src/b.ts › Billing.copy',
      problems,
    );
    const rule =
      "a bucket belongs to the service whose folder holds the file that declares it (the nearest folder above it with a serverless config), or, when a package.json comes first, to each service that uses that package; a function uses only its own service's buckets, since Gantry deploys a copy of each it names as '<service>-<stage>-<name>-<account>-<region>'";
    // One problem per declaration, from its first naming (uses are read before triggers).
    expect(problems).toEqual([
      `src/b.ts › Billing.copy: @uses(invoices, 'read') names bucket 'invoices', declared in ../billing/src/buckets.ts, which belongs to another service (../billing/serverless.yml): ${rule}. Fix: let that service's own functions (../billing) read or write it, e.g. one that signs an upload or download URL this service's page asks for, or declare a bucket in this service.`,
    ]);
    const triggerOnly = { ...record, uses: [] };
    const more: string[] = [];
    checkForeignDeclarations(triggerOnly, () => elsewhere, 'src/b.ts › Billing.copy', more);
    expect(more).toEqual([
      `src/b.ts › Billing.copy: @onObjectCreated(invoices) names bucket 'invoices', declared in ../billing/src/buckets.ts, which belongs to another service (../billing/serverless.yml): ${rule}. Fix: handle its objects in its own service (../billing), e.g. a @onObjectCreated there that sends what this service needs to a queue declared here.`,
    ]);
  });
});

describe('generation: the bucket per stage', () => {
  it('dev: private, owner-enforced, SSE-S3, unversioned, deleted with the stack, with its lifecycle and TLS-only policy', () => {
    const { resources, fragment } = build('dev');
    const uploads = resources.UploadsBucket ?? expect.unreachable();
    expect(uploads).toMatchObject({ Type: 'AWS::S3::Bucket', DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    expect(uploads.Properties).toMatchObject({
      BucketName: { 'Fn::Sub': uploadsName },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'abort-incomplete-uploads',
            Status: 'Enabled',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
          { Id: 'expire-objects', Status: 'Enabled', ExpirationInDays: 90 },
        ],
      },
    });
    expect(uploads.Properties.VersioningConfiguration).toBeUndefined();
    expect(resources.UploadsBucketPolicy).toEqual({
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'UploadsBucket' },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'TlsRequestsOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [
                { 'Fn::GetAtt': ['UploadsBucket', 'Arn'] },
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['UploadsBucket', 'Arn'] }, '/*']] },
              ],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    });
    expect(fragment.outputs.UploadsBucketName).toEqual({
      Description: "Bucket 'uploads'",
      Value: { Ref: 'UploadsBucket' },
    });
    // A bucket declared versioned is versioned on every stage, with its replaced versions expiring.
    expect(resources.ArchiveBucket?.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({ Id: 'abort-incomplete-uploads' }),
          {
            Id: 'expire-replaced-versions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            ExpiredObjectDeleteMarker: true,
          },
        ],
      },
    });
  });

  it('prod: versioned and retained, as the tables are; versioned: false and retain: false are kept', () => {
    const { resources } = build('prod');
    expect(resources.UploadsBucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(resources.UploadsBucket?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(resources.AvatarsBucket?.Properties.VersioningConfiguration).toBeUndefined();
    expect(resources.AvatarsBucket?.Properties.LifecycleConfiguration).toEqual({
      Rules: [
        {
          Id: 'abort-incomplete-uploads',
          Status: 'Enabled',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
        },
      ],
    });
    const kept = build('prod', { retain: false }).resources.UploadsBucket;
    expect(kept).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    // productionStages decides, as for tables.
    expect(
      build('live', { productionStages: ['live'] }).resources.UploadsBucket?.Properties.VersioningConfiguration,
    ).toEqual({
      Status: 'Enabled',
    });
  });

  it('compliance: SSE-KMS with a bucket key, EventBridge notifications, and versioning it cannot do without', () => {
    const Plain = bucket('plain');
    class User {
      @onObjectCreated(Plain)
      static run() {}
    }
    const mods = [{ file: 'src/user.ts', exports: { User } }];
    const { resources } = build('dev', { compliance: true }, mods);
    expect(resources.PlainBucket?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      NotificationConfiguration: {
        LambdaConfigurations: [expect.objectContaining({ Event: 's3:ObjectCreated:*' })],
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      },
    });
    expect(problemsOf(() => build('prod', { compliance: true }))).toEqual([
      "src/resources.ts › bucket 'avatars': declared versioned: false, but stage 'prod' has compliance on, and its control CT.S3.PR.11 needs versioning; remove versioned: false (replaced versions expire after lifecycle.noncurrentVersionsExpireAfterDays), or turn compliance off for this stage.",
    ]);
  });

  it("notifies each triggered function, after S3's permission to invoke it for this bucket and account", () => {
    const { resources } = build('dev');
    const uploads = resources.UploadsBucket ?? expect.unreachable();
    expect(uploads.Properties.NotificationConfiguration).toEqual({
      LambdaConfigurations: [
        {
          Event: 's3:ObjectCreated:*',
          Function: { 'Fn::GetAtt': ['FileDashworkDashscanLambdaFunction', 'Arn'] },
          Filter: {
            S3Key: {
              Rules: [
                { Name: 'prefix', Value: 'incoming/' },
                { Name: 'suffix', Value: '.jpg' },
              ],
            },
          },
        },
        {
          Event: 's3:ObjectCreated:*',
          Function: { 'Fn::GetAtt': ['FileDashworkDashscanLambdaFunction', 'Arn'] },
          Filter: {
            S3Key: {
              Rules: [
                { Name: 'prefix', Value: 'incoming/' },
                { Name: 'suffix', Value: '.png' },
              ],
            },
          },
        },
        {
          Event: 's3:ObjectRemoved:*',
          Function: { 'Fn::GetAtt': ['FileDashworkDashforgetLambdaFunction', 'Arn'] },
          Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'incoming/' }] } },
        },
      ],
    });
    expect(uploads.DependsOn).toEqual([
      'FileWorkScanUploadsObjectsPermission',
      'FileWorkForgetUploadsObjectsPermission',
    ]);
    expect(resources.FileWorkScanUploadsObjectsPermission).toEqual({
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['FileDashworkDashscanLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: { 'Fn::Sub': uploadsArn },
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    });
    // Nothing S3 needs refers to the bucket resource itself, so the bucket can wait for them.
    expect(JSON.stringify(resources.FileWorkScanUploadsObjectsPermission)).not.toContain('UploadsBucket');
    expect(resources.ArchiveBucket?.Properties.NotificationConfiguration).toBeUndefined();
    expect(resources.ArchiveBucket?.DependsOn).toBeUndefined();
  });

  it("CORS: the service's origins and the page's own by default, the declared ones, or none", () => {
    const rule = (resources: Record<string, Resource>, id: string) =>
      (resources[id]?.Properties.CorsConfiguration as { CorsRules: unknown[] } | undefined)?.CorsRules;
    const { resources } = build('dev');
    expect(rule(resources, 'UploadsBucket')).toEqual([
      {
        Id: 'browser',
        AllowedOrigins: ['https://app.example.com'],
        AllowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
        AllowedHeaders: [
          'content-type',
          'content-md5',
          'content-disposition',
          'content-encoding',
          'cache-control',
          'x-amz-*',
        ],
        ExposedHeaders: ['ETag'],
        MaxAge: 3000,
      },
    ]);
    expect(rule(resources, 'AvatarsBucket')).toEqual([
      expect.objectContaining({ AllowedOrigins: ['https://app.example.com'], MaxAge: 600 }),
    ]);
    expect(rule(resources, 'ArchiveBucket')).toBeUndefined();
    // A page served by the API calls the bucket from the API's origin.
    const withPage = build('dev', { page: '/files/{key}', cors: { origins: ['http://localhost:5173'] } }).resources;
    expect(rule(withPage, 'UploadsBucket')).toEqual([
      expect.objectContaining({
        AllowedOrigins: ['http://localhost:5173', { 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] }],
      }),
    ]);
    // The API allows any origin when none is configured: so does the bucket.
    expect(rule(build('dev', { cors: {} }).resources, 'UploadsBucket')).toEqual([
      expect.objectContaining({ AllowedOrigins: ['*'] }),
    ]);
  });

  it('gives the bucket name to the functions that use it or that it triggers, and to no other', () => {
    const { fragment } = build('dev');
    const name = { 'Fn::Sub': uploadsName };
    expect(environmentOf(fragment, 'files-api-sign').GANTRY_BUCKET_UPLOADS).toEqual(name);
    expect(environmentOf(fragment, 'file-work-scan').GANTRY_BUCKET_UPLOADS).toEqual(name);
    expect(environmentOf(fragment, 'file-work-forget').GANTRY_BUCKET_UPLOADS).toEqual(name);
    expect(environmentOf(fragment, 'files-api-avatar')).toMatchObject({
      GANTRY_BUCKET_AVATARS: { 'Fn::Sub': 'files-dev-avatars-${AWS::AccountId}-${AWS::Region}' },
      GANTRY_BUCKET_ARCHIVE: { 'Fn::Sub': 'files-dev-archive-${AWS::AccountId}-${AWS::Region}' },
    });
    expect(environmentOf(fragment, 'files-api-avatar')).not.toHaveProperty('GANTRY_BUCKET_UPLOADS');
  });

  it("wraps an object-triggered method with the kit's objectHandler", () => {
    const { manifest } = build('dev');
    const scan = manifest.functions.find((f) => f.name === 'file-work-scan') ?? expect.unreachable();
    expect(entryFile(scan, '@gantry/middy').contents).toContain(
      'export const handler = objectHandler(Handlers, "scan");',
    );
  });
});

describe('generation: IAM for buckets', () => {
  it('grants the object actions of each level on the declared prefix only', () => {
    const { resources } = build('dev');
    expect(s3Statements(resources, 'FilesApiSignRole')).toEqual([
      {
        Sid: 'ObjectsUploads',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: [{ 'Fn::Sub': `${uploadsArn}/incoming/*` }],
      },
    ]);
    // In the order written (decorators apply bottom-up).
    expect(s3Statements(resources, 'FilesApiAvatarRole')).toEqual([
      {
        Sid: 'ObjectsArchive',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::files-dev-archive-${AWS::AccountId}-${AWS::Region}/*' }],
      },
      {
        Sid: 'ObjectsAvatars',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:DeleteObject'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::files-dev-avatars-${AWS::AccountId}-${AWS::Region}/*' }],
      },
    ]);
  });

  it('lists only under the prefix, with s3:prefix held to it, and only when list is declared', () => {
    const { resources } = build('dev');
    expect(s3Statements(resources, 'FilesApiReadRole')).toEqual([
      {
        Sid: 'ObjectsUploads',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [{ 'Fn::Sub': `${uploadsArn}/incoming/*` }],
      },
      {
        Sid: 'ListUploads',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [{ 'Fn::Sub': uploadsArn }],
        Condition: { StringLike: { 's3:prefix': 'incoming/*' } },
      },
      {
        Sid: 'ObjectsUploadsPrefix2',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [{ 'Fn::Sub': `${uploadsArn}/*` }],
      },
    ]);
  });

  it('grants nothing in S3 for being triggered, and no wildcard action or resource anywhere', () => {
    const { resources } = build('prod');
    expect(s3Statements(resources, 'FileWorkScanRole')).toEqual([]);
    expect(s3Statements(resources, 'FileWorkForgetRole')).toEqual([]);
    for (const [id, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      for (const statement of statementsOf(resources, id)) {
        expect(statement.Action.join(' '), id).not.toMatch(/\*/);
        expect(JSON.stringify(statement.Resource), id).not.toMatch(/"\*"|s3:::\*/);
      }
    }
  });
});

describe('generation: bucket names', () => {
  it('lower-cases the service and stage, as S3 requires', () => {
    const { resources } = build('Dev', {}, modules, 'Files');
    expect(resources.UploadsBucket?.Properties.BucketName).toEqual({
      'Fn::Sub': 'files-dev-uploads-${AWS::AccountId}-${AWS::Region}',
    });
  });

  it('shortens a long service, stage and bucket with a hash, to fit beside the account and the longest Region', () => {
    const service = 'a-rather-long-service-name';
    const { resources } = build('production', {}, modules, service);
    const names = ['UploadsBucket', 'ArchiveBucket', 'AvatarsBucket'].map((id) => {
      const { 'Fn::Sub': name } = (resources[id]?.Properties.BucketName ?? {}) as { 'Fn::Sub': string };
      return bucketNameIn(name, { accountId: '123456789012', region: 'ap-southeast-4' });
    });
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      // Its start and end kept, a hash of the whole between them.
      expect(name).toMatch(/^a-rather-long-[0-9a-f]{8}-[a-z-]+-123456789012-ap-southeast-4$/);
    }
    expect(new Set(names).size).toBe(3); // each bucket its own name
    // The same service, stage and bucket always give the same name (a deploy never renames a bucket).
    const again = build('production', {}, modules, service).resources.UploadsBucket?.Properties.BucketName;
    expect(again).toEqual(resources.UploadsBucket?.Properties.BucketName);
  });
});
