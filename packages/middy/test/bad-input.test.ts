import { describe, expect, it } from 'vitest';
import { type EventInit, httpEvent, lambdaContext } from './support/events.js';
import { handlerFor } from './support/notes-api.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };
const post = (body: string, headers: Record<string, string> = JSON_TYPE, extra: EventInit = {}): EventInit => ({
  method: 'POST',
  headers,
  body,
  ...extra,
});
const error = (code: string, message: string, issues?: { path: (string | number)[]; message: string }[]) => ({
  error: { code, message, ...(issues ? { issues } : {}), requestId: 'req-1' },
});
const invalid = (...issues: { path: (string | number)[]; message: string }[]) =>
  error('validation', 'The request is not valid.', issues);
const MALFORMED = error('malformed_json', 'The request body is not valid JSON.');
const FORBIDDEN = error(
  'forbidden_key',
  "The request body may not use the keys '__proto__', 'constructor' or 'prototype'.",
);

type Method = Parameters<typeof handlerFor>[0];

// Every case: the exact status and body a caller gets. None may be a 5xx.
const cases: [name: string, method: Method, event: EventInit, status: number, body: unknown][] = [
  ['malformed JSON', 'create', post('{"text":'), 400, MALFORMED],
  ['truncated JSON', 'create', post('{"text":"abc"'), 400, MALFORMED],
  ['text that is not JSON', 'create', post('hello'), 400, MALFORMED],
  ['NaN inside JSON', 'create', post('{"text": NaN}'), 400, MALFORMED],
  ['a byte-order mark before JSON', 'create', post('\uFEFF{"text":"a"}'), 400, MALFORMED],
  [
    'wrong content type',
    'create',
    post('{"text":"a"}', { 'content-type': 'text/plain' }),
    415,
    error(
      'unsupported_media_type',
      "Content-Type 'text/plain' is not supported here: send application/json or application/x-www-form-urlencoded.",
    ),
  ],
  [
    'XML',
    'create',
    post('<text>a</text>', { 'content-type': 'application/xml' }),
    415,
    error(
      'unsupported_media_type',
      "Content-Type 'application/xml' is not supported here: send application/json or application/x-www-form-urlencoded.",
    ),
  ],
  [
    'missing content type with a body',
    'create',
    post('{"text":"a"}', {}),
    415,
    error(
      'unsupported_media_type',
      'Send a Content-Type header with the body: application/json or application/x-www-form-urlencoded.',
    ),
  ],
  [
    'empty body where one is required',
    'create',
    post(''),
    400,
    invalid({ path: ['body'], message: 'A request body is required.' }),
  ],
  [
    'no body at all',
    'create',
    { method: 'POST', headers: JSON_TYPE },
    400,
    invalid({ path: ['body'], message: 'A request body is required.' }),
  ],
  ['a __proto__ key', 'create', post('{"text":"a","__proto__":{"admin":true}}'), 400, FORBIDDEN],
  ['a nested constructor key', 'create', post('{"text":"a","tags":[{"constructor":{"prototype":1}}]}'), 400, FORBIDDEN],
  ['a prototype key in a form', 'create', post('text=a&prototype=x', FORM_TYPE), 400, FORBIDDEN],
  [
    'JSON sent as a form (curl -d without a content type)',
    'create',
    post('{"text":"a"}', FORM_TYPE),
    415,
    error(
      'unsupported_media_type',
      "The body looks like JSON but was sent as application/x-www-form-urlencoded (what `curl -d` sends without a content type): send it with the header Content-Type: application/json (curl: -H 'content-type: application/json').",
    ),
  ],
  [
    'invalid base64',
    'create',
    post('not*base64!', JSON_TYPE, { isBase64Encoded: true }),
    400,
    error('bad_request', 'The request body is not valid base64.'),
  ],
  [
    'a number where a string belongs',
    'create',
    post('{"text":42}'),
    400,
    invalid({ path: ['body', 'text'], message: 'Invalid input: expected string, received number' }),
  ],
  [
    'null instead of an object',
    'create',
    post('null'),
    400,
    invalid({ path: ['body'], message: 'Invalid input: expected object, received null' }),
  ],
  [
    'an array instead of an object',
    'create',
    post('[1,2]'),
    400,
    invalid({ path: ['body'], message: 'Invalid input: expected object, received array' }),
  ],
  [
    'a missing field',
    'create',
    post('{}'),
    400,
    invalid({ path: ['body', 'text'], message: 'Invalid input: expected string, received undefined' }),
  ],
  [
    'an extra field',
    'create',
    post('{"text":"a","admin":true}'),
    400,
    invalid({ path: ['body'], message: 'Unrecognized key: "admin"' }),
  ],
  [
    'a too-long string',
    'create',
    post(JSON.stringify({ text: 'x'.repeat(101) })),
    400,
    invalid({ path: ['body', 'text'], message: 'Too big: expected string to have <=100 characters' }),
  ],
  [
    'too many array items',
    'create',
    post(JSON.stringify({ text: 'a', tags: ['1', '2', '3', '4', '5', '6'] })),
    400,
    invalid({ path: ['body', 'tags'], message: 'Too big: expected array to have <=5 items' }),
  ],
  [
    'an item of the wrong type in an array',
    'create',
    post('{"text":"a","tags":["ok",7]}'),
    400,
    invalid({ path: ['body', 'tags', 1], message: 'Invalid input: expected string, received number' }),
  ],
  [
    'deeply nested JSON',
    'create',
    post(`${'['.repeat(5000)}${']'.repeat(5000)}`),
    400,
    invalid({ path: ['body'], message: 'Invalid input: expected object, received array' }),
  ],
  [
    'an oversized body',
    'create',
    post(JSON.stringify({ text: 'x'.repeat(1024 * 1024) })),
    413,
    error('payload_too_large', 'The request body is larger than 1048576 bytes.'),
  ],
  [
    'an invalid path parameter',
    'read',
    { params: { id: '../etc/passwd' } },
    400,
    invalid({ path: ['params', 'id'], message: 'Expected an id like n123' }),
  ],
  [
    'a missing path parameter',
    'read',
    {},
    400,
    invalid({ path: ['params', 'id'], message: 'Invalid input: expected string, received undefined' }),
  ],
  [
    'duplicate query keys (joined by commas, as API Gateway does)',
    'list',
    { query: { limit: '5,10' } },
    400,
    invalid({ path: ['query', 'limit'], message: 'Invalid input: expected number, received NaN' }),
  ],
  [
    'a query value out of range',
    'list',
    { query: { limit: '500' } },
    400,
    invalid({ path: ['query', 'limit'], message: 'Too big: expected number to be <=50' }),
  ],
  [
    'invalid params and body together',
    'replace',
    { method: 'PUT', params: { id: 'x' }, headers: JSON_TYPE, body: '{"text":""}' },
    400,
    invalid(
      { path: ['params', 'id'], message: 'Expected an id like n123' },
      { path: ['body', 'text'], message: 'Too small: expected string to have >=1 characters' },
    ),
  ],
  ['a note that does not exist', 'read', { params: { id: 'n404' } }, 404, error('not_found', 'No note n404.')],
];

// Inputs that look odd but are valid: they must succeed, unchanged.
const valid: [name: string, method: Method, event: EventInit, status: number, body: unknown][] = [
  ['unicode and emoji', 'create', post('{"text":"héllo 👋 世界"}'), 201, { id: 'n1', text: 'héllo 👋 世界' }],
  [
    'a JSON body sent base64-encoded',
    'create',
    post(Buffer.from('{"text":"b64"}').toString('base64'), JSON_TYPE, { isBase64Encoded: true }),
    201,
    { id: 'n1', text: 'b64' },
  ],
  [
    'a form body with repeated keys',
    'create',
    post('text=hi&tags=a&tags=b', FORM_TYPE),
    201,
    { id: 'n1', text: 'hi', tags: ['a', 'b'] },
  ],
  [
    'a charset and upper-case header names',
    'create',
    post('{"text":"a"}', { 'Content-Type': 'application/json; charset=utf-8' }),
    201,
    { id: 'n1', text: 'a' },
  ],
  [
    'vendor JSON (+json)',
    'create',
    post('{"text":"a"}', { 'content-type': 'application/vnd.api+json' }),
    201,
    { id: 'n1', text: 'a' },
  ],
  [
    'the word constructor inside a string value',
    'create',
    post('{"text":"\\"constructor\\": no"}'),
    201,
    { id: 'n1', text: '"constructor": no' },
  ],
];

describe('bad input gets the exact 4xx, never a 5xx', () => {
  it.each(cases)('%s', async (_name, method, init, status, body) => {
    const response = await handlerFor(method)(httpEvent(init), lambdaContext());
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body ?? 'null')).toEqual(body);
  });

  it('has at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
});

describe('odd but valid input succeeds', () => {
  it.each(valid)('%s', async (_name, method, init, status, body) => {
    const response = await handlerFor(method)(httpEvent(init), lambdaContext());
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body ?? 'null')).toEqual(body);
  });
});
