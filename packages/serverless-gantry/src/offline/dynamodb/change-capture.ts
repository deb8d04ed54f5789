import type { Agent } from 'node:http';
import type { LocalStream, StreamStore } from './stream-store.js';
import { callDynamo } from './wire.js';

type Json = Record<string, unknown>;

/** An item a write may change, on a table with a stream. */
export interface CaptureTarget {
  stream: LocalStream;
  key: Json;
}

export interface CaptureContext {
  upstream: URL;
  agent: Agent;
  streams: StreamStore;
  region: string;
}

/**
 * The items of a write request on tables with a stream: PutItem, UpdateItem and DeleteItem, each
 * put or delete of BatchWriteItem, each Put, Update or Delete of TransactWriteItems. Empty for any
 * other request and for tables without a stream.
 */
export function captureTargets(operation: string, request: Json, streams: StreamStore): CaptureTarget[] {
  const target = (table: unknown, item: unknown): CaptureTarget[] => {
    const stream = typeof table === 'string' ? streams.active(table) : undefined;
    if (!stream || typeof item !== 'object' || item === null) return [];
    return [{ stream, key: keyOf(stream, item as Json) }];
  };
  switch (operation) {
    case 'PutItem':
      return target(request.TableName, request.Item);
    case 'UpdateItem':
    case 'DeleteItem':
      return target(request.TableName, request.Key);
    case 'BatchWriteItem':
      return Object.entries((request.RequestItems ?? {}) as Record<string, Json[]>).flatMap(([table, writes]) =>
        (Array.isArray(writes) ? writes : []).flatMap((write) => {
          const put = write?.PutRequest as Json | undefined;
          const remove = write?.DeleteRequest as Json | undefined;
          return target(table, put ? put.Item : remove?.Key);
        }),
      );
    case 'TransactWriteItems':
      return ((request.TransactItems ?? []) as Json[]).flatMap((item) => {
        const [kind, detail] = (Object.entries(item ?? {})[0] ?? []) as [string, Json | undefined];
        if (!detail || kind === 'ConditionCheck') return [];
        return target(detail.TableName, kind === 'Put' ? detail.Item : detail.Key);
      });
    default:
      return [];
  }
}

/**
 * Runs a write and appends a stream record for each target it changed, in order. The caller holds
 * the endpoint's lock alone, so the images read before and after are the write's own. An item the
 * write left as it was (a failed condition, a put of the same item, a delete of a missing one, a
 * rolled-back transaction) gets no record, as on DynamoDB. What the caller receives is the write's
 * answer, untouched.
 */
export async function writeWithChangeRecords<T>(
  context: CaptureContext,
  targets: CaptureTarget[],
  write: () => Promise<T>,
  succeeded: (result: T) => boolean,
): Promise<T> {
  if (targets.length === 0) return write();
  const before: (Json | undefined)[] = [];
  for (const { stream, key } of targets) before.push(await readItem(context, stream.table, key));
  const result = await write();
  if (!succeeded(result)) return result;
  for (const [i, { stream, key }] of targets.entries()) {
    const after = await readItem(context, stream.table, key);
    const old = before[i];
    if (sameItem(old, after)) continue;
    context.streams.append(stream, { keys: key, oldImage: old, newImage: after }, context.region);
  }
  return result;
}

/** Records an item the TTL sweep deleted: a REMOVE whose user is DynamoDB's own service. */
export function recordExpiry(context: CaptureContext, table: string, item: Json): void {
  const stream = context.streams.active(table);
  if (!stream) return;
  context.streams.append(stream, { keys: keyOf(stream, item), oldImage: item, byTtl: true }, context.region);
}

/** The key attributes of an item (or of a request's `Key`), in the table's key schema order. */
function keyOf(stream: LocalStream, item: Json): Json {
  return Object.fromEntries(
    stream.keySchema
      .filter((k) => item[k.AttributeName] !== undefined)
      .map((k) => [k.AttributeName, item[k.AttributeName]]),
  );
}

async function readItem({ upstream, agent }: CaptureContext, table: string, key: Json): Promise<Json | undefined> {
  const got = await callDynamo(upstream, agent, 'GetItem', { TableName: table, Key: key, ConsistentRead: true });
  return got.status === 200 ? (got.body.Item as Json | undefined) : undefined;
}

/** Whether two items are the same to DynamoDB: map members in any order, set members in any order. */
export function sameItem(a: Json | undefined, b: Json | undefined): boolean {
  if (!a || !b) return a === b;
  return canonical({ M: a }) === canonical({ M: b });
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const object = value as Json;
  const [type] = Object.keys(object);
  // String, number and binary sets are unordered.
  if ((type === 'SS' || type === 'NS' || type === 'BS') && Array.isArray(object[type])) {
    return `{"${type}":${JSON.stringify([...(object[type] as string[])].sort())}}`;
  }
  const entries = Object.keys(object)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${canonical(object[name])}`);
  return `{${entries.join(',')}}`;
}
