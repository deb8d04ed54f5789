import { createRequire } from 'node:module';
import type { Answer } from './transactions.js';

type Json = Record<string, unknown>;

/** A table's key attribute names, and its secondary indexes' key attributes (by index name). */
export interface TableKeys {
  keys: string[];
  indexKeys: { index: string; attribute: string }[];
}

// dynalite's update-expression parser, reused so the endpoint reads an UpdateExpression exactly as
// dynalite then applies it (it sets `_updates` on what it is given).
const expressions = createRequire(import.meta.url)('dynalite/validations/index.js') as {
  validateExpressions(data: Json): string | undefined;
};

const PREFIX = 'One or more parameter values are not valid.';
const emptyKind = (value: unknown): string | undefined => {
  const attribute = value as { S?: unknown; B?: unknown } | null | undefined;
  if (attribute?.S === '') return 'string';
  if (attribute?.B === '') return 'binary';
  return undefined;
};
const invalid = (message: string): Answer => ({
  status: 400,
  body: { __type: 'com.amazon.coral.validate#ValidationException', message },
});

/**
 * DynamoDB refuses an empty string or binary as a secondary index key (dynalite accepts it, and the
 * item silently stays out of the index). Checks what PutItem, UpdateItem, BatchWriteItem and
 * TransactWriteItems write; answers DynamoDB's ValidationException (the whole transaction refused),
 * or undefined. An update is checked on the values it sets directly (`SET gsiKey = :value`, or
 * `AttributeUpdates`), the way DynamoDB checks an update before reading the item.
 */
export async function emptyIndexKey(
  operation: string,
  body: Json,
  tableKeys: (table: string) => Promise<TableKeys | undefined>,
): Promise<Answer | undefined> {
  const writes: { kind: 'put' | 'update'; table: string; detail: Json }[] = [];
  const asObject = (value: unknown): Json =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
  switch (operation) {
    case 'PutItem':
      writes.push({ kind: 'put', table: String(body.TableName), detail: body });
      break;
    case 'UpdateItem':
      writes.push({ kind: 'update', table: String(body.TableName), detail: body });
      break;
    case 'BatchWriteItem':
      for (const [table, requests] of Object.entries(asObject(body.RequestItems))) {
        for (const request of Array.isArray(requests) ? requests : []) {
          const put = asObject(asObject(request).PutRequest);
          if (put.Item) writes.push({ kind: 'put', table, detail: put });
        }
      }
      break;
    case 'TransactWriteItems':
      for (const item of Array.isArray(body.TransactItems) ? body.TransactItems : []) {
        const { Put, Update } = asObject(item);
        if (Put) writes.push({ kind: 'put', table: String(asObject(Put).TableName), detail: asObject(Put) });
        if (Update)
          writes.push({ kind: 'update', table: String(asObject(Update).TableName), detail: asObject(Update) });
      }
      break;
    default:
      return undefined;
  }
  for (const { kind, table, detail } of writes) {
    const keys = await tableKeys(table);
    if (!keys || keys.indexKeys.length === 0) continue;
    if (kind === 'put') {
      const item = asObject(detail.Item);
      for (const { index, attribute } of keys.indexKeys) {
        const empty = emptyKind(item[attribute]);
        if (empty) {
          return invalid(
            `${PREFIX} A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${empty} value. IndexName: ${index}, IndexKey: ${attribute}`,
          );
        }
      }
    } else {
      const set = setValues(detail);
      for (const { attribute } of keys.indexKeys) {
        const empty = emptyKind(set.get(attribute));
        if (empty) {
          return invalid(
            `${PREFIX} The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty ${empty} value.`,
          );
        }
      }
    }
  }
  return undefined;
}

/** The values an update sets top-level attributes to directly, by attribute name. */
function setValues(update: Json): Map<string, unknown> {
  const values = new Map<string, unknown>();
  if (typeof update.UpdateExpression === 'string') {
    const data: Json = {
      UpdateExpression: update.UpdateExpression,
      ExpressionAttributeNames: update.ExpressionAttributeNames,
      ExpressionAttributeValues: update.ExpressionAttributeValues,
    };
    try {
      if (expressions.validateExpressions(data)) return values; // not valid: dynalite answers it
    } catch {
      return values;
    }
    const sections = (data._updates as { sections?: { type: string; path: unknown[]; val: unknown }[] } | undefined)
      ?.sections;
    for (const section of sections ?? []) {
      if (section.type === 'set' && section.path.length === 1) values.set(String(section.path[0]), section.val);
    }
  }
  const legacy = update.AttributeUpdates;
  if (typeof legacy === 'object' && legacy !== null) {
    for (const [name, change] of Object.entries(legacy as Record<string, { Action?: string; Value?: unknown }>)) {
      if ((change?.Action ?? 'PUT') === 'PUT' && change?.Value) values.set(name, change.Value);
    }
  }
  return values;
}
