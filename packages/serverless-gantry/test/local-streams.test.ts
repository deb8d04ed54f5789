import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamSchema } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTableCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamEventRecord } from '../src/events/stream-event.js';
import type { Manifest } from '../src/manifest.js';
import { type LocalRun, localAccessKey, startLocalRun } from '../src/offline/run/local-run.js';
import { localRunOptions } from './support/local-run.js';
import { manifestFunction, manifestTable } from './support/manifest.js';
import { iteratorOf, readAll, shardOf, streamsClient } from './support/stream-records.js';
import { waitUntil } from './support/wait.js';

const fn = manifestFunction;
const table = manifestTable;

// `audit` consumes the changes of `orders` (its policy reads the stream); `checkout` only writes orders.
const manifest: Manifest = {
  service: 'shop',
  stage: 'dev',
  queues: [],
  functions: [
    fn('audit', {
      triggers: [{ type: 'change', table: 'orders', batchSize: 100, startingPosition: 'TRIM_HORIZON', retries: -1 }],
    }),
    fn('checkout', { uses: [{ table: 'orders', access: 'readwrite' }] }),
  ],
  tables: [
    table('orders', { stream: 'NEW_AND_OLD_IMAGES', ttl: 'expiresAt' }),
    table('keys', { stream: 'KEYS_ONLY', sortKey: { name: 'at', type: 'N' } }),
    table('news', { stream: 'NEW_IMAGE' }),
    table('olds', { stream: 'OLD_IMAGE' }),
    table('plain'),
  ],
};
const orders = 'shop-dev-orders';
const plain = 'shop-dev-plain';

function dynamo(run: LocalRun, accessKeyId = 'my-shell') {
  const client = new DynamoDBClient({
    endpoint: run.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId, secretAccessKey: 'x' },
  });
  return { client, documents: DynamoDBDocumentClient.from(client) };
}

/** The records as a function receives them, checked against Powertools' schema and unmarshalled by it. */
function received(records: StreamRecord[], streamArn: string) {
  if (records.length === 0) return []; // Lambda never sends an empty event: the schema wants one record
  return DynamoDBStreamSchema.parse({ Records: records.map((r) => streamEventRecord(r, streamArn)) }).Records;
}

/** A received record's sequence number, as a number to compare. */
const sequenceOf = (record: { dynamodb: object } | undefined) =>
  BigInt((record?.dynamodb as { SequenceNumber?: string } | undefined)?.SequenceNumber ?? -1);

describe('the local DynamoDB records the changes of tables with a stream', () => {
  let run: LocalRun;
  let db: ReturnType<typeof dynamo>;
  let streams: DynamoDBStreamsClient;
  const arns: Record<string, string> = {};

  beforeAll(async () => {
    run = await startLocalRun(localRunOptions(manifest));
    db = dynamo(run);
    streams = streamsClient(run.endpoint);
    for (const t of manifest.tables) {
      const { Table } = await db.client.send(new DescribeTableCommand({ TableName: t.tableName }));
      if (Table?.LatestStreamArn) arns[t.tableName] = Table.LatestStreamArn;
    }
  });
  afterAll(async () => {
    db.client.destroy();
    streams.destroy();
    await run.stop();
  });

  /** The records the writes in `act` made on the table's stream, as a function receives them. */
  async function changes(tableName: string, act: () => Promise<unknown>) {
    const arn = arns[tableName] as string;
    const since = await iteratorOf(streams, arn, 'LATEST');
    await act();
    return received(await readAll(streams, since), arn);
  }

  it('records PutItem, UpdateItem and DeleteItem as INSERT, MODIFY and REMOVE with both images', async () => {
    const records = await changes(orders, async () => {
      await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'a', n: 1 } }));
      await db.documents.send(
        new UpdateCommand({
          TableName: orders,
          Key: { id: 'a' },
          UpdateExpression: 'SET n = :two',
          ExpressionAttributeValues: { ':two': 2 },
        }),
      );
      await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'a', n: 3, tag: 'x' } }));
      await db.documents.send(new DeleteCommand({ TableName: orders, Key: { id: 'a' } }));
    });
    expect(records.map((r) => [r.eventName, r.dynamodb.OldImage, r.dynamodb.NewImage])).toEqual([
      ['INSERT', undefined, { id: 'a', n: 1 }],
      ['MODIFY', { id: 'a', n: 1 }, { id: 'a', n: 2 }],
      ['MODIFY', { id: 'a', n: 2 }, { id: 'a', n: 3, tag: 'x' }],
      ['REMOVE', { id: 'a', n: 3, tag: 'x' }, undefined],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'eu-west-1',
        eventSourceARN: arns[orders],
        dynamodb: { Keys: { id: 'a' }, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
      expect(record.userIdentity).toBeUndefined();
    }
  });

  it('records each item of a BatchWriteItem', async () => {
    await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'batch-old' } }));
    const records = await changes(orders, () =>
      db.documents.send(
        new BatchWriteCommand({
          RequestItems: {
            [orders]: [
              { PutRequest: { Item: { id: 'batch-1', n: 1 } } },
              { PutRequest: { Item: { id: 'batch-2', n: 2 } } },
              { DeleteRequest: { Key: { id: 'batch-old' } } },
            ],
            [plain]: [{ PutRequest: { Item: { id: 'not-streamed' } } }],
          },
        }),
      ),
    );
    expect(records.map((r) => [r.eventName, r.dynamodb.Keys])).toEqual([
      ['INSERT', { id: 'batch-1' }],
      ['INSERT', { id: 'batch-2' }],
      ['REMOVE', { id: 'batch-old' }],
    ]);
  });

  it('records each write of a committed transaction, and nothing for its condition check', async () => {
    await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'tx-b', n: 1 } }));
    await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'tx-c' } }));
    const records = await changes(orders, () =>
      db.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: orders, Item: { id: 'tx-a' } } },
            {
              Update: {
                TableName: orders,
                Key: { id: 'tx-b' },
                UpdateExpression: 'ADD n :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            { Delete: { TableName: orders, Key: { id: 'tx-c' } } },
            {
              ConditionCheck: {
                TableName: orders,
                Key: { id: 'tx-ghost' },
                ConditionExpression: 'attribute_not_exists(id)',
              },
            },
          ],
        }),
      ),
    );
    expect(records.map((r) => [r.eventName, r.dynamodb.Keys, r.dynamodb.NewImage])).toEqual([
      ['INSERT', { id: 'tx-a' }, { id: 'tx-a' }],
      ['MODIFY', { id: 'tx-b' }, { id: 'tx-b', n: 2 }],
      ['REMOVE', { id: 'tx-c' }, undefined],
    ]);
  });

  it('records nothing for a failed condition, an identical put, a missing delete, an update that changes nothing or a cancelled transaction', async () => {
    await db.documents.send(
      new PutCommand({ TableName: orders, Item: { id: 'same', n: 1, tags: new Set(['a', 'b']) } }),
    );
    const records = await changes(orders, async () => {
      const failed = (write: Promise<unknown>) => expect(write).rejects.toBeDefined();
      await failed(
        db.documents.send(
          new PutCommand({
            TableName: orders,
            Item: { id: 'same', n: 9 },
            ConditionExpression: 'attribute_not_exists(id)',
          }),
        ),
      );
      await db.documents.send(
        new PutCommand({ TableName: orders, Item: { id: 'same', n: 1, tags: new Set(['b', 'a']) } }),
      );
      await db.documents.send(new DeleteCommand({ TableName: orders, Key: { id: 'never-there' } }));
      await db.documents.send(
        new UpdateCommand({
          TableName: orders,
          Key: { id: 'same' },
          UpdateExpression: 'SET n = :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
      await failed(
        db.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: orders, Item: { id: 'tx-rolled-back' } } },
              {
                ConditionCheck: {
                  TableName: orders,
                  Key: { id: 'same' },
                  ConditionExpression: 'attribute_not_exists(id)',
                },
              },
            ],
          }),
        ),
      );
    });
    expect(records).toEqual([]);
  });

  it('answers writes to a table with a stream exactly as to one without', async () => {
    async function writes(TableName: string) {
      const answers: unknown[] = [];
      const keep = ({ $metadata: _, ...answer }: { $metadata: unknown }) => answers.push(answer);
      keep(await db.documents.send(new PutCommand({ TableName, Item: { id: 'rv', n: 1 }, ReturnValues: 'ALL_OLD' })));
      keep(await db.documents.send(new PutCommand({ TableName, Item: { id: 'rv', n: 2 }, ReturnValues: 'ALL_OLD' })));
      keep(
        await db.documents.send(
          new UpdateCommand({
            TableName,
            Key: { id: 'rv' },
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      const refused = await db.documents
        .send(
          new PutCommand({
            TableName,
            Item: { id: 'rv' },
            ConditionExpression: 'attribute_not_exists(id)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        )
        .catch((error: { name: string; Item?: unknown }) => ({ name: error.name, Item: error.Item }));
      answers.push(refused);
      keep(await db.documents.send(new DeleteCommand({ TableName, Key: { id: 'rv' }, ReturnValues: 'ALL_OLD' })));
      return answers;
    }
    const withStream = await writes(orders);
    expect(withStream).toEqual(await writes(plain));
    expect(withStream).toEqual([
      {},
      { Attributes: { id: 'rv', n: 1 } },
      { Attributes: { n: 3 } },
      { name: 'ConditionalCheckFailedException', Item: { id: { S: 'rv' }, n: { N: '3' } } },
      { Attributes: { id: 'rv', n: 3 } },
    ]);
  });

  it('keeps the records of one item in order: each old image is the previous new image', async () => {
    const records = await changes(orders, () =>
      Promise.all(
        Array.from({ length: 20 }, () =>
          db.documents.send(
            new UpdateCommand({
              TableName: orders,
              Key: { id: 'counter' },
              UpdateExpression: 'ADD n :one',
              ExpressionAttributeValues: { ':one': 1 },
            }),
          ),
        ),
      ),
    );
    expect(records.map((r) => r.dynamodb.NewImage?.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const [i, record] of records.entries()) {
      expect(record.dynamodb.OldImage).toEqual(i === 0 ? undefined : records[i - 1]?.dynamodb.NewImage);
      if (i > 0) expect(sequenceOf(record)).toBeGreaterThan(sequenceOf(records[i - 1]));
    }
  });

  it('gives each view type the images it asks for', async () => {
    const views = { 'shop-dev-keys': 'KEYS_ONLY', 'shop-dev-news': 'NEW_IMAGE', 'shop-dev-olds': 'OLD_IMAGE' };
    const seen: Record<string, unknown[]> = {};
    for (const [TableName, view] of Object.entries(views)) {
      const Key = TableName === 'shop-dev-keys' ? { id: 'v', at: 1 } : { id: 'v' };
      const records = await changes(TableName, async () => {
        await db.documents.send(new PutCommand({ TableName, Item: { ...Key, n: 1 } }));
        await db.documents.send(new PutCommand({ TableName, Item: { ...Key, n: 2 } }));
        await db.documents.send(new DeleteCommand({ TableName, Key }));
      });
      for (const record of records) expect(record.dynamodb).toMatchObject({ Keys: Key, StreamViewType: view });
      seen[view] = records.map((r) => [r.eventName, r.dynamodb.OldImage?.n, r.dynamodb.NewImage?.n]);
    }
    expect(seen).toEqual({
      KEYS_ONLY: [
        ['INSERT', undefined, undefined],
        ['MODIFY', undefined, undefined],
        ['REMOVE', undefined, undefined],
      ],
      NEW_IMAGE: [
        ['INSERT', undefined, 1],
        ['MODIFY', undefined, 2],
        ['REMOVE', undefined, undefined],
      ],
      OLD_IMAGE: [
        ['INSERT', undefined, undefined],
        ['MODIFY', 1, undefined],
        ['REMOVE', 2, undefined],
      ],
    });
  });

  it("records TTL deletions as DynamoDB's own service", async () => {
    const expiresAt = Math.floor(Date.now() / 1000) - 60;
    await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'expired', expiresAt } }));
    const records = await changes(orders, () => run.sweepExpired());
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: { Keys: { id: 'expired' }, OldImage: { id: 'expired', expiresAt } },
    });
  });

  it('serves GetRecords in the Streams wire format', async () => {
    const arn = arns[orders] as string;
    const since = await iteratorOf(streams, arn, 'LATEST');
    const before = Math.floor(Date.now() / 1000);
    await db.documents.send(
      new PutCommand({ TableName: orders, Item: { id: 'wire', bytes: new Uint8Array([1, 2, 3]) } }),
    );
    const response = await fetch(run.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDBStreams_20120810.GetRecords',
        authorization: 'AWS4-HMAC-SHA256 Credential=my-shell/20260101/eu-west-1/dynamodb/aws4_request, Signature=0',
      },
      body: JSON.stringify({ ShardIterator: since }),
    });
    const body = (await response.json()) as { Records: Record<string, unknown>[]; NextShardIterator: string };
    expect(response.status).toBe(200);
    expect(typeof body.NextShardIterator).toBe('string');
    expect(body.Records).toHaveLength(1);
    const [record] = body.Records as [Record<string, { ApproximateCreationDateTime: number } & object>];
    expect(record).toEqual({
      eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { id: { S: 'wire' } },
        NewImage: { id: { S: 'wire' }, bytes: { B: 'AQID' } },
        SequenceNumber: expect.stringMatching(/^\d{21,40}$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    const created = record.dynamodb?.ApproximateCreationDateTime as number;
    expect(Number.isInteger(created) && created >= before && created <= Math.ceil(Date.now() / 1000)).toBe(true);
  });
});

describe('the DynamoDB Streams API of the local endpoint', () => {
  let run: LocalRun;
  let db: ReturnType<typeof dynamo>;
  let streams: DynamoDBStreamsClient;
  let ordersStream: string;

  beforeAll(async () => {
    run = await startLocalRun(localRunOptions(manifest, { tableTransitionMs: 0 }));
    db = dynamo(run);
    streams = streamsClient(run.endpoint);
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: orders }));
    ordersStream = Table?.LatestStreamArn as string;
  });
  afterAll(async () => {
    db.client.destroy();
    streams.destroy();
    await run.stop();
  });

  it('shows a stream table’s stream in DescribeTable, and nothing for a table without one', async () => {
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: orders }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.LatestStreamArn).toMatch(
      /^arn:aws:dynamodb:eu-west-1:000000000000:table\/shop-dev-orders\/stream\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/,
    );
    expect(Table?.LatestStreamArn).toBe(
      `arn:aws:dynamodb:eu-west-1:000000000000:table/${orders}/stream/${Table?.LatestStreamLabel}`,
    );
    const other = (await db.client.send(new DescribeTableCommand({ TableName: plain }))).Table;
    expect([other?.StreamSpecification, other?.LatestStreamArn, other?.LatestStreamLabel]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('lists streams, by table and a page at a time', async () => {
    const all = (await streams.send(new ListStreamsCommand({}))).Streams ?? [];
    expect(all.map((s) => s.TableName).sort()).toEqual(['shop-dev-keys', 'shop-dev-news', 'shop-dev-olds', orders]);
    const one = await streams.send(new ListStreamsCommand({ TableName: orders }));
    expect(one.Streams).toEqual([
      { StreamArn: ordersStream, TableName: orders, StreamLabel: ordersStream.split('/stream/')[1] },
    ]);
    const first = await streams.send(new ListStreamsCommand({ Limit: 3 }));
    expect(first.Streams).toHaveLength(3);
    const rest = await streams.send(
      new ListStreamsCommand({ Limit: 3, ExclusiveStartStreamArn: first.LastEvaluatedStreamArn }),
    );
    expect(rest.LastEvaluatedStreamArn).toBeUndefined();
    expect([...(first.Streams ?? []), ...(rest.Streams ?? [])]).toEqual(all);
  });

  it('describes a stream: its status, view type, keys and one open shard', async () => {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: ordersStream }));
    expect(StreamDescription).toMatchObject({
      StreamArn: ordersStream,
      StreamStatus: 'ENABLED',
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      TableName: orders,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    });
    expect(StreamDescription?.CreationRequestDateTime).toBeInstanceOf(Date);
    expect(StreamDescription?.Shards).toEqual([
      {
        ShardId: expect.stringMatching(/^shardId-\d{20}-[0-9a-f]{8}$/),
        SequenceNumberRange: { StartingSequenceNumber: expect.stringMatching(/^\d{21,}$/) },
      },
    ]);
  });

  it('reads from the trim horizon, the latest record, at and after a sequence number, a page at a time', async () => {
    const latest = await iteratorOf(streams, ordersStream, 'LATEST');
    expect((await streams.send(new GetRecordsCommand({ ShardIterator: latest }))).Records).toEqual([]);
    for (const n of [1, 2, 3, 4, 5]) {
      await db.documents.send(new PutCommand({ TableName: orders, Item: { id: `page-${n}` } }));
    }
    const pages: string[][] = [];
    let iterator: string | undefined = latest;
    for (;;) {
      const page: GetRecordsCommandOutput = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 2 }),
      );
      if ((page.Records ?? []).length === 0) break;
      pages.push((page.Records ?? []).map((r) => r.dynamodb?.Keys?.id?.S ?? ''));
      iterator = page.NextShardIterator;
    }
    expect(pages).toEqual([['page-1', 'page-2'], ['page-3', 'page-4'], ['page-5']]);

    const written = await readAll(streams, latest);
    const second = written[1]?.dynamodb?.SequenceNumber as string;
    const keys = (records: StreamRecord[]) => records.map((r) => r.dynamodb?.Keys?.id?.S);
    expect(keys(await readAll(streams, await iteratorOf(streams, ordersStream, 'AT_SEQUENCE_NUMBER', second)))).toEqual(
      ['page-2', 'page-3', 'page-4', 'page-5'],
    );
    expect(
      keys(await readAll(streams, await iteratorOf(streams, ordersStream, 'AFTER_SEQUENCE_NUMBER', second))),
    ).toEqual(['page-3', 'page-4', 'page-5']);
    expect(keys(await readAll(streams, await iteratorOf(streams, ordersStream, 'TRIM_HORIZON'))).slice(0, 5)).toEqual(
      keys(written),
    );
  });

  it('refuses what DynamoDB Streams refuses', async () => {
    const shardId = await shardOf(streams, ordersStream);
    const missing = ordersStream.replace('shop-dev-orders', 'shop-dev-missing');
    await expect(streams.send(new DescribeStreamCommand({ StreamArn: missing }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      streams.send(
        new GetShardIteratorCommand({
          StreamArn: ordersStream,
          ShardId: shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      streams.send(
        new GetShardIteratorCommand({
          StreamArn: ordersStream,
          ShardId: shardId,
          ShardIteratorType: 'SOMEWHERE' as 'LATEST',
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must satisfy enum value set'),
    });
    await expect(streams.send(new GetRecordsCommand({ ShardIterator: 'not-an-iterator' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(
      streams.send(
        new GetRecordsCommand({ ShardIterator: await iteratorOf(streams, ordersStream, 'LATEST'), Limit: 1001 }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it("checks each call against the caller's policy: a function whose role lacks the stream is denied", async () => {
    const checkout = streamsClient(run.endpoint, localAccessKey('checkout'));
    const audit = streamsClient(run.endpoint, localAccessKey('audit'));
    try {
      const denied = (action: string, resource: string) => ({
        name: 'AccessDeniedException',
        message: expect.stringMatching(
          new RegExp(
            `^User: arn:aws:sts::000000000000:assumed-role/[^/]+/checkout is not authorized to perform: dynamodb:${action} on resource: ${resource.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} because no identity-based policy allows the dynamodb:${action} action$`,
          ),
        ),
      });
      await expect(checkout.send(new DescribeStreamCommand({ StreamArn: ordersStream }))).rejects.toMatchObject(
        denied('DescribeStream', ordersStream),
      );
      const shardId = await shardOf(audit, ordersStream);
      await expect(
        checkout.send(
          new GetShardIteratorCommand({ StreamArn: ordersStream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
        ),
      ).rejects.toMatchObject(denied('GetShardIterator', ordersStream));
      const iterator = await iteratorOf(audit, ordersStream, 'TRIM_HORIZON');
      await expect(checkout.send(new GetRecordsCommand({ ShardIterator: iterator }))).rejects.toMatchObject(
        denied('GetRecords', ordersStream),
      );
      await expect(checkout.send(new ListStreamsCommand({}))).rejects.toMatchObject(denied('ListStreams', '*'));
      // The consumer's role reads its table's stream, and no other.
      expect((await audit.send(new GetRecordsCommand({ ShardIterator: iterator }))).Records).toBeDefined();
      const news = (await db.client.send(new DescribeTableCommand({ TableName: 'shop-dev-news' }))).Table
        ?.LatestStreamArn as string;
      await expect(audit.send(new DescribeStreamCommand({ StreamArn: news }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    } finally {
      checkout.destroy();
      audit.destroy();
    }
  });

  it('gives a table made at run time the stream it asks for; UpdateTable disables and enables it; DeleteTable ends it', async () => {
    const TableName = 'runtime-streamed';
    const created = await db.client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    expect(created.TableDescription?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    const first = created.TableDescription?.LatestStreamArn as string;
    expect(first).toContain(`:table/${TableName}/stream/`);
    await waitUntilTableExists({ client: db.client, maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.5 }, { TableName });
    await db.documents.send(new PutCommand({ TableName, Item: { pk: 'one' } }));
    const read = await streams.send(
      new GetRecordsCommand({ ShardIterator: await iteratorOf(streams, first, 'TRIM_HORIZON') }),
    );
    expect(received(read.Records ?? [], first).map((r) => r.dynamodb.NewImage)).toEqual([{ pk: 'one' }]);

    await expect(
      db.client.send(
        new UpdateTableCommand({
          TableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Table already has an enabled stream: TableName: ${TableName}`,
    });
    const disabled = await db.client.send(
      new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: false } }),
    );
    expect(disabled.TableDescription?.StreamSpecification).toBeUndefined();
    expect(disabled.TableDescription?.LatestStreamArn).toBe(first);
    await db.documents.send(new PutCommand({ TableName, Item: { pk: 'two' } }));
    const closed = (await streams.send(new DescribeStreamCommand({ StreamArn: first }))).StreamDescription;
    expect(closed?.StreamStatus).toBe('DISABLED');
    expect(closed?.Shards?.[0]?.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d+$/);
    // A closed shard read to its end has no next iterator; the write after disabling is not in it.
    const end = await streams.send(new GetRecordsCommand({ ShardIterator: read.NextShardIterator }));
    expect(end.Records).toEqual([]);
    expect(end.NextShardIterator).toBeUndefined();

    const enabled = await db.client.send(
      new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }),
    );
    const second = enabled.TableDescription?.LatestStreamArn as string;
    expect(second).not.toBe(first);
    expect(enabled.TableDescription?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });

    await db.client.send(new DeleteTableCommand({ TableName }));
    await waitUntilTableNotExists({ client: db.client, maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.5 }, { TableName });
    expect((await streams.send(new DescribeStreamCommand({ StreamArn: second }))).StreamDescription?.StreamStatus).toBe(
      'DISABLED',
    );
    await db.client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await waitUntilTableExists({ client: db.client, maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.5 }, { TableName });
    expect((await db.client.send(new DescribeTableCommand({ TableName }))).Table?.LatestStreamArn).toBeUndefined();
  });

  it('refuses a StreamSpecification DynamoDB refuses', async () => {
    const create = (StreamSpecification: object) =>
      db.client.send(
        new CreateTableCommand({
          TableName: 'refused-stream',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          StreamSpecification: StreamSpecification as { StreamEnabled: boolean },
        }),
      );
    await expect(create({ StreamEnabled: true })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required',
    });
    await expect(create({ StreamEnabled: false, StreamViewType: 'NEW_IMAGE' })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(
      db.client.send(new UpdateTableCommand({ TableName: plain, StreamSpecification: { StreamEnabled: false } })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'Table has no stream to disable' });
  });
});

describe('stream records expire', () => {
  it('after the retention period: GetRecords past the trim horizon is refused, TRIM_HORIZON starts after it', async () => {
    const run = await startLocalRun(localRunOptions(manifest, { streamRetentionMs: 300 }));
    const db = dynamo(run);
    const streams = streamsClient(run.endpoint);
    try {
      const { Table } = await db.client.send(new DescribeTableCommand({ TableName: orders }));
      const arn = Table?.LatestStreamArn as string;
      const oldest = await iteratorOf(streams, arn, 'TRIM_HORIZON');
      await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'fleeting' } }));
      const [record] = await readAll(streams, oldest);
      const sequence = record?.dynamodb?.SequenceNumber as string;
      await waitUntil(
        () =>
          iteratorOf(streams, arn, 'AT_SEQUENCE_NUMBER', sequence).then(
            () => false,
            (error: { name?: string }) => error.name === 'TrimmedDataAccessException',
          ),
        'the record to expire',
      );
      await expect(streams.send(new GetRecordsCommand({ ShardIterator: oldest }))).rejects.toMatchObject({
        name: 'TrimmedDataAccessException',
      });
      expect(await readAll(streams, await iteratorOf(streams, arn, 'TRIM_HORIZON'))).toEqual([]);
    } finally {
      db.client.destroy();
      streams.destroy();
      await run.stop();
    }
  });
});

describe('a persisted local run', () => {
  it("keeps its streams' ARNs across restarts, for Manifest tables and tables made at run time", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-streams-'));
    const arnsOf = async (run: LocalRun) => {
      const db = dynamo(run);
      try {
        return await Promise.all(
          [orders, 'made-later'].map(
            async (TableName) => (await db.client.send(new DescribeTableCommand({ TableName }))).Table?.LatestStreamArn,
          ),
        );
      } finally {
        db.client.destroy();
      }
    };
    try {
      const first = await startLocalRun(localRunOptions(manifest, { persist: dir, tableTransitionMs: 0 }));
      const db = dynamo(first);
      await db.client.send(
        new CreateTableCommand({
          TableName: 'made-later',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        }),
      );
      db.client.destroy();
      const before = await arnsOf(first);
      await first.stop();
      const second = await startLocalRun(localRunOptions(manifest, { persist: dir }));
      try {
        expect(before.every(Boolean)).toBe(true);
        expect(await arnsOf(second)).toEqual(before);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
