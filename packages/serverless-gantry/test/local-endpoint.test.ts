import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTableCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/manifest.js';
import { type LocalRun, localAccessKey, startLocalRun } from '../src/offline/run/local-run.js';
import { callWire } from './support/dynamo-wire.js';
import { localRunOptions } from './support/local-run.js';

// One function that may write `orders` and nothing else; `sessions` is someone else's table.
const manifest: Manifest = {
  service: 'shop',
  stage: 'dev',
  functions: [
    {
      name: 'checkout',
      class: 'Checkout',
      export: 'Checkout',
      method: 'run',
      source: 'src/checkout.ts',
      routes: [],
      uses: [{ table: 'orders', access: 'readwrite' }],
      config: {},
      schemas: {},
      sends: [],
      triggers: [],
    },
  ],
  queues: [],
  tables: [
    {
      name: 'orders',
      tableName: 'shop-dev-orders',
      envVar: 'GANTRY_TABLE_ORDERS',
      partitionKey: { name: 'id', type: 'S' },
      indexes: [],
      source: 'src/t.ts',
    },
    {
      name: 'sessions',
      tableName: 'shop-dev-sessions',
      envVar: 'GANTRY_TABLE_SESSIONS',
      partitionKey: { name: 'token', type: 'S' },
      indexes: [],
      source: 'src/t.ts',
    },
  ],
};
const orders = 'shop-dev-orders';
const checkout = localAccessKey('checkout');

function start(extra: { persist?: string; tableTransitionMs?: number } = {}) {
  return startLocalRun(
    localRunOptions(manifest, { persist: extra.persist, tableTransitionMs: extra.tableTransitionMs }),
  );
}

function sdk(run: LocalRun, accessKeyId = checkout) {
  const client = new DynamoDBClient({
    endpoint: run.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId, secretAccessKey: 'x' },
  });
  return { client, documents: DynamoDBDocumentClient.from(client) };
}

/** A normal call by the function, right after a bad one: the endpoint still serves. */
async function stillServes(run: LocalRun, id: string) {
  const { client, documents } = sdk(run);
  try {
    await documents.send(new PutCommand({ TableName: orders, Item: { id } }));
    expect((await documents.send(new GetCommand({ TableName: orders, Key: { id } }))).Item).toEqual({ id });
  } finally {
    client.destroy();
  }
}

describe('malformed requests get DynamoDB’s answer, and the endpoint keeps serving', () => {
  let run: LocalRun;
  beforeAll(async () => {
    run = await start();
  });
  afterAll(async () => {
    await run.stop();
  });

  it.each([
    ['TransactWriteItems', '"x"', 'com.amazon.coral.service#SerializationException'],
    ['TransactWriteItems', '{}', 'com.amazon.coral.service#SerializationException'],
    ['TransactWriteItems', '[null]', 'com.amazon.coral.validate#ValidationException'],
    ['TransactWriteItems', '[{}]', 'com.amazon.coral.validate#ValidationException'],
    ['TransactWriteItems', '[]', 'com.amazon.coral.validate#ValidationException'],
    ['TransactGetItems', '"x"', 'com.amazon.coral.service#SerializationException'],
    ['TransactGetItems', '{}', 'com.amazon.coral.service#SerializationException'],
    ['TransactGetItems', '[null]', 'com.amazon.coral.validate#ValidationException'],
  ])('%s with TransactItems %s, signed by a function: 400 %s', async (operation, items, type) => {
    const answer = await callWire(run.endpoint, operation, `{"TransactItems":${items}}`, { accessKey: checkout });
    expect(answer.status).toBe(400);
    expect(answer.json?.__type).toBe(type);
    await stillServes(run, `after-${operation}-${items}`);
  });

  it('a transaction on a table that does not exist: ResourceNotFoundException, not a 500', async () => {
    const answer = await callWire(
      run.endpoint,
      'TransactWriteItems',
      JSON.stringify({ TransactItems: [{ Put: { TableName: 'no-such-table', Item: { id: { S: '1' } } } }] }),
    );
    expect(answer.status).toBe(400);
    expect(answer.json?.__type).toBe('com.amazonaws.dynamodb.v20120810#ResourceNotFoundException');
  });

  it.each(['TransactWriteItems', 'TransactGetItems', 'UpdateTimeToLive', 'DescribeTimeToLive'])(
    'malformed JSON to %s (answered by the endpoint itself): 400 SerializationException',
    async (operation) => {
      for (const accessKey of [checkout, undefined]) {
        const answer = await callWire(run.endpoint, operation, '{"TableName": "shop-dev-or', { accessKey });
        expect({ status: answer.status, body: answer.json }).toEqual({
          status: 400,
          body: { __type: 'com.amazon.coral.service#SerializationException' },
        });
      }
      await stillServes(run, `after-json-${operation}`);
    },
  );

  it('DescribeTimeToLive without TableName: ValidationException; with a non-string one: SerializationException', async () => {
    expect((await callWire(run.endpoint, 'DescribeTimeToLive', '{}', { accessKey: checkout })).json).toEqual({
      __type: 'com.amazon.coral.validate#ValidationException',
      message: "The parameter 'TableName' is required but was not present in the request",
    });
    const nonString = await callWire(run.endpoint, 'DescribeTimeToLive', '{"TableName":true}', { accessKey: checkout });
    expect(nonString.status).toBe(400);
    expect(nonString.json).toEqual({
      __type: 'com.amazon.coral.service#SerializationException',
      Message: 'TRUE_VALUE cannot be converted to String',
    });
  });

  it.each([undefined, checkout])(
    'a JSON body that is not an object (null), signed by %s: 400, and still serving',
    async (accessKey) => {
      for (const body of ['null', '[]', '7']) {
        const answer = await callWire(run.endpoint, 'GetItem', body, { accessKey });
        expect(answer.status).toBe(400);
        expect(answer.json?.__type).toBe('com.amazon.coral.service#SerializationException');
      }
      await stillServes(run, `after-null-${accessKey}`);
    },
  );

  it('a body over 16 MiB: 413 as DynamoDB answers, and nothing of it is written', async () => {
    const item = { id: { S: 'huge' }, blob: { S: 'a'.repeat(16 * 1024 * 1024) } };
    const answer = await callWire(run.endpoint, 'PutItem', JSON.stringify({ TableName: orders, Item: item }), {
      accessKey: checkout,
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toBe('');
    const { client, documents } = sdk(run);
    expect((await documents.send(new GetCommand({ TableName: orders, Key: { id: 'huge' } }))).Item).toBeUndefined();
    client.destroy();
    await stillServes(run, 'after-413');
  });
});

describe('an unexpected failure inside the endpoint', () => {
  it("is answered 500 InternalServerError in DynamoDB's shape, and the endpoint keeps serving", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-endpoint-'));
    // The TTL settings file cannot be written (a directory is in its place): a real fault, not a mock.
    await mkdir(join(dir, 'gantry-ttl.json'));
    const run = await start({ persist: dir });
    try {
      const answer = await callWire(
        run.endpoint,
        'UpdateTimeToLive',
        JSON.stringify({ TableName: orders, TimeToLiveSpecification: { AttributeName: 'exp', Enabled: true } }),
      );
      expect({ status: answer.status, body: answer.json }).toEqual({
        status: 500,
        body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
      });
      await stillServes(run, 'after-500');
    } finally {
      await run.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('presigned (query-string) SigV4 requests', () => {
  let run: LocalRun;
  beforeAll(async () => {
    run = await start();
  });
  afterAll(async () => {
    await run.stop();
  });

  const put = (table: string, key: Record<string, unknown>) => JSON.stringify({ TableName: table, Item: key });

  it("are identified by their credential, so the function's policy applies as for header-signed ones", async () => {
    for (const presigned of [false, true]) {
      const denied = await callWire(run.endpoint, 'PutItem', put('shop-dev-sessions', { token: { S: 't' } }), {
        accessKey: checkout,
        presigned,
      });
      expect(denied.status).toBe(400);
      expect(denied.json).toMatchObject({
        __type: 'com.amazon.coral.service#AccessDeniedException',
        Message: expect.stringContaining(
          '/checkout is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:000000000000:table/shop-dev-sessions',
        ),
      });
      const allowed = await callWire(run.endpoint, 'PutItem', put(orders, { id: { S: `signed-${presigned}` } }), {
        accessKey: checkout,
        presigned,
      });
      expect(allowed.status).toBe(200);
    }
  });
});

describe('table status, as on AWS', () => {
  // Transitions last 5 s here (500 ms by default) so that the status read right after each call is
  // the transitional one even on a machine busy with other tests; the waiters wait for the rest.
  let run: LocalRun;
  let client: DynamoDBClient;
  const waiter = () => ({ client, minDelay: 0.2, maxDelay: 1, maxWaitTime: 120 });
  const status = async (TableName: string) =>
    (await client.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus;

  beforeAll(async () => {
    run = await start({ tableTransitionMs: 5000 });
    client = sdk(run, 'my-shell').client;
  });
  afterAll(async () => {
    client.destroy();
    await run.stop();
  });

  it('tables the Manifest declares are ACTIVE before the first request', async () => {
    expect(await status(orders)).toBe('ACTIVE');
    expect(await status('shop-dev-sessions')).toBe('ACTIVE');
  });

  it('a table created at run time is CREATING, then ACTIVE (waitUntilTableExists); UPDATING on update; DELETING, then gone (waitUntilTableNotExists)', async () => {
    const TableName = 'made-at-run-time';
    const created = await client.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      }),
    );
    expect(created.TableDescription?.TableStatus).toBe('CREATING');
    expect(await status(TableName)).toBe('CREATING');
    await waitUntilTableExists(waiter(), { TableName });
    expect(await status(TableName)).toBe('ACTIVE');

    await client.send(
      new UpdateTableCommand({ TableName, ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 } }),
    );
    expect(await status(TableName)).toBe('UPDATING');
    await waitUntilTableExists(waiter(), { TableName });
    expect(await status(TableName)).toBe('ACTIVE');

    const deleted = await client.send(new DeleteTableCommand({ TableName }));
    expect(deleted.TableDescription?.TableStatus).toBe('DELETING');
    expect(await status(TableName)).toBe('DELETING');
    await waitUntilTableNotExists(waiter(), { TableName });
    await expect(status(TableName)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
