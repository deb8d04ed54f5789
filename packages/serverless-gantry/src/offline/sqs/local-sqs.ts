import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GantryError } from '../../errors.js';
import type { ManifestQueue } from '../../manifest.js';
import { readBody, stackOf } from '../http/read-body.js';
import { deniedMessage, identifyCaller, type LocalIdentity } from '../iam/caller.js';
import type { Check } from '../iam/request-checks.js';
import type { LocalAccount } from '../iam/resolve-arns.js';
import { type Addresses, frontQueueUrl, toEngine, toFront } from './address-translation.js';
import { receiveWithLongPoll } from './long-poll.js';
import { localQueueArn } from './queue-addresses.js';
import { queueChecks, SQS_ACTIONS } from './queue-checks.js';
import { type EngineAnswer, startQueueEngine } from './queue-engine.js';

export interface LocalSqsOptions {
  /** Where the local run pretends to be: queue ARNs and URLs name this account and region. */
  account: LocalAccount;
  /** By access key id (the `Credential=` of the SigV4 `Authorization` header): whose policy applies. */
  identities: Map<string, LocalIdentity>;
  /** Deny callers without a function identity (your shell, tests); allowed by default. */
  denyUnidentified: boolean;
  /** Port of the SQS endpoint; 0 picks a free one. */
  port: number;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string | undefined;
}

/** A created queue, as callers see it: its URL on the local endpoint and its local ARN. */
export interface LocalQueue {
  url: string;
  arn: string;
  deadLetter?: { url: string; arn: string };
}

export interface LocalSqs {
  /** The SQS endpoint (`AWS_ENDPOINT_URL_SQS`). */
  url: string;
  /** Creates the Manifest's queues and dead-letter queues (or updates their settings), by declared name. */
  createQueues(queues: ManifestQueue[]): Promise<Record<string, LocalQueue>>;
  stop(): Promise<void>;
}

// Actions fauxqs 1.9.2 does not serve: answered as SQS answers an operation it does not support.
const UNSUPPORTED = new Set([
  'AddPermission',
  'RemovePermission',
  'ListDeadLetterSourceQueues',
  'StartMessageMoveTask',
  'CancelMessageMoveTask',
  'ListMessageMoveTasks',
]);

const DEAD_LETTER_RETENTION = 1_209_600; // 14 days, the most SQS keeps a message
const MAX_BODY = 10 * 1024 * 1024; // a guard only: message sizes are the engine's to check (SQS: 1 MiB)

interface Answer {
  status: number;
  body: Record<string, unknown>;
  queryError?: string | undefined;
}

/**
 * The SQS endpoint of a local run. Queues are fauxqs's (in-process); in front of them, an endpoint
 * speaking SQS's JSON protocol identifies the calling function by its local access key, evaluates
 * each request against the statements deploy generates for the function's role, answers a denial
 * exactly as SQS does, and hands allowed requests to the queues. Every queue URL it hands out
 * points at itself.
 *
 * @example
 * const sqs = await startLocalSqs({ account, identities, denyUnidentified: false, port: 0 });
 * const { jobs } = await sqs.createQueues(manifest.queues);
 * // jobs.url: http://127.0.0.1:<port>/000000000000/shop-dev-jobs
 */
export async function startLocalSqs(options: LocalSqsOptions): Promise<LocalSqs> {
  const host = options.host ?? '127.0.0.1';
  const engine = await startQueueEngine(options.account.region);
  const addresses: Addresses = { account: options.account, front: '', engine };
  const stopping = new AbortController(); // ends the long polls waiting in the front

  async function serve(req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
    const caller = new AbortController(); // aborted when the caller goes away before its answer
    res.once('close', () => {
      if (!res.writableFinished) caller.abort();
    });
    const body = await readBody(req, res, MAX_BODY, tooLarge);
    if (!body) return; // over the limit: answered 413
    if (!String(req.headers['content-type'] ?? '').includes('application/x-amz-json-1.0')) {
      return notJsonProtocol(res);
    }
    if (!SQS_ACTIONS.has(action)) {
      return answer(res, { status: 400, body: { __type: 'com.amazon.coral.service#UnknownOperationException' } });
    }
    const request = parseObject(body);
    if (!request) {
      return answer(res, { status: 400, body: { __type: 'com.amazon.coral.service#SerializationException' } });
    }
    const denial = authorize(
      identifyCaller(req, options.identities),
      queueChecks(action, request, options.account),
      options,
    );
    if (denial) return answer(res, denial);
    if (UNSUPPORTED.has(action)) return answer(res, unsupported(action));
    const engineRequest = toEngine(request, addresses);
    const reply =
      action === 'ReceiveMessage'
        ? await receiveWithLongPoll(engine, engineRequest, AbortSignal.any([caller.signal, stopping.signal]))
        : await engine.call(action, engineRequest);
    if (!reply) return; // the caller left while its long poll waited: nothing was received
    if (reply.status >= 500 && !reply.body.__type) {
      throw new Error(`the queue engine answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    }
    if (caller.signal.aborted && action === 'ReceiveMessage') return release(engineRequest.QueueUrl, reply);
    answer(res, { ...reply, body: toFront(reply.body, addresses) });
  }

  // A receive whose caller went away while the engine answered it (the long poll itself never
  // receives for a caller that has gone): its messages go back at once rather than stay hidden for
  // the visibility timeout. Latest first, so a FIFO group keeps its order.
  async function release(queueUrl: unknown, reply: EngineAnswer): Promise<void> {
    const messages = Array.isArray(reply.body.Messages) ? (reply.body.Messages as { ReceiptHandle?: string }[]) : [];
    for (const message of messages.reverse()) {
      await engine.call('ChangeMessageVisibility', {
        QueueUrl: queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      });
    }
  }

  // The request boundary: whatever a request holds, it gets an answer and the endpoint keeps serving.
  const server = createServer((req, res) => {
    const action = actionOf(req);
    serve(req, res, action).catch((error: unknown) => {
      console.error(
        `gantry: the local SQS endpoint failed on ${action || 'a request'} (answered 500): ${stackOf(error)}`,
      );
      answer(res, {
        status: 500,
        body: { __type: 'com.amazon.coral.service#InternalFailure', message: 'Internal failure' },
        queryError: 'InternalFailure;Receiver',
      });
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => resolve());
    });
  } catch (error) {
    await engine.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  addresses.front = url;

  async function ensureQueue(queueName: string, attributes: Record<string, string>): Promise<LocalQueue> {
    const existing = engine.queueUrl(queueName);
    const reply = existing
      ? // Settings of a queue that exists (a reload) follow the Manifest; FifoQueue never changes.
        await engine.call('SetQueueAttributes', {
          QueueUrl: existing,
          Attributes: toEngine({ Attributes: withoutFifo(attributes) }, addresses).Attributes,
        })
      : await engine.call('CreateQueue', toEngine({ QueueName: queueName, Attributes: attributes }, addresses));
    if (reply.status !== 200) {
      throw new GantryError(
        `The local SQS could not create queue '${queueName}': ${String(reply.body.message ?? reply.body.__type)}`,
      );
    }
    return { url: frontQueueUrl(addresses, queueName), arn: localQueueArn(queueName, options.account) };
  }

  return {
    url,
    async createQueues(queues) {
      const created: Record<string, LocalQueue> = {};
      for (const queue of queues) {
        const fifo: Record<string, string> = queue.fifo ? { FifoQueue: 'true' } : {};
        const deadLetter = queue.deadLetter
          ? await ensureQueue(queue.deadLetter.queueName, {
              ...fifo,
              MessageRetentionPeriod: String(DEAD_LETTER_RETENTION),
            })
          : undefined;
        const main = await ensureQueue(queue.queueName, {
          ...fifo,
          ...(queue.fifo && queue.contentBasedDeduplication !== undefined
            ? { ContentBasedDeduplication: String(queue.contentBasedDeduplication) }
            : {}),
          VisibilityTimeout: String(queue.visibilityTimeout),
          MessageRetentionPeriod: String(queue.retentionPeriod),
          ...(deadLetter && queue.deadLetter
            ? {
                RedrivePolicy: JSON.stringify({
                  deadLetterTargetArn: deadLetter.arn,
                  maxReceiveCount: queue.deadLetter.maxReceiveCount,
                }),
              }
            : {}),
        });
        created[queue.name] = { ...main, ...(deadLetter ? { deadLetter } : {}) };
      }
      return created;
    },
    async stop() {
      stopping.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.stop(); // ends long polls still waiting
    },
  };
}

/** The action of an SQS JSON-protocol request: `X-Amz-Target: AmazonSQS.<Action>`. */
function actionOf(req: IncomingMessage): string {
  const target = String(req.headers['x-amz-target'] ?? '');
  return target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
}

/**
 * SQS's denial (measured on AWS's JSON protocol): 403, `x-amzn-query-error: AccessDenied;Sender`
 * (the SDK names the error from it: `AccessDenied`), the action lower-cased in the message.
 */
function authorize(identity: LocalIdentity | undefined, checks: Check[], options: LocalSqsOptions): Answer | undefined {
  for (const check of checks) {
    const action = check.action.toLowerCase();
    let message: string | undefined;
    if (!identity) {
      if (!options.denyUnidentified) return undefined;
      message = `User: anonymous is not authorized to perform: ${action} on resource: ${check.resource} because the local run denies callers without a function identity`;
    } else {
      message = deniedMessage(identity, [check], options.account, { lowerCaseAction: true });
      if (message === undefined) continue;
    }
    return {
      status: 403,
      body: { __type: 'com.amazon.coral.service#AccessDeniedException', Message: message },
      queryError: 'AccessDenied;Sender',
    };
  }
  return undefined;
}

const unsupported = (action: string): Answer => ({
  status: 400,
  body: {
    __type: 'com.amazonaws.sqs#UnsupportedOperation',
    message: `${action} is not supported by Gantry's local SQS (fauxqs 1.9.2); see serverless-gantry's README.`,
  },
  queryError: 'AWS.SimpleQueueService.UnsupportedOperation;Sender',
});

function answer(res: ServerResponse, { status, body, queryError }: Answer): void {
  if (res.headersSent || res.destroyed) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(queryError ? { 'x-amzn-query-error': queryError } : {}),
  });
  res.end(text);
}

/** A query-protocol (form-encoded, XML) client: answered in its format, saying what to use. */
function notJsonProtocol(res: ServerResponse): void {
  const text =
    '<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>' +
    "<Code>InvalidAction</Code><Message>Gantry's local SQS speaks SQS's JSON protocol (AWS SDK for JavaScript v3, " +
    `current boto3 and AWS CLI); this client sent the query protocol.</Message><Detail/></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  res.writeHead(400, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.length > 0 ? body.toString('utf8') : '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const withoutFifo = ({ FifoQueue: _, ...attributes }: Record<string, string>) => attributes;

function tooLarge(res: ServerResponse): void {
  res.writeHead(413, { 'content-length': 0 });
  res.end();
}
