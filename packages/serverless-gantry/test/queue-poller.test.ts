import { createHash } from 'node:crypto';
import {
  SqsAttributesSchema,
  SqsMsgAttributeSchema,
  SqsRecordSchema,
  SqsSchema,
} from '@aws-lambda-powertools/parser/schemas/sqs';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { InvokeOutcome } from '../src/events/invoke.js';
import type { SqsRecord } from '../src/events/queue-event.js';
import { MAX_EVENT_BYTES, type QueuePoller, startQueuePoller } from '../src/events/queue-poller.js';
import type { ManifestQueue } from '../src/manifest.js';
import type { LocalIdentity } from '../src/offline/dynamodb/iam-gateway.js';
import type { LocalAccount } from '../src/offline/iam/resolve-arns.js';
import { type LocalQueue, type LocalSqs, startLocalSqs } from '../src/offline/sqs/local-sqs.js';
import { waitUntil } from './support/wait.js';

const account: LocalAccount = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const CONSUMER_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
];

// Lambda's event, with no key Powertools does not know of.
const StrictSqsEvent = z
  .object({
    Records: z
      .array(
        SqsRecordSchema.extend({
          attributes: SqsAttributesSchema.strict(),
          messageAttributes: z.record(z.string(), SqsMsgAttributeSchema.strict()),
        }).strict(),
      )
      .nonempty(),
  })
  .strict();

/** The local SQS sees who calls by access key: counting look-ups counts a consumer's requests. */
class CountingIdentities extends Map<string, LocalIdentity> {
  readonly lookups = new Map<string, number>();
  override get(key: string) {
    this.lookups.set(key, (this.lookups.get(key) ?? 0) + 1);
    return super.get(key);
  }
}

const identities = new CountingIdentities();
let sqs: LocalSqs;
let shell: SQSClient;
let queueCount = 0;
const pollers: QueuePoller[] = [];

beforeAll(async () => {
  sqs = await startLocalSqs({ account, identities, denyUnidentified: false, port: 0 });
  shell = new SQSClient({
    endpoint: sqs.url,
    region: account.region,
    credentials: { accessKeyId: 'shell', secretAccessKey: 'x' },
  });
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  shell?.destroy();
  await sqs?.stop();
});

type Event = { Records: SqsRecord[] };
type Handler = (event: Event, call: number) => InvokeOutcome | Promise<InvokeOutcome>;

/** A fresh queue (1 s visibility) and, unless `rights` is false, a consumer role that may read it. */
async function newQueue(extra: Partial<ManifestQueue> = {}) {
  const name = `q${++queueCount}`;
  const fifo = extra.fifo ?? false;
  const declared: ManifestQueue = {
    name,
    queueName: `shop-dev-${name}${fifo ? '.fifo' : ''}`,
    envVar: `GANTRY_QUEUE_${name.toUpperCase()}`,
    fifo,
    visibilityTimeout: 1,
    retentionPeriod: 3_600,
    source: 'src/queues.ts',
    ...extra,
  };
  const created = (await sqs.createQueues([declared]))[name] as LocalQueue;
  return { ...created, fifo, name };
}

function consume(
  queue: LocalQueue & { fifo: boolean; name: string },
  handler: Handler,
  settings: { batchSize?: number; windowMs?: number; maxConcurrency?: number; rights?: boolean } = {},
) {
  const functionName = `work-${queue.name}`;
  const accessKeyId = `key-${functionName}`;
  const identity: LocalIdentity = {
    functionName,
    roleName: `shop-dev-${functionName}`,
    statements: settings.rights === false ? [] : [{ Effect: 'Allow', Action: CONSUMER_ACTIONS, Resource: queue.arn }],
  };
  identities.set(accessKeyId, identity);
  const events: Event[] = [];
  const lines = { notice: [] as string[], warning: [] as string[] };
  const poller = startQueuePoller({
    functionName,
    queue: { url: queue.url, arn: queue.arn, fifo: queue.fifo },
    endpoint: sqs.url,
    credentials: { accessKeyId, secretAccessKey: 'x' },
    region: account.region,
    batchSize: settings.batchSize ?? 10,
    maxBatchingWindowMs: settings.windowMs ?? 0,
    ...(settings.maxConcurrency !== undefined ? { maxConcurrency: settings.maxConcurrency } : {}),
    invoke: async (name, event) => {
      expect(name).toBe(functionName);
      events.push(event as Event);
      return handler(event as Event, events.length);
    },
    log: { notice: (line) => lines.notice.push(line), warning: (line) => lines.warning.push(line) },
  });
  pollers.push(poller);
  return { poller, events, lines, identity, accessKeyId };
}

const ok = (result: unknown = null): InvokeOutcome => ({ type: 'result', result });
const failures = (...itemIdentifier: unknown[]) =>
  ok({ batchItemFailures: itemIdentifier.map((id) => ({ itemIdentifier: id })) });

async function send(queue: LocalQueue, ...bodies: string[]) {
  for (let start = 0; start < bodies.length; start += 10) {
    await shell.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: bodies.slice(start, start + 10).map((MessageBody, i) => ({ Id: String(start + i), MessageBody })),
      }),
    );
  }
}

async function sendToGroups(queue: LocalQueue, ...messages: [group: string, body: string][]) {
  for (const [MessageGroupId, MessageBody] of messages) {
    await shell.send(new SendMessageCommand({ QueueUrl: queue.url, MessageGroupId, MessageBody }));
  }
}

const drained = (poller: QueuePoller) => waitUntil(() => poller.idle(), 'the queue to drain');
const bodies = (event: Event | undefined) => event?.Records.map((r) => r.body);

async function queueCounts(queue: LocalQueue) {
  const { Attributes = {} } = await shell.send(
    new GetQueueAttributesCommand({
      QueueUrl: queue.url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

describe('the queue poller', () => {
  it("invokes the consumer with Lambda's SQS event and deletes what it handled", async () => {
    const queue = await newQueue();
    await shell.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"job":1}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'resize' },
          size: { DataType: 'Number', StringValue: '42' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('raw bytes') },
        },
      }),
    );
    await send(queue, 'plain');
    const { poller, events } = consume(queue, () => ok());

    await drained(poller);

    const [event] = events;
    expect(events).toHaveLength(1);
    expect(SqsSchema.parse(event)).toEqual(event);
    expect(StrictSqsEvent.parse(event)).toEqual(event);
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    const [withAttributes, plain] = event?.Records ?? [];
    expect(withAttributes).toMatchObject({
      body: '{"job":1}',
      md5OfBody: createHash('md5').update('{"job":1}').digest('hex'),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'eu-west-1',
      messageAttributes: {
        kind: { stringValue: 'resize', stringListValues: [], binaryListValues: [], dataType: 'String' },
        size: { stringValue: '42', stringListValues: [], binaryListValues: [], dataType: 'Number' },
        blob: {
          binaryValue: Buffer.from('raw bytes').toString('base64'),
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
    });
    expect(Object.keys(withAttributes?.attributes ?? {})).toEqual([
      'ApproximateReceiveCount',
      'SentTimestamp',
      'SenderId',
      'ApproximateFirstReceiveTimestamp',
    ]);
    expect(withAttributes?.attributes.ApproximateReceiveCount).toBe('1');
    expect(plain?.messageAttributes).toEqual({});
    expect(plain).not.toHaveProperty('md5OfMessageAttributes');
  });

  it('takes at most batchSize messages per invocation', async () => {
    const queue = await newQueue();
    await send(queue, 'm1', 'm2', 'm3', 'm4', 'm5');
    const { poller, events } = consume(queue, () => ok(), { batchSize: 2 });

    await drained(poller);

    expect(events.map((e) => e.Records.length).sort()).toEqual([1, 2, 2]);
    expect(events.flatMap(bodies).sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('keeps gathering within the batching window until the batch is full', async () => {
    const queue = await newQueue();
    await send(queue, 'first');
    const { poller, events } = consume(queue, () => ok(), { batchSize: 2, windowMs: 300_000 });
    await waitUntil(async () => (await queueCounts(queue)).inFlight === 1, 'the first message to be received');
    expect(events).toHaveLength(0);

    await send(queue, 'second');
    await drained(poller);

    expect(events.map(bodies)).toEqual([['first', 'second']]);
  });

  it('invokes with what the window gathered, over several receives, when it closes', async () => {
    // Visibility longer than the window, as AWS requires of a mapping (else the first receive's messages return mid-window).
    const queue = await newQueue({ visibilityTimeout: 30 });
    await send(queue, ...Array.from({ length: 12 }, (_, i) => `m${i}`));
    const { poller, events } = consume(queue, () => ok(), { batchSize: 20, windowMs: 1_000 });

    await drained(poller);

    expect(events.map((e) => e.Records.length)).toEqual([12]);
  });

  it("never hands the consumer an event over Lambda's 6 MB: the messages that do not fit open the next batch", async () => {
    // 30 messages of 250 KiB (SQS takes up to 256 KiB in a message): about 24 fit in 6 MB.
    const queue = await newQueue({ visibilityTimeout: 30 });
    const sent = Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}-`.padEnd(250 * 1024, 'x'));
    for (const MessageBody of sent) await shell.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody }));
    const { poller, events } = consume(queue, () => ok(), { batchSize: 100, windowMs: 1_000 });

    await drained(poller);

    const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
    expect(events.length).toBeGreaterThan(1);
    for (const event of events) expect(size(event)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    // Each batch but the last was cut only because the next message would not have fitted.
    for (const [i, event] of events.slice(0, -1).entries()) {
      const next = events[i + 1]?.Records[0];
      expect(size({ Records: [...event.Records, next] })).toBeGreaterThan(MAX_EVENT_BYTES);
    }
    // Every message once, on its first receive: none given back, none lost.
    const records = events.flatMap((e) => e.Records);
    expect(records.map((r) => r.body).sort()).toEqual(sent);
    expect(new Set(records.map((r) => r.attributes.ApproximateReceiveCount))).toEqual(new Set(['1']));
  });

  it('redelivers a failed batch with a growing ApproximateReceiveCount, then its queue moves it to the dead-letter queue', async () => {
    const queue = await newQueue({ deadLetter: { maxReceiveCount: 3, queueName: `shop-dev-q${queueCount + 1}-dlq` } });
    await send(queue, 'poison');
    const { poller, events, lines } = consume(queue, () => ({
      type: 'error',
      error: { errorType: 'Error', errorMessage: 'boom' },
    }));

    const dead = await waitUntil(async () => {
      const { Messages = [] } = await shell.send(
        new ReceiveMessageCommand({ QueueUrl: queue.deadLetter?.url, WaitTimeSeconds: 1 }),
      );
      return Messages[0];
    }, 'the message in the dead-letter queue');
    await drained(poller);

    expect(dead.Body).toBe('poison');
    expect(events.map((e) => e.Records[0]?.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    expect(lines.notice[0]).toMatch(/^work-q\d+ failed a batch of 1 from shop-dev-q\d+ \(Error: boom\)/);
  });

  type Case = [string, (ids: string[]) => InvokeOutcome, (ids: string[]) => string[], 'warns' | 'quiet'];
  const cases: Case[] = [
    [
      'a thrown error',
      () => ({ type: 'error', error: { errorType: 'Error', errorMessage: 'boom' } }),
      (ids) => ids,
      'quiet',
    ],
    ['a timeout', () => ({ type: 'timeout' }), (ids) => ids, 'quiet'],
    ['a null response', () => ok(null), () => [], 'quiet'],
    ['a response without batchItemFailures', () => ok({}), () => [], 'quiet'],
    ['batchItemFailures: null', () => ok({ batchItemFailures: null }), () => [], 'quiet'],
    ['an empty batchItemFailures', () => failures(), () => [], 'quiet'],
    ['listed message ids', (ids) => failures(ids[1]), (ids) => [ids[1] as string], 'quiet'],
    ['an empty itemIdentifier', (ids) => failures(ids[0], ''), (ids) => ids, 'warns'],
    ['a null itemIdentifier', () => failures(null), (ids) => ids, 'warns'],
    ['an itemIdentifier not in the batch', () => failures('not-a-message-id'), (ids) => ids, 'warns'],
    ['a wrongly named key', (ids) => ok({ batchItemFailures: [{ messageId: ids[0] }] }), (ids) => ids, 'warns'],
    ['batchItemFailures that is not a list', (ids) => ok({ batchItemFailures: ids[0] }), (ids) => ids, 'warns'],
    ['a response that is not an object', () => ok('done'), (ids) => ids, 'warns'],
  ];

  it.each(cases)('settles a batch after %s', async (_, outcome, expectRetried, warns) => {
    const queue = await newQueue();
    await send(queue, 'm1', 'm2', 'm3');
    const { poller, events, lines } = consume(queue, (event, call) =>
      call === 1 ? outcome(event.Records.map((r) => r.messageId)) : ok(),
    );

    await drained(poller);

    const [first, ...later] = events;
    const ids = first?.Records.map((r) => r.messageId) ?? [];
    const retried = later.flatMap((e) => e.Records);
    expect(ids).toHaveLength(3);
    expect(retried.map((r) => r.messageId).sort()).toEqual(expectRetried(ids).sort());
    expect(retried.every((r) => r.attributes.ApproximateReceiveCount === '2')).toBe(true);
    if (warns === 'warns') expect(lines.warning).toEqual([expect.stringContaining('the whole batch of 3')]);
    else expect(lines.warning).toEqual([]);
  });

  it('keeps FIFO groups in order and retries a group from its first failure on', async () => {
    const queue = await newQueue({ fifo: true, contentBasedDeduplication: true });
    await sendToGroups(queue, ['a', 'a1'], ['a', 'a2'], ['b', 'b1'], ['a', 'a3'], ['b', 'b2']);
    const { poller, events } = consume(queue, (event, call) => {
      const a2 = event.Records.find((r) => r.body === 'a2');
      return call === 1 && a2 ? failures(a2.messageId) : ok();
    });

    await drained(poller);

    expect(events.map(bodies)).toEqual([
      ['a1', 'a2', 'a3', 'b1', 'b2'],
      ['a2', 'a3'],
    ]);
    expect(StrictSqsEvent.parse(events[0])).toEqual(events[0]);
    expect(events[1]?.Records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
    expect(Object.keys(events[0]?.Records[0]?.attributes ?? {})).toEqual([
      'ApproximateReceiveCount',
      'SentTimestamp',
      'SequenceNumber',
      'MessageGroupId',
      'SenderId',
      'MessageDeduplicationId',
      'ApproximateFirstReceiveTimestamp',
    ]);
  });

  it('never has two batches of one FIFO group in flight', async () => {
    const queue = await newQueue({ fifo: true, contentBasedDeduplication: true });
    await sendToGroups(queue, ['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['b', 'b2'], ['a', 'a3'], ['b', 'b3']);
    const active = new Set<string>();
    const overlaps: string[] = [];
    const order: string[] = [];
    const { poller } = consume(
      queue,
      async (event) => {
        const group = event.Records[0]?.attributes.MessageGroupId ?? '';
        if (active.has(group)) overlaps.push(group);
        active.add(group);
        order.push(...(bodies(event) ?? []));
        await new Promise((resolve) => setImmediate(resolve));
        active.delete(group);
        return ok();
      },
      { batchSize: 1, maxConcurrency: 5 },
    );

    await drained(poller);

    expect(overlaps).toEqual([]);
    expect(order.filter((b) => b.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(order.filter((b) => b.startsWith('b'))).toEqual(['b1', 'b2', 'b3']);
  });

  it('runs at most maxConcurrency invocations at once', async () => {
    const queue = await newQueue();
    await send(queue, 'm1', 'm2', 'm3', 'm4', 'm5', 'm6');
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    let open = false;
    const { poller, events } = consume(
      queue,
      async () => {
        running++;
        most = Math.max(most, running);
        if (!open) await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return ok();
      },
      { batchSize: 1, maxConcurrency: 2 },
    );

    await waitUntil(() => running === 2, 'two invocations');
    const held = await queueCounts(queue);
    open = true;
    for (const release of gates) release();
    await drained(poller);

    expect(held).toEqual({ visible: 4, inFlight: 2 });
    expect(most).toBe(2);
    expect(events).toHaveLength(6);
  });

  it('says once that a consumer may not receive, and resumes when its role allows it', async () => {
    const queue = await newQueue();
    await send(queue, 'waiting');
    const { events, lines, identity, accessKeyId } = consume(queue, () => ok(), { rights: false });

    await waitUntil(() => (identities.lookups.get(accessKeyId) ?? 0) >= 4, 'four denied receives');
    expect(events).toHaveLength(0);
    expect(lines.warning).toEqual([
      `${identity.functionName} cannot receive from queue ${queue.arn.split(':').pop()}: AccessDenied: User: ` +
        `arn:aws:sts::123456789012:assumed-role/${identity.roleName}/${identity.functionName} is not authorized to perform: ` +
        `sqs:receivemessage on resource: ${queue.arn} because no identity-based policy allows the sqs:receivemessage action`,
    ]);

    identity.statements = [{ Effect: 'Allow', Action: CONSUMER_ACTIONS, Resource: queue.arn }];
    await waitUntil(() => events.length === 1, 'the consumer to run');

    expect(bodies(events[0])).toEqual(['waiting']);
    expect(lines.notice).toContain(
      `${identity.functionName} can receive from queue ${queue.arn.split(':').pop()} again`,
    );
  });

  it('stops at once while a long poll is waiting, and leaves later messages to others', async () => {
    // Hidden for 30 s if the abandoned long poll kept it: the single receive below would come back empty.
    const queue = await newQueue({ visibilityTimeout: 30 });
    const other = await newQueue();
    const { poller, events, accessKeyId } = consume(queue, () => ok());
    await waitUntil(() => (identities.lookups.get(accessKeyId) ?? 0) >= 1, 'the poller to long-poll');
    // A long poll of SQS's full 20 s on an empty queue, started now: stopping must not wait that long.
    const abandon = new AbortController();
    const longPoll = shell
      .send(new ReceiveMessageCommand({ QueueUrl: other.url, WaitTimeSeconds: 20 }), { abortSignal: abandon.signal })
      .then(
        () => 'a 20 s long poll ended',
        () => 'abandoned',
      );

    const first = await Promise.race([poller.stop().then(() => 'stopped'), longPoll]);
    await send(queue, 'after');
    const { Messages = [] } = await shell.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 20 }));

    expect(first).toBe('stopped');
    expect(Messages.map((m) => m.Body)).toEqual(['after']);
    expect(events).toHaveLength(0);
    abandon.abort();
    await longPoll;
  });
});
