/**
 * osls's deployment bucket (`ServerlessDeploymentBucket`, in its core template) on production
 * stages, as AWS Control Tower's S3 controls ask (docs/architecture.md, "Operations: AWS Control
 * Tower controls"). osls's own settings give versioning (CT.S3.PR.11; osls's `sls remove` then
 * deletes every version) and the public access block (CT.S3.PR.1); what it has no setting for is
 * written into its core template: SSE-KMS (CT.S3.PR.10), a TLS-only policy in the shape the control
 * reads (CT.S3.PR.8), a lifecycle rule (CT.S3.PR.6) and EventBridge notifications (CT.S3.PR.4).
 */

export const DEPLOYMENT_BUCKET_ID = 'ServerlessDeploymentBucket';
export const DEPLOYMENT_BUCKET_POLICY_ID = 'ServerlessDeploymentBucketPolicy';
/** Old artifacts (osls keeps the last five deployments) stay this long as noncurrent versions. */
export const NONCURRENT_ARTIFACT_DAYS = 30;

/**
 * `provider.deploymentBucketObject` (osls has already read `provider.deploymentBucket` into it) for
 * a production stage: versioning and the public access block unless written otherwise. A bucket the
 * user names is theirs to configure, and osls creates none: left as it is.
 */
export function deploymentBucketObject(
  written: Record<string, unknown> | undefined,
  bucketName: unknown,
): Record<string, unknown> | undefined {
  if (bucketName !== undefined || written?.name !== undefined) return written;
  return { versioning: true, blockPublicAccess: true, ...written };
}

interface Resource {
  Type?: string;
  Properties?: Record<string, unknown>;
}

/** Changes osls's deployment bucket and its policy in place; returns whether the template has them. */
export function hardenDeploymentBucket(resources: Record<string, Resource>): boolean {
  const bucket = resources[DEPLOYMENT_BUCKET_ID];
  if (bucket?.Type !== 'AWS::S3::Bucket') return false;
  const bucketArn = { 'Fn::GetAtt': [DEPLOYMENT_BUCKET_ID, 'Arn'] };
  bucket.Properties ??= {};
  Object.assign(bucket.Properties, {
    // AWS's managed key for S3 (no key to pay for or manage); the bucket key cuts KMS requests to
    // about one per upload session.
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
      ],
    },
    // With versioning, the artifacts osls deletes would otherwise be kept (and paid for) forever.
    LifecycleConfiguration: {
      Rules: [
        {
          Id: 'old-artifacts',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_ARTIFACT_DAYS },
          ExpiredObjectDeleteMarker: true,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    },
    // Free: S3 sends its events to the account's default bus, where nothing pays until a rule matches.
    NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
  });
  const policy = resources[DEPLOYMENT_BUCKET_POLICY_ID];
  if (policy?.Type === 'AWS::S3::BucketPolicy') {
    // osls's own TLS-only statement, as CT.S3.PR.8 reads it: the bucket's ARN by Fn::GetAtt (osls
    // joins its name), and the condition's value as the string IAM compares (osls writes a boolean).
    const tlsOnly = {
      Sid: 'TlsRequestsOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    policy.Properties ??= {};
    policy.Properties.PolicyDocument ??= {};
    const document = policy.Properties.PolicyDocument as { Statement?: unknown[] };
    const others = (document.Statement ?? []).filter((statement) => !isTlsOnly(statement));
    document.Statement = [tlsOnly, ...others];
  }
  return true;
}

function isTlsOnly(statement: unknown): boolean {
  const condition = (statement as { Condition?: { Bool?: Record<string, unknown> } }).Condition;
  return condition?.Bool !== undefined && 'aws:SecureTransport' in condition.Bool;
}
