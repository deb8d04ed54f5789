import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { DynamoDBRecord, S3EventRecord, SQSRecord } from 'aws-lambda';

/** One message of a queue, as a consumer method receives it: the body parsed and validated. */
export interface QueueMessage<T = unknown> {
  body: T;
  messageId: string;
  /** How many times SQS has handed it out, this time included (1 on the first try). */
  receiveCount: number;
  /** When it was sent. */
  sentAt: Date;
  /** FIFO queues: its message group. */
  groupId?: string;
  /** The record exactly as Lambda delivered it. */
  record: SQSRecord;
}

/** One change to a table, as a change consumer method receives it: items unmarshalled. */
export interface TableChange<T = Record<string, unknown>> {
  type: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The item's key attributes. */
  keys: Partial<T>;
  /** Before the change (MODIFY, REMOVE), when the stream's view type includes old images. */
  oldItem?: T;
  /** After the change (INSERT, MODIFY), when the stream's view type includes new images. */
  newItem?: T;
  /** When DynamoDB made the change (to the second). */
  at: Date;
  /** True for a deletion by TTL (DynamoDB's own service principal made it). */
  expired: boolean;
  sequenceNumber: string;
  /** The record exactly as Lambda delivered it. */
  record: DynamoDBRecord;
}

/**
 * One object created in or removed from a bucket, as an `@onObjectCreated` / `@onObjectRemoved`
 * method receives it: the key decoded, the fields S3 leaves out for a removal left out here too.
 */
export interface ObjectEvent {
  type: 'created' | 'removed';
  /** The bucket's deployed name (as in the record). */
  bucket: string;
  /**
   * The object's key, decoded: S3 sends it form-encoded (`my+photo%C3%A9.jpg` for `my photoé.jpg`).
   * Pass it as is to the bucket client.
   */
  key: string;
  /** Bytes; created objects only. */
  size?: number;
  /** Created objects only; without the quotes an HTTP `ETag` header has. */
  eTag?: string;
  /** On a versioned bucket: the version created, or the delete marker's. */
  versionId?: string;
  /** When S3 finished the request. */
  at: Date;
  /** S3's event type: `ObjectCreated:Put`, `ObjectCreated:Post`, `ObjectCreated:CompleteMultipartUpload`, `ObjectRemoved:Delete`, `ObjectRemoved:DeleteMarkerCreated`, … */
  eventName: string;
  /** The record exactly as S3 sent it. */
  record: S3EventRecord;
}

/** A message that cannot be handed to the consumer: not JSON, or not what the queue's schema accepts. */
export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError';
  constructor(
    message: string,
    readonly issues: readonly StandardSchemaV1.Issue[] = [],
  ) {
    super(message);
  }
}

export function isInvalidMessageError(error: unknown): error is InvalidMessageError {
  return error instanceof Error && error.name === 'InvalidMessageError';
}

/** Checks a body against the queue's schema (when it has one); throws InvalidMessageError naming every issue. */
export async function validMessage<T>(schema: StandardSchemaV1 | undefined, body: unknown, what: string): Promise<T> {
  if (!schema) return body as T;
  const result = await schema['~standard'].validate(body);
  if (!result.issues) return result.value as T;
  const detail = result.issues
    .map((issue) => {
      const path = (issue.path ?? []).map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
  throw new InvalidMessageError(`${what} does not match the queue's message schema: ${detail}`, result.issues);
}
