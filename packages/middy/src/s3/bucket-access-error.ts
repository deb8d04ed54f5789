import {
  BUCKET_ACCESS_LEVELS,
  BUCKET_LEVEL_ACTIONS,
  type BucketAccessLevel,
  type BucketDefinition,
} from '@gantry/decorators';

/** What a bucket client call does, in words, by the S3 action IAM checks for it. */
const CALLS: Record<string, string> = {
  's3:GetObject': 'a get',
  's3:PutObject': 'a put',
  's3:DeleteObject': 'a delete',
  's3:ListBucket': 'a list',
};

/** What a function declares on a bucket: its levels and, when given, the one prefix they hold on. */
export interface BucketUse {
  access: BucketAccessLevel[];
  prefix?: string;
}

/** The object (`key`) or the listing (`prefix`) a denied call was about. */
export type DeniedTarget = { key: string } | { prefix: string };

/** Marks the kit's errors across installed copies of the kit (`instanceof` fails between two). */
const BRAND = Symbol.for('gantry.BucketAccessDeniedError');

/**
 * The function's role does not allow a bucket client call: names the action, the object, the
 * levels of `@uses` that allow it and, in local runs, what the function declares. A `get` of a key
 * that does not exist is refused this way too when the function may not list the bucket (S3 tells
 * nothing about other keys then), and the message says so. The AWS error is the `cause`.
 */
export class BucketAccessDeniedError extends Error {
  /**
   * S3's own name, kept: code written for the AWS SDK (`error.name === 'AccessDenied'`) works
   * unchanged; `isBucketAccessDeniedError` tells the kit's error from the SDK's.
   */
  override name = 'AccessDenied';
  readonly [BRAND] = true;
  /** The bucket's declared name. */
  readonly bucket: string;
  readonly action: string;
  /** The key of a get, put or delete. */
  readonly key?: string;
  /** The prefix of a list (`''`: the whole bucket). */
  readonly prefix?: string;
  /** The levels that allow the action. */
  readonly needs: BucketAccessLevel[];
  /** What the function declares on the bucket (local runs only; `null`: nothing). */
  readonly declared: BucketUse | null | undefined;

  constructor(
    bucket: string,
    bucketName: string,
    action: string,
    target: DeniedTarget,
    declared: BucketUse | null | undefined,
    cause: Error,
  ) {
    const where = 'key' in target ? `${bucketName}/${target.key}` : `${bucketName}${listed(target.prefix)}`;
    // An explicit Deny (AWS says so in its message) is not fixed by declaring more access.
    const explicit = /explicit deny/i.test(cause.message);
    super(
      explicit
        ? `${action} on ${where} is denied by an explicit Deny in the function's policy (a statement of @fn({ iamStatements }), a bucket policy, or one the account applies).`
        : `${action} on ${where} is denied: ${reason(bucket, action, target, declared)}.`,
      { cause },
    );
    this.bucket = bucket;
    this.action = action;
    if ('key' in target) this.key = target.key;
    else this.prefix = target.prefix;
    this.needs = bucketLevelsAllowing(action);
    this.declared = declared;
  }
}

/** By a registered symbol as well as class: two installed copies of the kit make `instanceof` fail. */
export function isBucketAccessDeniedError(error: unknown): error is BucketAccessDeniedError {
  return error instanceof Error && (error as { [BRAND]?: unknown })[BRAND] === true;
}

/** The levels whose actions include `action` (BUCKET_LEVEL_ACTIONS, the contract with the plugin). */
export function bucketLevelsAllowing(action: string): BucketAccessLevel[] {
  return BUCKET_ACCESS_LEVELS.filter((level) => BUCKET_LEVEL_ACTIONS[level].includes(action));
}

/**
 * S3's AccessDenied becomes a BucketAccessDeniedError; anything else is returned unchanged, for the
 * caller to throw.
 */
export function bucketDenial(
  bucket: BucketDefinition,
  bucketName: string,
  action: string,
  target: DeniedTarget,
  error: unknown,
) {
  if (error instanceof Error && error.name === 'AccessDenied' && !isBucketAccessDeniedError(error)) {
    return new BucketAccessDeniedError(bucket.name, bucketName, action, target, declaredLocally(bucket.name), error);
  }
  return error;
}

/** Runs a bucket client call; AWS's AccessDenied becomes a BucketAccessDeniedError. */
export async function explainBucketDenial<R>(
  bucket: BucketDefinition,
  bucketName: string,
  action: string,
  target: DeniedTarget,
  run: () => Promise<R>,
): Promise<R> {
  try {
    return await run();
  } catch (error) {
    throw bucketDenial(bucket, bucketName, action, target, error);
  }
}

const listed = (prefix: string) => (prefix ? ` (prefix '${prefix}')` : '');

/** Why the call was refused, as far as the function's declaration (when known) tells. */
function reason(bucket: string, action: string, target: DeniedTarget, declared: BucketUse | null | undefined): string {
  const needs = bucketLevelsAllowing(action);
  const quoted = needs.map((level) => `'${level}'`).join(' or ');
  const call = CALLS[action] ?? action;
  const get = action === 's3:GetObject';
  if (declared === undefined) {
    const missing = get
      ? `; if it has it, the key does not exist: without 'list' S3 answers AccessDenied rather than NoSuchKey for a missing key, and @uses(${bucket}, ['read', 'list']) makes get return undefined for it`
      : '';
    return `${call} needs @uses(${bucket}, ${quoted})${missing}`;
  }
  if (declared === null) return `this function declares no @uses(${bucket}, ...); ${call} needs ${quoted}`;
  const says = `this function declares ${formatUse(bucket, declared)}`;
  if (!needs.some((level) => declared.access.includes(level))) return `${says}; ${call} needs ${quoted}`;
  if (declared.prefix !== undefined) {
    const within = 'key' in target ? target.key : target.prefix;
    if (!within.startsWith(declared.prefix)) {
      return 'key' in target
        ? `${says}; the key '${target.key}' is outside that prefix`
        : `${says}; listing ${target.prefix ? `'${target.prefix}'` : 'the whole bucket'} reaches outside that prefix: list({ prefix: '${declared.prefix}…' })`;
    }
  }
  if (get && !declared.access.includes('list')) {
    const withList = formatUse(bucket, { ...declared, access: [...declared.access, 'list'] });
    return `the key most likely does not exist: ${says}, without 'list', so S3 answers AccessDenied rather than NoSuchKey for a missing key; declare ${withList} to get undefined for it`;
  }
  return `${says}, which allows it: a bucket policy or the account refuses it`;
}

/** `@uses(uploads, 'read')`, `@uses(uploads, ['read', 'list'], { prefix: 'photos/' })`. */
function formatUse(bucket: string, use: BucketUse): string {
  const levels = BUCKET_ACCESS_LEVELS.filter((level) => use.access.includes(level));
  const access = levels.length === 1 ? `'${levels[0]}'` : `[${levels.map((level) => `'${level}'`).join(', ')}]`;
  return `@uses(${bucket}, ${access}${use.prefix !== undefined ? `, { prefix: '${use.prefix}' }` : ''})`;
}

/**
 * What the function declares on the bucket, from `GANTRY_LOCAL_BUCKET_ACCESS`, which only local runs
 * (`sls offline`, the testing helper) set: `{ "<bucket>": { "access": [levels], "prefix"?: "…" } }`.
 * Undefined when deployed or unreadable.
 */
function declaredLocally(bucket: string): BucketUse | null | undefined {
  const raw = process.env.GANTRY_LOCAL_BUCKET_ACCESS;
  if (!raw) return undefined;
  try {
    const uses = JSON.parse(raw) as Record<
      string,
      { access: BucketAccessLevel | BucketAccessLevel[]; prefix?: string }
    >;
    if (!Object.hasOwn(uses, bucket)) return null;
    const use = uses[bucket] as { access: BucketAccessLevel | BucketAccessLevel[]; prefix?: string };
    const access = typeof use.access === 'string' ? [use.access] : [...use.access];
    return typeof use.prefix === 'string' ? { access, prefix: use.prefix } : { access };
  } catch {
    return undefined;
  }
}
