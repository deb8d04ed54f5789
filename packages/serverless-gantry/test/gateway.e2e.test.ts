import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OfflineRun, startOffline } from './support/offline.js';
import { sls } from './support/serverless.js';

// The HTTP layer of the real `sls offline`, with Gantry's API Gateway front, against the rules of
// API Gateway (HTTP API, payload 2.0) and Lambda. The fixture's route echoes what the function got.
const cwd = fileURLToPath(new URL('./fixtures/gateway/', import.meta.url));
let offline: OfflineRun;

beforeAll(async () => {
  offline = await startOffline(cwd);
});
afterAll(() => offline?.stop());

interface Echo {
  method: string;
  headers: Record<string, string>;
  cookies?: string[];
  isBase64Encoded: boolean;
  bodyType: string;
  body?: unknown;
  size?: number;
  sha256?: string;
}

/** A raw request (fetch cannot send a header twice), answered as status, headers and text. */
function send(
  method: string,
  rawHeaders: [string, string][],
  body?: Buffer,
  path = '/echo',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(`${offline.url}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      // Headers as a list go out exactly as given: Host too.
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`, // as given: percent-encoding left as it is
        method,
        headers: [['host', url.host], ...rawHeaders].flat(),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe("sls offline with Gantry's front follows API Gateway's HTTP rules", () => {
  it('announces the front on the port serverless-offline was given', async () => {
    const [, url] = await offline.waitFor(/API \(API Gateway's HTTP rules\): (\S+)/);
    expect(url).toBe(`${offline.url}/`);
  });

  it('joins repeated headers with commas (cookies with "; "), as payload 2.0 does', async () => {
    const answer = await send('GET', [
      ['X-Trace', 'a'],
      ['x-trace', 'b'],
      ['Cookie', 'one=1'],
      ['Cookie', 'two=2'],
    ]);
    const echo = JSON.parse(answer.text) as Echo;
    expect(echo.headers['x-trace']).toBe('a,b');
    expect(echo.headers.cookie).toBe('one=1; two=2');
  });

  it('delivers binary bodies intact, base64-encoded as API Gateway sends them', async () => {
    const image = randomBytes(50_000);
    const answer = await send('POST', [['content-type', 'image/png']], image);
    const echo = JSON.parse(answer.text) as Echo;
    expect(echo).toMatchObject({
      isBase64Encoded: true,
      bodyType: 'buffer',
      size: image.length,
      sha256: createHash('sha256').update(image).digest('hex'),
    });
    expect(echo.headers['content-length']).toBe(String(image.length));
    expect(echo.headers['x-gantry-body-encoding']).toBeUndefined();
  });

  it('sends forms base64-encoded too (not a text type for API Gateway), and JSON as text', async () => {
    const form = JSON.parse(
      (await send('POST', [['content-type', 'application/x-www-form-urlencoded']], Buffer.from('a=1&b=x%20y'))).text,
    ) as Echo;
    expect(form).toMatchObject({ isBase64Encoded: true, body: { a: '1', b: 'x y' } });
    const json = JSON.parse(
      (await send('POST', [['content-type', 'application/json']], Buffer.from('{"a":[1,2]}'))).text,
    ) as Echo;
    expect(json).toMatchObject({ isBase64Encoded: false, body: { a: [1, 2] } });
  });

  it('refuses a request line and headers over 10,240 bytes, and passes one just under', async () => {
    const over = await send('GET', [['x-big', 'a'.repeat(10_300)]]);
    expect(over.status).toBe(431);
    expect(JSON.parse(over.text)).toEqual({ message: 'Request Header Fields Too Large' });
    const under = await send('GET', [['x-big', 'a'.repeat(9_000)]]);
    expect(under.status).toBe(200);
  });

  it('refuses bodies the function could not be invoked with (event over 6 MB) or API Gateway takes (10 MB)', async () => {
    const lambdaLimit = await send('POST', [['content-type', 'text/plain']], Buffer.alloc(6_400_000, 97));
    expect(lambdaLimit.status).toBe(413);
    expect(JSON.parse(lambdaLimit.text)).toEqual({ message: 'Request Entity Too Large' });
    // Binary bodies count base64-encoded, as the function would receive them: 4.8 MB → 6.4 MB.
    const binary = await send('POST', [['content-type', 'image/png']], randomBytes(4_800_000));
    expect(binary.status).toBe(413);
    const gatewayLimit = await send('POST', [['content-type', 'text/plain']], Buffer.alloc(10_500_000, 97));
    expect(gatewayLimit.status).toBe(413);
    // The server keeps serving.
    expect((await send('GET', [])).status).toBe(200);
  });

  it("answers CORS preflights from the service's configuration, for allowed origins only", async () => {
    const allowed = await send('OPTIONS', [
      ['origin', 'https://app.example'],
      ['access-control-request-method', 'POST'],
    ]);
    expect(allowed.status).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
      'access-control-allow-headers': 'content-type,authorization',
    });
    const other = await send('OPTIONS', [
      ['origin', 'https://evil.example'],
      ['access-control-request-method', 'POST'],
    ]);
    expect(other.status).toBe(204);
    expect(Object.keys(other.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('sets the CORS headers of responses itself: an origin that is not allowed gets none', async () => {
    const allowed = await send('GET', [['origin', 'https://app.example']]);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await send('GET', [['origin', 'https://evil.example']]);
    expect(other.status).toBe(200);
    expect(Object.keys(other.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('answers a function that fails to initialise with 500 and nothing of the error, and keeps serving', async () => {
    const broken = await fetch(`${offline.url}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ message: 'Internal Server Error' });
    expect(offline.output()).toContain('init failed on purpose'); // the stack is in the terminal
    expect((await send('GET', [])).status).toBe(200);
  });
});

// Every answer a client gets is the function's or one HTTP API itself gives: never one that
// serverless-offline or hapi made up (route dumps, "CORS error", `{"statusCode":400,...}`).
describe("sls offline with Gantry's front answers only as a function or API Gateway would", () => {
  const NOT_FOUND = { message: 'Not Found' };

  it("answers a route or method the service does not have with HTTP API's 404, not a route dump", async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['DELETE', '/broken'], // the path exists, for GET only
      ['POST', '/2015-03-31/functions/echo-echo/invocations'], // serverless-offline's, not the API's
    ] as const) {
      const answer = await send(method, [], undefined, path);
      expect({ method, path, status: answer.status, body: JSON.parse(answer.text) }).toEqual({
        method,
        path,
        status: 404,
        body: NOT_FOUND,
      });
    }
  });

  it("serves hand-written functions' routes too", async () => {
    const answer = await send('GET', [], undefined, '/object-body');
    expect(answer.status).not.toBe(404);
  });

  it('matches a greedy route for child paths only, never its parent', async () => {
    const parent = await send('GET', [], undefined, '/files');
    expect(parent.status).toBe(404);
    expect(JSON.parse(parent.text)).toEqual(NOT_FOUND);
    const child = await send('GET', [], undefined, '/files/a/b.txt');
    expect(child.status).toBe(200);
    expect(JSON.parse(child.text)).toEqual({ proxy: 'a/b.txt' });
  });

  it('routes an OPTIONS that is not a preflight like any method: to an ANY route, else 404', async () => {
    const bare = await send('OPTIONS', []);
    expect(bare.status).toBe(200);
    expect((JSON.parse(bare.text) as Echo).method).toBe('OPTIONS');
    // An Origin without Access-Control-Request-Method is no preflight: a CORS request to the function.
    const withOrigin = await send('OPTIONS', [['origin', 'https://app.example']]);
    expect(withOrigin.status).toBe(200);
    expect((JSON.parse(withOrigin.text) as Echo).method).toBe('OPTIONS');
    expect(withOrigin.headers['access-control-allow-origin']).toBe('https://app.example');
    const noRoute = await send('OPTIONS', [], undefined, '/broken');
    expect(noRoute.status).toBe(404);
    expect(JSON.parse(noRoute.text)).toEqual(NOT_FOUND);
  });

  it('gives the function content-types hapi refuses, as sent (two joined with a comma)', async () => {
    const twice = await send(
      'POST',
      [
        ['content-type', 'application/json; charset=utf-8'],
        ['content-type', 'application/json; charset=utf-8'],
      ],
      Buffer.from('{"a":1}'),
    );
    expect(twice.status).toBe(200);
    const echo = JSON.parse(twice.text) as Echo;
    expect(echo.headers['content-type']).toBe('application/json; charset=utf-8,application/json; charset=utf-8');
    expect(echo.headers['x-gantry-content-type']).toBeUndefined();
    const noBoundary = await send('POST', [['content-type', 'multipart/form-data']], Buffer.from('xy'));
    expect(noBoundary.status).toBe(200);
    expect(JSON.parse(noBoundary.text)).toMatchObject({
      headers: { 'content-type': 'multipart/form-data' },
      isBase64Encoded: true,
      size: 2,
    });
  });

  it('gives the function cookies hapi refuses, as payload 2.0 splits them', async () => {
    const answer = await send('GET', [['cookie', 'a=b c; d="x']]);
    expect(answer.status).toBe(200);
    const echo = JSON.parse(answer.text) as Echo;
    expect(echo.cookies).toEqual(['a=b c', 'd="x']);
    expect(echo.headers.cookie).toBe('a=b c; d="x');
  });

  it("answers a path that cannot be percent-decoded with API Gateway's 400 body, not hapi's", async () => {
    const answer = await send('GET', [], undefined, '/files/%E0%A4%A');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ message: 'Bad Request' });
  });

  it('answers a response serverless-offline cannot send (a body that is not a string) with 500, not its 502', async () => {
    const answer = await send('GET', [], undefined, '/object-body');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.text)).toEqual({ message: 'Internal Server Error' });
  });
});

describe('the front on a port that is taken', () => {
  it('stops sls offline with a message that says what to do, and exits', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await sls(cwd, ['offline', '--host', '127.0.0.1', '--httpPort', String(port)]);
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toContain(
        `http://127.0.0.1:${port}/ is in use: stop what listens there, or give sls offline another port with --httpPort.`,
      );
    } finally {
      taken.close();
    }
  });
});

// One runner (issue #21): under `sls offline` the front builds the event of a Gantry route itself,
// with the builder the testing helper uses, so a function gets the same event in both; through
// serverless-offline's HTTP server it got another (its own account and API ids, no `cookies`, …).
describe('sls offline and serverless-gantry/testing give a function the same event', () => {
  it('the same fields and values, apart from what differs per request (ids, times, client headers)', async () => {
    const { startLocalService } = await import('serverless-gantry/testing');
    const service = await startLocalService({ servicePath: cwd });
    try {
      const target = '/event/42?tag=a&tag=b&q=x%20y';
      const headers: [string, string][] = [
        ['x-trace', 'one'],
        ['x-trace', 'two'],
        ['cookie', 'a=1; b=2'],
      ];
      const offlineAnswer = await send('GET', headers, undefined, target);
      expect(offlineAnswer.status, offlineAnswer.text).toBe(200);
      const tested = await service.request('GET', target, {
        headers: { 'x-trace': ['one', 'two'], cookie: 'a=1; b=2' },
      });
      expect(tested.status).toBe(200);
      const comparable = (event: Record<string, unknown>) => {
        const {
          requestContext,
          headers: eventHeaders,
          ...rest
        } = event as {
          requestContext: Record<string, unknown> & { http: Record<string, unknown> };
          headers: Record<string, string>;
        };
        const { requestId: _id, time: _time, timeEpoch: _epoch, http, ...context } = requestContext;
        const { sourceIp: _ip, userAgent: _agent, ...request } = http;
        return {
          ...rest,
          requestContext: { ...context, http: request },
          headers: { 'x-trace': eventHeaders['x-trace'], cookie: eventHeaders.cookie },
        };
      };
      expect(comparable(JSON.parse(offlineAnswer.text))).toEqual(comparable(tested.body as Record<string, unknown>));
      expect(JSON.parse(offlineAnswer.text)).toMatchObject({
        routeKey: 'GET /event/{id}',
        rawQueryString: 'tag=a&tag=b&q=x%20y',
        queryStringParameters: { tag: 'a,b', q: 'x y' },
        pathParameters: { id: '42' },
        cookies: ['a=1', 'b=2'],
        requestContext: { accountId: '000000000000', apiId: 'local', stage: '$default' },
      });
    } finally {
      await service.stop();
    }
  });
});
