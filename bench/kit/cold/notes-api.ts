// The CRUD function the cold-start variants share; each variant passes its own schemas, so each
// bundle holds one schema library.
import { api, get, post, type Schema, table, uses } from '@gantry/decorators';
import { created, type HttpRequest, httpHandler, NotFoundError } from '@gantry/middy';
import { tableClient } from '@gantry/middy/dynamodb';

const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });
const notes = tableClient<{ id: string; text: string }>(Notes);

export function notesHandler(NoteInput: Schema, NoteParams: Schema) {
  @api('/notes', { cors: { origins: ['https://app.example.com'] } })
  class NotesApi {
    @post('/', { body: NoteInput })
    @uses(Notes, 'write')
    static async create(request: HttpRequest) {
      const note = request.body as { id: string; text: string };
      return created(await notes.put(note, { ifNotExists: true }), `/notes/${note.id}`);
    }

    @get('/{id}', { params: NoteParams })
    @uses(Notes, 'read')
    static async read(request: HttpRequest) {
      const note = await notes.get({ id: request.params.id as string });
      if (!note) throw new NotFoundError(`No note ${request.params.id}.`);
      return note;
    }
  }
  return httpHandler(NotesApi, 'create');
}
