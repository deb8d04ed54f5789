// The same kit route with tracing off: the generated entry does not import the tracer.
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
