import { randomUUID } from 'node:crypto';
import { api, get, post, uses } from '@gantry/decorators';
import { created, type HttpRequest, NotFoundError } from '@gantry/middy';
import { tableClient } from '@gantry/middy/dynamodb';
import { readableMessage } from '@gantry/middy/valibot';
import * as v from 'valibot';
import { Items } from './tables.js';

// valibot: plain-object schemas, small and quick to load (classic zod bundles every locale: ≈ 450 KB
// per function and ≈ 20 ms of cold start). Its issues get messages a person can act on
// ("name is required.", "Must not be empty.").
v.setGlobalMessage(readableMessage);

export const ItemInput = v.strictObject({ name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200)) });
export const ItemParams = v.object({ id: v.pipe(v.string(), v.uuid()) });

// What the routes answer with: the OpenAPI document shows it, and the decorator checks that each
// method returns its output type, which is what a typed client gets.
export const ItemSchema = v.object({
  id: v.pipe(v.string(), v.uuid()),
  name: v.string(),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
});
export type Item = v.InferOutput<typeof ItemSchema>;

// The table's name reaches the function in GANTRY_TABLE_ITEMS, set by serverless-gantry.
const items = tableClient<Item>(Items);

@api('/items', { cors: true })
export class ItemsApi {
  /** Creates an item; the body is validated against ItemInput before this runs (400 otherwise). */
  @post('/', { body: ItemInput, response: ItemSchema })
  @uses(Items, 'create')
  static async create(request: HttpRequest<{ body: typeof ItemInput }>) {
    const item: Item = { id: randomUUID(), name: request.body.name, createdAt: new Date().toISOString() };
    await items.put(item, { ifNotExists: true });
    return created(item, `/items/${item.id}`);
  }

  /** One item, by its id (404 when there is none). */
  @get('/{id}', { params: ItemParams, response: ItemSchema })
  @uses(Items, 'read')
  static async read(request: HttpRequest<{ params: typeof ItemParams }>) {
    const item = await items.get({ id: request.params.id });
    if (!item) throw new NotFoundError(`No item ${request.params.id}.`);
    return item;
  }
}
