import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ExecuteStatementCommand,
  TransactionCanceledException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/manifest.js';
import { type LocalRun, localAccessKey, startLocalRun } from '../src/offline/run/local-run.js';
import { localRunOptions } from './support/local-run.js';
import { waitUntil } from './support/wait.js';

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
      uses: [{ table: 'orders', access: 'write' }],
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
      ttl: 'expiresAt',
      source: 'src/t.ts',
    },
  ],
};

function clients(run: LocalRun, accessKeyId = 'my-shell') {
  const client = new DynamoDBClient({
    endpoint: run.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId, secretAccessKey: 'x' },
  });
  return { client, documents: DynamoDBDocumentClient.from(client) };
}

async function start(
  extra: { persist?: string; ttlSweepMs?: number; ttlDeleteAfterMs?: number; denyUnidentified?: boolean } = {},
) {
  return startLocalRun(
    localRunOptions(manifest, {
      persist: extra.persist,
      denyUnidentified: extra.denyUnidentified ?? false,
      ttlSweepMs: extra.ttlSweepMs ?? 60_000,
      ttlDeleteAfterMs: extra.ttlDeleteAfterMs,
    }),
  );
}

describe("the local DynamoDB fills dynalite's gaps", () => {
  let run: LocalRun;
  let db: ReturnType<typeof clients>;
  const orders = 'shop-dev-orders';
  const get = async (id: string) => (await db.documents.send(new GetCommand({ TableName: orders, Key: { id } }))).Item;

  beforeAll(async () => {
    // Expired items deleted at the first sweep after expiry (the default keeps them two days).
    run = await start({ ttlSweepMs: 300, ttlDeleteAfterMs: 0 });
    db = clients(run);
  });
  afterAll(async () => {
    db.client.destroy();
    await run.stop();
  });

  it('commits a transaction: puts, updates, deletes and condition checks, all at once', async () => {
    await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'b', n: 1 } }));
    await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'c', n: 1 } }));
    await db.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: orders, Item: { id: 'a', n: 1 }, ConditionExpression: 'attribute_not_exists(id)' } },
          {
            Update: {
              TableName: orders,
              Key: { id: 'b' },
              UpdateExpression: 'SET n = n + :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
          { Delete: { TableName: orders, Key: { id: 'c' } } },
          {
            ConditionCheck: {
              TableName: orders,
              Key: { id: 'ghost' },
              ConditionExpression: 'attribute_not_exists(id)',
            },
          },
        ],
      }),
    );
    expect(await get('a')).toEqual({ id: 'a', n: 1 });
    expect(await get('b')).toEqual({ id: 'b', n: 2 });
    expect(await get('c')).toBeUndefined();
    expect(await get('ghost')).toBeUndefined(); // a condition check leaves nothing behind
  });

  it('cancels the whole transaction when a condition fails, with a reason per item', async () => {
    const error = await db.documents
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: orders, Item: { id: 'new-1' } } },
            {
              Put: {
                TableName: orders,
                Item: { id: 'a', n: 99 },
                ConditionExpression: 'attribute_not_exists(id)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Update: {
                TableName: orders,
                Key: { id: 'b' },
                UpdateExpression: 'SET n = :z',
                ExpressionAttributeValues: { ':z': 0 },
              },
            },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { id: { S: 'a' }, n: { N: '1' } },
      },
      { Code: 'None' },
    ]);
    expect(await get('new-1')).toBeUndefined();
    expect(await get('a')).toEqual({ id: 'a', n: 1 });
    expect(await get('b')).toEqual({ id: 'b', n: 2 });
  });

  it('commits a transaction once per ClientRequestToken; the token with other parameters is refused', async () => {
    const transaction = (n: number) =>
      new TransactWriteCommand({
        ClientRequestToken: 'order-42',
        TransactItems: [
          {
            Update: {
              TableName: orders,
              Key: { id: 'tok' },
              UpdateExpression: 'ADD n :n',
              ExpressionAttributeValues: { ':n': n },
            },
          },
        ],
      });
    await db.documents.send(transaction(1));
    await db.documents.send(transaction(1)); // a retry: answered, not applied again
    expect(await get('tok')).toEqual({ id: 'tok', n: 1 });
    await expect(db.documents.send(transaction(2))).rejects.toMatchObject({
      name: 'IdempotentParameterMismatchException',
    });
    expect(await get('tok')).toEqual({ id: 'tok', n: 1 });
  });

  it('refuses two operations on one item, as DynamoDB does', async () => {
    await expect(
      db.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: orders, Item: { id: 'x' } } },
            { Delete: { TableName: orders, Key: { id: 'x' } } },
          ],
        }),
      ),
    ).rejects.toThrow('Transaction request cannot include multiple operations on one item');
  });

  it('reads a transaction of gets, in order, empty for a missing item', async () => {
    const out = await db.documents.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: orders, Key: { id: 'b' } } },
          { Get: { TableName: orders, Key: { id: 'nope' } } },
        ],
      }),
    );
    expect(out.Responses).toEqual([{ Item: { id: 'b', n: 2 } }, {}]);
  });

  it("checks each transaction item against the function's policy", async () => {
    const fn = clients(run, localAccessKey('checkout'));
    await fn.documents.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: orders, Item: { id: 'by-fn' } } }] }),
    );
    await expect(
      fn.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: orders, Item: { id: 'by-fn-2' } } },
            { Put: { TableName: 'shop-dev-sessions', Item: { token: 't' } } },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        'dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:000000000000:table/shop-dev-sessions',
      ),
    });
    expect(await get('by-fn-2')).toBeUndefined();
    fn.client.destroy();
  });

  it('has TTL on for tables declared with ttl, and answers UpdateTimeToLive / DescribeTimeToLive', async () => {
    expect(
      (await db.client.send(new DescribeTimeToLiveCommand({ TableName: 'shop-dev-sessions' }))).TimeToLiveDescription,
    ).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
    expect((await db.client.send(new DescribeTimeToLiveCommand({ TableName: orders }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'DISABLED',
    });
    await db.client.send(
      new UpdateTimeToLiveCommand({
        TableName: orders,
        TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true },
      }),
    );
    // ENABLING for a moment (as on AWS, where it takes up to an hour), then ENABLED.
    await waitUntil(
      async () =>
        (await db.client.send(new DescribeTimeToLiveCommand({ TableName: orders }))).TimeToLiveDescription
          ?.TimeToLiveStatus === 'ENABLED',
      'TTL on orders to become ENABLED',
    );
  });

  it('deletes expired items in the background and keeps the rest', async () => {
    const now = Math.floor(Date.now() / 1000);
    await db.documents.send(
      new PutCommand({ TableName: 'shop-dev-sessions', Item: { token: 'old', expiresAt: now - 10 } }),
    );
    await db.documents.send(
      new PutCommand({ TableName: 'shop-dev-sessions', Item: { token: 'fresh', expiresAt: now + 3600 } }),
    );
    await db.documents.send(
      new PutCommand({ TableName: 'shop-dev-sessions', Item: { token: 'text', expiresAt: 'not a number' } }),
    );
    const read = async (token: string) =>
      (await db.documents.send(new GetCommand({ TableName: 'shop-dev-sessions', Key: { token } }))).Item;
    await waitUntil(async () => (await read('old')) === undefined, 'the sweep to delete the expired item');
    expect(await read('old')).toBeUndefined();
    expect(await read('fresh')).toBeDefined();
    expect(await read('text')).toBeDefined();
  });

  it('returns the item as it was when a put, update or delete condition fails and ALL_OLD is asked', async () => {
    await db.documents.send(new PutCommand({ TableName: orders, Item: { id: 'v', version: 2 } }));
    const stale = { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 1 } };
    const old = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
    const attempts = [
      new PutCommand({ TableName: orders, Item: { id: 'v', version: 3 }, ...stale, ...old }),
      new UpdateCommand({ TableName: orders, Key: { id: 'v' }, UpdateExpression: 'SET n = :v', ...stale, ...old }),
      new DeleteCommand({ TableName: orders, Key: { id: 'v' }, ...stale, ...old }),
    ];
    for (const attempt of attempts) {
      const error = await db.documents.send(attempt as PutCommand).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', Item: { version: { N: '2' } } });
    }
    // Without ALL_OLD, DynamoDB sends no item; nor does the local endpoint.
    const plain = await db.documents
      .send(new PutCommand({ TableName: orders, Item: { id: 'v' }, ...stale }))
      .catch((e: unknown) => e);
    expect(plain).toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((plain as { Item?: unknown }).Item).toBeUndefined();
    expect(await get('v')).toEqual({ id: 'v', version: 2 });
  });

  it("answers PartiQL with DynamoDB's own error shape, saying it is not supported", async () => {
    await expect(
      db.client.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${orders}"` })),
    ).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining("ExecuteStatement is not supported by Gantry's local DynamoDB"),
    });
  });
});

describe('callers without a function identity', () => {
  it('are denied when offline.denyUnidentified is set, while functions keep their own rights', async () => {
    const run = await start({ denyUnidentified: true });
    const shell = clients(run, 'my-shell');
    const fn = clients(run, localAccessKey('checkout'));
    try {
      await expect(
        shell.documents.send(new GetCommand({ TableName: 'shop-dev-orders', Key: { id: 'x' } })),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining('denies callers without a function identity'),
      });
      await fn.documents.send(new PutCommand({ TableName: 'shop-dev-orders', Item: { id: 'x' } }));
    } finally {
      shell.client.destroy();
      fn.client.destroy();
      await run.stop();
    }
  });
});

describe('persistence', () => {
  it('keeps data and TTL settings across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-persist-'));
    try {
      const first = await start({ persist: dir });
      const a = clients(first);
      await a.documents.send(new PutCommand({ TableName: 'shop-dev-orders', Item: { id: 'kept' } }));
      await a.client.send(
        new UpdateTimeToLiveCommand({
          TableName: 'shop-dev-orders',
          TimeToLiveSpecification: { AttributeName: 'gone', Enabled: true },
        }),
      );
      a.client.destroy();
      await first.stop();

      const second = await start({ persist: dir });
      const b = clients(second);
      expect(
        (await b.documents.send(new GetCommand({ TableName: 'shop-dev-orders', Key: { id: 'kept' } }))).Item,
      ).toEqual({ id: 'kept' });
      expect(
        (await b.client.send(new DescribeTimeToLiveCommand({ TableName: 'shop-dev-orders' }))).TimeToLiveDescription
          ?.AttributeName,
      ).toBe('gone');
      b.client.destroy();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
