import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/manifest.js';
import { type LocalRun, localAccessKey, startLocalRun } from '../src/offline/run/local-run.js';
import { callWire } from './support/dynamo-wire.js';
import { localRunOptions } from './support/local-run.js';
import { waitUntil } from './support/wait.js';

// Answers of the local DynamoDB endpoint that must be DynamoDB's (issue 12), through the real
// endpoint (dynalite behind it, real HTTP, the AWS SDK a function uses).

const manifest: Manifest = {
  service: 'shop',
  stage: 'dev',
  functions: [
    {
      name: 'writer',
      class: 'Writer',
      export: 'Writer',
      method: 'run',
      source: 'src/writer.ts',
      routes: [],
      uses: [
        { table: 'people', access: 'readwrite' },
        { table: 'orders', access: 'readwrite' },
        { table: 'sessions', access: 'readwrite' },
      ],
      config: {},
      schemas: {},
      sends: [],
      triggers: [],
    },
  ],
  queues: [],
  tables: [
    {
      name: 'people',
      tableName: 'shop-dev-people',
      envVar: 'GANTRY_TABLE_PEOPLE',
      partitionKey: { name: 'id', type: 'S' },
      indexes: [{ name: 'byEmail', partitionKey: { name: 'email', type: 'S' } }],
      source: 'src/t.ts',
    },
    {
      name: 'sessions',
      tableName: 'shop-dev-sessions',
      envVar: 'GANTRY_TABLE_SESSIONS',
      partitionKey: { name: 'token', type: 'S' },
      indexes: [],
      ttl: 'expiresAt',
      source: 'src/t.ts',
    },
    {
      name: 'orders',
      tableName: 'shop-dev-orders',
      envVar: 'GANTRY_TABLE_ORDERS',
      partitionKey: { name: 'id', type: 'S' },
      indexes: [],
      source: 'src/t.ts',
    },
  ],
};
const people = 'shop-dev-people';
const orders = 'shop-dev-orders';
const writer = localAccessKey('writer');
const VALIDATION = 'com.amazon.coral.validate#ValidationException';

function start(ttlTransitionMs?: number) {
  return startLocalRun(localRunOptions(manifest, { ttlTransitionMs }));
}

/** The error a call rejects with, as the SDK gives it to a function's code. */
async function failure(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as Record<string, unknown> & { name: string; message: string },
  );
  expect(error, 'the call should have been refused').toBeDefined();
  return error as NonNullable<typeof error>;
}

describe('the local endpoint answers as DynamoDB', () => {
  let run: LocalRun;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  // Your shell's credentials (not a function's): table administration is allowed to them.
  let admin: DynamoDBClient;
  const get = async (table: string, id: string) =>
    (await documents.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }))).Item;

  beforeAll(async () => {
    run = await start(600_000);
    client = new DynamoDBClient({
      endpoint: run.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: writer, secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    documents = DynamoDBDocumentClient.from(client);
    admin = new DynamoDBClient({
      endpoint: run.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDADMIN', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    admin.destroy();
    await run.stop();
  });

  describe('an empty string as a secondary index key: ValidationException, nothing written', () => {
    const onPut =
      'One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: byEmail, IndexKey: email';
    const onUpdate =
      'One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value.';

    it('PutItem', async () => {
      const error = await failure(documents.send(new PutCommand({ TableName: people, Item: { id: 'p1', email: '' } })));
      expect({ name: error.name, message: error.message }).toEqual({ name: 'ValidationException', message: onPut });
      expect(await get(people, 'p1')).toBeUndefined();
      // An empty string elsewhere is fine, as on AWS.
      await documents.send(new PutCommand({ TableName: people, Item: { id: 'p1', email: 'a@b.c', note: '' } }));
    });

    it('UpdateItem (SET and AttributeUpdates)', async () => {
      await documents.send(new PutCommand({ TableName: people, Item: { id: 'p2', email: 'p2@b.c' } }));
      const error = await failure(
        documents.send(
          new UpdateCommand({
            TableName: people,
            Key: { id: 'p2' },
            UpdateExpression: 'SET #e = :e',
            ExpressionAttributeNames: { '#e': 'email' },
            ExpressionAttributeValues: { ':e': '' },
          }),
        ),
      );
      expect({ name: error.name, message: error.message }).toEqual({ name: 'ValidationException', message: onUpdate });
      const legacy = await failure(
        client.send(
          new UpdateItemCommand({
            TableName: people,
            Key: { id: { S: 'p2' } },
            AttributeUpdates: { email: { Action: 'PUT', Value: { S: '' } } },
          }),
        ),
      );
      expect(legacy.message).toBe(onUpdate);
      expect(await get(people, 'p2')).toEqual({ id: 'p2', email: 'p2@b.c' });
    });

    it('BatchWriteItem', async () => {
      const error = await failure(
        documents.send(
          new BatchWriteCommand({
            RequestItems: {
              [people]: [{ PutRequest: { Item: { id: 'p3' } } }, { PutRequest: { Item: { id: 'p4', email: '' } } }],
            },
          }),
        ),
      );
      expect({ name: error.name, message: error.message }).toEqual({ name: 'ValidationException', message: onPut });
      expect(await get(people, 'p3')).toBeUndefined();
    });

    it('TransactWriteItems (Put and Update): the whole request refused', async () => {
      const put = await failure(
        documents.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: orders, Item: { id: 'o-tx1' } } },
              { Put: { TableName: people, Item: { id: 'p5', email: '' } } },
            ],
          }),
        ),
      );
      expect({ name: put.name, message: put.message }).toEqual({ name: 'ValidationException', message: onPut });
      const update = await failure(
        documents.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: orders, Item: { id: 'o-tx1' } } },
              {
                Update: {
                  TableName: people,
                  Key: { id: 'p5' },
                  UpdateExpression: 'SET email = :e',
                  ExpressionAttributeValues: { ':e': '' },
                },
              },
            ],
          }),
        ),
      );
      expect({ name: update.name, message: update.message }).toEqual({
        name: 'ValidationException',
        message: onUpdate,
      });
      expect(await get(orders, 'o-tx1')).toBeUndefined();
    });
  });

  describe('a data error inside a transaction: TransactionCanceledException naming the item', () => {
    const addToString = {
      Update: {
        TableName: orders,
        Key: { id: 'o-text' },
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':one': 1 },
      },
    };
    const badPath = {
      Update: {
        TableName: orders,
        Key: { id: 'o-text' },
        UpdateExpression: 'SET #n.inner = :v',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':v': 1 },
      },
    };
    beforeAll(async () => {
      await documents.send(new PutCommand({ TableName: orders, Item: { id: 'o-text', name: 'text' } }));
    });

    it.each([
      ['ADD to a string', addToString],
      ['a bad document path', badPath],
    ])('%s: ValidationError at its position, None for the others, nothing applied', async (_, bad) => {
      const error = await failure(
        documents.send(
          new TransactWriteCommand({
            TransactItems: [{ Put: { TableName: orders, Item: { id: 'o-new' } } }, bad],
          }),
        ),
      );
      expect(error.name).toBe('TransactionCanceledException');
      expect(error.CancellationReasons).toEqual([
        { Code: 'None' },
        { Code: 'ValidationError', Message: expect.any(String) },
      ]);
      expect((error.CancellationReasons as { Message: string }[])[1]?.Message).not.toBe('');
      expect(error.message).toBe(
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]',
      );
      expect(await get(orders, 'o-new')).toBeUndefined();
    });

    it('the same answer whether or not another item also fails its condition', async () => {
      const put = { Put: { TableName: orders, Item: { id: 'o-new' } } };
      const failing = {
        ConditionCheck: { TableName: orders, Key: { id: 'o-absent' }, ConditionExpression: 'attribute_exists(id)' },
      };
      const alone = await failure(documents.send(new TransactWriteCommand({ TransactItems: [put, addToString] })));
      const withCondition = await failure(
        documents.send(new TransactWriteCommand({ TransactItems: [put, addToString, failing] })),
      );
      for (const [error, codes] of [
        [alone, ['None', 'ValidationError']],
        [withCondition, ['None', 'ValidationError', 'ConditionalCheckFailed']],
      ] as const) {
        expect(error.name).toBe('TransactionCanceledException');
        expect((error.CancellationReasons as { Code: string }[]).map((r) => r.Code)).toEqual(codes);
      }
      expect(await get(orders, 'o-text')).toEqual({ id: 'o-text', name: 'text' });
      expect(await get(orders, 'o-new')).toBeUndefined();
    });
  });

  it("a transaction over 4 MB in all: ValidationException as DynamoDB's, nothing written; 10 items of 390 KB pass", async () => {
    const big = 'x'.repeat(390 * 1024);
    const puts = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ Put: { TableName: orders, Item: { id: `${prefix}${i}`, big } } }));
    const error = await failure(documents.send(new TransactWriteCommand({ TransactItems: puts(11, 'big-') })));
    expect({ name: error.name, message: error.message }).toEqual({
      name: 'ValidationException',
      message: 'Transaction request cannot be larger than 4 MB',
    });
    expect(await get(orders, 'big-0')).toBeUndefined();
    await documents.send(new TransactWriteCommand({ TransactItems: puts(10, 'fits-') }));
    expect((await get(orders, 'fits-9'))?.big).toBe(big);
  });

  it.each([
    ['PutItem', { TableName: orders, Item: { id: { S: 'r1' } } }],
    [
      'UpdateItem',
      {
        TableName: orders,
        Key: { id: { S: 'r1' } },
        UpdateExpression: 'SET a = :a',
        ExpressionAttributeValues: { ':a': { S: 'a' } },
      },
    ],
    ['DeleteItem', { TableName: orders, Key: { id: { S: 'r1' } } }],
  ])(
    '%s with an invalid ReturnValuesOnConditionCheckFailure: ValidationException, nothing done (any caller)',
    async (operation, request) => {
      const body = JSON.stringify({ ...request, ReturnValuesOnConditionCheckFailure: 'EVERYTHING' });
      for (const accessKey of [writer, 'AKIDSOMEONEELSE']) {
        const answer = await callWire(run.endpoint, operation, body, { accessKey });
        expect({ status: answer.status, body: answer.json }).toEqual({
          status: 400,
          body: {
            __type: VALIDATION,
            message:
              "1 validation error detected: Value 'EVERYTHING' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
          },
        });
      }
      // A value of the wrong type: SerializationException, whoever sends it (dynalite would drop it).
      const wrongType = JSON.stringify({ ...request, ReturnValuesOnConditionCheckFailure: 5 });
      for (const accessKey of [writer, 'AKIDSOMEONEELSE']) {
        const answer = await callWire(run.endpoint, operation, wrongType, { accessKey });
        expect({ status: answer.status, type: answer.json?.__type }).toEqual({
          status: 400,
          type: 'com.amazon.coral.service#SerializationException',
        });
      }
      expect(await get(orders, 'r1')).toBeUndefined();
      // A valid value is served.
      const valid = JSON.stringify({ ...request, ReturnValuesOnConditionCheckFailure: 'NONE' });
      expect((await callWire(run.endpoint, operation, valid, { accessKey: writer })).status).toBe(200);
      await client.send(new DeleteItemCommand({ TableName: orders, Key: { id: { S: 'r1' } } }));
    },
  );

  it("CreateTable of an existing table: ResourceInUseException with DynamoDB's message", async () => {
    const error = await failure(
      admin.send(
        new CreateTableCommand({
          TableName: orders,
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      ),
    );
    expect({ name: error.name, message: error.message }).toEqual({
      name: 'ResourceInUseException',
      message: `Table already exists: ${orders}`,
    });
  });

  it("validation errors the endpoint writes itself carry DynamoDB's __type", async () => {
    const put = { Put: { TableName: orders, Item: { id: { S: 'same' } } } };
    const answer = await callWire(run.endpoint, 'TransactWriteItems', JSON.stringify({ TransactItems: [put, put] }), {
      accessKey: writer,
    });
    expect({ status: answer.status, body: answer.json }).toEqual({
      status: 400,
      body: { __type: VALIDATION, message: 'Transaction request cannot include multiple operations on one item' },
    });
  });

  it('TTL: expired items stay readable for the delay, five-year-old timestamps are never deleted, tests can sweep now', async () => {
    const now = Math.floor(Date.now() / 1000);
    const items = {
      expired: now - 10,
      fresh: now + 3600,
      ancient: now - 6 * 365 * 86_400, // more than five years ago: AWS never deletes it
    };
    for (const [token, expiresAt] of Object.entries(items)) {
      await documents.send(new PutCommand({ TableName: 'shop-dev-sessions', Item: { token, expiresAt } }));
    }
    const read = async (token: string) =>
      (await documents.send(new GetCommand({ TableName: 'shop-dev-sessions', Key: { token }, ConsistentRead: true })))
        .Item;
    // What the background sweep does: the item expired ten seconds ago is still there (two days' delay).
    expect(await run.sweepExpired({ now: false })).toBe(0);
    expect(await read('expired')).toEqual({ token: 'expired', expiresAt: items.expired });
    // A test sweeps now: only the expired item goes.
    expect(await run.sweepExpired()).toBe(1);
    expect(await read('expired')).toBeUndefined();
    expect(await read('fresh')).toBeDefined();
    expect(await read('ancient')).toBeDefined();
  });

  it('UpdateTimeToLive: ENABLING after enabling; enabling again or a change within the hour refused', async () => {
    const ttl = (Enabled: boolean, AttributeName = 'expires') =>
      admin.send(
        new UpdateTimeToLiveCommand({ TableName: orders, TimeToLiveSpecification: { AttributeName, Enabled } }),
      );
    const status = async () =>
      (await admin.send(new DescribeTimeToLiveCommand({ TableName: orders }))).TimeToLiveDescription;
    expect(await status()).toEqual({ TimeToLiveStatus: 'DISABLED' });
    await ttl(true);
    // This run's transition is ten minutes long, so the status cannot have moved on yet.
    expect(await status()).toEqual({ TimeToLiveStatus: 'ENABLING', AttributeName: 'expires' });
    for (const [call, message] of [
      [() => ttl(true), 'TimeToLive is already enabled'],
      [() => ttl(true, 'other'), 'TimeToLive is active on a different AttributeName'],
      [() => ttl(false), 'Time to live has been modified multiple times within a fixed interval'],
    ] as const) {
      const error = await failure(call());
      expect({ name: error.name, message: error.message }).toEqual({ name: 'ValidationException', message });
    }
    expect(await status()).toEqual({ TimeToLiveStatus: 'ENABLING', AttributeName: 'expires' });
  });
});

it('DescribeTimeToLive turns from ENABLING to ENABLED by itself (2 s locally)', async () => {
  const run = await start();
  const client = new DynamoDBClient({
    endpoint: run.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDADMIN', secretAccessKey: 'x' },
  });
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: orders,
        TimeToLiveSpecification: { AttributeName: 'exp', Enabled: true },
      }),
    );
    const described = await waitUntil(async () => {
      const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: orders }));
      return TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED' && TimeToLiveDescription;
    }, 'TTL to become ENABLED');
    expect(described).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'exp' });
  } finally {
    client.destroy();
    await run.stop();
  }
});
