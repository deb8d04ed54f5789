import type { BucketDefinition } from './bucket.js';
import type { QueueDefinition } from './queue.js';
import type { TableDefinition } from './table.js';

/** `@consumes(queue, options)`: how Lambda's event source mapping reads the queue. */
export interface ConsumeOptions {
  /** Messages per invocation: 1–10 (default 10); up to 10,000 on a standard queue with a batching window. */
  batchSize?: number;
  /** Seconds to gather a full batch before invoking (0–300, default 0). */
  maxBatchingWindow?: number;
  /** At most this many concurrent invocations for this queue (2–1,000). */
  maxConcurrency?: number;
}

/** `@schedule(expression, options)`. */
export interface ScheduleOptions {
  /** IANA time zone the expression is read in, e.g. `Europe/Berlin` (default UTC). */
  timezone?: string;
  /** The event the function receives (default `{}`). */
  input?: unknown;
}

/** `@onChange(table, options)`: how Lambda's event source mapping reads the table's stream. */
export interface ChangeOptions {
  /** Records per invocation (1–10,000, default 100). */
  batchSize?: number;
  /** Where a new mapping starts reading: new changes only (default) or the oldest kept. */
  startingPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** Retries of a failing batch before it is given up (0–10,000; −1, the default: until the records expire after 24 h). */
  retries?: number;
  /** A declared queue that receives a record of each batch given up. */
  onFailure?: QueueDefinition;
}

/**
 * `@onObjectCreated(bucket, options)` / `@onObjectRemoved(bucket, options)`: which keys run the
 * method (S3's notification filter rules). S3 matches both literally: no wildcards.
 */
export interface ObjectTriggerOptions {
  /** Only keys that start with this, e.g. `'uploads/'`. */
  prefix?: string;
  /** Only keys that end with this, e.g. `'.jpg'`. */
  suffix?: string;
}

/** What happened to an object: written (any way: put, post, copy, multipart) or deleted. */
export type ObjectEventType = 'created' | 'removed';

export type TriggerMetadata =
  | { type: 'queue'; queue: unknown; options: ConsumeOptions }
  | { type: 'schedule'; expression: unknown; options: ScheduleOptions }
  | { type: 'change'; table: unknown; options: ChangeOptions }
  | { type: 'object'; bucket: unknown; events: ObjectEventType; options: ObjectTriggerOptions };

export type { BucketDefinition, QueueDefinition, TableDefinition };
