import { api, get } from '@gantry/decorators';
import { version } from './version.js';

// Each request waits 25 ms, as a handler waits on a DynamoDB call: with a request every 50 ms, one
// is in flight about half the time, as in a service in use.
const io = () => new Promise((resolve) => setTimeout(resolve, 25));

@api('/notes')
export class NotesApi {
  @get('/version')
  static async version() {
    await io();
    return { version };
  }

  @get('/count')
  static async count() {
    await io();
    return { count: 3, version };
  }
}
