import { api, del, get, post, put } from '@gantry/decorators';
import { z } from 'zod';
import {
  created,
  type HttpRequest,
  httpHandler,
  NotFoundError,
  redirect,
  respond,
  TooManyRequestsError,
} from '../../src/index.js';

export const NoteInput = z.strictObject({
  text: z.string().min(1).max(100),
  tags: z.array(z.string()).max(5).optional(),
});
export const NoteParams = z.object({ id: z.string().regex(/^n\d+$/, 'Expected an id like n123') });
export const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).optional() });

/** A decorated class as a user writes one; the tests wrap its methods with the real kit. */
@api('/notes', { cors: { origins: ['https://app.example.com'], credentials: true } })
export class NotesApi {
  @post('/', { body: NoteInput })
  static create(request: HttpRequest<{ body: typeof NoteInput }>) {
    return created({ id: 'n1', ...request.body }, '/notes/n1');
  }

  @get('/{id}', { params: NoteParams })
  static read(request: HttpRequest<{ params: typeof NoteParams }>) {
    if (request.params.id === 'n404') throw new NotFoundError(`No note ${request.params.id}.`);
    return { id: request.params.id, text: 'hello' };
  }

  @get('/', { query: ListQuery })
  static list(request: HttpRequest<{ query: typeof ListQuery }>) {
    return { limit: request.query.limit ?? 20, items: [] };
  }

  @put('/{id}', { params: NoteParams, body: NoteInput })
  static replace(request: HttpRequest<{ params: typeof NoteParams; body: typeof NoteInput }>) {
    return { id: request.params.id, ...request.body };
  }

  @del('/{id}', { params: NoteParams })
  static remove() {
    return undefined;
  }

  @post('/raw')
  static raw(request: HttpRequest) {
    return respond({ status: 200, body: { type: typeof request.body, isBuffer: Buffer.isBuffer(request.body) } });
  }

  @get('/image')
  static image() {
    return respond({
      status: 200,
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      headers: { 'Content-Type': 'image/png' },
    });
  }

  @post('/login')
  static login(request: HttpRequest) {
    return respond({
      status: 200,
      body: { hadSession: request.cookies.session ?? null },
      cookies: ['session=abc; HttpOnly; Secure; SameSite=Lax'],
    });
  }

  @get('/old')
  static old() {
    return redirect('/notes', 301);
  }

  @get('/busy')
  static busy() {
    throw new TooManyRequestsError('Slow down.', { headers: { 'retry-after': '5' } });
  }

  @get('/boom')
  static boom() {
    throw new Error('connection string postgres://admin:hunter2@db');
  }

  @get('/taken')
  static taken() {
    throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  }

  @get('/me')
  static me(request: HttpRequest) {
    return { sub: request.claims.sub, route: request.route, requestId: request.requestId };
  }
}

/** The kit around one method, with log lines captured. */
export function handlerFor(method: Exclude<keyof typeof NotesApi, 'prototype'>, lines: string[] = []) {
  return httpHandler(NotesApi, method, { logger: { write: (line) => lines.push(line) } });
}
