import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracingHooks } from '../tracing/hooks.js';

let shared: DynamoDBDocumentClient | undefined;

/**
 * The container's one DynamoDB document client, made on first use so functions that never touch
 * a table never pay for it. Honours `AWS_ENDPOINT_URL_DYNAMODB` (local runs) like any SDK client.
 */
export function documentClient(): DynamoDBDocumentClient {
  // With tracing on, each call is a subsegment of the invocation's trace.
  shared ??= DynamoDBDocumentClient.from(captured(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return shared;
}

const captured = (client: DynamoDBClient) => tracingHooks()?.captureClient(client) ?? client;
