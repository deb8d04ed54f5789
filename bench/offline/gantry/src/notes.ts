import { api, get, table, uses } from '@gantry/decorators';
import { type HttpRequest, NotFoundError } from '@gantry/middy';
import { tableClient } from '@gantry/middy/dynamodb';

export const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });
const notes = tableClient<{ id: string; text: string }>(Notes);

@api('/notes')
export class NotesApi {
  @get('/{id}')
  @uses(Notes, 'read')
  static async read(request: HttpRequest) {
    const note = await notes.get({ id: request.params.id as string });
    if (!note) throw new NotFoundError('no such note');
    return note;
  }
}
