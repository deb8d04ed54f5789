import type {
  Access,
  AuthRequirement,
  BucketAccessLevel,
  BucketCors,
  BucketLifecycle,
  CorsOptions,
  FunctionOptions,
  HttpMethod,
  IndexDefinition,
  KeyAttribute,
  StreamView,
} from '@gantry/decorators';

/**
 * The one data model of a service, derived from its decorators. Everything downstream (functions,
 * IAM, tables, route table, local runs) is generated from it. Printed by `sls gantry routes --json`:
 * a public interface, so change it only by adding fields.
 */
export interface Manifest {
  service: string;
  stage: string;
  functions: ManifestFunction[];
  tables: ManifestTable[];
  /** Queues declared with `queue()` and used by a function (`@uses(Q, 'send')`, `@consumes(Q)`). */
  queues: ManifestQueue[];
  /**
   * Buckets declared with `bucket()`, exported by a handler module or used by a function
   * (`@uses(B, ...)`, `@onObjectCreated(B)`, `@onObjectRemoved(B)`). Present when the service has
   * any: a Manifest without buckets reads as it did before they existed.
   */
  buckets?: ManifestBucket[];
}

export interface ManifestFunction {
  /** The function's key in the service's `functions`. */
  name: string;
  class: string;
  /** The name the module exports the class under (usually the class name). */
  export: string;
  method: string;
  /** The module that exports the class, relative to the service directory. */
  source: string;
  routes: ManifestRoute[];
  /** One entry per table, access levels of repeated `uses` combined. */
  uses: ManifestUse[];
  config: Omit<FunctionOptions, 'name'>;
  /**
   * The request's schemas (their input side) and the success body's (`response`, its output side;
   * `null`: declared to answer with no body).
   */
  schemas: {
    body?: ManifestSchema;
    query?: ManifestSchema;
    params?: ManifestSchema;
    response?: ManifestSchema | null;
  };
  /** CORS options of the class, when it has any. */
  cors?: CorsOptions;
  /** Queues it may send to (`@uses(Queue, 'send')`), by declared name. */
  sends: string[];
  /** What else runs it: a queue it consumes, schedules, a table's changes, a bucket's objects. Empty for a route-only function. */
  triggers: ManifestTrigger[];
  /**
   * Its uses of buckets: one entry per bucket and prefix, the levels of repeated `uses` combined.
   * Present when it has any, like `Manifest.buckets`.
   */
  buckets?: ManifestBucketUse[];
}

/** `@uses(Bucket, access, { prefix })`: the S3 actions of `access` on the keys under `prefix`. */
export interface ManifestBucketUse {
  /** The bucket's declared name. */
  bucket: string;
  /** Its levels, without repeats, in `BUCKET_ACCESS_LEVELS` order. */
  access: BucketAccessLevel[];
  /** Only keys under this prefix (and, for `list`, listing only under it); absent: the whole bucket. */
  prefix?: string;
}

export interface ManifestRoute {
  method: HttpMethod;
  /** Full path: the class prefix and the method's path. */
  path: string;
  /** Path parameter names in order; a greedy `{proxy+}` gives `proxy`. */
  pathParameters: string[];
  auth?: AuthRequirement;
  /** The route's own throttling (its decorator's `throttle`), over the stage's default. */
  throttle?: { rate: number; burst: number };
}

export interface ManifestUse {
  /** The table's declared name. */
  table: string;
  access: Access;
}

export interface ManifestSchema {
  vendor: string;
  /** JSON Schema of the input (of the output for `response`), when the library has one (Standard JSON Schema). */
  jsonSchema?: Record<string, unknown>;
}

export interface ManifestTable {
  /** The declared name, as in `table('notes', ...)`. */
  name: string;
  /** The deployed name for this stage: `<service>-<stage>-<name>`. */
  tableName: string;
  /** The environment variable that carries `tableName` to functions. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: ManifestIndex[];
  ttl?: string;
  stream?: StreamView;
  /** The first module, relative to the service directory, that exports or uses it. */
  source: string;
}

export interface ManifestIndex extends IndexDefinition {
  name: string;
}

/**
 * A queue declared with `queue('jobs', { ... })`: an SQS queue per stage, with its dead-letter
 * queue when it has one.
 */
export interface ManifestQueue {
  /** The declared name, as in `queue('jobs', ...)`. */
  name: string;
  /** The deployed name for this stage: `<service>-<stage>-<name>`, ending in `.fifo` for a FIFO queue. */
  queueName: string;
  /** The environment variable that carries the queue's URL to functions that send to it. */
  envVar: string;
  fifo: boolean;
  /** Seconds a received message stays hidden from other consumers (SQS: 0–43,200). */
  visibilityTimeout: number;
  /** Seconds SQS keeps a message (60–1,209,600; SQS's default 345,600, four days). */
  retentionPeriod: number;
  /** FIFO only: deduplicate by a hash of the body when the sender gives no deduplication id. */
  contentBasedDeduplication?: boolean;
  /** After `maxReceiveCount` receives a message moves to `queueName` (`<queue>-dlq`, kept 14 days). */
  deadLetter?: { maxReceiveCount: number; queueName: string };
  /** The first module, relative to the service directory, that exports or uses it. */
  source: string;
}

/**
 * A bucket declared with `bucket('uploads', { ... })`: an S3 bucket per stage, private, encrypted,
 * TLS only. What depends on the stage (versioning, retention, CORS origins) is decided when the
 * stage's resources are generated (src/generate/buckets.ts).
 */
export interface ManifestBucket {
  /** The declared name, as in `bucket('uploads', ...)`. */
  name: string;
  /**
   * The deployed name as CloudFormation's `Fn::Sub` takes it:
   * `<service>-<stage>-<name>-${AWS::AccountId}-${AWS::Region}`, lower case (bucket names are
   * global across accounts; `bucketNameIn` fills the two in for a given account and Region).
   */
  bucketName: string;
  /** The environment variable that carries the deployed name to functions that use it or that it triggers. */
  envVar: string;
  /** As declared: `true` (the default: the service's origins), `false`, or origins and cache time. */
  cors: boolean | BucketCors;
  lifecycle: ManifestBucketLifecycle;
  /** As declared; absent: versioned on production stages (and with `compliance`), not elsewhere. */
  versioned?: boolean;
  /** The first module, relative to the service directory, that exports or uses it. */
  source: string;
}

/** What S3 removes by itself, defaults applied. */
export interface ManifestBucketLifecycle extends BucketLifecycle {
  /** Days before an unfinished multipart upload is aborted (its parts are billed until then). */
  abortIncompleteUploadsAfterDays: number;
  /** Days a replaced version is kept, on a versioned bucket. */
  noncurrentVersionsExpireAfterDays: number;
}

/** What makes a function run besides its routes: a queue, a schedule, a table's changes or a bucket's objects. */
export type ManifestTrigger =
  | ManifestQueueTrigger
  | ManifestScheduleTrigger
  | ManifestChangeTrigger
  | ManifestObjectTrigger;

/** `@consumes(Queue, ...)`: an SQS event source mapping that reports partial batch failures. */
export interface ManifestQueueTrigger {
  type: 'queue';
  /** The queue's declared name. */
  queue: string;
  /** Messages per invocation (1–10, up to 10,000 with a batching window on a standard queue). */
  batchSize: number;
  /** Seconds to gather a batch (0–300). */
  maxBatchingWindow: number;
  /** Concurrent invocations the mapping may make (2–1,000); unset: as many as Lambda allows. */
  maxConcurrency?: number;
}

/** `@schedule('rate(5 minutes)' | 'cron(...)', ...)`: an EventBridge Scheduler schedule. */
export interface ManifestScheduleTrigger {
  type: 'schedule';
  /** As written: `rate(5 minutes)`, `cron(0 12 ? * MON-FRI *)` or `at(2027-01-01T00:00:00)`. */
  expression: string;
  /** IANA time zone the expression is read in (default UTC). */
  timezone?: string;
  /** The event the function receives (Scheduler's target input); default `{}`. */
  input?: unknown;
}

/** `@onChange(Table, ...)`: a DynamoDB stream event source mapping. */
export interface ManifestChangeTrigger {
  type: 'change';
  /** The table's declared name. */
  table: string;
  /** Records per invocation (1–10,000; default 100). */
  batchSize: number;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  /** Retries of a failed batch before it is given up (−1: until the records expire; 0–10,000). */
  retries: number;
  /** Declared queue that receives a record of each batch given up. */
  onFailure?: string;
}

/**
 * `@onObjectCreated(Bucket, ...)` / `@onObjectRemoved(Bucket, ...)`: an S3 event notification to the
 * function (`s3:ObjectCreated:*` / `s3:ObjectRemoved:*`), filtered by key prefix and suffix.
 */
export interface ManifestObjectTrigger {
  type: 'object';
  /** The bucket's declared name. */
  bucket: string;
  events: 'created' | 'removed';
  /** Only keys that start with it (S3's `prefix` filter rule). */
  prefix?: string;
  /** Only keys that end with it (S3's `suffix` filter rule). */
  suffix?: string;
}
