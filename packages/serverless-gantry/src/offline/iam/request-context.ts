import type { RequestContext } from './condition.js';
import type { Check } from './request-checks.js';

type Body = Record<string, unknown>;

const asObject = (value: unknown): Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : {};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * DynamoDB's condition keys of each check of a request, as AWS sets them: `dynamodb:LeadingKeys`
 * (the partition key values the request touches in that table), and `dynamodb:Select` (Query,
 * Scan), `dynamodb:ReturnValues` (PutItem, UpdateItem, DeleteItem), `dynamodb:ReturnConsumedCapacity`
 * when the request sets them. The checks come from requestChecks
 * for the same request, in its order. Where the local run cannot tell the leading keys (a Query on
 * an index, a key condition it cannot read), the key is left out, so a condition on it is unknown.
 */
export async function withDynamoDbContext(
  operation: string,
  body: Body,
  checks: Check[],
  partitionKeyOf: (tableName: string) => Promise<string | undefined>,
): Promise<Check[]> {
  // Only what the request says outright: when a parameter is left out, what IAM sees (absent or
  // DynamoDB's default) is not documented, so the key stays unknown.
  const shared: [string, string[]][] = [];
  const given = (key: string, value: unknown) => typeof value === 'string' && shared.push([key, [value]]);
  if (operation === 'Query' || operation === 'Scan') given('dynamodb:select', body.Select);
  if (['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation)) given('dynamodb:returnvalues', body.ReturnValues);
  given('dynamodb:returnconsumedcapacity', body.ReturnConsumedCapacity);
  const perCheck = await leadingKeysPerCheck(operation, body, partitionKeyOf);
  return checks.map((check, i) => {
    const leading = perCheck === 'absent' ? { known: true, values: undefined } : perCheck[i];
    const context: RequestContext = new Map(shared);
    if (leading?.known) context.set('dynamodb:leadingkeys', leading.values);
    return { ...check, context };
  });
}

type Leading = { known: boolean; values: string[] | undefined };

async function leadingKeysPerCheck(
  operation: string,
  body: Body,
  partitionKeyOf: (tableName: string) => Promise<string | undefined>,
): Promise<Leading[] | 'absent'> {
  const of = async (tableName: unknown, items: unknown[]): Promise<Leading> => {
    const key = await partitionKeyOf(String(tableName));
    if (!key) return { known: false, values: undefined };
    const values = items.map((item) => attributeString(asObject(item)[key]));
    if (values.some((v) => v === undefined)) return { known: false, values: undefined };
    return { known: true, values: [...new Set(values as string[])] };
  };
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [await of(body.TableName, [body.Key])];
    case 'PutItem':
      return [await of(body.TableName, [body.Item])];
    case 'Query':
      return [await queryLeadingKeys(body, partitionKeyOf)];
    case 'BatchGetItem':
      return Promise.all(
        Object.entries(asObject(body.RequestItems)).map(([table, request]) =>
          of(table, asList(asObject(request).Keys)),
        ),
      );
    case 'BatchWriteItem':
      return Promise.all(
        Object.entries(asObject(body.RequestItems)).map(([table, requests]) =>
          of(
            table,
            asList(requests).map(
              (r) => asObject(asObject(r).PutRequest).Item ?? asObject(asObject(r).DeleteRequest).Key,
            ),
          ),
        ),
      );
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return Promise.all(
        asList(body.TransactItems).flatMap((item) =>
          Object.values(asObject(item)).map((detail) => {
            const d = asObject(detail);
            return of(d.TableName, [d.Key ?? d.Item]);
          }),
        ),
      );
    default:
      // Scan and the table-level calls touch no partition key: the key is not in the request.
      return 'absent';
  }
}

/** The partition key value a Query's key condition on the table fixes; unknown on an index or past reading. */
async function queryLeadingKeys(
  body: Body,
  partitionKeyOf: (tableName: string) => Promise<string | undefined>,
): Promise<Leading> {
  const unknown = { known: false, values: undefined };
  const key = await partitionKeyOf(String(body.TableName));
  if (!key || body.IndexName !== undefined || typeof body.KeyConditionExpression !== 'string') return unknown;
  const names = asObject(body.ExpressionAttributeNames);
  const values = asObject(body.ExpressionAttributeValues);
  const nameOf = (token: string) => (token.startsWith('#') ? names[token] : token);
  for (const [, left, right] of body.KeyConditionExpression.matchAll(/([#:]?[\w]+)\s*=\s*([#:]?[\w]+)/g)) {
    const [attribute, placeholder] = left?.startsWith(':') ? [right, left] : [left, right];
    if (attribute && placeholder?.startsWith(':') && nameOf(attribute) === key) {
      const value = attributeString(values[placeholder]);
      return value === undefined ? unknown : { known: true, values: [value] };
    }
  }
  return unknown;
}

// For a Put, items hold the request's DynamoDB JSON; the leading key is its S, N or B as a string.
function attributeString(value: unknown): string | undefined {
  const v = asObject(value);
  const scalar = v.S ?? v.N ?? v.B;
  return typeof scalar === 'string' ? scalar : undefined;
}
