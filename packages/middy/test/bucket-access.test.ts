import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { bucket } from '@gantry/decorators';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BucketAccessDeniedError, bucketClient, isBucketAccessDeniedError } from '../src/s3/index.js';

// Stands in for IAM refusing the function's role, which nothing local produces without Gantry's
// plugin (its local S3 endpoint enforces the generated policy): a loopback server answering every
// request exactly as S3 answers a denied one, 403 with its XML error body (or another code when told).
const Uploads = bucket('uploads');
const BUCKET = 'svc-dev-uploads';
let server: Server;
let answer = { status: 403, code: 'AccessDenied', reason: 'because no identity-based policy allows the action' };
let denying: ReturnType<typeof bucketClient>;

beforeAll(async () => {
  server = createServer((request, response) => {
    const action = request.method === 'PUT' ? 'PutObject' : request.method === 'DELETE' ? 'DeleteObject' : 'GetObject';
    response.writeHead(answer.status, { 'content-type': 'application/xml', 'x-amz-request-id': '4442587FB7D0A2F9' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${answer.code}</Code><Message>User: arn:aws:sts::123456789012:assumed-role/svc-dev-read/svc-dev-read is not authorized to perform: s3:${action} on resource: "arn:aws:s3:::${BUCKET}${request.url?.split('?')[0]?.slice(BUCKET.length + 1)}" ${answer.reason}</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>host-id</HostId></Error>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.GANTRY_BUCKET_UPLOADS = BUCKET;
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-west-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    maxAttempts: 1,
  });
  denying = bucketClient(Uploads, { client });
});
afterEach(() => {
  delete process.env.GANTRY_LOCAL_BUCKET_ACCESS;
  answer = { status: 403, code: 'AccessDenied', reason: 'because no identity-based policy allows the action' };
});
afterAll(() => {
  delete process.env.GANTRY_BUCKET_UPLOADS;
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('bucketClient when the role denies a call: the error says which @uses level it needs', () => {
  it("deployed, a get: names the action, the object, 'read', and that without 'list' a missing key is refused too", async () => {
    const error = await denying.get('photos/a.jpg').catch((e: unknown) => e);
    expect(isBucketAccessDeniedError(error)).toBe(true);
    expect(error).toBeInstanceOf(BucketAccessDeniedError);
    expect(error).toMatchObject({
      name: 'AccessDenied',
      message: `s3:GetObject on ${BUCKET}/photos/a.jpg is denied: a get needs @uses(uploads, 'read'); if it has it, the key does not exist: without 'list' S3 answers AccessDenied rather than NoSuchKey for a missing key, and @uses(uploads, ['read', 'list']) makes get return undefined for it.`,
      bucket: 'uploads',
      action: 's3:GetObject',
      key: 'photos/a.jpg',
      needs: ['read'],
      cause: { name: 'AccessDenied' },
    });
  });

  it.each([
    [
      'put',
      () => denying.put('photos/a.jpg', 'x', { contentType: 'text/plain' }),
      's3:PutObject',
      "a put needs @uses(uploads, 'write')",
    ],
    ['delete', () => denying.delete('photos/a.jpg'), 's3:DeleteObject', "a delete needs @uses(uploads, 'delete')"],
  ])('deployed, a %s: names its action and level', async (_call, call, action, needs) => {
    const error = await call().catch((e: unknown) => e);
    expect(isBucketAccessDeniedError(error)).toBe(true);
    expect((error as Error).message).toBe(`${action} on ${BUCKET}/photos/a.jpg is denied: ${needs}.`);
  });

  it("deployed, a list: names the prefix and 'list'", async () => {
    const error = await (async () => {
      for await (const _ of denying.list({ prefix: 'photos/' })) {
        // never reached
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: `s3:ListBucket on ${BUCKET} (prefix 'photos/') is denied: a list needs @uses(uploads, 'list').`,
      prefix: 'photos/',
      needs: ['list'],
    });
  });

  it("locally, a get with 'read' but not 'list': says the key most likely does not exist", async () => {
    process.env.GANTRY_LOCAL_BUCKET_ACCESS = JSON.stringify({ uploads: { access: ['read', 'write'] } });
    const error = await denying.get('photos/missing.jpg').catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `s3:GetObject on ${BUCKET}/photos/missing.jpg is denied: the key most likely does not exist: this function declares @uses(uploads, ['read', 'write']), without 'list', so S3 answers AccessDenied rather than NoSuchKey for a missing key; declare @uses(uploads, ['read', 'write', 'list']) to get undefined for it.`,
    );
    expect(error).toMatchObject({ declared: { access: ['read', 'write'] } });
  });

  it('locally: says what the function declares when it lacks the level, or declares nothing', async () => {
    process.env.GANTRY_LOCAL_BUCKET_ACCESS = JSON.stringify({ uploads: { access: 'write' } });
    expect(((await denying.get('a.txt').catch((e: unknown) => e)) as Error).message).toBe(
      `s3:GetObject on ${BUCKET}/a.txt is denied: this function declares @uses(uploads, 'write'); a get needs 'read'.`,
    );
    process.env.GANTRY_LOCAL_BUCKET_ACCESS = JSON.stringify({ avatars: { access: 'read' } });
    expect(((await denying.delete('a.txt').catch((e: unknown) => e)) as Error).message).toBe(
      `s3:DeleteObject on ${BUCKET}/a.txt is denied: this function declares no @uses(uploads, ...); a delete needs 'delete'.`,
    );
  });

  it('locally: says when the key is outside the prefix the function declares', async () => {
    process.env.GANTRY_LOCAL_BUCKET_ACCESS = JSON.stringify({ uploads: { access: ['write'], prefix: 'avatars/' } });
    expect(
      ((await denying.put('docs/a.pdf', 'x', { contentType: 'application/pdf' }).catch((e: unknown) => e)) as Error)
        .message,
    ).toBe(
      `s3:PutObject on ${BUCKET}/docs/a.pdf is denied: this function declares @uses(uploads, 'write', { prefix: 'avatars/' }); the key 'docs/a.pdf' is outside that prefix.`,
    );
  });

  it('an explicit Deny is not fixed by declaring more: says so', async () => {
    answer.reason = 'with an explicit deny in an identity-based policy';
    expect(((await denying.get('a.txt').catch((e: unknown) => e)) as Error).message).toBe(
      `s3:GetObject on ${BUCKET}/a.txt is denied by an explicit Deny in the function's policy (a statement of @fn({ iamStatements }), a bucket policy, or one the account applies).`,
    );
  });

  it("passes S3's other errors unchanged", async () => {
    answer = { status: 404, code: 'NoSuchBucket', reason: '' };
    const error = await denying.put('a.txt', 'x', { contentType: 'text/plain' }).catch((e: unknown) => e);
    expect(isBucketAccessDeniedError(error)).toBe(false);
    expect(error).toMatchObject({ name: 'NoSuchBucket' });
  });

  it("tells the kit's error from the SDK's own AccessDenied", () => {
    const sdk = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    expect(isBucketAccessDeniedError(sdk)).toBe(false);
  });
});
