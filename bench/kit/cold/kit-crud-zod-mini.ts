// The kit CRUD function with zod/mini, zod's tree-shakable build for size-sensitive bundles.
// This is what serverless-gantry's generated entry for NotesApi.create bundles.
import { api, get, post, table, uses } from '@gantry/decorators';
import { created, type HttpRequest, httpHandler, NotFoundError } from '@gantry/middy';
import { tableClient } from '@gantry/middy/dynamodb';
import * as z from 'zod/mini';

const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });
const notes = tableClient<{ id: string; text: string }>(Notes);
const NoteInput = z.strictObject({
  id: z.string().check(z.maxLength(64)),
  text: z.string().check(z.minLength(1), z.maxLength(1000)),
});
const NoteParams = z.object({ id: z.string().check(z.maxLength(64)) });

@api('/notes', { cors: { origins: ['https://app.example.com'] } })
class NotesApi {
  @post('/', { body: NoteInput })
  @uses(Notes, 'write')
  static async create(request: HttpRequest<{ body: typeof NoteInput }>) {
    return created(await notes.put(request.body, { ifNotExists: true }), `/notes/${request.body.id}`);
  }

  @get('/{id}', { params: NoteParams })
  @uses(Notes, 'read')
  static async read(request: HttpRequest<{ params: typeof NoteParams }>) {
    const note = await notes.get({ id: request.params.id });
    if (!note) throw new NotFoundError(`No note ${request.params.id}.`);
    return note;
  }
}

export const handler = httpHandler(NotesApi, 'create');
