import { readClassMetadata } from '@gantry/decorators';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { createLogger, type LoggerOptions } from '../log.js';
import { type MetricsSettings, metricsSettings } from '../metrics/emf-writer.js';
import { installOfflineGuards } from '../offline-guards.js';
import type { ObjectEvent } from './messages.js';
import { batchLog, eventMethod } from './method.js';

export interface ObjectHandlerOptions {
  logger?: LoggerOptions;
  /** Where its metrics go (default: the service and stage serverless-gantry sets); `false`: none. */
  metrics?: MetricsSettings | false;
}

/** The event types a Gantry object trigger subscribes to, by the part of `eventName` before ':'. */
const TYPES: Record<string, ObjectEvent['type']> = { ObjectCreated: 'created', ObjectRemoved: 'removed' };

/**
 * A key as S3 writes it in a notification, decoded: form encoding, so '+' is a space and a '+' of
 * the key itself arrives as `%2B` (AWS: "the object key name value is URL encoded").
 */
export function decodeObjectKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** A notification record as the method receives it: `{ type, bucket, key, size?, eTag?, versionId?, at }`. */
export function objectEvent(record: S3EventRecord): ObjectEvent {
  const type = TYPES[record.eventName.split(':')[0] as string];
  if (!type) {
    throw new TypeError(
      `objectHandler: a '${record.eventName}' record is neither ObjectCreated:* nor ObjectRemoved:*, the only events @onObjectCreated and @onObjectRemoved subscribe to.`,
    );
  }
  // S3 leaves size and eTag out of a removal, and versionId out (or null) on an unversioned bucket.
  const { size, eTag, versionId } = record.s3.object as Partial<S3EventRecord['s3']['object']>;
  return {
    type,
    bucket: record.s3.bucket.name,
    key: decodeObjectKey(record.s3.object.key),
    ...(typeof size === 'number' ? { size } : {}),
    ...(typeof eTag === 'string' && eTag ? { eTag } : {}),
    ...(typeof versionId === 'string' && versionId ? { versionId } : {}),
    at: new Date(record.eventTime),
    eventName: record.eventName,
    record,
  };
}

/**
 * Wraps one static method decorated with `@onObjectCreated(Bucket)` or `@onObjectRemoved(Bucket)`
 * as the Lambda handler of the bucket's notifications: the method runs once per record, in order,
 * with the key decoded.
 *
 * S3 invokes the function asynchronously and Lambda retries a failed invocation (twice by
 * default), the whole event each time: there is no partial batch response for S3. So when a
 * record's method throws, the others still run, each failure is logged, and the handler throws
 * at the end (the method's own error; an `AggregateError` of them when several failed), so the
 * retries happen as deployed. S3 sends one record per event in practice, so a retry re-runs only
 * the failed object; since delivery is at least once anyway, methods must be idempotent.
 *
 * @example
 * export const handler = objectHandler(Thumbnails, 'make');
 */
export function objectHandler<T extends object>(
  target: T,
  method: keyof T & string,
  options: ObjectHandlerOptions = {},
) {
  const call = eventMethod(target, method, 'objectHandler');
  const triggers = readClassMetadata(target)?.methods[method]?.triggers ?? [];
  if (!triggers.some((trigger) => trigger.type === 'object')) {
    throw new TypeError(`objectHandler: ${call.where} has no @onObjectCreated(bucket) or @onObjectRemoved(bucket)`);
  }
  const logger = createLogger(options.logger);
  installOfflineGuards(logger);
  const log = batchLog(logger, call.where, metricsSettings(options.metrics));

  return async (event: S3Event, context: Context): Promise<void> => {
    const started = log.start();
    const failures: unknown[] = [];
    for (const record of event.Records) {
      let id = record.s3.object.key;
      try {
        const object = objectEvent(record);
        id = object.key;
        await call.run(object);
      } catch (error) {
        log.failed(id, error);
        failures.push(error);
      }
    }
    log.end(started, context, event.Records.length, failures.length);
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new AggregateError(
        failures,
        `${failures.length} of ${event.Records.length} object events failed in ${call.where}`,
      );
    }
  };
}
