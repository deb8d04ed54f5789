import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createLogger, type LoggerOptions } from '../log.js';
import { type MetricsSettings, metricsSettings } from '../metrics/emf-writer.js';
import { installOfflineGuards } from '../offline-guards.js';
import type { TableChange } from './messages.js';
import { batchLog, eventMethod } from './method.js';

export interface ChangeHandlerOptions {
  logger?: LoggerOptions;
  /** Where its metrics go (default: the service and stage serverless-gantry sets); `false`: none. */
  metrics?: MetricsSettings | false;
}

/** DynamoDB marks a deletion by TTL with its own service principal. */
const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

type Image = Record<string, AttributeValue> | undefined;
const item = (image: Image) => (image ? unmarshall(image) : undefined);

/** A stream record as the method receives it: `{ type, keys, oldItem?, newItem? }`, unmarshalled. */
export function tableChange(record: DynamoDBRecord): TableChange {
  const stream = record.dynamodb ?? {};
  const oldItem = item(stream.OldImage as Image);
  const newItem = item(stream.NewImage as Image);
  return {
    type: record.eventName as TableChange['type'],
    keys: item(stream.Keys as Image) ?? {},
    ...(oldItem ? { oldItem } : {}),
    ...(newItem ? { newItem } : {}),
    at: new Date((stream.ApproximateCreationDateTime ?? 0) * 1000),
    expired: record.userIdentity?.type === 'Service' && record.userIdentity.principalId === TTL_PRINCIPAL,
    sequenceNumber: stream.SequenceNumber ?? '',
    record,
  };
}

/**
 * Wraps one static method decorated with `@onChange(Table)` as the Lambda handler of the table's
 * stream: the method runs once per change, and the changes that failed are reported back by
 * sequence number, so Lambda retries from the first of them (Powertools' batch utility).
 *
 * @example
 * export const handler = changeHandler(TaskCounts, 'count');
 */
export function changeHandler<T extends object>(
  target: T,
  method: keyof T & string,
  options: ChangeHandlerOptions = {},
) {
  const call = eventMethod(target, method, 'changeHandler');
  const logger = createLogger(options.logger);
  installOfflineGuards(logger);
  const log = batchLog(logger, call.where, metricsSettings(options.metrics));

  const recordHandler = async (record: DynamoDBRecord) => {
    try {
      await call.run(tableChange(record));
    } catch (error) {
      log.failed(record.dynamodb?.SequenceNumber ?? record.eventID ?? '', error);
      throw error;
    }
  };

  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    const started = log.start();
    const response = await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.DynamoDBStreams), {
      context,
      throwOnFullBatchFailure: false,
    });
    log.end(started, context, event.Records.length, response.batchItemFailures.length);
    return response as DynamoDBBatchResponse;
  };
}
