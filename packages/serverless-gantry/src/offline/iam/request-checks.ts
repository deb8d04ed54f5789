import type { RequestContext } from './condition.js';
import { type LocalAccount, localTableArn } from './resolve-arns.js';

/** One IAM check a DynamoDB request needs: an action on a resource. */
export interface Check {
  action: string;
  resource: string;
  /** Condition keys of this check beyond the global ones (request-context.ts): DynamoDB's own. */
  context?: RequestContext;
}

type Body = Record<string, unknown>;

// The endpoint checks bodies before this runs; these guards keep it total for any JSON anyway.
const asObject = (value: unknown): Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : {};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

// TransactWriteItems/TransactGetItems are authorized per item, by the item's own action.
const TRANSACT_ACTIONS: Record<string, string> = {
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  Get: 'dynamodb:GetItem',
};

/**
 * The checks IAM makes for a DynamoDB JSON API request (`X-Amz-Target: DynamoDB_20120810.<Op>`):
 * the operation on its table (or index for Query/Scan with IndexName); batch calls once per table;
 * transactions once per item with the item's action; ListTables and other account-level calls on `*`.
 */
export function requestChecks(operation: string, body: Body, at: LocalAccount): Check[] {
  const table = (name: unknown) => localTableArn(String(name), at);
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(asObject(body.RequestItems)).map((name) => ({
        action: `dynamodb:${operation}`,
        resource: table(name),
      }));
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return asList(body.TransactItems).flatMap((item) =>
        Object.entries(asObject(item)).map(([kind, detail]) => ({
          action: (Object.hasOwn(TRANSACT_ACTIONS, kind) && TRANSACT_ACTIONS[kind]) || `dynamodb:${kind}`,
          resource: table(asObject(detail).TableName),
        })),
      );
    case 'Query':
    case 'Scan':
      return [
        {
          action: `dynamodb:${operation}`,
          resource: body.IndexName ? `${table(body.TableName)}/index/${String(body.IndexName)}` : table(body.TableName),
        },
      ];
    default:
      return [
        { action: `dynamodb:${operation}`, resource: body.TableName === undefined ? '*' : table(body.TableName) },
      ];
  }
}
