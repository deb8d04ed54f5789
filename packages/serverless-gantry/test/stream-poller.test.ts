import { DynamoDBStreamSchema } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Invoke, InvokeOutcome } from '../src/events/invoke.js';
import { type StreamPoller, type StreamPollerOptions, startStreamPoller } from '../src/events/stream-poller.js';
import type { Manifest } from '../src/manifest.js';
import { type LocalRun, localAccessKey, startLocalRun } from '../src/offline/run/local-run.js';
import { localRunOptions } from './support/local-run.js';
import { manifestFunction, manifestTable } from './support/manifest.js';
import { shardOf, streamsClient } from './support/stream-records.js';
import { waitUntil } from './support/wait.js';

// One stream table per behaviour, so every test reads its own stream from the trim horizon.
const TABLES = ['batching', 'latest', 'retries', 'partial', 'identifiers', 'suffix', 'order', 'bisect', 'expiry'];

const table = (name: string) => manifestTable(name, { stream: 'NEW_AND_OLD_IMAGES' });
const fn = manifestFunction;

// `audit` consumes every table's changes; `checkout` only writes to one, and may not read its stream.
const manifest: Manifest = {
  service: 'shop',
  stage: 'dev',
  queues: [],
  tables: TABLES.map(table),
  functions: [
    fn('audit', {
      triggers: TABLES.map((name) => ({
        type: 'change' as const,
        table: name,
        batchSize: 100,
        startingPosition: 'TRIM_HORIZON' as const,
        retries: -1,
      })),
    }),
    fn('checkout', { uses: [{ table: 'latest', access: 'readwrite' }] }),
  ],
};

type LambdaEvent = {
  Records: { eventSourceARN: string; dynamodb: { Keys: { id: { S: string } }; SequenceNumber: string } }[];
};

/** A consumer standing in for the function: records each event (checked against Powertools' schema) and answers as told. */
function consumer(
  answer: (event: LambdaEvent, call: number) => InvokeOutcome = () => ({ type: 'result', result: null }),
) {
  const events: LambdaEvent[] = [];
  const invoke: Invoke = async (functionName, event) => {
    expect(functionName).toBe('audit');
    DynamoDBStreamSchema.parse(event);
    events.push(event as LambdaEvent);
    return answer(event as LambdaEvent, events.length);
  };
  return {
    invoke,
    events,
    /** The ids of each event's records. */
    batches: () => events.map((e) => e.Records.map((r) => r.dynamodb.Keys.id.S)),
  };
}
const failed = (errorMessage = 'boom'): InvokeOutcome => ({
  type: 'error',
  error: { errorType: 'Error', errorMessage },
});
const reported = (...itemIdentifiers: unknown[]): InvokeOutcome => ({
  type: 'result',
  result: { batchItemFailures: itemIdentifiers.map((itemIdentifier) => ({ itemIdentifier })) },
});
const sequences = (event: LambdaEvent | undefined) => (event?.Records ?? []).map((r) => r.dynamodb.SequenceNumber);

describe('the stream poller, as Lambda’s DynamoDB event source mapping', () => {
  let run: LocalRun;
  let documents: DynamoDBDocumentClient;
  const arns: Record<string, string> = {};
  const pollers: StreamPoller[] = [];
  const logs: string[] = [];
  const log = { notice: (line: string) => logs.push(line), warning: (line: string) => logs.push(line) };

  beforeAll(async () => {
    run = await startLocalRun(localRunOptions(manifest));
    const client = new DynamoDBClient({
      endpoint: run.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'my-shell', secretAccessKey: 'x' },
    });
    documents = DynamoDBDocumentClient.from(client);
    for (const name of TABLES) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: `shop-dev-${name}` }));
      arns[name] = Table?.LatestStreamArn as string;
    }
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    logs.length = 0;
  });
  afterAll(async () => {
    documents.destroy();
    await run.stop();
  });

  function poll(name: string, invoke: Invoke, extra: Partial<StreamPollerOptions> = {}) {
    const poller = startStreamPoller({
      functionName: 'audit',
      streamArn: arns[name] as string,
      endpoint: run.endpoint,
      credentials: { accessKeyId: localAccessKey('audit'), secretAccessKey: 'x' },
      region: 'eu-west-1',
      batchSize: 100,
      startingPosition: 'TRIM_HORIZON',
      retries: -1,
      reportBatchItemFailures: true,
      invoke,
      log,
      ...extra,
    });
    pollers.push(poller);
    return poller;
  }
  const put = (name: string, ...ids: string[]) =>
    ids.reduce(
      (done, id) => done.then(() => documents.send(new PutCommand({ TableName: `shop-dev-${name}`, Item: { id } }))),
      Promise.resolve() as Promise<unknown>,
    );

  it('invokes with batches of up to batchSize records, in order, as Lambda sends them', async () => {
    await put('batching', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7');
    const audit = consumer();
    const poller = poll('batching', audit.invoke, { batchSize: 3 });
    await poller.drained();
    expect(audit.batches()).toEqual([['k1', 'k2', 'k3'], ['k4', 'k5', 'k6'], ['k7']]);
    for (const event of audit.events) {
      expect(Object.keys(event)).toEqual(['Records']);
      for (const record of event.Records) expect(record.eventSourceARN).toBe(arns.batching);
    }
    expect(await poller.idle()).toBe(true);
  });

  it('starts at LATEST: only changes made after it started reach the function', async () => {
    await put('latest', 'before');
    const audit = consumer();
    const poller = poll('latest', audit.invoke, { startingPosition: 'LATEST' });
    await poller.ready;
    await put('latest', 'after');
    await poller.drained();
    expect(audit.batches()).toEqual([['after']]);
  });

  it('retries a failed batch until its retries are used, sends its record to the on-failure destination, and moves on', async () => {
    const sent: string[] = [];
    // A timeout and a thrown error fail the batch alike.
    const audit = consumer((event, call) =>
      event.Records[0]?.dynamodb.Keys.id.S === 'poison'
        ? call === 1
          ? { type: 'timeout' }
          : failed()
        : { type: 'result', result: null },
    );
    await put('retries', 'poison');
    const poller = poll('retries', audit.invoke, {
      retries: 2,
      sendToOnFailure: async (body) => {
        sent.push(body);
      },
    });
    await poller.drained();
    await put('retries', 'next');
    await poller.drained();

    expect(audit.batches()).toEqual([['poison'], ['poison'], ['poison'], ['next']]);
    expect(new Set(audit.events.slice(0, 3).map((e) => sequences(e).join()))).toHaveProperty('size', 1);
    const streams = streamsClient(run.endpoint);
    const shardId = await shardOf(streams, arns.retries as string).finally(() => streams.destroy());
    expect(sent).toHaveLength(1);
    const [sequence] = sequences(audit.events[0]);
    expect(JSON.parse(sent[0] as string)).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:audit',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: sequence,
        endSequenceNumber: sequence,
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        batchSize: 1,
        streamArn: arns.retries,
      },
    });
    expect(logs.some((line) => line.includes('gave up 1 change record of shop-dev-retries after 3 invocations'))).toBe(
      true,
    );
  });

  it('checkpoints before the lowest reported sequence number and retries the rest of the batch', async () => {
    await put('partial', 'p1', 'p2', 'p3', 'p4', 'p5');
    const audit = consumer((event, call) => {
      const [, , third, fourth] = sequences(event);
      return call === 1 ? reported(fourth, third) : { type: 'result', result: { batchItemFailures: [] } };
    });
    await poll('partial', audit.invoke).drained();
    expect(audit.batches()).toEqual([
      ['p1', 'p2', 'p3', 'p4', 'p5'],
      ['p3', 'p4', 'p5'],
    ]);
  });

  it('fails the whole batch when an itemIdentifier is null, empty or not in the batch', async () => {
    await put('identifiers', 'i1', 'i2', 'i3');
    const answers = [
      reported(null),
      reported(''),
      reported('000000000000000000000000'),
      { type: 'result', result: {} },
    ];
    const audit = consumer((_, call) => answers[call - 1] as InvokeOutcome);
    await poll('identifiers', audit.invoke).drained();
    expect(audit.batches()).toEqual(Array.from({ length: 4 }, () => ['i1', 'i2', 'i3']));
  });

  it('gives up only the failing rest of a batch whose records keep failing', async () => {
    await put('suffix', 's1', 's2', 's3', 's4', 's5');
    const sent: string[] = [];
    const audit = consumer((event) => {
      const failing = event.Records.find((r) => r.dynamodb.Keys.id.S === 's3');
      return reported(failing?.dynamodb.SequenceNumber);
    });
    await poll('suffix', audit.invoke, {
      retries: 1,
      sendToOnFailure: async (body) => {
        sent.push(body);
      },
    }).drained();
    expect(audit.batches()).toEqual([
      ['s1', 's2', 's3', 's4', 's5'],
      ['s3', 's4', 's5'],
    ]);
    const record = JSON.parse(sent[0] as string);
    expect(record.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(record.DDBStreamBatchInfo).toMatchObject({
      batchSize: 3,
      startSequenceNumber: sequences(audit.events[1])[0],
      endSequenceNumber: sequences(audit.events[1])[2],
    });
  });

  it('delivers the changes of an item in order while they are being written', async () => {
    const audit = consumer();
    const poller = poll('order', audit.invoke, { startingPosition: 'LATEST', batchSize: 4 });
    await poller.ready;
    for (let i = 0; i < 30; i++) {
      await documents.send(
        new UpdateCommand({
          TableName: 'shop-dev-order',
          Key: { id: 'counter' },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    }
    await poller.drained();
    const counts = audit.events.flatMap((e) =>
      e.Records.map((r) => Number((r.dynamodb as unknown as { NewImage: { n: { N: string } } }).NewImage.n.N)),
    );
    expect(counts).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(audit.events.every((e) => e.Records.length <= 4)).toBe(true);
  });

  it('with bisect, splits a failing batch until the failing record stands alone', async () => {
    await put('bisect', 'b1', 'b2', 'b3', 'b4');
    const sent: string[] = [];
    const audit = consumer((event) =>
      event.Records.some((r) => r.dynamodb.Keys.id.S === 'b3')
        ? failed('b3 is poison')
        : { type: 'result', result: null },
    );
    await poll('bisect', audit.invoke, {
      retries: 0,
      bisect: true,
      sendToOnFailure: async (body) => {
        sent.push(body);
      },
    }).drained();
    expect(audit.batches()).toEqual([['b1', 'b2', 'b3', 'b4'], ['b1', 'b2'], ['b3', 'b4'], ['b3'], ['b4']]);
    expect(sent.map((body) => JSON.parse(body).DDBStreamBatchInfo.batchSize)).toEqual([1]);
  });

  it("reads with the consumer's own role: a function whose policy lacks the stream reads nothing", async () => {
    const audit = consumer();
    const poller = poll('latest', audit.invoke, {
      credentials: { accessKeyId: localAccessKey('checkout'), secretAccessKey: 'x' },
    });
    await poller.ready;
    await waitUntil(
      () => logs.some((line) => line.includes('AccessDeniedException') && line.includes('dynamodb:DescribeStream')),
      'the denial to be logged',
    );
    expect(audit.events).toEqual([]);
    expect(await poller.idle()).toBe(false);
  });
});

describe('retries −1', () => {
  it('retries a failing batch until its records expire, then gives it up', async () => {
    const run = await startLocalRun(localRunOptions(manifest, { streamRetentionMs: 500 }));
    const client = new DynamoDBClient({
      endpoint: run.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'my-shell', secretAccessKey: 'x' },
    });
    const sent: string[] = [];
    const audit = consumer(() => failed());
    let poller: StreamPoller | undefined;
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: 'shop-dev-expiry' }));
      await DynamoDBDocumentClient.from(client).send(
        new PutCommand({ TableName: 'shop-dev-expiry', Item: { id: 'e1' } }),
      );
      poller = startStreamPoller({
        functionName: 'audit',
        streamArn: Table?.LatestStreamArn as string,
        endpoint: run.endpoint,
        credentials: { accessKeyId: localAccessKey('audit'), secretAccessKey: 'x' },
        region: 'eu-west-1',
        batchSize: 10,
        startingPosition: 'TRIM_HORIZON',
        retries: -1,
        reportBatchItemFailures: true,
        sendToOnFailure: async (body) => {
          sent.push(body);
        },
        invoke: audit.invoke,
        log: { notice: () => undefined, warning: () => undefined },
      });
      await waitUntil(() => sent.length > 0, 'the expired batch to be given up');
      expect(audit.events.length).toBeGreaterThan(1);
      expect(JSON.parse(sent[0] as string).requestContext).toMatchObject({
        condition: 'RecordAgeExceeded',
        approximateInvokeCount: audit.events.length,
      });
    } finally {
      await poller?.stop();
      client.destroy();
      await run.stop();
    }
  });
});
