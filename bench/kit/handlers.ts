// The four handlers of the per-call benchmark, doing the same work: parse a JSON body, validate it
// (text: 1–100 chars, tags: up to 5 strings, nothing else), answer 201 JSON with CORS headers, or
// a 400 JSON error. Bundled by esbuild like a Lambda function, then called in-process.
import { api, post } from '@gantry/decorators';
import { created, type HttpRequest, httpHandler } from '@gantry/middy';
import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpErrorHandler from '@middy/http-error-handler';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import validator from '@middy/validator';
import { transpileSchema } from '@middy/validator/transpile';
import { z } from 'zod';

const ORIGIN = 'https://app.example.com';
type Event = { body?: string; headers: Record<string, string> };

/** Raw: what a careful hand-written handler does, with no framework. */
export async function raw(event: Event) {
  let body: { text?: unknown; tags?: unknown };
  try {
    body = JSON.parse(event.body ?? '');
  } catch {
    return { statusCode: 400, body: '{"error":{"code":"malformed_json"}}' };
  }
  const valid =
    typeof body === 'object' &&
    body !== null &&
    typeof body.text === 'string' &&
    body.text.length >= 1 &&
    body.text.length <= 100 &&
    (body.tags === undefined ||
      (Array.isArray(body.tags) && body.tags.length <= 5 && body.tags.every((t) => typeof t === 'string'))) &&
    Object.keys(body).every((k) => k === 'text' || k === 'tags');
  const headers = { 'content-type': 'application/json', 'access-control-allow-origin': ORIGIN };
  if (!valid) return { statusCode: 400, headers, body: '{"error":{"code":"validation"}}' };
  return {
    statusCode: 201,
    headers: { ...headers, location: '/notes/n1' },
    body: JSON.stringify({ id: 'n1', ...body }),
  };
}

/** Bare @middy/core around the raw handler. */
export const core = middy(raw);

const jsonSchema = {
  type: 'object',
  required: ['body'],
  properties: {
    body: {
      type: 'object',
      required: ['text'],
      additionalProperties: false,
      properties: {
        text: { type: 'string', minLength: 1, maxLength: 100 },
        tags: { type: 'array', maxItems: 5, items: { type: 'string' } },
      },
    },
  },
};

function officialStack(quiet: boolean) {
  return middy(async (event: { body: { text: string; tags?: string[] } }) => ({
    statusCode: 201,
    headers: { 'content-type': 'application/json', location: '/notes/n1' },
    body: JSON.stringify({ id: 'n1', ...event.body }),
  }))
    .use(httpJsonBodyParser())
    .use(validator({ eventSchema: transpileSchema(jsonSchema) }))
    .use(httpCors({ origins: [ORIGIN] }))
    .use(httpErrorHandler(quiet ? { logger: false } : {}));
}

/** The official stack as documented: body parser + validator (Ajv) + CORS + error handler. */
export const official = officialStack(false);
/** The same with the error handler's console.error logging turned off. */
export const officialQuiet = officialStack(true);

const NoteInput = z.strictObject({ text: z.string().min(1).max(100), tags: z.array(z.string()).max(5).optional() });

@api('/notes', { cors: { origins: [ORIGIN] } })
class NotesApi {
  @post('/', { body: NoteInput })
  static create(request: HttpRequest<{ body: typeof NoteInput }>) {
    return created({ id: 'n1', ...request.body }, '/notes/n1');
  }
}

/** The Gantry kit; its request log line is serialized, then discarded instead of written. */
export const kit = httpHandler(NotesApi, 'create', { logger: { write: () => {} } });
/** The kit with LOG_LEVEL=warn: no request line (errors are still logged). */
export const kitQuiet = httpHandler(NotesApi, 'create', { logger: { level: 'warn', write: () => {} } });
