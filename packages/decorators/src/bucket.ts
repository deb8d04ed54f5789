import { callerSite, markDeclared } from './declared-at.js';

/** CORS of a bucket, for a page that uploads to or downloads from it straight from the browser. */
export interface BucketCors {
  /** Origins allowed to call the bucket, e.g. `https://app.example.com` (default: the service's page origins). */
  origins?: string[];
  /** Seconds a browser may cache a preflight answer (default 3,000). */
  maxAgeSeconds?: number;
}

/** What S3 removes by itself. */
export interface BucketLifecycle {
  /** Delete objects this many days after they were written. */
  expireAfterDays?: number;
  /** Abort multipart uploads left unfinished this many days (default 1). */
  abortIncompleteUploadsAfterDays?: number;
  /** On a versioned bucket: delete versions this many days after they were replaced (default 30). */
  noncurrentVersionsExpireAfterDays?: number;
}

export interface BucketOptions {
  /**
   * CORS rules for the browser: `true` (the default) allows the service's page origins, as the
   * HTTP API does; `false` allows no origin; or the origins and cache time to allow.
   */
  cors?: boolean | BucketCors;
  lifecycle?: BucketLifecycle;
  /** Keep every version of an object (default: on production stages, off elsewhere). */
  versioned?: boolean;
}

export interface BucketDefinition extends Readonly<BucketOptions> {
  /** The declared name: unique in the service (the deployed name is made per stage and account). */
  readonly name: string;
  readonly [bucketBrand]: true;
}

/**
 * One way a function may use a bucket's objects. None lists the bucket: a function reads, writes
 * or deletes the keys it is told about (`list` adds listing, of its prefix only).
 */
export type BucketAccessLevel = 'read' | 'write' | 'delete' | 'list';

/** How a function may use a bucket: one level or a list of them (`['read', 'write']`). */
export type BucketAccess = BucketAccessLevel | readonly BucketAccessLevel[];

export const BUCKET_ACCESS_LEVELS: readonly BucketAccessLevel[] = ['read', 'write', 'delete', 'list'];

/** `@uses(bucket, access, options)`. */
export interface BucketUseOptions {
  /**
   * Only keys under this prefix, e.g. `'attachments/'`: every action (and listing) is granted on
   * the prefix alone. Default: the whole bucket.
   */
  prefix?: string;
}

/**
 * The contract between `uses(bucket, access)` and the IAM statements the plugin generates:
 * object actions on `arn:aws:s3:::<bucket>/<prefix>*`; `list` is `s3:ListBucket` on the bucket
 * with an `s3:prefix` condition (`<prefix>*`). A function that may not list gets 403 AccessDenied,
 * not 404, for a key that does not exist: S3 answers so, to tell nothing about other keys.
 * Documented in this package's README; changing it changes every generated role.
 */
export const BUCKET_LEVEL_ACTIONS: Readonly<Record<BucketAccessLevel, readonly string[]>> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
  list: ['s3:ListBucket'],
};

// A registered symbol, so a bucket made by one copy of this package is recognised by another.
const bucketBrand: unique symbol = Symbol.for('gantry.bucket') as never;

// S3 allows 3–63 lower-case letters, digits, '-' and '.'; the service, stage and account come on
// top and are checked at build. Declared names stay short and plain.
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{0,29}$/;

/**
 * Declares an S3 bucket. Imported by the functions that use it (`@uses(Uploads, 'write')`) and the
 * ones its objects trigger (`@onObjectCreated(Uploads)`); the plugin makes the bucket per stage
 * (public access blocked, encrypted, TLS only), its CORS rules and each function's permissions.
 *
 * @example
 * export const Uploads = bucket('uploads', { lifecycle: { expireAfterDays: 30 } });
 */
export function bucket(name: string, options: BucketOptions = {}): BucketDefinition {
  if (!BUCKET_NAME.test(name)) {
    throw new TypeError(
      `bucket('${name}'): a bucket name may hold only lower-case letters, digits and '-' (at most 30, starting with a letter or digit; the service, stage and account are added to it); rename it.`,
    );
  }
  return Object.freeze(markDeclared({ ...options, name, [bucketBrand]: true as const }, callerSite(bucket)));
}

export function isBucket(value: unknown): value is BucketDefinition {
  return typeof value === 'object' && value !== null && (value as BucketDefinition)[bucketBrand] === true;
}

/** The environment variable that holds a bucket's deployed name: `uploads-v2` → `GANTRY_BUCKET_UPLOADS_V2`. */
export function bucketEnvVar(bucket: Pick<BucketDefinition, 'name'> | string): string {
  const name = typeof bucket === 'string' ? bucket : bucket.name;
  return `GANTRY_BUCKET_${name.replace(/[^a-zA-Z0-9]+/g, '_').toUpperCase()}`;
}

/** The levels of a bucket access, without repeats, in BUCKET_ACCESS_LEVELS order. */
export function bucketAccessLevels(access: BucketAccess): BucketAccessLevel[] {
  const given = new Set<BucketAccessLevel>(typeof access === 'string' ? [access] : access);
  return BUCKET_ACCESS_LEVELS.filter((level) => given.has(level));
}

export function isBucketAccess(value: unknown): value is BucketAccess {
  const levels: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return levels.length > 0 && levels.every((level) => BUCKET_ACCESS_LEVELS.includes(level as BucketAccessLevel));
}
