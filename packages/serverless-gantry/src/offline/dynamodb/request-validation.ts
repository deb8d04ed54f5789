import { createRequire } from 'node:module';
import type { Answer } from './transactions.js';

type Json = Record<string, unknown>;
type Types = Record<string, unknown>;
interface OperationRules {
  types: Types;
  custom?: (data: Json) => string | undefined;
}

// dynalite checks each request as DynamoDB does (member types → SerializationException, constraints
// → ValidationException, with DynamoDB's messages). Its checker is reused rather than rewritten, so
// the endpoint's answers and dynalite's cannot differ; dynalite is pinned, and these modules are
// plain CommonJS files it loads itself for every request.
const require = createRequire(import.meta.url);
const checker = require('dynalite/validations/index.js') as {
  checkTypes(data: Json, types: Types): Json;
  checkValidations(data: Json, types: Types, custom: OperationRules['custom'], store: unknown): void;
};
const dynaliteRules = (operation: string) =>
  require(`dynalite/validations/${operation[0]?.toLowerCase()}${operation.slice(1)}.js`) as OperationRules;

/** The operations dynalite serves (its `validOperations`): it checks their bodies itself. */
export const DYNALITE_OPERATIONS = new Set([
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'ListTagsOfResource',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'UpdateItem',
  'UpdateTable',
]);

const pick = (types: Types, names: string[], extra: Types = {}): Types => ({
  ...Object.fromEntries(names.map((name) => [name, types[name]])),
  ...extra,
});
const notNull = (type: unknown) => ({ ...(type as object), notNull: true });
const struct = (name: string, children: Types) => ({ type: `FieldStruct<${name}>`, children });
const onFailure = { type: 'String', enum: ['ALL_OLD', 'NONE'] };
const expression = ['ExpressionAttributeNames', 'ExpressionAttributeValues'];

// The members of TransactWriteItems / TransactGetItems and UpdateTimeToLive as DynamoDB's API
// reference lists them, built from dynalite's rules for the single-item calls they are made of.
function gantryRules(): Record<string, OperationRules> {
  const put = dynaliteRules('PutItem').types;
  const update = dynaliteRules('UpdateItem').types;
  const remove = dynaliteRules('DeleteItem').types;
  const get = dynaliteRules('GetItem').types;
  const transactItems = (member: Types, max: number) => ({
    type: 'List',
    notNull: true,
    lengthGreaterThanOrEqual: 1,
    lengthLessThanOrEqual: max,
    children: { type: 'ValueStruct<TransactItem>', notNull: true, children: member },
  });
  const capacity = pick(put, ['ReturnConsumedCapacity']);
  const writeItems = {
    ConditionCheck: struct(
      'ConditionCheck',
      pick(remove, ['TableName', 'Key', ...expression], {
        ConditionExpression: { type: 'String', notNull: true },
        ReturnValuesOnConditionCheckFailure: onFailure,
      }),
    ),
    Put: struct(
      'Put',
      pick(put, ['TableName', 'Item', 'ConditionExpression', ...expression], {
        ReturnValuesOnConditionCheckFailure: onFailure,
      }),
    ),
    Delete: struct(
      'Delete',
      pick(remove, ['TableName', 'Key', 'ConditionExpression', ...expression], {
        ReturnValuesOnConditionCheckFailure: onFailure,
      }),
    ),
    Update: struct(
      'Update',
      pick(update, ['TableName', 'Key', 'ConditionExpression', ...expression], {
        UpdateExpression: notNull(update.UpdateExpression),
        ReturnValuesOnConditionCheckFailure: onFailure,
      }),
    ),
  };
  return {
    TransactWriteItems: {
      types: {
        ...capacity,
        ...pick(put, ['ReturnItemCollectionMetrics']),
        ClientRequestToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 36 },
        TransactItems: transactItems(writeItems, 100),
      },
      custom: (data) => {
        for (const item of data.TransactItems as Json[]) {
          if (Object.keys(item).length !== 1)
            return 'TransactItems can only contain one of Check, Put, Update or Delete';
        }
        return undefined;
      },
    },
    TransactGetItems: {
      types: {
        ...capacity,
        TransactItems: transactItems(
          {
            Get: notNull(
              struct('Get', pick(get, ['TableName', 'Key', 'ProjectionExpression', 'ExpressionAttributeNames'])),
            ),
          },
          100,
        ),
      },
    },
    UpdateTimeToLive: {
      types: {
        TableName: dynaliteRules('DescribeTimeToLive').types.TableName,
        TimeToLiveSpecification: notNull(
          struct('TimeToLiveSpecification', {
            AttributeName: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 255 },
            Enabled: { type: 'Boolean', notNull: true },
          }),
        ),
      },
    },
  };
}

// Members of dynalite's operations that dynalite does not know, as DynamoDB's API reference lists them.
const ADDED_MEMBERS: Record<string, Types> = {
  PutItem: { ReturnValuesOnConditionCheckFailure: onFailure },
  UpdateItem: { ReturnValuesOnConditionCheckFailure: onFailure },
  DeleteItem: { ReturnValuesOnConditionCheckFailure: onFailure },
};

const rules: Record<string, OperationRules> = {
  ...Object.fromEntries([...DYNALITE_OPERATIONS].map((operation) => [operation, dynaliteRules(operation)])),
  ...gantryRules(),
};

/** The operations whose bodies the endpoint can check: dynalite's and the ones Gantry answers itself. */
export const isCheckedOperation = (operation: string) => Object.hasOwn(rules, operation);

export type Validated =
  | { body: Json; answer?: undefined }
  /** `unsafe`: dynalite's own checks would throw on this body (or miss what is wrong), so it must never be handed to it. */
  | { answer: Answer; body?: undefined; unsafe?: boolean };

// What dynalite's cross-member rules read of its store: the item size limit and the account.
const RULES_STORE = { options: { maxItemSize: 400 * 1024 }, tableDb: { awsAccountId: '000000000000' } };

/**
 * Checks a request body as DynamoDB does before it runs anything: member types, constraints, and
 * for the operations Gantry answers itself the cross-member rules. Returns the body with its members typed (unknown members
 * dropped), or DynamoDB's 400 answer. An error that is not DynamoDB's answer is thrown, for the
 * request boundary to catch.
 */
export function validateRequest(operation: string, body: unknown): Validated {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { answer: serializationError(), unsafe: true };
  }
  const rule = rules[operation];
  if (!rule) return { body: body as Json };
  try {
    // checkTypes deletes unknown and null members from what it is given: give it a copy.
    const typed = checker.checkTypes(structuredClone(body as Json), rule.types);
    // It keeps nulls inside maps and lists (`Key: {"id": null}`), on which dynalite's own rules
    // throw: DynamoDB refuses them as it refuses any null member.
    const at = nullMember(typed);
    if (at) {
      const message = `1 validation error detected: Value null at '${at}' failed to satisfy constraint: Member must not be null`;
      return {
        unsafe: true,
        answer: { status: 400, body: { __type: 'com.amazon.coral.validate#ValidationException', message } },
      };
    }
    // Cross-member rules (expressions parsed, item sizes) cost ~50 µs a body: they run here for
    // the operations the endpoint answers itself; dynalite runs them for its own.
    checker.checkValidations(
      typed,
      rule.types,
      DYNALITE_OPERATIONS.has(operation) ? undefined : rule.custom,
      RULES_STORE,
    );
    // Members DynamoDB has and dynalite does not know (it drops them): checked here, and the
    // answer always sent by the endpoint, since dynalite would accept the body.
    const extra = ADDED_MEMBERS[operation];
    if (extra) {
      const added = Object.fromEntries(Object.keys(extra).map((name) => [name, (body as Json)[name]]));
      let checked: Json;
      try {
        checked = checker.checkTypes(added, extra);
        checker.checkValidations(checked, extra, undefined, RULES_STORE);
      } catch (error) {
        const { statusCode, body: answer } = error as { statusCode?: number; body?: Json };
        if (statusCode && answer) return { answer: { status: statusCode, body: answer }, unsafe: true };
        throw error;
      }
      Object.assign(typed, checked);
    }
    return { body: typed };
  } catch (error) {
    const { statusCode, body: answer } = error as { statusCode?: number; body?: Json };
    if (statusCode && answer) return { answer: { status: statusCode, body: answer } };
    throw error;
  }
}

/** Where the first null inside a map or list is, in DynamoDB's notation (`transactItems.1.member`). */
function nullMember(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, member] of value.entries()) {
      const at = `${path}.${i + 1}.member`;
      if (member === null) return at.slice(1);
      const inner = nullMember(member, at);
      if (inner) return inner;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [name, member] of Object.entries(value)) {
      const at = `${path}.${path && /^[A-Z]/.test(name) ? name[0]?.toLowerCase() + name.slice(1) : name}`;
      if (member === null) return at.slice(1);
      const inner = nullMember(member, at);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** DynamoDB's answer to a body that is not a JSON object. */
export const serializationError = (): Answer => ({
  status: 400,
  body: { __type: 'com.amazon.coral.service#SerializationException' },
});
