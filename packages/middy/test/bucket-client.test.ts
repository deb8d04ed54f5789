import { createHash, createHmac } from 'node:crypto';
import { bucket } from '@gantry/decorators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bucketClient } from '../src/s3/index.js';
import { startLocalS3 } from './support/local-s3.js';

const Uploads = bucket('uploads');
const BUCKET = 'svc-dev-uploads';
const REGION = 'eu-west-1';
const SECRET = 'local-secret';

let local: Awaited<ReturnType<typeof startLocalS3>>;
const uploads = bucketClient(Uploads); // the container's shared client, as a deployed function has it

beforeAll(async () => {
  local = await startLocalS3(REGION);
  await local.createBucket(BUCKET);
  // What the plugin and Lambda give a function that @uses(Uploads, ...), with a local endpoint.
  vi.stubEnv('GANTRY_BUCKET_UPLOADS', BUCKET);
  vi.stubEnv('AWS_ENDPOINT_URL_S3', local.endpoint);
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCAL');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', SECRET);
  vi.stubEnv('AWS_SESSION_TOKEN', 'session-token');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await local.stop();
});

const query = (url: string) => new URL(url).searchParams;

describe('bucketClient: objects', () => {
  it('puts an object and gets back its bytes, type, size, bare ETag and time', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const { eTag } = await uploads.put('reports/r1.bin', bytes, { contentType: 'application/octet-stream' });
    const object = await uploads.get('reports/r1.bin');
    expect(object).toMatchObject({
      body: bytes,
      contentType: 'application/octet-stream',
      size: 5,
      eTag: createHash('md5').update(bytes).digest('hex'),
    });
    expect(eTag).toBe(object?.eTag);
    expect(object?.lastModified).toBeInstanceOf(Date);
  });

  it('reads text as UTF-8 and keeps keys with spaces, plus signs and non-ASCII exactly', async () => {
    const key = 'notes/a b+c/été ☃.txt';
    await uploads.put(key, 'grüße ☃', { contentType: 'text/plain; charset=utf-8' });
    expect(await uploads.getText(key)).toBe('grüße ☃');
    expect((await uploads.get(key))?.contentType).toBe('text/plain; charset=utf-8');
    const keys: string[] = [];
    for await (const listed of uploads.list({ prefix: 'notes/' })) keys.push(listed);
    expect(keys).toEqual([key]);
  });

  it('answers undefined for a key that does not exist, and after a delete', async () => {
    expect(await uploads.get('nothing/here')).toBeUndefined();
    expect(await uploads.getText('nothing/here')).toBeUndefined();
    await uploads.put('tmp/gone.txt', 'x', { contentType: 'text/plain' });
    await uploads.delete('tmp/gone.txt');
    expect(await uploads.get('tmp/gone.txt')).toBeUndefined();
    await expect(uploads.delete('tmp/gone.txt')).resolves.toBeUndefined(); // S3 deletes idempotently
  });

  it('lists every key under a prefix, page after page', async () => {
    const keys = ['list/a', 'list/b', 'list/c', 'list/d', 'list/e'];
    for (const key of keys) await uploads.put(key, key, { contentType: 'text/plain' });
    await uploads.put('listed-not/x', 'x', { contentType: 'text/plain' });
    const before = local.requests.length;
    const listed: string[] = [];
    for await (const key of uploads.list({ prefix: 'list/', pageSize: 2 })) listed.push(key);
    expect(listed).toEqual(keys);
    const calls = local.requests.slice(before).filter((r) => r.startsWith('GET') && r.includes('list-type=2'));
    expect(calls).toHaveLength(3);
  });
});

describe('bucketClient: presigned URLs', () => {
  it('a PUT URL signs content-type and content-length as headers, and the browser upload lands', async () => {
    const url = await uploads.presignPut('avatars/u1.png', { contentType: 'image/png', contentLength: 4 });
    const params = query(url);
    expect(params.get('X-Amz-SignedHeaders')?.split(';')).toEqual(['content-length', 'content-type', 'host']);
    expect(params.get('X-Amz-Expires')).toBe('300');
    // Not query parameters the browser could leave out; and no checksum of an empty body baked in,
    // which real S3 would check against the file (aws-sdk-js-v3 #6994).
    expect([...params.keys()].filter((k) => /^content-|checksum/i.test(k))).toEqual([]);
    expect(new URL(url).pathname).toBe(`/${BUCKET}/avatars/u1.png`);

    const answer = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array([137, 80, 78, 71]),
    });
    expect(answer.status).toBe(200);
    expect(await uploads.get('avatars/u1.png')).toMatchObject({
      body: new Uint8Array([137, 80, 78, 71]),
      contentType: 'image/png',
    });
  });

  it('a GET URL downloads the object; with a filename, as an attachment named per RFC 6266', async () => {
    await uploads.put('exports/e1.csv', 'a,b\n1,2\n', { contentType: 'text/csv' });
    const plain = await uploads.presignDownload('exports/e1.csv', { expiresIn: 60 });
    expect(query(plain).get('X-Amz-Expires')).toBe('60');
    expect(query(plain).has('response-content-disposition')).toBe(false);
    const answer = await fetch(plain);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('a,b\n1,2\n');

    const ascii = await uploads.presignDownload('exports/e1.csv', { filename: 'report 2026.csv' });
    expect(query(ascii).get('response-content-disposition')).toBe('attachment; filename="report 2026.csv"');
    const unicode = await uploads.presignDownload('exports/e1.csv', { filename: 'Rechnung "März" €.csv' });
    expect(query(unicode).get('response-content-disposition')).toBe(
      `attachment; filename="Rechnung _M_rz_ _.csv"; filename*=UTF-8''Rechnung%20%22M%C3%A4rz%22%20%E2%82%AC.csv`,
    );
    // Signed with the rest of the query: S3 refuses the URL with another disposition.
    expect(query(unicode).get('X-Amz-SignedHeaders')).toBe('host');
  });

  it("a form upload's signed policy pins the one key, the content type and the size range", async () => {
    const { url, fields } = await uploads.presignUpload('avatars/u2.png', {
      contentType: 'image/png',
      maxBytes: 2_000_000,
      expiresIn: 120,
    });
    expect(url).toBe(`${local.endpoint}/${BUCKET}`);
    expect(fields).toMatchObject({ key: 'avatars/u2.png', 'Content-Type': 'image/png', bucket: BUCKET });
    const policy = JSON.parse(Buffer.from(fields.Policy as string, 'base64').toString('utf8'));
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, 2_000_000],
        { 'Content-Type': 'image/png' },
        { key: 'avatars/u2.png' },
        { bucket: BUCKET },
        { 'X-Amz-Security-Token': 'session-token' },
      ]),
    );
    // Every other condition is an exact match on a field the form sends: nothing starts-with.
    for (const condition of policy.conditions) {
      if (Array.isArray(condition)) expect(condition[0]).toBe('content-length-range');
      else expect(fields[Object.keys(condition)[0] as string]).toBe(Object.values(condition)[0]);
    }
    const signedAt = (fields['X-Amz-Date'] as string).replace(
      /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
      '$1-$2-$3T$4:$5:$6Z',
    );
    expect(Date.parse(policy.expiration) - Date.parse(signedAt)).toBe(120_000);
    // The signature S3 checks: SigV4's key for the credential's day and region, over the policy.
    const [accessKey, day, region] = (fields['X-Amz-Credential'] as string).split('/');
    expect([accessKey, region]).toEqual(['AKIDLOCAL', REGION]);
    const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, day as string), REGION), 's3'), 'aws4_request');
    expect(fields['X-Amz-Signature']).toBe(
      createHmac('sha256', signingKey)
        .update(fields.Policy as string)
        .digest('hex'),
    );
  });

  it('a form upload may allow empty files when asked (minBytes 0); by default it does not', async () => {
    const decoded = async (minBytes?: number) => {
      const { fields } = await uploads.presignUpload('k', {
        contentType: 'text/plain',
        maxBytes: 10,
        ...(minBytes !== undefined ? { minBytes } : {}),
      });
      return JSON.parse(Buffer.from(fields.Policy as string, 'base64').toString('utf8')).conditions[0];
    };
    expect(await decoded()).toEqual(['content-length-range', 1, 10]);
    expect(await decoded(0)).toEqual(['content-length-range', 0, 10]);
  });
});

describe('bucketClient: what it refuses before calling S3', () => {
  it.each([
    [
      'an empty key',
      () => uploads.presignDownload(''),
      'bucketClient(uploads).presignDownload: a key must be a non-empty string; got an empty one.',
    ],
    [
      'a key over 1,024 bytes of UTF-8',
      () => uploads.get('é'.repeat(513)),
      /^bucketClient\(uploads\)\.get: a key may be at most 1024 bytes of UTF-8; "é{60}…" is 1026\.$/,
    ],
    [
      'a lone surrogate',
      () => uploads.put('a\ud800', 'x', { contentType: 'text/plain' }),
      'holds a lone UTF-16 surrogate',
    ],
    [
      'an expiry of 0 s',
      () => uploads.presignDownload('k', { expiresIn: 0 }),
      'expiresIn must be a whole number of seconds from 1 to 604800',
    ],
    [
      'an expiry over 7 days',
      () => uploads.presignPut('k', { contentType: 'text/plain', contentLength: 1, expiresIn: 604_801 }),
      'got 604801',
    ],
    ['a fractional expiry', () => uploads.presignDownload('k', { expiresIn: 1.5 }), 'got 1.5'],
    [
      'a content type without a subtype',
      () => uploads.presignUpload('k', { contentType: 'png', maxBytes: 1 }),
      `contentType must be a MIME type such as 'image/png'`,
    ],
    [
      'a content type with a line break',
      () => uploads.put('k', 'x', { contentType: 'text/plain;\r\nx: y' }),
      'contentType must be a MIME type',
    ],
    [
      'maxBytes of 0',
      () => uploads.presignUpload('k', { contentType: 'image/png', maxBytes: 0 }),
      'maxBytes must be a whole number of bytes from 1 to 5368709120',
    ],
    [
      'maxBytes over 5 GiB',
      () => uploads.presignUpload('k', { contentType: 'image/png', maxBytes: 5 * 1024 ** 3 + 1 }),
      'got 5368709121',
    ],
    [
      'minBytes above maxBytes',
      () => uploads.presignUpload('k', { contentType: 'image/png', minBytes: 10, maxBytes: 5 }),
      'maxBytes must be a whole number of bytes from 10',
    ],
    [
      'a negative content length',
      () => uploads.presignPut('k', { contentType: 'image/png', contentLength: -1 }),
      'contentLength must be a whole number of bytes from 0',
    ],
    ['an empty filename', () => uploads.presignDownload('k', { filename: '' }), 'filename must be a non-empty string'],
  ])('refuses %s, naming the call and the rule', async (_case, call, message) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    if (typeof message === 'string') expect((error as Error).message).toContain(message);
    else expect((error as Error).message).toMatch(message);
  });

  it('refuses a list page size outside 1–1,000', async () => {
    const listing = uploads.list({ pageSize: 1001 })[Symbol.asyncIterator]();
    await expect(listing.next()).rejects.toThrow('pageSize must be a whole number from 1 to 1000; got 1001.');
  });

  it('accepts the limits themselves: a 1,024-byte key and 7 days', async () => {
    const url = await uploads.presignDownload('k'.repeat(1024), { expiresIn: 604_800 });
    expect(query(url).get('X-Amz-Expires')).toBe('604800');
  });

  it('says which @uses is missing when the bucket name is not in the environment', async () => {
    const Other = bucket('other-files');
    await expect(bucketClient(Other).get('k')).rejects.toThrow(
      "Bucket 'other-files': GANTRY_BUCKET_OTHER_FILES is not set. Declare @uses(other-files, ...) on the method, or set it when running outside Gantry.",
    );
  });
});

describe("bucketClient: the container's shared client", () => {
  it('is made once, on first use, captured by tracing, and addresses buckets by path when an endpoint is set', async () => {
    vi.resetModules();
    vi.stubEnv('AWS_ENDPOINT_URL_S3', 'http://localhost:4569');
    try {
      // Fresh copies of the modules: no shared client yet, and tracing on (as @gantry/middy/tracing sets it).
      const tracing = await import('../src/tracing/hooks.js');
      const captured: unknown[] = [];
      tracing.setTracingHooks({
        startInvocation: () => () => undefined,
        captureClient: (client) => {
          captured.push(client);
          return client;
        },
      });
      const fresh = await import('../src/s3/index.js');
      const url = await fresh.bucketClient(Uploads).presignDownload('a/b.txt');
      await fresh.bucketClient(Uploads).presignDownload('a/c.txt');
      // A local endpoint has no <bucket>. host names.
      expect(url.startsWith(`http://localhost:4569/${BUCKET}/a/b.txt?`)).toBe(true);
      expect(captured).toEqual([fresh.s3Client()]);
    } finally {
      vi.stubEnv('AWS_ENDPOINT_URL_S3', local.endpoint);
    }
  });
});
