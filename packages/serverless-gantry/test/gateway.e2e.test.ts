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
  headers: Record<string, string>;
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
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(`${offline.url}/echo`);
  return new Promise((resolve, reject) => {
    const req = request(
      // Headers as a list go out exactly as given: Host too.
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
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
