import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type MessageOf, type QueueDefinition, queueEnvVar } from '@gantry/decorators';
import { validMessage } from '../events/messages.js';
import { tracingHooks } from '../tracing/hooks.js';

let shared: SQSClient | undefined;
// The container's one SQS client, made on first send so functions that never send never pay for it;
// with tracing on, each send is a subsegment of the invocation's trace.
const sqs = () => {
  if (shared) return shared;
  const client = new SQSClient({});
  shared = tracingHooks()?.captureClient(client) ?? client;
  return shared;
};

/** SQS takes at most 10 messages per SendMessageBatch. */
const BATCH = 10;

export interface SendOptions {
  /** FIFO queues: the message group (messages of one group arrive in order). Required there. */
  groupId?: string;
  /** FIFO queues: the deduplication id; required unless the queue has contentBasedDeduplication. */
  deduplicationId?: string;
  /** Standard queues: seconds before it can be received (0–900). */
  delaySeconds?: number;
}

/** Some messages of a batch were not sent: which (by position) and why; the others were. */
export class QueueSendError extends Error {
  override name = 'QueueSendError';
  constructor(
    readonly queue: string,
    readonly failed: { index: number; code: string; message: string }[],
  ) {
    super(
      `${failed.length} message(s) not sent to queue '${queue}': ${failed.map((f) => `#${f.index} ${f.code}: ${f.message}`).join('; ')}`,
    );
  }
}

export interface QueueClient<T> {
  /** Sends one message (checked against the queue's schema first); resolves to its message id. */
  send(body: T, options?: SendOptions): Promise<string>;
  /**
   * Sends many, 10 per SendMessageBatch call; every body is checked first, so nothing is sent when
   * one is invalid. Rejects with QueueSendError listing the ones SQS refused (the rest were sent).
   * `options` gives each message's group and deduplication ids on a FIFO queue.
   */
  sendBatch(bodies: readonly T[], options?: (body: T, index: number) => SendOptions): Promise<string[]>;
}

/**
 * A client for a queue the function `@uses(Queue, 'send')`: the queue's URL comes from the
 * environment the plugin sets (`GANTRY_QUEUE_<NAME>`), bodies are JSON and checked against the
 * queue's schema before they leave.
 *
 * @example
 * const jobs = queueClient(Jobs);
 * await jobs.send({ taskId });
 */
export function queueClient<Q extends QueueDefinition>(queue: Q): QueueClient<MessageOf<Q>> {
  const url = () => {
    const value = process.env[queueEnvVar(queue)];
    if (!value) {
      throw new Error(
        `queueClient(${queue.name}): ${queueEnvVar(queue)} is not set; give the function @uses(${queue.name}, 'send').`,
      );
    }
    return value;
  };
  const fifoFields = (options: SendOptions = {}) => {
    if (!queue.fifo) return options.delaySeconds !== undefined ? { DelaySeconds: options.delaySeconds } : {};
    if (!options.groupId)
      throw new TypeError(`queueClient(${queue.name}): a FIFO queue needs { groupId } for each message.`);
    if (!options.deduplicationId && !queue.contentBasedDeduplication) {
      throw new TypeError(
        `queueClient(${queue.name}): give { deduplicationId }, or declare the queue with contentBasedDeduplication: true.`,
      );
    }
    return {
      MessageGroupId: options.groupId,
      ...(options.deduplicationId ? { MessageDeduplicationId: options.deduplicationId } : {}),
    };
  };
  const checked = (body: unknown, what: string) => validMessage(queue.message, body, what);

  return {
    async send(body, options) {
      const valid = await checked(body, `A message for queue '${queue.name}'`);
      const sent = await sqs().send(
        new SendMessageCommand({ QueueUrl: url(), MessageBody: JSON.stringify(valid), ...fifoFields(options) }),
      );
      return sent.MessageId as string;
    },
    async sendBatch(bodies, options) {
      const entries = await Promise.all(
        bodies.map(async (body, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(await checked(body, `Message #${index} for queue '${queue.name}'`)),
          ...fifoFields(options?.(body, index)),
        })),
      );
      const ids: string[] = [];
      const failed: QueueSendError['failed'] = [];
      for (let i = 0; i < entries.length; i += BATCH) {
        const answer = await sqs().send(
          new SendMessageBatchCommand({ QueueUrl: url(), Entries: entries.slice(i, i + BATCH) }),
        );
        for (const ok of answer.Successful ?? []) ids[Number(ok.Id)] = ok.MessageId as string;
        for (const no of answer.Failed ?? []) {
          failed.push({ index: Number(no.Id), code: no.Code ?? 'Unknown', message: no.Message ?? '' });
        }
      }
      if (failed.length > 0) throw new QueueSendError(queue.name, failed);
      return ids;
    },
  };
}
