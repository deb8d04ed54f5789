import type { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { callDynamo, errorName, type WireResponse } from './wire.js';

type Json = Record<string, unknown>;

/** What the endpoint answers: a status and a DynamoDB JSON body. */
export interface Answer {
  status: number;
  body: Json;
}

const OK = (body: Json = {}): Answer => ({ status: 200, body });
// DynamoDB answers its request validation under the coral namespace, its other errors under the API's.
const clientError = (type: string, message: string, extra: Json = {}): Answer => ({
  status: 400,
  body: {
    __type:
      type === 'ValidationException' ? `com.amazon.coral.validate#${type}` : `com.amazonaws.dynamodb.v20120810#${type}`,
    message,
    ...extra,
  },
});
const NOOP_ATTRIBUTE = '#gantryTransactionNoop';

/**
 * TransactWriteItems, which dynalite lacks, done the way its guarantees read: all or nothing. The
 * caller holds the endpoint's lock alone. Every item's current version is read first; then each
 * write is applied with its own condition (a ConditionCheck as a no-op update with the condition);
 * if any condition fails, everything applied is put back as it was, and the answer is DynamoDB's
 * TransactionCanceledException with one cancellation reason per item, in order.
 */
export async function transactWrite(upstream: URL, agent: Agent, body: Json, keysOf: KeySchemas): Promise<Answer> {
  const items = (body.TransactItems as Json[] | undefined) ?? [];
  if (items.length === 0 || items.length > 100) {
    return clientError(
      'ValidationException',
      'Member must have length less than or equal to 100 and greater than or equal to 1: TransactItems',
    );
  }
  const operations: { kind: string; detail: Json; table: string; key: Json }[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const [kind, detail] = Object.entries(item)[0] as [string, Json];
    const table = String(detail.TableName);
    const key = kind === 'Put' ? await keysOf(table, detail.Item as Json) : (detail.Key as Json);
    if (!key) return clientError('ResourceNotFoundException', 'Requested resource not found');
    const id = `${table}\u0000${JSON.stringify(
      Object.keys(key)
        .sort()
        .map((name) => [name, key[name]]),
    )}`;
    if (seen.has(id)) {
      return clientError('ValidationException', 'Transaction request cannot include multiple operations on one item');
    }
    seen.add(id);
    operations.push({ kind, detail, table, key });
  }
  if (transactionSize(operations) > MAX_TRANSACTION_BYTES) {
    return clientError('ValidationException', 'Transaction request cannot be larger than 4 MB');
  }

  const before: (Json | undefined)[] = [];
  for (const op of operations) {
    const got = await callDynamo(upstream, agent, 'GetItem', {
      TableName: op.table,
      Key: op.key,
      ConsistentRead: true,
    });
    if (got.status !== 200) return { status: got.status, body: got.body };
    before.push(got.body.Item as Json | undefined);
  }

  const applied: number[] = [];
  const reasons: Json[] = [];
  let failure: WireResponse | undefined;
  for (const [i, op] of operations.entries()) {
    const result = await callDynamo(upstream, agent, ...writeFor(op));
    if (result.status === 200) {
      applied.push(i);
      reasons.push({ Code: 'None' });
    } else if (errorName(result.body) === 'ConditionalCheckFailedException') {
      const old = before[i];
      const wantsItem = op.detail.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old;
      reasons.push({
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(wantsItem ? { Item: old } : {}),
      });
    } else if (result.status === 400 && errorName(result.body) === 'ValidationException') {
      // A data error (ADD to a string, a bad document path): DynamoDB cancels the transaction and
      // names the item, whatever the other items' conditions did.
      reasons.push({ Code: 'ValidationError', Message: String(result.body.message ?? result.body.Message ?? '') });
    } else {
      failure ??= result;
      reasons.push({ Code: 'None' });
    }
  }

  const cancelled = reasons.some((r) => r.Code !== 'None');
  // Roll back what was applied when cancelled; after success, undo only the ConditionChecks' no-ops.
  for (const i of applied.reverse()) {
    const op = operations[i] as (typeof operations)[number];
    if (cancelled || op.kind === 'ConditionCheck') await restore(upstream, agent, op.table, op.key, before[i]);
  }
  // Anything else (the table gone meanwhile, a failure of the local DynamoDB) is answered as it came.
  if (failure) return { status: failure.status, body: failure.body };
  if (!cancelled) return OK({});
  const codes = reasons.map((r) => r.Code).join(', ');
  return clientError(
    'TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
    { CancellationReasons: reasons },
  );
}

/** TransactGetItems, read while the caller holds the endpoint's lock alone (a consistent snapshot). */
export async function transactGet(upstream: URL, agent: Agent, body: Json): Promise<Answer> {
  const items = (body.TransactItems as { Get: Json }[] | undefined) ?? [];
  if (items.length === 0 || items.length > 100) {
    return clientError(
      'ValidationException',
      'Member must have length less than or equal to 100 and greater than or equal to 1: TransactItems',
    );
  }
  const responses: Json[] = [];
  for (const { Get } of items) {
    const got = await callDynamo(upstream, agent, 'GetItem', { ...Get, ConsistentRead: true });
    if (got.status !== 200) return { status: got.status, body: got.body };
    responses.push(got.body.Item ? { Item: got.body.Item } : {});
  }
  return OK({ Responses: responses });
}

/** The key of an item given whole (Put), by its table's key schema; undefined when there is no such table. */
export type KeySchemas = (table: string, item: Json) => Promise<Json | undefined>;

function writeFor(op: { kind: string; detail: Json; table: string; key: Json }): [string, Json] {
  const { ReturnValuesOnConditionCheckFailure: _, ...detail } = op.detail;
  switch (op.kind) {
    case 'Put':
      return ['PutItem', detail];
    case 'Update':
      return ['UpdateItem', detail];
    case 'Delete':
      return ['DeleteItem', detail];
    default: {
      // A ConditionCheck: an update that changes nothing, made only if the condition holds.
      const names = { ...(detail.ExpressionAttributeNames as Json | undefined), [NOOP_ATTRIBUTE]: '__gantry_noop' };
      return [
        'UpdateItem',
        { ...detail, UpdateExpression: `REMOVE ${NOOP_ATTRIBUTE}`, ExpressionAttributeNames: names },
      ];
    }
  }
}

async function restore(upstream: URL, agent: Agent, table: string, key: Json, item: Json | undefined): Promise<void> {
  if (item) await callDynamo(upstream, agent, 'PutItem', { TableName: table, Item: item });
  else await callDynamo(upstream, agent, 'DeleteItem', { TableName: table, Key: key });
}

// DynamoDB's limit on the aggregate size of a transaction's items.
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
const itemSize = createRequire(import.meta.url)('dynalite/db/index.js').itemSize as (item: Json) => number;

/**
 * What a transaction writes, by DynamoDB's item size rules (dynalite's, reused): whole items for
 * Put, the key and the values given for the others.
 */
function transactionSize(operations: { kind: string; detail: Json; key: Json }[]): number {
  let total = 0;
  for (const { kind, detail, key } of operations) {
    if (kind === 'Put') total += itemSize((detail.Item ?? {}) as Json);
    else total += itemSize(key) + itemSize((detail.ExpressionAttributeValues ?? {}) as Json);
  }
  return total;
}

const TOKEN_LIFETIME_MS = 10 * 60_000;
// The SDK gives every transaction a token: keep memory bounded under a long load test.
const MAX_TOKENS = 10_000;

/**
 * TransactWriteItems' `ClientRequestToken`: for ten minutes after a transaction commits, the same
 * request with the same token is answered as it was and not applied again; the same token with
 * other parameters is refused. (The caller holds the lock alone, so no transaction with the token
 * can be in progress.)
 */
export function createIdempotencyTokens(now: () => number = Date.now) {
  const committed = new Map<string, { request: string; answer: Answer; expires: number }>();
  return async function once(body: Json, apply: () => Promise<Answer>): Promise<Answer> {
    const token = body.ClientRequestToken;
    if (typeof token !== 'string') return apply();
    // Insertion order is expiry order: drop expired tokens from the front.
    for (const [old, entry] of committed) {
      if (entry.expires > now() && committed.size < MAX_TOKENS) break;
      committed.delete(old);
    }
    const request = JSON.stringify(body);
    const seen = committed.get(token);
    if (seen) {
      if (seen.request === request) return seen.answer;
      return clientError(
        'IdempotentParameterMismatchException',
        'DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.',
      );
    }
    const answer = await apply();
    if (answer.status === 200) committed.set(token, { request, answer, expires: now() + TOKEN_LIFETIME_MS });
    return answer;
  };
}
