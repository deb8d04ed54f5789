import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function handler(event: { pathParameters?: { id?: string } }) {
  const { Item } = await db.send(
    new GetCommand({ TableName: process.env.TABLE, Key: { id: event.pathParameters?.id } }),
  );
  if (!Item) return { statusCode: 404, body: '{"error":{"code":"not_found"}}' };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(Item) };
}
