import { type LocalAccount, localTableArn } from './resolve-arns.js';

/** One IAM check a DynamoDB request needs: an action on a resource. */
export interface Check {
  action: string;
  resource: string;
}

type Body = Record<string, unknown>;

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
      return Object.keys((body.RequestItems as Body | undefined) ?? {}).map((name) => ({
        action: `dynamodb:${operation}`,
        resource: table(name),
      }));
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return ((body.TransactItems as Body[] | undefined) ?? []).flatMap((item) =>
        Object.entries(item).map(([kind, detail]) => ({
          action: TRANSACT_ACTIONS[kind] ?? `dynamodb:${kind}`,
          resource: table((detail as Body | undefined)?.TableName),
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
