import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type TableDefinition, tableEnvVar } from '@gantry/decorators';
import { BadRequestError, ConflictError } from '../http-errors.js';
import { documentClient } from './client.js';
import { explainDenial } from './table-access-error.js';

export type Item = Record<string, unknown>;
export type Key = Record<string, string | number | Uint8Array>;

/** A condition in DynamoDB's expression language, with its names and values. */
export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface QueryInput {
  /** A global secondary index of the table; its keys are used. */
  index?: string;
  /** The partition key's value. */
  partition: string | number;
  /** A condition on the sort key. */
  sort?:
    | { equals: string | number }
    | { beginsWith: string }
    | { between: [string | number, string | number] }
    | { lessThan: string | number }
    | { greaterThan: string | number };
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
  /** Newest first, for a sort key that orders by time. */
  descending?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Pass to the next query; absent on the last page. */
  cursor?: string;
}

export interface TableClientOptions {
  /** Defaults to the container's shared client. */
  client?: DynamoDBDocumentClient;
  /**
   * Leave out items whose TTL (the table's `ttl` attribute, epoch seconds) has passed, on get,
   * query and batchGet. DynamoDB deletes expired items only within a few days and serves them until
   * then; this is the filter AWS documents for reads that must not see them. Default false.
   */
  excludeExpired?: boolean;
}

const BATCH_GET = 100;
const BATCH_WRITE = 25;
const MAX_BATCH_ATTEMPTS = 8;

/**
 * A small typed client for one Gantry table, over @aws-sdk/lib-dynamodb (which does all the
 * marshalling). The table name comes from the environment the plugin sets; a failed condition
 * becomes a ConflictError (409) that carries the key.
 *
 * @example
 * const notes = tableClient<Note>(Notes);
 * await notes.put(note, { ifNotExists: true });
 * const { items, cursor } = await notes.query({ index: 'byOwner', partition: owner, limit: 20 });
 */
export function tableClient<T extends Item>(table: TableDefinition, options: TableClientOptions = {}) {
  const client = () => options.client ?? documentClient();
  const envVar = tableEnvVar(table);
  const tableName = () => {
    const name = process.env[envVar];
    if (!name) {
      throw new Error(
        `Table '${table.name}': ${envVar} is not set. Declare @uses(${table.name}, ...) on the method, or set it when running outside Gantry.`,
      );
    }
    return name;
  };
  const ttl = options.excludeExpired ? table.ttl : undefined;
  if (options.excludeExpired && !ttl) {
    throw new Error(
      `Table '${table.name}' declares no ttl: excludeExpired needs one. Add ttl: '<attribute>' to table('${table.name}', ...) or drop excludeExpired.`,
    );
  }
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  /** Whether an item read is past its TTL (and should not be seen). */
  const expired = (item: Item | undefined) =>
    ttl !== undefined && typeof item?.[ttl] === 'number' && (item[ttl] as number) < nowSeconds();
  const keyOf = (item: Item): Key => {
    const key: Key = { [table.partitionKey.name]: item[table.partitionKey.name] as string };
    if (table.sortKey) key[table.sortKey.name] = item[table.sortKey.name] as string;
    return key;
  };

  /** Every call goes through here: a denied one says which `@uses` level it needs. */
  const send = <R>(action: string, run: () => Promise<R>) => explainDenial(table, tableName(), action, run);

  async function conditional<R>(key: Key, run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
        // The item as it was, when the call asked for it (the SDK leaves it in DynamoDB's JSON form).
        const old = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
        const current = old ? unmarshall(old) : undefined;
        throw new ConflictError(`The condition failed for ${JSON.stringify(key)} in table '${table.name}'.`, {
          cause: error,
          details: { table: table.name, key, ...(current ? { current } : {}) },
        });
      }
      throw error;
    }
  }

  return {
    name: tableName,

    async get(key: Key, opts: { consistent?: boolean } = {}): Promise<T | undefined> {
      const out = await send('dynamodb:GetItem', () =>
        client().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: opts.consistent })),
      );
      return expired(out.Item) ? undefined : (out.Item as T | undefined);
    },

    /** Writes the item; `ifNotExists` makes it create-only (409 when the key exists). */
    async put(item: T, opts: { ifNotExists?: boolean; condition?: Condition } = {}): Promise<T> {
      const condition = opts.ifNotExists ? notExists(table.partitionKey.name) : opts.condition;
      await conditional(keyOf(item), () =>
        send('dynamodb:PutItem', () =>
          client().send(
            new PutCommand({
              TableName: tableName(),
              Item: item,
              ...expression(condition),
              ...(condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
            }),
          ),
        ),
      );
      return item;
    },

    /**
     * Sets (and removes) attributes of an existing item and returns it as it is now; 409 when the
     * item does not exist or `condition` fails (`details.current`: the item as it is, if any).
     */
    async update(
      key: Key,
      // An attribute set to `undefined` is left as it is, so optional request fields can be passed on.
      changes: { set?: { [K in keyof T]?: T[K] | undefined }; remove?: (keyof T & string)[]; condition?: Condition },
    ): Promise<T> {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const sets: string[] = [];
      let i = 0;
      for (const [name, value] of Object.entries(changes.set ?? {})) {
        if (value === undefined) continue;
        names[`#s${i}`] = name;
        values[`:s${i}`] = value;
        sets.push(`#s${i} = :s${i}`);
        i++;
      }
      const removes = (changes.remove ?? []).map((name, j) => {
        names[`#r${j}`] = name;
        return `#r${j}`;
      });
      const clauses = [
        sets.length ? `SET ${sets.join(', ')}` : '',
        removes.length ? `REMOVE ${removes.join(', ')}` : '',
      ];
      const exists = notExists(table.partitionKey.name, 'exists');
      const condition = changes.condition
        ? { ...changes.condition, expression: `(${exists.expression}) AND (${changes.condition.expression})` }
        : exists;
      const out = await conditional(key, () =>
        send('dynamodb:UpdateItem', () =>
          client().send(
            new UpdateCommand({
              TableName: tableName(),
              Key: key,
              UpdateExpression: clauses.filter(Boolean).join(' '),
              ConditionExpression: condition.expression,
              ExpressionAttributeNames: { ...names, ...exists.names, ...changes.condition?.names },
              ...(Object.keys(values).length || changes.condition?.values
                ? { ExpressionAttributeValues: { ...values, ...changes.condition?.values } }
                : {}),
              ReturnValues: 'ALL_NEW',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        ),
      );
      return out.Attributes as T;
    },

    /**
     * Deletes the item and returns what was there; `ifExists` makes a missing item a 409. When a
     * condition fails, the ConflictError's `details.current` is the item as it is (absent: no item).
     */
    async delete(key: Key, opts: { ifExists?: boolean; condition?: Condition } = {}): Promise<T | undefined> {
      const condition = opts.ifExists ? notExists(table.partitionKey.name, 'exists') : opts.condition;
      const out = await conditional(key, () =>
        send('dynamodb:DeleteItem', () =>
          client().send(
            new DeleteCommand({
              TableName: tableName(),
              Key: key,
              ...expression(condition),
              ReturnValues: 'ALL_OLD',
              ...(condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
            }),
          ),
        ),
      );
      return out.Attributes as T | undefined;
    },

    async query(input: QueryInput): Promise<Page<T>> {
      const keys = input.index ? table.indexes?.[input.index] : table;
      if (!keys) throw new Error(`Table '${table.name}' has no index '${input.index}'.`);
      const names: Record<string, string> = { '#pk': keys.partitionKey.name, ...(ttl ? { '#ttl': ttl } : {}) };
      const values: Record<string, unknown> = { ':pk': input.partition, ...(ttl ? { ':now': nowSeconds() } : {}) };
      let keyCondition = '#pk = :pk';
      if (input.sort) {
        if (!keys.sortKey)
          throw new Error(`Table '${table.name}'${input.index ? ` index '${input.index}'` : ''} has no sort key.`);
        names['#sk'] = keys.sortKey.name;
        keyCondition += ` AND ${sortCondition(input.sort, values)}`;
      }
      const out = await send('dynamodb:Query', () =>
        client().send(
          new QueryCommand({
            TableName: tableName(),
            IndexName: input.index,
            KeyConditionExpression: keyCondition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            Limit: input.limit,
            ScanIndexForward: !input.descending,
            ExclusiveStartKey: input.cursor ? decodeCursor(input.cursor) : undefined,
            // Expired items filtered out by DynamoDB (after Limit, as any filter): a missing or
            // non-number TTL compares false, so such items stay.
            ...(ttl ? { FilterExpression: 'NOT (#ttl < :now)' } : {}),
          }),
        ),
      );
      const page: Page<T> = { items: (out.Items ?? []) as T[] };
      if (out.LastEvaluatedKey) page.cursor = encodeCursor(out.LastEvaluatedKey);
      return page;
    },

    /** Reads many keys (in batches of 100, retrying unprocessed keys); order is not kept. */
    async batchGet(keys: Key[]): Promise<T[]> {
      const items: T[] = [];
      const name = tableName();
      await inBatches(keys, BATCH_GET, `batchGet in '${table.name}'`, async (pending) => {
        const out = await send('dynamodb:BatchGetItem', () =>
          client().send(new BatchGetCommand({ RequestItems: { [name]: { Keys: pending } } })),
        );
        items.push(...((out.Responses?.[name] ?? []) as T[]).filter((item) => !expired(item)));
        return (out.UnprocessedKeys?.[name]?.Keys ?? []) as Key[];
      });
      return items;
    },

    /** Puts and deletes many items (in batches of 25, retrying unprocessed ones); not atomic. */
    async batchWrite(writes: { put?: T[]; delete?: Key[] }): Promise<void> {
      const requests = [
        ...(writes.put ?? []).map((item) => ({ PutRequest: { Item: item } })),
        ...(writes.delete ?? []).map((key) => ({ DeleteRequest: { Key: key } })),
      ];
      const name = tableName();
      await inBatches(requests, BATCH_WRITE, `batchWrite in '${table.name}'`, async (pending) => {
        const out = await send('dynamodb:BatchWriteItem', () =>
          client().send(new BatchWriteCommand({ RequestItems: { [name]: pending } })),
        );
        return (out.UnprocessedItems?.[name] ?? []) as typeof pending;
      });
    },
  };
}

export type TableClient<T extends Item> = ReturnType<typeof tableClient<T>>;

function notExists(partitionKey: string, mode: 'not' | 'exists' = 'not'): Condition {
  return {
    expression: mode === 'not' ? 'attribute_not_exists(#gantryPk)' : 'attribute_exists(#gantryPk)',
    names: { '#gantryPk': partitionKey },
  };
}

function expression(condition: Condition | undefined) {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
    ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
  };
}

function sortCondition(sort: NonNullable<QueryInput['sort']>, values: Record<string, unknown>): string {
  if ('between' in sort) {
    values[':sk'] = sort.between[0];
    values[':sk2'] = sort.between[1];
    return '#sk BETWEEN :sk AND :sk2';
  }
  const [operator, value] =
    'equals' in sort
      ? ['=', sort.equals]
      : 'lessThan' in sort
        ? ['<', sort.lessThan]
        : 'greaterThan' in sort
          ? ['>', sort.greaterThan]
          : ['begins_with', sort.beginsWith];
  values[':sk'] = value;
  return operator === 'begins_with' ? 'begins_with(#sk, :sk)' : `#sk ${operator} :sk`;
}

const encodeCursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key === 'object' && key !== null && !Array.isArray(key)) return key;
  } catch {}
  throw new BadCursorError();
}

class BadCursorError extends BadRequestError {
  constructor() {
    super('The cursor is not one this API returned.', { code: 'bad_cursor' });
  }
}

/**
 * Sends `all` in chunks of `size`; each chunk's unprocessed part (DynamoDB's answer under load) is
 * sent again with exponential backoff, up to MAX_BATCH_ATTEMPTS times.
 */
async function inBatches<R>(all: R[], size: number, what: string, send: (pending: R[]) => Promise<R[]>): Promise<void> {
  for (let start = 0; start < all.length; start += size) {
    let pending = all.slice(start, start + size);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`${what}: ${pending.length} still unprocessed.`);
      if (attempt > 0) await backoff(attempt);
      pending = await send(pending);
    }
  }
}

const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
