import type { Agent } from 'node:http';
import type { Answer } from './transactions.js';
import { callDynamo, errorName } from './wire.js';

type Json = Record<string, unknown>;

/**
 * A PutItem, UpdateItem or DeleteItem that asks `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
 * DynamoDB then puts the item as it was into the ConditionalCheckFailedException (`Item`); dynalite
 * ignores the parameter, so the endpoint reads the item itself. The caller holds the exclusive lock,
 * so the item read is the one the condition failed on.
 */
export async function writeWithItemOnConditionFailure(
  upstream: URL,
  agent: Agent,
  operation: 'PutItem' | 'UpdateItem' | 'DeleteItem',
  request: Json,
  keysOf: (table: string, item: Json) => Promise<Json | undefined>,
): Promise<Answer> {
  const answer = await callDynamo(upstream, agent, operation, request);
  if (answer.status !== 400 || errorName(answer.body) !== 'ConditionalCheckFailedException') return answer;
  const table = String(request.TableName);
  const key = operation === 'PutItem' ? await keysOf(table, (request.Item ?? {}) as Json) : request.Key;
  if (!key) return answer;
  const current = await callDynamo(upstream, agent, 'GetItem', { TableName: table, Key: key, ConsistentRead: true });
  if (current.status === 200 && current.body.Item) answer.body.Item = current.body.Item;
  return answer;
}
