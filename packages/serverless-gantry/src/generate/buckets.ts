import type { ManifestBucket, ManifestFunction, ManifestObjectTrigger } from '../manifest.js';
import {
  BUCKET_NAME_LIMIT,
  bucketLogicalId,
  bucketNameIn,
  bucketOutputId,
  bucketPermissionLogicalId,
  bucketPolicyLogicalId,
  deployedBucketNameLength,
  oslsFunctionStem,
} from './names.js';

/** What a bucket's resources depend on besides its declaration. */
export interface BucketStage {
  stage: string;
  region: string;
  production: boolean;
  /** `retain`: the bucket outlives its stack (DeletionPolicy and UpdateReplacePolicy Retain), as the tables do. */
  retain: boolean;
  /** Control Tower's controls (docs/architecture.md): SSE-KMS, versioning, EventBridge notifications. */
  compliance: boolean;
  /**
   * The origins `cors: true` allows: the HTTP API's CORS origins and, when the service serves a
   * page, the page's own (the API's URL). Strings or CloudFormation values.
   */
  origins: unknown[];
}

/** S3's events for a trigger: every way an object comes to be, or every way it goes. */
const S3_EVENTS = { created: 's3:ObjectCreated:*', removed: 's3:ObjectRemoved:*' } as const;

/** Seconds a browser may cache a preflight answer, unless declared. */
const DEFAULT_CORS_MAX_AGE = 3000;

/**
 * What a browser sends to a presigned URL: the object's content type and its other representation
 * headers, and S3's own `x-amz-*` headers (checksums, metadata, encryption) when the URL signs them.
 * The URL's signature decides what is accepted; these only let the browser send them.
 */
const CORS_ALLOWED_HEADERS = [
  'content-type',
  'content-md5',
  'content-disposition',
  'content-encoding',
  'cache-control',
  'x-amz-*',
];

/**
 * The resources of one Manifest bucket on one stage: the `AWS::S3::Bucket` (public access blocked,
 * ACLs off, encrypted, versioning and retention as the stage asks, lifecycle rules, CORS, S3's
 * notifications to the functions it triggers), its TLS-only `AWS::S3::BucketPolicy`, and S3's
 * `AWS::Lambda::Permission` to invoke each of those functions, for this bucket only.
 *
 * The bucket's name is written out (`Fn::Sub`), and everything else names it by that string, never
 * by a reference: S3 checks a notification's permission when the bucket is configured, so the
 * bucket waits for the permissions (DependsOn), and a permission whose SourceArn referred to the
 * bucket would wait for the bucket.
 */
export function bucketResources(
  bucket: ManifestBucket,
  functions: ManifestFunction[],
  stage: BucketStage,
): { resources: Record<string, Record<string, unknown>>; outputs: Record<string, Record<string, unknown>> } {
  const id = bucketLogicalId(bucket.name);
  const name = { 'Fn::Sub': bucket.bucketName };
  const triggered = functions.flatMap((fn) =>
    fn.triggers.flatMap((t) => (t.type === 'object' && t.bucket === bucket.name ? [{ fn, trigger: t }] : [])),
  );
  const resources: Record<string, Record<string, unknown>> = {};
  const permissions: string[] = [];
  for (const fn of new Set(triggered.map((t) => t.fn))) {
    const permission = bucketPermissionLogicalId(fn.name, bucket.name);
    permissions.push(permission);
    resources[permission] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: functionArn(fn),
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        // This bucket, in this account: a bucket name is global, so the account is checked too.
        SourceArn: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket.bucketName}` },
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    };
  }
  const removal = stage.retain ? 'Retain' : 'Delete';
  const versioned = bucketVersioned(bucket, stage);
  const cors = corsRule(bucket, stage.origins);
  const lambdaConfigurations = triggered.map(({ fn, trigger }) => lambdaConfiguration(fn, trigger));
  const notifications = {
    ...(lambdaConfigurations.length > 0 ? { LambdaConfigurations: lambdaConfigurations } : {}),
    // CT.S3.PR.4 asks for notifications; to the account's default bus they cost nothing until a rule matches.
    ...(stage.compliance ? { EventBridgeConfiguration: { EventBridgeEnabled: true } } : {}),
  };
  resources[id] = {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: removal,
    UpdateReplacePolicy: removal,
    ...(permissions.length > 0 ? { DependsOn: permissions } : {}),
    Properties: {
      BucketName: name,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      // ACLs off: access is the bucket policy's and the functions' roles' alone.
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: { ServerSideEncryptionConfiguration: [encryption(stage.compliance)] },
      ...(versioned ? { VersioningConfiguration: { Status: 'Enabled' } } : {}),
      LifecycleConfiguration: { Rules: lifecycleRules(bucket, versioned) },
      ...(cors ? { CorsConfiguration: { CorsRules: [cors] } } : {}),
      ...(Object.keys(notifications).length > 0 ? { NotificationConfiguration: notifications } : {}),
    },
  };
  resources[bucketPolicyLogicalId(bucket.name)] = {
    Type: 'AWS::S3::BucketPolicy',
    Properties: { Bucket: { Ref: id }, PolicyDocument: { Version: '2012-10-17', Statement: [tlsOnly(id)] } },
  };
  const outputs = {
    [bucketOutputId(bucket.name)]: { Description: `Bucket '${bucket.name}'`, Value: { Ref: id } },
  };
  return { resources, outputs };
}

/** Versioning: as declared, else on production stages and wherever `compliance` asks for it (CT.S3.PR.11). */
export function bucketVersioned(bucket: ManifestBucket, stage: Pick<BucketStage, 'production' | 'compliance'>) {
  return bucket.versioned ?? (stage.production || stage.compliance);
}

/**
 * What the stage cannot build for this bucket: a deployed name past S3's 63 characters once the
 * account and Region are added, characters or a start S3 refuses, and `versioned: false` where
 * `compliance` needs versioning.
 */
export function bucketProblems(bucket: ManifestBucket, stage: BucketStage): string[] {
  const where = `${bucket.source} › bucket '${bucket.name}'`;
  const problems: string[] = [];
  const length = deployedBucketNameLength(bucket.bucketName, stage.region);
  const shown = bucketNameIn(bucket.bucketName, { accountId: '<account>', region: stage.region });
  if (length > BUCKET_NAME_LIMIT) {
    const room = bucket.name.length - (length - BUCKET_NAME_LIMIT);
    problems.push(
      `${where}: its deployed name '${shown}' would be ${length} characters (the account ID is 12), past S3's ${BUCKET_NAME_LIMIT}; ${room > 0 ? `give the bucket a name of at most ${room} characters, or shorten` : 'shorten'} the service's or the stage's name.`,
    );
  }
  const chosen = bucket.bucketName.slice(0, bucket.bucketName.indexOf('-${AWS::AccountId}'));
  if (!/^[a-z0-9][a-z0-9-]*$/.test(chosen)) {
    problems.push(
      `${where}: its deployed name '${shown}' may hold only letters, digits and '-' (S3), but the service or stage name '${chosen}' holds others; rename the stage or the service.`,
    );
  } else if (/^(xn--|sthree-|amzn-s3-demo-)/.test(chosen)) {
    problems.push(
      `${where}: its deployed name '${shown}' starts with a prefix S3 reserves (xn--, sthree-, amzn-s3-demo-); rename the service.`,
    );
  }
  if (bucket.versioned === false && stage.compliance) {
    problems.push(
      `${where}: declared versioned: false, but stage '${stage.stage}' has compliance on, and its control CT.S3.PR.11 needs versioning; remove versioned: false (replaced versions expire after lifecycle.noncurrentVersionsExpireAfterDays), or turn compliance off for this stage.`,
    );
  }
  return problems;
}

/**
 * SSE-S3 by default (no key to pay for or manage). With `compliance`, SSE-KMS with AWS's managed
 * key for S3 (CT.S3.PR.10), as osls's deployment bucket gets: its key policy lets every principal of
 * the account use it through S3, so the functions' roles need no KMS statement, and the bucket key
 * cuts KMS requests to about one per object.
 */
function encryption(compliance: boolean) {
  return compliance
    ? { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }
    : { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } };
}

/**
 * Every bucket aborts multipart uploads left unfinished (a browser that went away leaves parts
 * that are billed until then); expires objects when declared; on a versioned bucket, expires
 * replaced versions and the delete markers left with no version behind them.
 */
function lifecycleRules(bucket: ManifestBucket, versioned: boolean) {
  const { lifecycle } = bucket;
  return [
    {
      Id: 'abort-incomplete-uploads',
      Status: 'Enabled',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: lifecycle.abortIncompleteUploadsAfterDays },
    },
    ...(lifecycle.expireAfterDays !== undefined
      ? [{ Id: 'expire-objects', Status: 'Enabled', ExpirationInDays: lifecycle.expireAfterDays }]
      : []),
    ...(versioned
      ? [
          {
            Id: 'expire-replaced-versions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: lifecycle.noncurrentVersionsExpireAfterDays },
            ExpiredObjectDeleteMarker: true,
          },
        ]
      : []),
  ];
}

/**
 * The browser's rule: the declared origins, else the service's (`origins`); none: no rule, and no
 * page may call the bucket. Uploads and downloads go to presigned URLs: GET, HEAD, PUT (one
 * request or a multipart part) and POST (a form upload, or a multipart upload's start and end);
 * ETag is exposed because a browser completing a multipart upload must send each part's back.
 */
function corsRule(bucket: ManifestBucket, serviceOrigins: unknown[]) {
  if (bucket.cors === false) return undefined;
  const declared = typeof bucket.cors === 'object' ? bucket.cors : {};
  const origins = declared.origins ?? serviceOrigins;
  if (origins.length === 0) return undefined;
  return {
    Id: 'browser',
    AllowedOrigins: origins.includes('*') ? ['*'] : origins,
    AllowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
    AllowedHeaders: CORS_ALLOWED_HEADERS,
    ExposedHeaders: ['ETag'],
    MaxAge: declared.maxAgeSeconds ?? DEFAULT_CORS_MAX_AGE,
  };
}

function lambdaConfiguration(fn: ManifestFunction, trigger: ManifestObjectTrigger) {
  const rules = [
    ...(trigger.prefix !== undefined ? [{ Name: 'prefix', Value: trigger.prefix }] : []),
    ...(trigger.suffix !== undefined ? [{ Name: 'suffix', Value: trigger.suffix }] : []),
  ];
  return {
    Event: S3_EVENTS[trigger.events],
    Function: functionArn(fn),
    ...(rules.length > 0 ? { Filter: { S3Key: { Rules: rules } } } : {}),
  };
}

/**
 * Refuses every request that does not use TLS, in the shape CT.S3.PR.8 reads: the bucket's ARN by
 * `Fn::GetAtt` and its objects by joining `/*` to it, the condition's value the string IAM compares.
 */
function tlsOnly(bucketId: string) {
  const arn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
  return {
    Sid: 'TlsRequestsOnly',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** osls's function resource: `<stem>LambdaFunction`. */
const functionArn = (fn: ManifestFunction) => ({ 'Fn::GetAtt': [`${oslsFunctionStem(fn.name)}LambdaFunction`, 'Arn'] });

/** A bucket's ARN in a policy, for the keys under `prefix` (all keys without one): `Fn::Sub`. */
export function bucketObjectsArn(bucket: ManifestBucket, prefix = '') {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket.bucketName}/${escapeSub(prefix)}*` };
}

/** A bucket's own ARN (what `s3:ListBucket` applies to): `Fn::Sub`. */
export function bucketArn(bucket: ManifestBucket) {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket.bucketName}` };
}

// Fn::Sub reads `${` as a variable; `${!` writes it literally.
const escapeSub = (text: string) => text.replaceAll('${', '${!');
