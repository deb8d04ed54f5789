import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp } from 'fauxqs';
import { GantryError } from '../../errors.js';
import { receiveFifoByGroup } from './fifo-group-batches.js';

/** An answer of the queue engine in SQS's JSON protocol. */
export interface EngineAnswer {
  status: number;
  body: Record<string, unknown>;
  /** SQS's `x-amzn-query-error` (`<code>;Sender`), on errors. */
  queryError?: string | undefined;
}

/** The SQS queues of a local run: fauxqs, in-process, reached only through `call`. */
export interface QueueEngine {
  /** One SQS action, as the JSON protocol sends it, with the engine's queue URLs and ARNs. */
  call(action: string, body: Record<string, unknown>): Promise<EngineAnswer>;
  /** The engine's URL of a queue, undefined when it has no queue of that name. */
  queueUrl(queueName: string): string | undefined;
  /**
   * A wait that ends when the queue (by its engine URL) may have a message to receive: one was
   * sent, or one became visible again (its visibility timeout or delay ran out); or after `ms`.
   * Undefined when the engine has no such queue. `cancel` ends it at once and frees its timer.
   */
  waitForMessage(queueUrl: string, ms: number): { arrived: Promise<void>; cancel(): void } | undefined;
  /** The queue's `ReceiveMessageWaitTimeSeconds` (a receive's wait when it gives none). */
  receiveWaitSeconds(queueUrl: string): number | undefined;
  /** How the engine writes a queue's ARN: this prefix and the queue name. */
  arnPrefix: string;
  stop(): Promise<void>;
}

type FauxqsStores = NonNullable<NonNullable<Parameters<typeof buildApp>[0]>['stores']>;

interface FauxqsStore {
  createQueue(...args: unknown[]): unknown;
  getQueueByName(name: string): { url: string } | undefined;
  getQueue(url: string): FauxqsQueue | undefined;
}

/** What the long poll of the front uses of a fauxqs 1.9.2 queue (its class is internal). */
interface FauxqsQueue {
  attributes: Record<string, string>;
  /** fauxqs's own long-poll wait: woken by a send, or by its timer pass when a message becomes visible. */
  waitForMessages(waitTimeSeconds: number): Promise<void>;
  pollWaiters: { resolve(): void; timer: ReturnType<typeof setTimeout> }[];
}

/**
 * Starts fauxqs as the engine of the local SQS: its visibility timeouts, dead-letter redrive, FIFO
 * groups, deduplication and long polling. It runs in-process, without a port of its own (its
 * `startFauxqs` listens on every interface, whatever its options: the queues would be reachable
 * without the IAM front), and requests reach it through Fastify's `inject`. Its queues are created
 * with the FIFO receive SQS has (see `receiveFifoByGroup`).
 */
export async function startQueueEngine(region: string): Promise<QueueEngine> {
  const internals = await fauxqsInternals();
  const sqsStore = new internals.SqsStore() as FauxqsStore;
  const createQueue = sqsStore.createQueue.bind(sqsStore);
  sqsStore.createQueue = (...args) => receiveFifoByGroup(createQueue(...args));
  const app = buildApp({
    logger: false,
    defaultRegion: region,
    stores: {
      sqsStore,
      snsStore: new internals.SnsStore(),
      s3Store: new internals.S3Store(),
    } as unknown as FauxqsStores,
  });
  await app.ready();
  // fauxqs takes the region of a new queue from the request's credential scope.
  const authorization = `AWS4-HMAC-SHA256 Credential=gantry-local/20260101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=0`;
  return {
    arnPrefix: `arn:aws:sqs:${region}:${internals.accountId}:`,
    async call(action, body) {
      const reply = await app.inject({
        method: 'POST',
        url: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `AmazonSQS.${action}`,
          host: 'gantry-local-sqs',
          authorization,
        },
        payload: JSON.stringify(body),
      });
      const queryError = reply.headers['x-amzn-query-error'];
      return {
        status: reply.statusCode,
        body: parseObject(reply.body),
        queryError: typeof queryError === 'string' ? queryError : undefined,
      };
    },
    queueUrl: (queueName) => sqsStore.getQueueByName(queueName)?.url,
    waitForMessage(queueUrl, ms) {
      const queue = sqsStore.getQueue(queueUrl);
      if (!queue || !Array.isArray(queue.pollWaiters)) return undefined;
      const arrived = queue.waitForMessages(Math.max(0, ms) / 1000);
      // The waiter fauxqs just filed (synchronously, last): removed on cancel, so no timer of an
      // abandoned wait keeps fauxqs's 20 ms timer pass running.
      const waiter = queue.pollWaiters[queue.pollWaiters.length - 1];
      return {
        arrived,
        cancel() {
          const index = waiter ? queue.pollWaiters.indexOf(waiter) : -1;
          if (!waiter || index === -1) return;
          queue.pollWaiters.splice(index, 1);
          clearTimeout(waiter.timer);
          waiter.resolve(); // fauxqs's resolve also stops its timer pass when no waiter is left
        },
      };
    },
    receiveWaitSeconds(queueUrl) {
      const value = Number(sqsStore.getQueue(queueUrl)?.attributes.ReceiveMessageWaitTimeSeconds);
      return Number.isFinite(value) ? value : undefined;
    },
    stop: () => app.close(),
  };
}

const parseObject = (text: string): Record<string, unknown> => {
  if (!text) return {};
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
};

/**
 * fauxqs's store classes and account, which its package does not export: loaded from its files,
 * resolved the way Node resolves `fauxqs` from here (real path, so they are the very modules its
 * `buildApp` uses).
 */
async function fauxqsInternals() {
  const candidates = createRequire(import.meta.url).resolve.paths('fauxqs') ?? [];
  const root = candidates.map((dir) => join(dir, 'fauxqs')).find((dir) => existsSync(join(dir, 'package.json')));
  if (!root) throw new GantryError("Gantry's local SQS needs the fauxqs package, which is not installed");
  const dist = pathToFileURL(join(realpathSync(root), 'dist', '/')).href;
  const load = (file: string) => import(new URL(file, dist).href) as Promise<Record<string, unknown>>;
  const [sqs, sns, s3, types] = await Promise.all([
    load('sqs/sqsStore.js'),
    load('sns/snsStore.js'),
    load('s3/s3Store.js'),
    load('common/types.js'),
  ]);
  type Store = new () => unknown;
  return {
    SqsStore: sqs.SqsStore as Store,
    SnsStore: sns.SnsStore as Store,
    S3Store: s3.S3Store as Store,
    accountId: String(types.DEFAULT_ACCOUNT_ID),
  };
}
