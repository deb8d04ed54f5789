import { bucketNameIn } from '../../src/generate/names.js';
import type { Manifest } from '../../src/manifest.js';
import { TEST_DEPLOYMENT } from './cfn.js';
import { actionsOn, simulate } from './iam.js';
import { roleOf } from './iam-matrix.js';
import type { CfnTemplate } from './serverless.js';

// The bucket contract, written out here independently of the implementation (BUCKET_LEVEL_ACTIONS
// in @gantry/decorators and its README): each level's object actions on the keys under the use's
// prefix (all keys without one); `list` is s3:ListBucket on the bucket, for list requests whose
// s3:prefix is under the use's prefix (any request without one). A trigger grants nothing.
const OBJECT_CONTRACT: Record<string, readonly string[]> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
};

/** Keys and list prefixes the matrix asks about: under each prefix the Manifest's uses name, and outside all. */
function probes(manifest: Manifest) {
  const prefixes = [
    ...new Set(manifest.functions.flatMap((fn) => (fn.buckets ?? []).flatMap((u) => (u.prefix ? [u.prefix] : [])))),
  ];
  const outside = 'elsewhere-not-declared/';
  return {
    keys: [...prefixes, outside].map((prefix) => `${prefix}photo.jpg`),
    listPrefixes: [...prefixes, outside, undefined],
  };
}

/**
 * Every generated role over function × bucket (the Manifest's, and one never declared) × every S3
 * action AWS lists for objects (on a key with and one without the declared prefix) and for buckets
 * (a list request under the prefix, outside it, and without one): where the verdict differs from the
 * contract, and how many requests were allowed.
 */
export async function bucketIamMatrix(template: CfnTemplate, manifest: Manifest, stage: string) {
  const objectActions = await actionsOn('s3', 'object');
  const bucketActions = await actionsOn('s3', 'bucket');
  const at = TEST_DEPLOYMENT;
  // Each bucket's deployed name for this account and Region, and one the service never declared.
  const deployedNames = new Map((manifest.buckets ?? []).map((b) => [b.name, bucketNameIn(b.bucketName, at)]));
  const deployed = (name: string) =>
    deployedNames.get(name) ?? `${manifest.service}-${stage}-${name}-${at.accountId}-${at.region}`;
  const buckets = [...deployedNames.keys(), 'undeclared'];
  const { keys, listPrefixes } = probes(manifest);
  const mismatches: string[] = [];
  let allowed = 0;
  for (const fn of manifest.functions) {
    const { statements, roleArn } = roleOf(template, fn.name);
    const check = async (action: string, resource: string, expected: boolean, prefix?: string) => {
      const context = prefix === undefined ? {} : { 's3:prefix': prefix };
      const verdict = await simulate(statements, { action, resource, roleArn, context }, at);
      if ((verdict === 'Allowed') !== expected) {
        mismatches.push(
          `${fn.name}: ${action} on ${resource}${prefix === undefined ? '' : ` (s3:prefix ${prefix})`} → ${verdict}`,
        );
      }
      if (verdict === 'Allowed') allowed++;
    };
    for (const bucket of buckets) {
      const uses = (fn.buckets ?? []).filter((u) => u.bucket === bucket);
      const arn = `arn:aws:s3:::${deployed(bucket)}`;
      for (const key of keys) {
        for (const action of objectActions) {
          const expected = uses.some(
            (u) =>
              (u.prefix === undefined || key.startsWith(u.prefix)) &&
              u.access.some((level) => (OBJECT_CONTRACT[level] ?? []).includes(action)),
          );
          await check(action, `${arn}/${key}`, expected);
        }
      }
      for (const prefix of listPrefixes) {
        for (const action of bucketActions) {
          const expected =
            action === 's3:ListBucket' &&
            uses.some(
              (u) => u.access.includes('list') && (u.prefix === undefined || prefix?.startsWith(u.prefix) === true),
            );
          await check(action, arn, expected, prefix);
        }
      }
    }
  }
  return { mismatches, allowed, objectActions, bucketActions };
}
