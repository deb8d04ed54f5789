import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { api, get, post, tableEnvVar, uses } from '@gantry/decorators';
import type { HttpRequest } from '@gantry/middy';
import { z } from 'zod';
import { Items } from './tables.js';

export const ItemInput = z.object({ name: z.string().min(1).max(200) });
const ItemParams = z.object({ id: z.uuid() });

// One client per container, created on first use.
let documents: DynamoDBDocumentClient | undefined;
const db = () => (documents ??= DynamoDBDocumentClient.from(new DynamoDBClient({})));
const itemsTable = () => process.env[tableEnvVar(Items)];

class RequestError extends Error {
  readonly expose = true;
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

@api('/items', { cors: true })
export class ItemsApi {
  @post('/', { body: ItemInput })
  @uses(Items, 'write')
  static async create(request: HttpRequest) {
    const input = ItemInput.safeParse(request.body);
    if (!input.success) throw new RequestError(400, 'validation', z.prettifyError(input.error));
    const item = { id: randomUUID(), name: input.data.name, createdAt: new Date().toISOString() };
    await db().send(
      new PutCommand({ TableName: itemsTable(), Item: item, ConditionExpression: 'attribute_not_exists(id)' }),
    );
    return item;
  }

  @get('/{id}', { params: ItemParams })
  @uses(Items, 'read')
  static async read(request: HttpRequest) {
    const params = ItemParams.safeParse(request.params);
    if (!params.success) throw new RequestError(400, 'validation', 'The id must be a UUID.');
    const { Item } = await db().send(new GetCommand({ TableName: itemsTable(), Key: { id: params.data.id } }));
    if (!Item) throw new RequestError(404, 'not_found', `No item ${params.data.id}.`);
    return Item;
  }
}
