import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import { isQueue, type QueueDefinition, readClassMetadata } from '@gantry/decorators';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLogger, type LoggerOptions } from '../log.js';
import { type MetricsSettings, metricsSettings } from '../metrics/emf-writer.js';
import { installOfflineGuards } from '../offline-guards.js';
import { type QueueMessage, validMessage } from './messages.js';
import { batchLog, eventMethod } from './method.js';

export interface QueueHandlerOptions {
  logger?: LoggerOptions;
  /** Where its metrics go (default: the service and stage serverless-gantry sets); `false`: none. */
  metrics?: MetricsSettings | false;
}

/**
 * Wraps one static method decorated with `@consumes(Queue)` as the Lambda handler of its SQS event
 * source mapping: each message's body is parsed (JSON) and checked against the queue's schema, the
 * method runs once per message, and the messages that failed (a throw, or a body that does not
 * pass) are reported back as partial batch failures, so SQS redelivers those alone. FIFO queues
 * stop a group at its first failure, so its order holds. Partial failures are Powertools' batch
 * utility's (maintained, the reference implementation of AWS's rules).
 *
 * @example
 * export const handler = queueHandler(JobsWorker, 'work');
 */
export function queueHandler<T extends object>(target: T, method: keyof T & string, options: QueueHandlerOptions = {}) {
  const call = eventMethod(target, method, 'queueHandler');
  const trigger = readClassMetadata(target)?.methods[method]?.triggers.find((t) => t.type === 'queue');
  const queue = trigger?.type === 'queue' && isQueue(trigger.queue) ? (trigger.queue as QueueDefinition) : undefined;
  if (!queue) throw new TypeError(`queueHandler: ${call.where} has no @consumes(queue)`);
  const logger = createLogger(options.logger);
  installOfflineGuards(logger);
  const log = batchLog(logger, call.where, metricsSettings(options.metrics));

  const recordHandler = async (record: SQSRecord) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.body);
    } catch {
      parsed = record.body; // a queue without a schema may carry plain text
    }
    const message: QueueMessage = {
      body: await validMessage(queue.message, parsed, `message ${record.messageId}`),
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
      sentAt: new Date(Number(record.attributes.SentTimestamp)),
      ...(record.attributes.MessageGroupId ? { groupId: record.attributes.MessageGroupId } : {}),
      record,
    };
    try {
      await call.run(message);
    } catch (error) {
      log.failed(record.messageId, error);
      throw error;
    }
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const started = log.start();
    // One processor per invocation: Powertools keeps the batch's state on it.
    const response = queue.fifo
      ? await processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
          context,
          skipGroupOnError: true,
          throwOnFullBatchFailure: false,
        })
      : await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
          context,
          throwOnFullBatchFailure: false,
        });
    log.end(started, context, event.Records.length, response.batchItemFailures.length);
    return response;
  };
}
