import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext } from './support/events.js';
import { handlerFor } from './support/notes-api.js';

const contentTypes = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'image/png',
  'multipart/form-data; boundary=x',
  '',
  ';;;',
);

// Bodies that are near-valid (JSON of arbitrary shape), plain junk, or hostile keys.
const bodies = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({ text: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), tags: fc.anything() })
    .map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"__proto__":{"x":1}}',
    '{"text":"a","constructor":1}',
    'text=a&__proto__=b',
    '[[[[[[[[',
    '{"text":"\\u0000"}',
  ),
);

const events = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
  headers: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 50 }), { maxKeys: 4 }),
  contentType: contentTypes,
  query: fc.option(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }), {
    nil: undefined,
  }),
  params: fc.option(fc.record({ id: fc.string({ maxLength: 30 }) }), { nil: undefined }),
  cookies: fc.option(fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }), { nil: undefined }),
  body: bodies,
  base64: fc.boolean(),
});

const methods = ['create', 'read', 'list', 'replace', 'remove', 'raw', 'login', 'me'] as const;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('fuzzing payload 2.0 events', () => {
  it.each(methods)('%s never answers 5xx, always with a JSON error body', async (method) => {
    const handler = handlerFor(method);
    await fc.assert(
      fc.asyncProperty(events, async (e) => {
        const headers = { ...e.headers, ...(e.contentType === undefined ? {} : { 'content-type': e.contentType }) };
        const body = e.body === undefined ? undefined : e.base64 ? Buffer.from(e.body).toString('base64') : e.body;
        const response = await handler(
          httpEvent({
            method: e.method,
            headers,
            ...(e.query ? { query: e.query } : {}),
            ...(e.params ? { params: e.params } : {}),
            ...(e.cookies ? { cookies: e.cookies } : {}),
            ...(body === undefined ? {} : { body }),
            isBase64Encoded: e.base64 && body !== undefined,
          }),
          lambdaContext(),
        );
        const status = response.statusCode ?? 0;
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
        if (status >= 400) expect(JSON.parse(response.body ?? '')).toHaveProperty('error.code');
      }),
      { numRuns: 300 },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
