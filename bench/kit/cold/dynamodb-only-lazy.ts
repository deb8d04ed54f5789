// Second baseline: the same function, with its client made on the first request, as the kit's
// table client does (`documentClient()`): its init holds only loading the SDK. Against this one the
// difference is everything the kit, the schemas and the handlers add to a cold request, since both
// pay for creating the client at their first request.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

let db: DynamoDBDocumentClient | undefined;

export async function handler(event: { pathParameters?: { id?: string } }) {
  db ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const out = await db.send(new GetCommand({ TableName: process.env.TABLE, Key: { id: event.pathParameters?.id } }));
  return { statusCode: out.Item ? 200 : 404, body: JSON.stringify(out.Item ?? {}) };
}
