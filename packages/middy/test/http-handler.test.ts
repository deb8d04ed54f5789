import { api, get } from '@gantry/decorators';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpHandler } from '../src/index.js';
import { httpEvent, lambdaContext } from './support/events.js';
import { handlerFor, NotesApi } from './support/notes-api.js';

const json = { 'content-type': 'application/json' };
const origin = 'https://app.example.com';

describe('httpHandler: requests in, responses out', () => {
  it('validates and passes a typed body, answering 201 with Location', async () => {
    const event = httpEvent({ method: 'POST', headers: json, body: '{"text":"hello","tags":["a"]}' });
    const response = await handlerFor('create')(event, lambdaContext());
    expect(response).toMatchObject({
      statusCode: 201,
      headers: { location: '/notes/n1', 'content-type': 'application/json; charset=utf-8' },
    });
    expect(JSON.parse(response.body ?? '')).toEqual({ id: 'n1', text: 'hello', tags: ['a'] });
  });

  it('coerces the query with its schema', async () => {
    const response = await handlerFor('list')(httpEvent({ query: { limit: '5' } }), lambdaContext());
    expect(JSON.parse(response.body ?? '')).toEqual({ limit: 5, items: [] });
  });

  it('answers 204 with no body when the method returns undefined', async () => {
    const event = httpEvent({ method: 'DELETE', path: '/notes/n1', params: { id: 'n1' } });
    const response = await handlerFor('remove')(event, lambdaContext());
    expect(response.statusCode).toBe(204);
    expect(response.body).toBeUndefined();
  });

  it('gives the method claims, route and request id', async () => {
    const event = httpEvent({ path: '/notes/me', route: 'GET /notes/me', claims: { sub: 'user-7' } });
    const response = await handlerFor('me')(event, lambdaContext('req-9'));
    expect(JSON.parse(response.body ?? '')).toEqual({ sub: 'user-7', route: 'GET /notes/me', requestId: 'req-9' });
  });

  it('reads request cookies and sets response cookies the payload 2.0 way', async () => {
    const event = httpEvent({ method: 'POST', cookies: ['session=old%20value', 'theme=dark'] });
    const response = await handlerFor('login')(event, lambdaContext());
    expect(response.cookies).toEqual(['session=abc; HttpOnly; Secure; SameSite=Lax']);
    expect(JSON.parse(response.body ?? '')).toEqual({ hadSession: 'old value' });
  });

  it('sends a Buffer as base64 with isBase64Encoded', async () => {
    const response = await handlerFor('image')(httpEvent(), lambdaContext());
    expect(response).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      headers: { 'content-type': 'image/png' },
    });
    expect(Buffer.from(response.body ?? '', 'base64')).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it('receives a binary upload as a Buffer when the route has no body schema', async () => {
    const event = httpEvent({
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    });
    const response = await handlerFor('raw')(event, lambdaContext());
    expect(JSON.parse(response.body ?? '')).toEqual({ type: 'object', isBuffer: true });
  });

  it('redirects', async () => {
    const response = await handlerFor('old')(httpEvent(), lambdaContext());
    expect(response).toMatchObject({ statusCode: 301, headers: { location: '/notes' } });
    expect(response.body).toBeUndefined();
  });
});

describe('httpHandler: errors', () => {
  it('maps an HttpError to its status, code and message, with its headers', async () => {
    const response = await handlerFor('busy')(httpEvent(), lambdaContext());
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'retry-after': '5' });
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: { code: 'too_many_requests', message: 'Slow down.', requestId: 'req-1' },
    });
  });

  it('maps a failed DynamoDB condition to 409', async () => {
    const response = await handlerFor('taken')(httpEvent(), lambdaContext());
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: { code: 'conflict', message: 'The item was changed or already exists.', requestId: 'req-1' },
    });
  });

  it('answers 500 without a trace of the exception, and logs it once with its stack', async () => {
    const lines: string[] = [];
    const response = await handlerFor('boom', lines)(httpEvent(), lambdaContext());
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":{"code":"internal","requestId":"req-1"}}');
    const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'unhandled error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      level: 'error',
      requestId: 'req-1',
      error: { name: 'Error', message: expect.stringContaining('hunter2') },
    });
    expect(errors[0].error.stack).toContain('boom');
  });
});

describe('httpHandler: timeouts', () => {
  @api('/slow')
  class Slow {
    @get('/') static async wait() {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { late: true };
    }
  }
  const quiet = { logger: { level: 'silent' as const } };
  const serviceUnavailable = { statusCode: 503, body: '{"message":"Service Unavailable"}' };
  afterEach(() => vi.unstubAllEnvs());

  it('answers 503 as API Gateway does, just before the function runs out of time', async () => {
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 40 };
    const response = await httpHandler(Slow, 'wait', quiet)(httpEvent(), context);
    expect(response).toMatchObject(serviceUnavailable);
  });

  it("in a local run, counts the function's time without the init phase the local timer was given", async () => {
    vi.stubEnv('GANTRY_LOCAL_INIT_MS', '10000');
    // The local timer holds the init phase (10 s) and 40 ms of the function's own time.
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 10_040 };
    const response = await httpHandler(Slow, 'wait', quiet)(httpEvent(), context);
    expect(response).toMatchObject(serviceUnavailable);
    expect(context.getRemainingTimeInMillis()).toBe(40);
  });

  it('in a local run with --noTimeout, lets the handler finish', async () => {
    vi.stubEnv('GANTRY_LOCAL_NO_TIMEOUT', 'true');
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 40 };
    const response = await httpHandler(Slow, 'wait', quiet)(httpEvent(), context);
    expect(response).toMatchObject({ statusCode: 200, body: '{"late":true}' });
  });
});

describe('httpHandler: CORS', () => {
  it('adds CORS headers for an allowed origin, on success and on errors', async () => {
    const ok = await handlerFor('read')(httpEvent({ headers: { origin }, params: { id: 'n1' } }), lambdaContext());
    const failed = await handlerFor('read')(
      httpEvent({ headers: { origin }, params: { id: 'n404' } }),
      lambdaContext(),
    );
    for (const response of [ok, failed]) {
      expect(response.headers).toMatchObject({
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
        vary: 'Origin',
      });
    }
    expect(failed.statusCode).toBe(404);
  });

  it('never allows an origin that is not listed', async () => {
    const response = await handlerFor('read')(
      httpEvent({ headers: { origin: 'https://evil.example' }, params: { id: 'n1' } }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.stringify(response.headers)).not.toContain('evil.example');
    expect(response.headers?.['access-control-allow-origin']).toBeUndefined();
    expect(response.headers?.vary).toBe('Origin');
  });

  it('allows any origin with "*" when the class asks for CORS without origins or credentials', async () => {
    const { api, get } = await import('@gantry/decorators');
    @api('/x', { cors: true })
    class Open {
      @get('/') static read() {
        return { ok: true };
      }
    }
    const response = await httpHandler(Open, 'read', { logger: { level: 'silent' } })(
      httpEvent({ headers: { origin } }),
      lambdaContext(),
    );
    expect(response.headers).toMatchObject({ 'access-control-allow-origin': '*' });
    expect(response.headers?.['access-control-allow-credentials']).toBeUndefined();
  });

  it('sends no CORS headers when the service allows no other origin (GANTRY_CORS_ORIGINS empty)', async () => {
    const { api, get } = await import('@gantry/decorators');
    @api('/x', { cors: true })
    class SameOriginOnly {
      @get('/') static read() {
        return { ok: true };
      }
    }
    process.env.GANTRY_CORS_ORIGINS = '';
    try {
      const response = await httpHandler(SameOriginOnly, 'read', { logger: { level: 'silent' } })(
        httpEvent({ headers: { origin } }),
        lambdaContext(),
      );
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.headers ?? {}).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    } finally {
      delete process.env.GANTRY_CORS_ORIGINS;
    }
  });

  it('refuses credentials without explicit origins when the handler is made', async () => {
    const { api, get } = await import('@gantry/decorators');
    @api('/x', { cors: { credentials: true } })
    class Open {
      @get('/') static read() {}
    }
    expect(() => httpHandler(Open, 'read')).toThrow('CORS with credentials needs explicit origins');
  });
});

describe('httpHandler: logs', () => {
  it('writes one JSON line per request with method, route, status, duration and cold start', async () => {
    const lines: string[] = [];
    const handler = handlerFor('read', lines);
    await handler(httpEvent({ path: '/notes/n1', route: 'GET /notes/{id}', params: { id: 'n1' } }), lambdaContext('a'));
    await handler(
      httpEvent({ path: '/notes/n404', route: 'GET /notes/{id}', params: { id: 'n404' } }),
      lambdaContext('b'),
    );
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'request',
        requestId: 'a',
        method: 'GET',
        route: 'GET /notes/{id}',
        status: 200,
        coldStart: true,
      }),
      expect.objectContaining({ level: 'info', msg: 'request', requestId: 'b', status: 404, coldStart: false }),
    ]);
    expect(typeof entries[0].durationMs).toBe('number');
  });

  it('takes the level from LOG_LEVEL', async () => {
    const lines: string[] = [];
    const handler = httpHandler(NotesApi, 'read', { logger: { level: 'warn', write: (l) => lines.push(l) } });
    await handler(httpEvent({ params: { id: 'n1' } }), lambdaContext());
    expect(lines).toEqual([]);
  });

  it('refuses a method that does not exist when the handler is made', () => {
    expect(() => httpHandler(NotesApi, 'missing' as 'read')).toThrow('httpHandler: NotesApi.missing is not a function');
  });
});

describe('installOfflineGuards', () => {
  it('changes nothing outside a local run', async () => {
    const { createLogger, installOfflineGuards } = await import('../src/index.js');
    const exit = process.exit;
    expect(installOfflineGuards(createLogger({ level: 'silent' }), {})).toBe(false);
    expect(process.exit).toBe(exit);
  });
});
