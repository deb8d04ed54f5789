// A kit route with tracing on, as Gantry generates its entry: the kit's tracer imported first.
import '@gantry/middy/tracing';
import { api, get } from '@gantry/decorators';
import { type HttpRequest, httpHandler } from '@gantry/middy';
import { documentClient } from '@gantry/middy/dynamodb';

@api('/notes')
class NotesApi {
  @get('/{id}')
  static read(request: HttpRequest) {
    void documentClient;
    return { id: request.params.id };
  }
}
export const handler = httpHandler(NotesApi, 'read');
