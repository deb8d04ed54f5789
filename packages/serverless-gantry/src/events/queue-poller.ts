import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventLog, Invoke } from './invoke.js';
import { settleBatch } from './queue-batch-response.js';
import { sqsRecord } from './queue-event.js';

export interface QueuePollerOptions {
  /** The consumer, as `invoke` names it. */
  functionName: string;
  queue: { url: string; arn: string; fifo: boolean };
  /** The local SQS endpoint. */
  endpoint: string;
  /** The consumer's own local credentials: the poller reads the queue as its role, as on AWS. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  /** Messages per invocation (`@consumes(Q, { batchSize })`). */
  batchSize: number;
  /** How long to gather a batch after its first message; 0 invokes with what one receive returns. */
  maxBatchingWindowMs: number;
  /** Invocations at once; unset: Lambda's first scaling step (five batches at a time). */
  maxConcurrency?: number;
  invoke: Invoke;
  log: EventLog;
}

export interface QueuePoller {
  /** True when nothing is being invoked and the queue holds no message, visible, in flight or delayed. */
  idle(): Promise<boolean>;
  /** Stops receiving at once (an in-flight long poll is abandoned) and waits for running invocations to settle. */
  stop(): Promise<void>;
}

const LONG_POLL_SECONDS = 20; // SQS's longest wait
// Lambda's synchronous invocation payload limit: its SQS mapping never invokes with a larger event.
export const MAX_EVENT_BYTES = 6_291_456;
const EVENT_WRAPPER_BYTES = '{"Records":[]}'.length;
const FIRST_SCALING_STEP = 5; // Lambda starts with five concurrent batches per SQS mapping
const RETRY_MS = { first: 250, max: 5_000 };

/**
 * Lambda's SQS event source mapping for a local run: long-polls the queue with the consumer's own
 * credentials (so its IAM applies), gathers up to `batchSize` messages for up to the batching
 * window, invokes the consumer with Lambda's event, and deletes what the outcome says is done
 * (`settleBatch`: partial batch responses, FIFO groups). The rest stays hidden until the queue's
 * visibility timeout and is received again; after `maxReceiveCount` receives the queue moves it to
 * its dead-letter queue. A receive the consumer may not make is reported once, then retried
 * quietly, as Lambda keeps a mapping whose role lacks rights.
 *
 * @example
 * const poller = startQueuePoller({ functionName: 'work', queue, endpoint, credentials, region,
 *   batchSize: 10, maxBatchingWindowMs: 0, invoke, log });
 * await poller.stop();
 */
export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const { functionName, queue, log } = options;
  const queueName = queue.arn.slice(queue.arn.lastIndexOf(':') + 1);
  const client = new SQSClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: options.credentials,
    maxAttempts: 1, // the loop retries, with its own back-off and one log line per problem
  });
  const stopping = new AbortController();
  const limit = options.maxConcurrency ?? FIRST_SCALING_STEP;
  const stopped = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve()));
  const running = new Set<Promise<void>>();
  let held = 0; // messages received and not yet handed to an invocation
  // Received messages that did not fit the last batch's 6 MB: they open the next batch.
  let carried: Message[] = [];
  let problem: string | undefined;
  let retryMs = RETRY_MS.first;

  /** Says a failing call once, until it works again. */
  function report(what: string, error: unknown): void {
    if (stopping.signal.aborted) return;
    const name = error instanceof Error ? error.name : 'Error';
    const line = `${functionName} cannot ${what} queue ${queueName}: ${name}: ${error instanceof Error ? error.message : String(error)}`;
    if (problem !== `${what}:${name}`) log.warning(line);
    problem = `${what}:${name}`;
  }

  function recovered(what: string): void {
    if (!problem?.startsWith(`${what}:`)) return;
    log.notice(`${functionName} can ${what} queue ${queueName} again`);
    problem = undefined;
  }

  const pause = (ms: number) => sleep(ms, undefined, { ref: false, signal: stopping.signal }).catch(() => undefined);

  async function receive(max: number, waitSeconds: number): Promise<Message[] | undefined> {
    try {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: stopping.signal },
      );
      recovered('receive from');
      retryMs = RETRY_MS.first;
      return Messages;
    } catch (error) {
      report('receive from', error);
      await pause(retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MS.max);
      return undefined;
    }
  }

  /**
   * Up to `batchSize` messages whose event fits Lambda's 6 MB: one receive without a window, else
   * receives until the window closes. Messages past the size limit are not handed over: on a
   * standard queue they open the next batch; on a FIFO queue they go back to the queue at once (its
   * group lock then keeps them behind the messages of their group being handled).
   */
  async function gather(): Promise<Message[]> {
    const batch: Message[] = [];
    let bytes = EVENT_WRAPPER_BYTES;
    let full = false;
    /** Adds messages while they fit; the rest are kept for later, in order. */
    const add = async (messages: Message[]) => {
      for (const [index, message] of messages.entries()) {
        const size = Buffer.byteLength(JSON.stringify(sqsRecord(message, { arn: queue.arn, region: options.region })));
        const added = (batch.length > 0 ? 1 : 0) + size; // and a comma
        if (batch.length > 0 && bytes + added > MAX_EVENT_BYTES) {
          full = true;
          const rest = messages.slice(index);
          if (queue.fifo) await giveBack(rest);
          else carried.push(...rest);
          return;
        }
        batch.push(message);
        bytes += added;
      }
    };
    const waiting = carried;
    carried = [];
    await add(waiting);
    held = batch.length + carried.length;
    let closesAt: number | undefined;
    if (batch.length > 0) {
      if (full || options.maxBatchingWindowMs <= 0 || batch.length >= options.batchSize) return batch;
      closesAt = Date.now() + options.maxBatchingWindowMs;
    }
    while (!stopping.signal.aborted && !full && batch.length < options.batchSize) {
      const left = closesAt === undefined ? undefined : closesAt - Date.now();
      if (left !== undefined && left <= 0) break;
      // Long polls last whole seconds: the window's last fraction is waited out, then looked at once.
      const waitSeconds = left === undefined ? LONG_POLL_SECONDS : Math.min(LONG_POLL_SECONDS, Math.floor(left / 1000));
      const lastLook = left !== undefined && waitSeconds === 0;
      if (lastLook) await pause(left);
      const messages = await receive(Math.min(10, options.batchSize - batch.length), waitSeconds);
      if (!messages) break;
      await add(messages);
      held = batch.length + carried.length;
      if (batch.length > 0 && closesAt === undefined) {
        if (options.maxBatchingWindowMs <= 0) break;
        closesAt = Date.now() + options.maxBatchingWindowMs;
      }
      if (lastLook) break;
    }
    return batch;
  }

  async function run(batch: Message[]): Promise<void> {
    const event = { Records: batch.map((m) => sqsRecord(m, { arn: queue.arn, region: options.region })) };
    const outcome = await options.invoke(functionName, event);
    const settled = settleBatch(
      outcome,
      event.Records.map((r) => ({ messageId: r.messageId, group: r.attributes.MessageGroupId })),
      queue.fifo,
    );
    if (outcome.type !== 'result') {
      const why =
        outcome.type === 'timeout' ? 'timed out' : `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
      log.notice(
        `${functionName} failed a batch of ${batch.length} from ${queueName} (${why}); the messages return after the visibility timeout`,
      );
    } else if (settled.malformed) {
      log.warning(`${functionName} ${settled.malformed}; the whole batch of ${batch.length} from ${queueName} failed`);
    }
    const done = new Set(settled.done);
    await remove(event.Records.filter((r) => done.has(r.messageId)).map((r) => r.receiptHandle));
  }

  async function remove(receiptHandles: string[]): Promise<void> {
    for (let start = 0; start < receiptHandles.length; start += 10) {
      const chunk = receiptHandles.slice(start, start + 10);
      try {
        const { Failed = [] } = await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: chunk.map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle })),
          }),
        );
        for (const failure of Failed) {
          log.warning(
            `${functionName}: a message of ${queueName} was not deleted: ${failure.Code}: ${failure.Message}`,
          );
        }
        recovered('delete from');
      } catch (error) {
        report('delete from', error);
      }
    }
  }

  /**
   * Messages received and not handed over go back at once instead of staying hidden: latest first
   * (so a FIFO group keeps its order), ten a call (SQS's batch limit).
   */
  async function giveBack(messages: Message[]): Promise<void> {
    const latestFirst = [...messages].reverse();
    for (let start = 0; start < latestFirst.length; start += 10) {
      await client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queue.url,
            Entries: latestFirst.slice(start, start + 10).map((m, index) => ({
              Id: String(index),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined);
    }
  }

  async function poll(): Promise<void> {
    while (!stopping.signal.aborted) {
      if (running.size >= limit) {
        await Promise.race([...running, stopped]);
        continue;
      }
      const batch = await gather();
      if (stopping.signal.aborted) {
        await giveBack([...batch, ...carried]);
        carried = [];
        held = 0;
        continue;
      }
      if (batch.length === 0) continue;
      const invocation = run(batch)
        .catch((error: unknown) =>
          log.warning(`${functionName}: the ${queueName} poller failed a batch: ${String(error)}`),
        )
        .finally(() => running.delete(invocation));
      running.add(invocation);
      held = carried.length;
    }
  }

  const polling = poll();

  return {
    async idle() {
      if (running.size > 0 || held > 0) return false;
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const empty =
        Attributes.ApproximateNumberOfMessages === '0' &&
        Attributes.ApproximateNumberOfMessagesNotVisible === '0' &&
        Attributes.ApproximateNumberOfMessagesDelayed === '0';
      return empty && running.size === 0 && held === 0;
    },
    async stop() {
      stopping.abort();
      await polling;
      await Promise.all(running);
      client.destroy();
    },
  };
}
