// Baseline: a function that only reads DynamoDB through the document client.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function handler(event: { pathParameters?: { id?: string } }) {
  const out = await db.send(new GetCommand({ TableName: process.env.TABLE, Key: { id: event.pathParameters?.id } }));
  return { statusCode: out.Item ? 200 : 404, body: JSON.stringify(out.Item ?? {}) };
}
