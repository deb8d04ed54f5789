import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/manifest.js';
import { type LocalRun, localAccessKey, startLocalRun } from '../src/offline/run/local-run.js';
import { callWire } from './support/dynamo-wire.js';
import { localRunOptions } from './support/local-run.js';

const orders = 'fuzz-dev-orders';
const manifest: Manifest = {
  service: 'fuzz',
  stage: 'dev',
  functions: [
    {
      name: 'worker',
      class: 'Worker',
      export: 'Worker',
      method: 'run',
      source: 'src/worker.ts',
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
      tableName: orders,
      envVar: 'GANTRY_TABLE_ORDERS',
      partitionKey: { name: 'id', type: 'S' },
      indexes: [],
      source: 'src/t.ts',
    },
  ],
};
const worker = localAccessKey('worker');

type Path = (string | number)[];
type Kind = 'string' | 'map' | 'list' | 'attr' | 'number' | 'boolean';
/** A member of a valid body, and what it is: where a mutation is sure to make the body invalid. */
interface Slot {
  path: Path;
  kind: Kind;
  /** Required: null or missing is invalid too. */
  required?: boolean;
  /** A key attribute, an item attribute or the table name: a 500 KB value there is invalid. */
  sized?: boolean;
}

const key = { id: { S: 'k' } };
const item = { id: { S: 'k' }, n: { N: '1' } };
const S = (path: Path, extra: Partial<Slot> = {}): Slot => ({ path, kind: 'string', required: true, ...extra });
const table = (prefix: Path = []) => S([...prefix, 'TableName'], { sized: true });
const keySlots = (prefix: Path): Slot[] => [
  { path: [...prefix, 'Key'], kind: 'map', required: true },
  { path: [...prefix, 'Key', 'id'], kind: 'attr', required: true, sized: true },
];
const itemSlots = (prefix: Path): Slot[] => [
  { path: [...prefix, 'Item'], kind: 'map', required: true },
  { path: [...prefix, 'Item', 'id'], kind: 'attr', required: true },
  { path: [...prefix, 'Item', 'n'], kind: 'attr', sized: true },
];

// Every operation the endpoint answers itself or checks against IAM: a valid body, and its slots.
const operations: Record<string, { body: Record<string, unknown>; slots: Slot[] }> = {
  GetItem: { body: { TableName: orders, Key: key }, slots: [table(), ...keySlots([])] },
  PutItem: { body: { TableName: orders, Item: item }, slots: [table(), ...itemSlots([])] },
  DeleteItem: { body: { TableName: orders, Key: key }, slots: [table(), ...keySlots([])] },
  UpdateItem: {
    body: {
      TableName: orders,
      Key: key,
      UpdateExpression: 'SET n = :n',
      ExpressionAttributeValues: { ':n': { N: '2' } },
    },
    slots: [
      table(),
      ...keySlots([]),
      { path: ['ExpressionAttributeValues'], kind: 'map', required: true },
      { path: ['ExpressionAttributeValues', ':n'], kind: 'attr', required: true },
    ],
  },
  Query: {
    body: { TableName: orders, KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': { S: 'k' } } },
    slots: [
      table(),
      S(['KeyConditionExpression']),
      { path: ['ExpressionAttributeValues'], kind: 'map', required: true },
      { path: ['ExpressionAttributeValues', ':id'], kind: 'attr', required: true },
    ],
  },
  Scan: { body: { TableName: orders, Limit: 5 }, slots: [table(), { path: ['Limit'], kind: 'number' }] },
  BatchGetItem: {
    body: { RequestItems: { [orders]: { Keys: [key] } } },
    slots: [
      { path: ['RequestItems'], kind: 'map', required: true },
      { path: ['RequestItems', orders], kind: 'map', required: true },
      { path: ['RequestItems', orders, 'Keys'], kind: 'list', required: true },
      { path: ['RequestItems', orders, 'Keys', 0, 'id'], kind: 'attr', required: true, sized: true },
    ],
  },
  BatchWriteItem: {
    body: { RequestItems: { [orders]: [{ PutRequest: { Item: item } }] } },
    slots: [
      { path: ['RequestItems'], kind: 'map', required: true },
      { path: ['RequestItems', orders], kind: 'list', required: true },
      { path: ['RequestItems', orders, 0, 'PutRequest'], kind: 'map', required: true },
      ...itemSlots(['RequestItems', orders, 0, 'PutRequest']),
    ],
  },
  TransactWriteItems: {
    body: {
      TransactItems: [
        { Put: { TableName: orders, Item: item } },
        {
          Update: {
            TableName: orders,
            Key: { id: { S: 'k2' } },
            UpdateExpression: 'SET n = :n',
            ExpressionAttributeValues: { ':n': { N: '1' } },
          },
        },
        {
          ConditionCheck: {
            TableName: orders,
            Key: { id: { S: 'k3' } },
            ConditionExpression: 'attribute_not_exists(id)',
          },
        },
      ],
    },
    slots: [
      { path: ['TransactItems'], kind: 'list', required: true },
      { path: ['TransactItems', 0], kind: 'map', required: true },
      { path: ['TransactItems', 0, 'Put'], kind: 'map', required: true },
      table(['TransactItems', 0, 'Put']),
      ...itemSlots(['TransactItems', 0, 'Put']),
      table(['TransactItems', 1, 'Update']),
      S(['TransactItems', 1, 'Update', 'UpdateExpression']),
      ...keySlots(['TransactItems', 1, 'Update']),
      S(['TransactItems', 2, 'ConditionCheck', 'ConditionExpression']),
      ...keySlots(['TransactItems', 2, 'ConditionCheck']),
    ],
  },
  TransactGetItems: {
    body: { TransactItems: [{ Get: { TableName: orders, Key: key } }] },
    slots: [
      { path: ['TransactItems'], kind: 'list', required: true },
      { path: ['TransactItems', 0], kind: 'map', required: true },
      { path: ['TransactItems', 0, 'Get'], kind: 'map', required: true },
      table(['TransactItems', 0, 'Get']),
      ...keySlots(['TransactItems', 0, 'Get']),
    ],
  },
  UpdateTimeToLive: {
    body: { TableName: orders, TimeToLiveSpecification: { AttributeName: 'expires', Enabled: false } },
    slots: [
      table(),
      { path: ['TimeToLiveSpecification'], kind: 'map', required: true },
      S(['TimeToLiveSpecification', 'AttributeName']),
      { path: ['TimeToLiveSpecification', 'Enabled'], kind: 'boolean', required: true },
    ],
  },
  DescribeTimeToLive: { body: { TableName: orders }, slots: [table()] },
};

// Values of another type than the member's (a string where a number goes, a list for an object...).
// Strings are not given to booleans: DynamoDB reads "true"/"yes" as booleans.
const text = fc.string({ maxLength: 8 });
const list = fc.array(fc.oneof(text, fc.integer(), fc.constant(null)), { maxLength: 3 });
const object = fc.dictionary(text, fc.oneof(text, fc.integer()), { maxKeys: 3 });
const wrongTypes: Record<Kind, fc.Arbitrary<unknown>> = {
  string: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), list, object),
  number: fc.oneof(text, fc.boolean(), list, object),
  boolean: fc.oneof(fc.integer(), list, object),
  map: fc.oneof(text, fc.integer(), fc.boolean(), list),
  list: fc.oneof(text, fc.integer(), fc.boolean(), object),
  attr: fc.oneof(text, fc.integer(), fc.boolean(), list),
};

type Mutation =
  | { type: 'wrong type' | 'null' | 'missing' | 'extra member' | 'huge value'; slot: number }
  | { type: 'truncated'; at: number };

const onSlot = (type: Exclude<Mutation['type'], 'truncated'>) => fc.nat().map((slot): Mutation => ({ type, slot }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  onSlot('wrong type'),
  onSlot('null'),
  onSlot('missing'),
  onSlot('extra member'),
  onSlot('huge value'),
  fc.double({ min: 0, max: 0.999, noNaN: true }).map((at): Mutation => ({ type: 'truncated', at })),
);

const HUGE = 'x'.repeat(500 * 1024); // over DynamoDB's 400 KB item and 2 KB key limits, and a table name's 255

/** Applies a mutation to a copy of the operation's valid body; returns the text to send. */
function malformed(operation: string, m: Mutation, wrong: (kind: Kind) => unknown): string {
  const { body, slots } = operations[operation] as (typeof operations)[string];
  const copy = structuredClone(body);
  const fits = slots.filter((slot) => {
    if (m.type === 'truncated') return false;
    if (m.type === 'null' || m.type === 'missing') return slot.required;
    // Unknown members are ignored (as DynamoDB does): an extra one is invalid only where it makes
    // an attribute value of two types or a write-transaction item of two operations.
    if (m.type === 'extra member') {
      const transactionItem = operation === 'TransactWriteItems' && slot.path.length === 2;
      return slot.kind === 'attr' || transactionItem;
    }
    if (m.type === 'huge value') return slot.sized;
    return true;
  });
  if (m.type === 'truncated' || fits.length === 0) {
    // Any proper prefix of a JSON object is malformed JSON.
    const json = JSON.stringify(copy);
    const at = m.type === 'truncated' ? m.at : (m.slot % 97) / 97;
    return json.slice(0, Math.max(1, Math.floor(at * json.length)));
  }
  const slot = fits[m.slot % fits.length] as Slot;
  const parent = slot.path
    .slice(0, -1)
    .reduce<Record<string | number, unknown>>((node, step) => node[step] as Record<string | number, unknown>, copy);
  const last = slot.path.at(-1) as string | number;
  switch (m.type) {
    case 'null':
      parent[last] = null;
      break;
    case 'missing':
      if (Array.isArray(parent)) parent.splice(Number(last), 1, {});
      else delete parent[last];
      break;
    case 'extra member':
      // Two types in one attribute value, or two operations in one transaction item.
      Object.assign(
        parent[last] as object,
        slot.kind === 'attr' ? { BOOL: true } : { Delete: { TableName: orders, Key: key } },
      );
      break;
    case 'huge value':
      parent[last] = slot.kind === 'attr' ? { S: HUGE } : HUGE;
      break;
    default:
      parent[last] = wrong(slot.kind);
  }
  return JSON.stringify(copy);
}

const callers = ['function (Authorization header)', 'function (presigned)', 'unsigned'] as const;
const DYNAMODB_ERROR = /^com\.amazon(aws)?\.[\w.]+#\w+$/;

describe('the local endpoint under malformed requests (fuzz)', () => {
  let run: LocalRun;
  let client: DynamoDBClient;
  beforeAll(async () => {
    run = await startLocalRun(localRunOptions(manifest));
    client = new DynamoDBClient({
      endpoint: run.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: worker, secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await run?.stop();
  });

  it("answers every malformed body with a 4xx in DynamoDB's shape, and the next normal call succeeds", async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(operations)),
        mutation,
        fc.constantFrom(...callers),
        fc.record(wrongTypes),
        async (operation, m, caller, wrong) => {
          const body = malformed(operation, m, (kind) => wrong[kind]);
          const answer = await callWire(run.endpoint, operation, body, {
            ...(caller === 'unsigned' ? {} : { accessKey: worker, presigned: caller === 'function (presigned)' }),
          });
          const label = `${operation} ${m.type} ${caller}: ${answer.status} ${answer.text.slice(0, 300)}\nbody: ${body.slice(0, 300)}`;
          expect(answer.status, label).toBeGreaterThanOrEqual(400);
          expect(answer.status, label).toBeLessThan(500);
          expect(String(answer.json?.__type), label).toMatch(DYNAMODB_ERROR);
          seen.set(`${m.type}`, (seen.get(m.type) ?? 0) + 1);
          // The endpoint still serves a normal call, from the same function.
          await DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: orders, Key: { id: 'k' } }));
        },
      ),
      { numRuns: 500 },
    );
    // Every kind of malformation was tried.
    expect([...seen.keys()].sort()).toEqual([
      'extra member',
      'huge value',
      'missing',
      'null',
      'truncated',
      'wrong type',
    ]);
  });
});
