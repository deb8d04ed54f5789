import { accessDenied, type S3Failure, s3Failure } from './s3-errors.js';

/** What a valid policy leaves to check once the file has arrived: its size range. */
export interface PolicyLimits {
  minBytes?: number;
  maxBytes?: number;
}

// Fields a policy need not name (AWS: "Creating a POST policy", Conditions).
const EXEMPT = new Set(['x-amz-signature', 'file', 'policy']);

/**
 * A browser POST upload's policy, checked as S3 checks it: its expiration, then every condition
 * (`{ field: value }` and `["eq", …]` exact, `["starts-with", …]`, `["content-length-range", …]`
 * for later) against the form's fields and the bucket, then that every field the form sends is
 * one the policy names. Field names are compared without case.
 */
export function checkPolicy(
  policyBase64: string,
  fields: Map<string, string>,
  bucket: string,
  now: Date,
): PolicyLimits | S3Failure {
  let policy: unknown;
  try {
    policy = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    return invalidPolicy('Invalid JSON.');
  }
  const { expiration, conditions } = (policy ?? {}) as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== 'string') return invalidPolicy('Policy missing expiration.');
  const expires = Date.parse(expiration);
  if (Number.isNaN(expires)) return invalidPolicy(`Invalid 'expiration' value: '${expiration}'`);
  if (!Array.isArray(conditions)) return invalidPolicy('Policy missing conditions.');
  if (expires < now.getTime()) return accessDenied('Invalid according to Policy: Policy expired.');

  const fieldValue = (name: string) => (name === 'bucket' ? bucket : fields.get(name));
  const named = new Set<string>();
  const limits: PolicyLimits = {};
  for (const condition of conditions) {
    if (Array.isArray(condition)) {
      const [operator, first, second] = condition as unknown[];
      if (String(operator).toLowerCase() === 'content-length-range') {
        limits.minBytes = Number(first);
        limits.maxBytes = Number(second);
        continue;
      }
      if (typeof first !== 'string' || !first.startsWith('$') || typeof second !== 'string') {
        return invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
      }
      const name = first.slice(1).toLowerCase();
      named.add(name);
      const value = fieldValue(name);
      const op = String(operator).toLowerCase();
      const holds =
        op === 'eq' ? value === second : op === 'starts-with' ? (value ?? '').startsWith(second) : undefined;
      if (holds === undefined) return invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
      if (!holds) return conditionFailed([operator, first, second]);
    } else if (typeof condition === 'object' && condition !== null) {
      for (const [field, expected] of Object.entries(condition)) {
        const name = field.toLowerCase();
        named.add(name);
        if (fieldValue(name) !== String(expected)) return conditionFailed(['eq', `$${field}`, String(expected)]);
      }
    } else {
      return invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
    }
  }
  const extra = [...fields.keys()].filter(
    (name) => !EXEMPT.has(name) && !name.startsWith('x-ignore-') && !named.has(name),
  );
  if (extra.length > 0) return accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  return limits;
}

/** The size of an uploaded file against the policy's content-length-range. */
export function checkSize(size: number, limits: PolicyLimits): S3Failure | undefined {
  if (limits.maxBytes !== undefined && size > limits.maxBytes) {
    return s3Failure(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      ProposedSize: size,
      MaxSizeAllowed: limits.maxBytes,
    });
  }
  if (limits.minBytes !== undefined && size < limits.minBytes) {
    return s3Failure(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
      ProposedSize: size,
      MinSizeAllowed: limits.minBytes,
    });
  }
  return undefined;
}

const invalidPolicy = (reason: string) => s3Failure(400, 'InvalidPolicyDocument', `Invalid Policy: ${reason}`);

const conditionFailed = (condition: unknown[]) =>
  accessDenied(
    `Invalid according to Policy: Policy Condition failed: [${condition.map((part) => JSON.stringify(part)).join(', ')}]`,
  );
