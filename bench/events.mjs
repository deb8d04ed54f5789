// Benchmark (issue 20): Gantry's local event sources, in serverless-gantry/testing, on the service in
// bench/events/ (a queue consumer, a table-change consumer, a consumer of 10,000 messages with 10%
// failing once, a scheduled function; each prints when its method starts).
//
//  1. Send → consumer start, one message at a time. Baselines in the same run, sample by sample
//     (round-robin, so they share the machine's state): a plain long-polling SQS client loop against
//     fauxqs directly (fauxqs on a loopback port of its own), the same loop through Gantry's SQS front
//     (IAM check + fauxqs), and Gantry's queue poller with an in-process invoke; and the invoke alone
//     (runSchedule: the function's thread and the kit, no poller).
//  2. Table write → change consumer start, one write at a time, against the write's own latency;
//     then Gantry's stream poller in this thread (in-process invoke) reading again 100 ms after an
//     empty read, as the consumer's does, 25 ms and 5 ms after: the difference is what the poll
//     interval contributes, and the consumer against the 100 ms reader is the function's thread and
//     the kit. Then what an idle reader costs in CPU at 100 and 25 ms (process.cpuUsage, 10 s each).
//  3. 10,000 messages (batch 10, 10% failing once) through the consumer, against plain loops doing
//     the same receives and deletes on the front and against Gantry's queue poller alone (in-process
//     invoke), two rounds each in turn: every message processed, none lost, duplicates only where a
//     failure asked for a retry. Bounded: a run fails after `deadline` seconds.
//
// Times are `performance.timeOrigin + performance.now()`, which the function threads (worker
// threads of this process) share with this thread. Medians and p90 (nearest rank).
//
//   node bench/events.mjs [samples=200] [messages=10000] [deadline seconds per run=100]
import { rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';

const [samples = 200, messageCount = 10_000, deadlineSeconds = 100] = process.argv.slice(2).map(Number);
const WARM_UP = 10;
const ROUNDS = 2; // of each consumer in section 3, in turn: the machine's noise shows as their spread
const here = import.meta.dirname;
const servicePath = join(here, 'events');
const require = createRequire(join(here, '..', 'package.json'));
const gantryRoot = join(require.resolve('serverless-gantry/package.json'), '..');
const dist = join(gantryRoot, 'dist');
const { startLocalService } = await import(require.resolve('serverless-gantry/testing'));
const { startQueuePoller } = await import(join(dist, 'events/queue-poller.js'));
const { startStreamPoller } = await import(join(dist, 'events/stream-poller.js'));
// fauxqs is the plugin's dependency (import-only exports): loaded from the plugin's node_modules.
const { buildApp } = await import(join(gantryRoot, 'node_modules', 'fauxqs', 'dist', 'app.js'));

const now = () => performance.timeOrigin + performance.now();
const testCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const summary = (values) => ({ n: values.length, median: percentile(values, 50), p90: percentile(values, 90) });
const ms = (value) => `${value.toFixed(1)} ms`;
const seconds = (value) => `${(value / 1000).toFixed(2)} s`;
const gap = (spread) => sleep(10 + Math.random() * spread);

async function waitFor(what, check, timeoutMs = 10_000) {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > until) throw new Error(`bench: ${what} not seen within ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** What the functions printed, read as it arrives: start times by id, schedule starts, work receives. */
function functionLines(service) {
  let read = 0;
  const starts = new Map(); // "queue <id>" / "change <id>" → start time
  const scheduleStarts = [];
  const work = []; // { n, count, ok, at }
  const batches = new Map(); // function → records in each invocation, from the kit's log line
  const scan = () => {
    const lines = service.logs();
    for (; read < lines.length; read++) {
      const line = lines[read];
      let m = /: bench-start (queue|change|schedule) (\S+) ([\d.]+)$/.exec(line);
      if (m) {
        if (m[1] === 'schedule') scheduleStarts.push(Number(m[3]));
        else starts.set(`${m[1]} ${m[2]}`, Number(m[3]));
        continue;
      }
      m = /: bench-work (\d+) (\d+) (ok|fail) ([\d.]+)$/.exec(line);
      if (m) {
        work.push({ n: Number(m[1]), count: Number(m[2]), ok: m[3] === 'ok', at: Number(m[4]) });
        continue;
      }
      m = /^([\w-]+): (\{.*"msg":"batch".*\})$/.exec(line);
      if (m) {
        const list = batches.get(m[1]) ?? [];
        list.push(JSON.parse(m[2]).records);
        batches.set(m[1], list);
      }
    }
  };
  return { scan, starts, scheduleStarts, work, batches };
}

/**
 * A plain consumer loop: long-polls, notes when each message arrives, deletes it. It stops on a
 * message of its own rather than by aborting its long poll: the local SQS keeps an abandoned long
 * poll waiting inside fauxqs, and the next message sent would be received by it and given back
 * with its receive count raised (see bench/RESULTS.md, "Events (issue 20)").
 */
function plainReceiver(client, queueUrl, arrived) {
  const STOP = '\u0000stop';
  const loop = (async () => {
    for (let stopped = false; !stopped; ) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 20,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const at = now();
      for (const message of Messages) {
        const { id } = JSON.parse(message.Body);
        if (id === STOP) stopped = true;
        else arrived.set(id, at);
      }
      if (Messages.length > 0) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    }
  })();
  return {
    async stop() {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ id: STOP }) }));
      await loop;
    },
  };
}

/** fauxqs on a loopback port of its own, with one queue: SQS without Gantry. */
async function fauxqsAlone() {
  const app = buildApp({ logger: false, defaultRegion: region });
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new SQSClient({ endpoint, region, credentials: testCredentials });
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'bench-fauxqs-alone' }));
  return {
    client,
    queueUrl: QueueUrl,
    async stop() {
      client.destroy();
      await app.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
const cleanups = [];
const cleanUp = async () => {
  for (const step of cleanups.splice(0).reverse()) await step().catch((error) => console.error(String(error)));
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const loadBefore = loadavg();
const benchStarted = performance.now();
console.log(
  `events bench, ${new Date().toISOString()}, Node ${process.version}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
);
let failed = false;
try {
  const started = performance.now();
  const service = await startLocalService({ servicePath });
  cleanups.push(() => service.stop());
  console.log(`service started in ${(performance.now() - started).toFixed(0)} ms`);
  const lines = functionLines(service);
  const fnName = (type) => service.manifest.functions.find((f) => f.triggers.some((t) => t.type === type)).name;
  const frontSqs = service.sqsClient(); // the test's identity: the front lets it through unchecked
  const sendOne = async (client, queueUrl, id) => {
    const at = now();
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ id }) }));
    return at;
  };

  // -- 1. send → consumer start ---------------------------------------------------------------------
  const alone = await fauxqsAlone();
  cleanups.push(() => alone.stop());
  const arrivedAlone = new Map();
  const arrivedFront = new Map();
  const arrivedPoller = new Map();
  const aloneLoop = plainReceiver(alone.client, alone.queueUrl, arrivedAlone);
  cleanups.push(() => aloneLoop.stop());
  const frontLoop = plainReceiver(frontSqs, service.queues['front-only'], arrivedFront);
  cleanups.push(() => frontLoop.stop());
  const poller = startQueuePoller({
    functionName: 'in-process',
    queue: {
      url: service.queues['poller-only'],
      arn: `arn:aws:sqs:${region}:000000000000:bench-events-dev-poller-only`,
      fifo: false,
    },
    endpoint: new URL(service.queues['poller-only']).origin,
    credentials: testCredentials,
    region,
    batchSize: 1,
    maxBatchingWindowMs: 0,
    invoke: async (_name, event) => {
      const at = now();
      for (const record of event.Records) arrivedPoller.set(JSON.parse(record.body).id, at);
      return { type: 'result', result: { batchItemFailures: [] } };
    },
    log: { notice: () => undefined, warning: (line) => console.error(`poller: ${line}`) },
  });
  cleanups.push(() => poller.stop());

  const queuePaths = [
    {
      name: 'fauxqs alone, plain long-poll loop',
      sample: async (id) => {
        const at = await sendOne(alone.client, alone.queueUrl, id);
        return (await waitFor(`fauxqs message ${id}`, () => arrivedAlone.get(id))) - at;
      },
    },
    {
      name: "Gantry's SQS front + fauxqs, plain loop",
      sample: async (id) => {
        const at = await sendOne(frontSqs, service.queues['front-only'], id);
        return (await waitFor(`front message ${id}`, () => arrivedFront.get(id))) - at;
      },
    },
    {
      name: "front + Gantry's queue poller, in-process",
      sample: async (id) => {
        const at = await sendOne(frontSqs, service.queues['poller-only'], id);
        return (await waitFor(`poller message ${id}`, () => arrivedPoller.get(id))) - at;
      },
    },
    {
      name: 'Gantry consumer (poller, thread, kit)',
      sample: async (id) => {
        const at = await sendOne(frontSqs, service.queues.latency, id);
        return (
          (await waitFor(`consumer start of ${id}`, () => {
            lines.scan();
            return lines.starts.get(`queue ${id}`);
          })) - at
        );
      },
    },
    {
      name: 'invoke alone (runSchedule → method)',
      sample: async () => {
        const seen = lines.scheduleStarts.length;
        const at = now();
        const outcome = await service.runSchedule(fnName('schedule'));
        if (outcome.type !== 'result')
          throw new Error(`bench: the scheduled function failed: ${JSON.stringify(outcome)}`);
        return (
          (await waitFor('schedule start', () => {
            lines.scan();
            return lines.scheduleStarts[seen];
          })) - at
        );
      },
    },
  ];
  const queueTimes = queuePaths.map(() => []);
  for (let round = -WARM_UP; round < samples; round++) {
    // Rotate the order each round, so no path always follows the same one.
    for (let k = 0; k < queuePaths.length; k++) {
      const index = (k + round + WARM_UP) % queuePaths.length;
      const latency = await queuePaths[index].sample(`q${round}-${index}`);
      if (round >= 0) queueTimes[index].push(latency);
      await gap(20);
    }
  }
  await poller.stop();
  await frontLoop.stop();
  await aloneLoop.stop();
  await alone.stop();
  cleanups.splice(1); // stopped above; the service stays

  // -- 2. table write → change consumer start -------------------------------------------------------
  const documents = service.documentClient();
  const tableName = service.tables.items;
  const dynamodb = new DynamoDBClient({ endpoint: service.endpoint, region, credentials: testCredentials });
  cleanups.push(async () => dynamodb.destroy());
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  const write = async (id) => {
    const at = now();
    await documents.send(new PutCommand({ TableName: tableName, Item: { id } }));
    return { at, took: now() - at };
  };
  const changeStart = (id) =>
    waitFor(`change consumer start of ${id}`, () => {
      lines.scan();
      return lines.starts.get(`change ${id}`);
    });
  const writeTimes = [];
  const changeTimes = [];
  for (let i = -WARM_UP; i < samples; i++) {
    const { at, took } = await write(`c${i}`);
    const latency = (await changeStart(`c${i}`)) - at;
    if (i >= 0) {
      writeTimes.push(took);
      changeTimes.push(latency);
    }
    await gap(100); // any phase against the poller's 100 ms wait
  }
  // Gantry's stream poller in this thread with an in-process invoke, reading again 100 ms (as the
  // service's consumer does) or 5 ms after an empty read: the difference is the poll interval's share,
  // and the 100 ms reader against the consumer is the function's thread and the kit.
  const readerSamples = Math.max(20, Math.round(samples / 2));
  const readerTimes = async (pollIntervalMs) => {
    const arrived = new Map();
    const reader = startStreamPoller({
      functionName: 'in-process',
      streamArn: Table.LatestStreamArn,
      endpoint: service.endpoint,
      credentials: testCredentials,
      region,
      batchSize: 1,
      startingPosition: 'LATEST',
      retries: 0,
      reportBatchItemFailures: true,
      pollIntervalMs,
      invoke: async (_name, event) => {
        const at = now();
        for (const record of event.Records) arrived.set(record.dynamodb.Keys.id.S, at);
        return { type: 'result', result: { batchItemFailures: [] } };
      },
      log: { notice: () => undefined, warning: (line) => console.error(`reader: ${line}`) },
    });
    cleanups.push(() => reader.stop());
    await reader.ready;
    const times = [];
    for (let i = -WARM_UP; i < readerSamples; i++) {
      const id = `r${pollIntervalMs}-${i}`;
      const { at } = await write(id);
      const seen = await waitFor(`${pollIntervalMs} ms reader: change ${id}`, () => arrived.get(id));
      await changeStart(id); // one at a time: the service's consumer is done with it too
      if (i >= 0) times.push(seen - at);
      await gap(100);
    }
    await reader.stop();
    cleanups.pop();
    return times;
  };
  const reader100 = await readerTimes(100);
  const reader25 = await readerTimes(25);
  const reader5 = await readerTimes(5);
  // What an idle reader costs: this process's CPU (process.cpuUsage: the endpoint, the SDK and the
  // poller all run here) over IDLE_MS with no write, without an extra reader and with one at 100 and
  // 25 ms; the service's own pollers idle alongside in every phase.
  const IDLE_MS = 10_000;
  const idleCpu = async (pollIntervalMs) => {
    const reader =
      pollIntervalMs === undefined
        ? undefined
        : startStreamPoller({
            functionName: 'idle',
            streamArn: Table.LatestStreamArn,
            endpoint: service.endpoint,
            credentials: testCredentials,
            region,
            batchSize: 1,
            startingPosition: 'LATEST',
            retries: 0,
            reportBatchItemFailures: true,
            pollIntervalMs,
            invoke: async () => ({ type: 'result', result: { batchItemFailures: [] } }),
            log: { notice: () => undefined, warning: (line) => console.error(`idle reader: ${line}`) },
          });
    await reader?.ready;
    const before = process.cpuUsage();
    await sleep(IDLE_MS);
    const used = process.cpuUsage(before);
    await reader?.stop();
    return (used.user + used.system) / 1000 / (IDLE_MS / 1000); // ms of CPU per second
  };
  const idleNone = await idleCpu(undefined);
  const idle100 = await idleCpu(100);
  const idle25 = await idleCpu(25);
  await service.drain({ timeoutMs: 10_000 });

  // -- 3. 10,000 messages, batch 10, 10% failing once -----------------------------------------------
  // Three consumers, each on a queue of its own with the same settings (visibility 2 s), all running
  // for the whole section (as the quiet run before the front's own long polls needed; see
  // plainReceiver); each round sends to one queue, the others idle. Message numbers are unique per
  // round; a message n with n % 10 === 0 fails its first receive.
  const deadlineMs = deadlineSeconds * 1000;
  const failsFirst = (n) => n % 10 === 0;
  const sendAll = async (queueUrl, offset) => {
    let next = 0;
    const sender = async () => {
      while (next < messageCount) {
        const first = next;
        next = Math.min(messageCount, next + 10);
        const entries = [];
        for (let i = first; i < next; i++)
          entries.push({ Id: String(i), MessageBody: JSON.stringify({ n: offset + i }) });
        const { Failed = [] } = await frontSqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
        );
        if (Failed.length > 0) throw new Error(`bench: ${Failed.length} sends failed: ${JSON.stringify(Failed[0])}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, sender));
    return now();
  };

  // Gantry's consumer: the service's work function (5 batches of 10 at a time, Lambda's first step).
  const workFunction = service.manifest.functions.find((f) =>
    f.triggers.some((t) => t.type === 'queue' && t.queue === 'work'),
  ).name;
  // Gantry's queue poller alone, in this thread, invoking in-process: the same batches and failures
  // (as batch item failures), no function thread, no kit, no log lines.
  const pollerReceives = [];
  const pollerBatches = [];
  const workPoller = startQueuePoller({
    functionName: 'in-process',
    queue: {
      url: service.queues['poller-work'],
      arn: `arn:aws:sqs:${region}:000000000000:bench-events-dev-poller-work`,
      fifo: false,
    },
    endpoint: new URL(service.queues['poller-work']).origin,
    credentials: testCredentials,
    region,
    batchSize: 10,
    maxBatchingWindowMs: 0,
    invoke: async (_name, event) => {
      const batchItemFailures = [];
      pollerBatches.push(event.Records.length);
      for (const record of event.Records) {
        const { n } = JSON.parse(record.body);
        const count = Number(record.attributes.ApproximateReceiveCount);
        const ok = !(failsFirst(n) && count === 1);
        pollerReceives.push({ n, count, ok, at: now() });
        if (!ok) batchItemFailures.push({ itemIdentifier: record.messageId });
      }
      return { type: 'result', result: { batchItemFailures } };
    },
    log: { notice: () => undefined, warning: (line) => console.error(`poller: ${line}`) },
  });
  cleanups.push(() => workPoller.stop());
  // The baseline: five plain loops on the front (Lambda's five batches), receiving 10 at a time,
  // deleting what succeeds and leaving the failures to come back after the visibility timeout.
  const plainReceives = [];
  const plainBatches = [];
  const plainStop = new AbortController();
  const plainLoop = async () => {
    while (!plainStop.signal.aborted) {
      const { Messages = [] } = await frontSqs
        .send(
          new ReceiveMessageCommand({
            QueueUrl: service.queues['front-only'],
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 20,
            MessageSystemAttributeNames: ['All'],
          }),
          { abortSignal: plainStop.signal },
        )
        .catch((error) => {
          if (plainStop.signal.aborted) return {};
          throw error;
        });
      const done = [];
      if (Messages.length > 0) plainBatches.push(Messages.length);
      for (const message of Messages) {
        const { n } = JSON.parse(message.Body);
        const count = Number(message.Attributes.ApproximateReceiveCount);
        const ok = !(failsFirst(n) && count === 1);
        plainReceives.push({ n, count, ok, at: now() });
        if (ok) done.push(message);
      }
      if (done.length > 0) {
        await frontSqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: service.queues['front-only'],
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    }
  };
  const plainLoops = Promise.all(Array.from({ length: 5 }, plainLoop));
  cleanups.push(async () => {
    plainStop.abort();
    await plainLoops;
  });

  const consumers = [
    {
      name: 'plain loops on the front (5 × 10)',
      queueUrl: service.queues['front-only'],
      receives: () => plainReceives,
      batches: () => plainBatches,
    },
    {
      name: "Gantry's queue poller, in-process",
      queueUrl: service.queues['poller-work'],
      receives: () => pollerReceives,
      batches: () => pollerBatches,
    },
    {
      name: 'Gantry consumer (thread, kit)',
      queueUrl: service.queues.work,
      receives: () => {
        lines.scan();
        return lines.work;
      },
      batches: () => lines.batches.get(workFunction) ?? [],
    },
  ];

  /** Sends `messageCount` messages to one consumer and checks what it received, message by message. */
  async function throughputRun(consumer, offset) {
    const seenBefore = consumer.receives().length;
    const batchesBefore = consumer.batches().length;
    const mine = () => consumer.receives().slice(seenBefore);
    const startedAt = now();
    const sentAt = await sendAll(consumer.queueUrl, offset);
    for (;;) {
      const receives = mine();
      const processed = new Set(receives.filter((r) => r.ok).map((r) => r.n));
      if (processed.size >= messageCount) break;
      if (now() - startedAt > deadlineMs) {
        throw new Error(
          `bench: ${consumer.name}: ${processed.size} of ${messageCount} messages processed after ${deadlineSeconds} s (${receives.length} receives); failing the run`,
        );
      }
      await sleep(50);
    }
    await sleep(2_500); // a duplicate would come back after the 2 s visibility timeout
    const receives = mine();
    const batches = consumer.batches().slice(batchesBefore);
    const byMessage = new Map();
    for (const r of receives) {
      const list = byMessage.get(r.n) ?? [];
      list.push(r);
      byMessage.set(r.n, list);
    }
    const problems = [];
    let retried = 0;
    for (let n = offset; n < offset + messageCount; n++) {
      const got = (byMessage.get(n) ?? []).map((r) => `${r.count} ${r.ok ? 'ok' : 'fail'}`).join(', ');
      const expected = failsFirst(n) ? '1 fail, 2 ok' : '1 ok';
      if (got !== expected) problems.push(`message ${n}: ${got || 'never received'} (expected ${expected})`);
      if (failsFirst(n) && got === expected) retried++;
    }
    const strangers = [...byMessage.keys()].filter((n) => n < offset || n >= offset + messageCount);
    if (strangers.length > 0) problems.push(`messages not sent in this round: ${strangers.slice(0, 5).join(', ')}`);
    const total = Math.max(...receives.filter((r) => r.ok).map((r) => r.at)) - startedAt;
    return {
      total,
      sendTook: sentAt - startedAt,
      // When every message had been received once: whether the consumer kept up with the sender.
      firstPass: Math.max(...[...byMessage.values()].map((list) => list[0].at)) - startedAt,
      perSecond: messageCount / (total / 1000),
      batches: batches.length,
      perBatch: batches.reduce((sum, size) => sum + size, 0) / batches.length,
      receives: receives.length,
      processed: new Set(receives.filter((r) => r.ok).map((r) => r.n)).size,
      retried,
      problems,
    };
  }
  const runs = consumers.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, consumer] of consumers.entries()) {
      runs[index].push(await throughputRun(consumer, (round * consumers.length + index) * messageCount));
    }
  }
  await service.drain({ timeoutMs: 30_000 }); // nothing left in the service's queues, visible or in flight

  // -- report ---------------------------------------------------------------------------------------
  const loadAfter = loadavg();
  const pad = (text, width) => String(text).padEnd(width);
  const num = (text, width) => String(text).padStart(width);
  console.log(`\nSend → consumer start, ${samples} sends one at a time (after ${WARM_UP} warm-up rounds):`);
  const front = summary(queueTimes[1]);
  console.log(`${pad('path', 44)}${num('median', 10)}${num('p90', 10)}${num('÷ front loop', 14)}${num('added', 10)}`);
  queuePaths.forEach((path, index) => {
    const s = summary(queueTimes[index]);
    console.log(
      `${pad(path.name, 44)}${num(ms(s.median), 10)}${num(ms(s.p90), 10)}${num((s.median / front.median).toFixed(2), 14)}${num(ms(s.median - front.median), 10)}`,
    );
  });
  const consumer = summary(queueTimes[3]);
  console.log(
    `target ≤ 50 ms median: ${consumer.median <= 50 ? 'met' : `missed by ${ms(consumer.median - 50)}`} (${ms(consumer.median)})`,
  );

  console.log(`\nTable write → change consumer start, ${samples} writes one at a time:`);
  const writes = summary(writeTimes);
  const changes = summary(changeTimes);
  const inProcess = summary(reader100);
  const floor = summary(reader5);
  console.log(`${pad('path', 52)}${num('median', 10)}${num('p90', 10)}${num('÷ write', 10)}`);
  for (const [name, s] of [
    ['plain PutItem (its own latency)', writes],
    ['change consumer start (write start → method)', changes],
    [`stream poller, 100 ms, in-process (${reader100.length} writes)`, inProcess],
    [`stream poller, 25 ms, in-process (${reader25.length} writes)`, summary(reader25)],
    [`stream poller, 5 ms, in-process (${reader5.length} writes)`, floor],
  ]) {
    console.log(
      `${pad(name, 52)}${num(ms(s.median), 10)}${num(ms(s.p90), 10)}${num((s.median / writes.median).toFixed(2), 10)}`,
    );
  }
  // A write lands at a random point of the poller's ≈ 100 ms wait: half of it on average, and a
  // median of N such waits is good to about ±(interval ÷ 2√N).
  const spread = (n) => 100 / (2 * Math.sqrt(n));
  console.log(
    `consumer − 5 ms reader: ${ms(changes.median - floor.median)} (the poll interval, and the function's thread and kit: ≈ ${ms(consumer.median - summary(queueTimes[2]).median)} in the queue table)`,
  );
  console.log(
    `100 ms reader − 5 ms reader: ${ms(inProcess.median - floor.median)} (the poll interval alone); medians of ${reader100.length} writes good to ≈ ±${ms(spread(reader100.length))}, of ${changeTimes.length} to ≈ ±${ms(spread(changeTimes.length))}`,
  );
  console.log(
    `target ≤ 100 ms median: ${changes.median <= 100 ? 'met' : `missed by ${ms(changes.median - 100)}`} (${ms(changes.median)})`,
  );
  console.log(
    `idle CPU of this process (ms per s, ${IDLE_MS / 1000} s each): no extra reader ${idleNone.toFixed(1)}; + one reader at 100 ms ${idle100.toFixed(1)} (+${(idle100 - idleNone).toFixed(1)}); at 25 ms ${idle25.toFixed(1)} (+${(idle25 - idleNone).toFixed(1)})`,
  );

  console.log(
    `\n${messageCount.toLocaleString('en')} messages, batch 10, 10% failing once; ${ROUNDS} rounds of each, in turn:`,
  );
  console.log(
    `${pad('consumer', 36)}${num('round', 6)}${num('all sent', 10)}${num('all seen', 10)}${num('total', 9)}${num('msg/s', 7)}${num('batches', 9)}${num('size', 6)}${num('receives', 10)}${num('retried', 9)}${num('processed', 11)}${num('unexpected', 12)}`,
  );
  consumers.forEach((consumer, index) => {
    runs[index].forEach((run, round) => {
      console.log(
        `${pad(consumer.name, 36)}${num(round + 1, 6)}${num(seconds(run.sendTook), 10)}${num(seconds(run.firstPass), 10)}${num(seconds(run.total), 9)}${num(run.perSecond.toFixed(0), 7)}${num(run.batches, 9)}${num(run.perBatch.toFixed(1), 6)}${num(run.receives, 10)}${num(run.retried, 9)}${num(run.processed, 11)}${num(run.problems.length, 12)}`,
      );
    });
  });
  console.log(
    'all sent / all seen: every message sent / received once, from the first send; total: to the last one processed (the retries wait out the 2 s visibility timeout)',
  );
  const best = (key) => runs.map((list) => Math.min(...list.map((run) => run[key])));
  for (const [what, key] of [
    ['all seen', 'firstPass'],
    ['total', 'total'],
  ]) {
    const [plain, poller, gantry] = best(key);
    console.log(
      `ratios of the best ${what} times: Gantry consumer ÷ plain loops ${(gantry / plain).toFixed(2)}, ÷ its poller alone ${(gantry / poller).toFixed(2)}; poller alone ÷ plain loops ${(poller / plain).toFixed(2)}`,
    );
  }
  consumers.forEach((consumer, index) => {
    runs[index].forEach((run, round) => {
      if (run.problems.length === 0) return;
      failed = true;
      console.log(
        `${consumer.name}, round ${round + 1}: ${run.problems.length} messages not as expected, e.g.:\n  ${run.problems.slice(0, 10).join('\n  ')}`,
      );
    });
  });
  if (!failed) {
    console.log(
      'every message processed, none lost; the 10% received twice, nothing else twice (every round, every consumer)',
    );
  }
  console.log(
    `\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`,
  );
} catch (error) {
  failed = true;
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await cleanUp();
  // The helper removes its own build; the folders it made stay unless another run is using them.
  for (const folder of ['.gantry/testing', '.gantry/entries', '.gantry']) {
    try {
      rmdirSync(join(servicePath, folder));
    } catch {}
  }
}
process.exitCode = failed ? 1 : 0;
