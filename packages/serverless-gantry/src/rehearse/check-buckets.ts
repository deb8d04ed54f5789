import {
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
} from '@aws-sdk/client-s3';
import { bucketLogicalId, bucketNameIn, bucketPolicyLogicalId } from '../generate/names.js';
import type { AwsClients } from './aws-clients.js';
import { type Check, expectEqual, pass, probe } from './check.js';
import type { Expected } from './expected.js';
import { resolveIntrinsics, type StackValues } from './intrinsics.js';

interface BucketProperties {
  PublicAccessBlockConfiguration?: Record<string, boolean>;
  BucketEncryption?: {
    ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
  };
  VersioningConfiguration?: { Status: string };
  LifecycleConfiguration?: { Rules: { Id: string; Status: string }[] };
  CorsConfiguration?: { CorsRules: { AllowedOrigins: string[]; AllowedMethods: string[] }[] };
  NotificationConfiguration?: {
    LambdaConfigurations?: {
      Event: string;
      Function: unknown;
      Filter?: { S3Key: { Rules: { Name: string; Value: string }[] } };
    }[];
  };
}

/**
 * Each declared bucket as S3 reports it after a deploy, against what Gantry generated (resolved for
 * the stack): it exists under its deployed name, public access blocked, its encryption, versioning,
 * lifecycle rule ids, CORS origins and methods, the TLS-only policy, and a notification to each
 * function its objects trigger, with the same events and filters. One check per fact.
 */
export async function checkBuckets(aws: AwsClients, expected: Expected, at: StackValues): Promise<Check[]> {
  const checks: Check[] = [];
  for (const bucket of expected.manifest.buckets ?? []) {
    const name = bucketNameIn(bucket.bucketName, { accountId: at.accountId, region: at.region });
    const label = `bucket ${name}`;
    const resource = expected.fragment.resources[bucketLogicalId(bucket.name)] as { Properties: BucketProperties };
    const want = resolveIntrinsics(resource.Properties, at) as BucketProperties;
    const policy = expected.fragment.resources[bucketPolicyLogicalId(bucket.name)] as {
      Properties: { PolicyDocument: { Statement: unknown[] } };
    };
    checks.push(
      ...(await probe(`${label}: exists`, async () => {
        await aws.s3.send(new HeadBucketCommand({ Bucket: name }));
        return pass(`${label}: exists`);
      })),
      ...(await probe(`${label}: public access blocked`, async () => {
        const got = (await aws.s3.send(new GetPublicAccessBlockCommand({ Bucket: name })))
          .PublicAccessBlockConfiguration;
        return expectEqual(`${label}: public access blocked`, got, want.PublicAccessBlockConfiguration);
      })),
      ...(await probe(`${label}: encryption`, async () => {
        const rules = (await aws.s3.send(new GetBucketEncryptionCommand({ Bucket: name })))
          .ServerSideEncryptionConfiguration?.Rules;
        return expectEqual(
          `${label}: encryption`,
          rules?.map((rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm),
          want.BucketEncryption?.ServerSideEncryptionConfiguration.map(
            (c) => c.ServerSideEncryptionByDefault.SSEAlgorithm,
          ),
        );
      })),
      ...(await probe(`${label}: versioning`, async () => {
        const status = (await aws.s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status;
        return expectEqual(`${label}: versioning`, status ?? 'off', want.VersioningConfiguration?.Status ?? 'off');
      })),
      ...(await probe(`${label}: lifecycle rules`, async () => {
        const rules = (await aws.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }))).Rules ?? [];
        return expectEqual(
          `${label}: lifecycle rules`,
          rules.map((rule) => rule.ID).sort(),
          (want.LifecycleConfiguration?.Rules ?? []).map((rule) => rule.Id).sort(),
        );
      })),
      ...(await probe(`${label}: CORS`, async () => {
        const wanted = want.CorsConfiguration?.CorsRules ?? [];
        const rules =
          wanted.length > 0 ? ((await aws.s3.send(new GetBucketCorsCommand({ Bucket: name }))).CORSRules ?? []) : [];
        return expectEqual(
          `${label}: CORS`,
          rules.map((rule) => ({ origins: rule.AllowedOrigins, methods: rule.AllowedMethods })),
          wanted.map((rule) => ({ origins: rule.AllowedOrigins, methods: rule.AllowedMethods })),
        );
      })),
      ...(await probe(`${label}: TLS-only policy`, async () => {
        const text = (await aws.s3.send(new GetBucketPolicyCommand({ Bucket: name }))).Policy ?? '{}';
        const statements = (JSON.parse(text) as { Statement?: unknown[] }).Statement;
        return expectEqual(
          `${label}: TLS-only policy`,
          statements,
          (resolveIntrinsics(policy.Properties.PolicyDocument, at) as { Statement: unknown[] }).Statement,
        );
      })),
      ...(await probe(`${label}: notifications`, async () => {
        const got = await aws.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: name }));
        const notice = (
          event: string | undefined,
          arn: string | undefined,
          rules: { Name?: string | undefined; Value?: string | undefined }[] = [],
        ) => ({
          event,
          arn,
          rules: rules.map((rule) => `${rule.Name?.toLowerCase()}=${rule.Value}`).sort(),
        });
        return expectEqual(
          `${label}: notifications`,
          (got.LambdaFunctionConfigurations ?? [])
            .flatMap((c) =>
              (c.Events ?? []).map((event) => notice(event, c.LambdaFunctionArn, c.Filter?.Key?.FilterRules)),
            )
            .sort(byJson),
          (want.NotificationConfiguration?.LambdaConfigurations ?? [])
            .map((c) => notice(c.Event, String(c.Function), c.Filter?.S3Key.Rules))
            .sort(byJson),
        );
      })),
    );
  }
  return checks;
}

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
