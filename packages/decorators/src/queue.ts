import type { StandardSchemaV1 } from '@standard-schema/spec';
import { callerSite, markDeclared } from './declared-at.js';

export interface QueueOptions<S extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined> {
  /** A FIFO queue: its deployed name ends in `.fifo`; messages of one group arrive in order. */
  fifo?: boolean;
  /** FIFO only: deduplicate by a hash of the body when a sender gives no deduplication id. */
  contentBasedDeduplication?: boolean;
  /**
   * Seconds a received message stays hidden from other consumers (0–43,200). Default: six times the
   * longest consumer's timeout, as AWS recommends (and at least SQS's own 30).
   */
  visibilityTimeout?: number;
  /** Seconds SQS keeps a message (60–1,209,600). Default SQS's: four days. */
  retentionPeriod?: number;
  /** Move a message to `<name>-dlq` after this many receives (1–1,000). */
  deadLetter?: { maxReceiveCount: number };
  /**
   * Standard Schema (zod, valibot, …) of a message body: the kit's queue client checks what it
   * sends, and a consumer receives only messages that pass (one that does not fails alone).
   */
  message?: S;
}

/** The body type of a queue's messages: its schema's output, else `unknown`. */
export type MessageOf<Q> = Q extends QueueDefinition<infer T> ? T : unknown;

export interface QueueDefinition<T = unknown> extends Readonly<QueueOptions> {
  /** The declared name: unique in the service; deployed as `<service>-<stage>-<name>` (`.fifo` added for FIFO). */
  readonly name: string;
  readonly [queueBrand]: true;
  /** Type-level only: the message body type. */
  readonly '~message'?: T;
}

// A registered symbol, so a queue made by one copy of this package is recognised by another.
const queueBrand: unique symbol = Symbol.for('gantry.queue') as never;

// SQS allows 80 characters; `<service>-<stage>-` and `.fifo` or `-dlq` come on top, checked at build.
const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,80}$/;

/**
 * Declares an SQS queue. Imported by the functions that send to it (`@uses(Jobs, 'send')`) and the
 * one that consumes it (`@consumes(Jobs)`); the plugin makes the queue per stage, its dead-letter
 * queue and each function's permissions.
 *
 * @example
 * export const Jobs = queue('jobs', {
 *   message: v.object({ taskId: v.string() }),
 *   deadLetter: { maxReceiveCount: 5 },
 * });
 */
export function queue<const S extends StandardSchemaV1 | undefined = undefined>(
  name: string,
  options: QueueOptions<S> = {},
): QueueDefinition<S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : unknown> {
  if (!QUEUE_NAME.test(name)) {
    throw new TypeError(
      `queue('${name}'): a queue name may hold only letters, digits, '_' and '-' (at most 80; '.fifo' is added for you with { fifo: true }); rename it.`,
    );
  }
  return Object.freeze(markDeclared({ ...options, name, [queueBrand]: true as const }, callerSite(queue)));
}

export function isQueue(value: unknown): value is QueueDefinition {
  return typeof value === 'object' && value !== null && (value as QueueDefinition)[queueBrand] === true;
}

/** The environment variable that holds a queue's URL: `jobs-v2` → `GANTRY_QUEUE_JOBS_V2`. */
export function queueEnvVar(queue: Pick<QueueDefinition, 'name'> | string): string {
  const name = typeof queue === 'string' ? queue : queue.name;
  return `GANTRY_QUEUE_${name.replace(/[^a-zA-Z0-9]+/g, '_').toUpperCase()}`;
}
