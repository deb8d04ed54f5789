import { createHash } from 'node:crypto';
import { S3Schema } from '@aws-lambda-powertools/parser/schemas';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalIdentity } from '../src/offline/iam/caller.js';
import type { Statement } from '../src/offline/iam/policy.js';
import type { LocalAccount } from '../src/offline/iam/resolve-arns.js';
import { type LocalObjectEvent, type LocalS3, startLocalS3 } from '../src/offline/s3/local-s3.js';
import { Sha256 } from '../src/offline/s3/sha256.js';
import { waitUntil } from './support/wait.js';

const account: LocalAccount = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const BUCKET = 'shop-dev-uploads';
const objects = `arn:aws:s3:::${BUCKET}/*`;

const allow = (Action: string[], Resource: string, Condition?: Statement['Condition']): Statement => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});

const identity = (name: string, statements: Statement[]): LocalIdentity => ({
  functionName: name,
  roleName: `shop-dev-${name}`,
  statements,
  secretAccessKey: `secret-${name}`,
});

// As `uses(Uploads, [...])` generates them (BUCKET_LEVEL_ACTIONS): object actions on the keys, list with s3:prefix.
const identities = new Map<string, LocalIdentity>([
  [
    'key-writer',
    identity('writer', [
      allow(['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject', 's3:DeleteObject'], objects),
      allow(['s3:ListBucket'], `arn:aws:s3:::${BUCKET}`, { StringLike: { 's3:prefix': ['*'] } }),
    ]),
  ],
  ['key-reader', identity('reader', [allow(['s3:GetObject'], objects)])],
  ['key-avatars', identity('avatars', [allow(['s3:PutObject'], `arn:aws:s3:::${BUCKET}/avatars/*`)])],
  ['key-denied', identity('denied', [])],
]);

let s3: LocalS3;
const events: LocalObjectEvent[] = [];
const clients: S3Client[] = [];

function client(accessKeyId: string, secretAccessKey = `secret-${accessKeyId.replace('key-', '')}`) {
  const created = new S3Client({
    endpoint: s3.url,
    region: account.region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    // Presigned URLs without the SDK's checksum of an empty body (see the BadDigest test).
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  clients.push(created);
  return created;
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return {
      name: e.name,
      message: e.message,
      ...(e.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}),
    };
  }
  throw new Error('expected the call to fail');
}

const codeOf = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const messageOf = (xml: string) => /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];

beforeAll(async () => {
  s3 = await startLocalS3({
    account,
    identities,
    shellCredentials: { accessKeyId: 'shell', secretAccessKey: 'shell-secret' },
    denyUnidentified: false,
    port: 0,
    onObjectEvent: (event) => events.push(event),
  });
  await s3.createBuckets([
    { name: 'uploads', bucketName: BUCKET, cors: { origins: ['https://app.example.com'], maxAgeSeconds: 3000 } },
  ]);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await s3?.stop();
});

beforeEach(() => {
  events.length = 0;
});

describe('requests signed in the Authorization header (a function’s SDK calls)', () => {
  it('lets an identity whose policy allows it put, get, head, list and delete, and reports each change as S3 does', async () => {
    const writer = client('key-writer');
    const put = await writer.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'notes/a.txt', Body: 'hello', ContentType: 'text/plain' }),
    );
    const got = await writer.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'notes/a.txt' }));
    const head = await writer.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'notes/a.txt' }));
    const listed = await writer.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'notes/' }));
    await writer.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'notes/a.txt' }));

    expect(await got.Body?.transformToString()).toBe('hello');
    expect(head.ContentLength).toBe(5);
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['notes/a.txt']);
    await waitUntil(() => events.length === 2, '2 object event(s)');
    expect(events.map((e) => e.record.eventName)).toEqual(['ObjectCreated:Put', 'ObjectRemoved:Delete']);
    const [created, removed] = events.map((e) => e.record);
    expect(S3Schema.parse({ Records: [created, removed] }).Records).toHaveLength(2);
    expect(created).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      userIdentity: { principalId: expect.stringMatching(/^AWS:AROA[0-9A-F]{17}:writer$/) },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: { key: 'notes/a.txt', size: 5, eTag: (put.ETag ?? '').replaceAll('"', '') },
      },
    });
    expect(created?.responseElements['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(removed?.s3.object).not.toHaveProperty('size');
    expect(removed?.s3.object).not.toHaveProperty('eTag');
    expect(removed && created && removed.s3.object.sequencer > created.s3.object.sequencer).toBe(true);
    expect(events[0]?.bucket).toBe('uploads');
  });

  it('answers AccessDenied, in S3’s words, to an identity whose policy does not allow the action', async () => {
    const error = await errorOf(
      client('key-denied').send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x.txt', Body: 'x' })),
    );

    expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(error.message).toBe(
      `User: arn:aws:sts::123456789012:assumed-role/shop-dev-denied/denied is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${BUCKET}/x.txt" because no identity-based policy allows the s3:PutObject action`,
    );
    expect(events).toHaveLength(0);
  });

  it('refuses a request signed with the wrong secret (SignatureDoesNotMatch) or an unknown key (InvalidAccessKeyId)', async () => {
    const wrongSecret = await errorOf(
      client('key-writer', 'not-the-secret').send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' })),
    );
    const unknown = await errorOf(client('key-nobody', 'x').send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' })));

    expect(wrongSecret).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(unknown).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
  });

  it('keeps a prefix-scoped identity to its prefix', async () => {
    const avatars = client('key-avatars');
    await avatars.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'avatars/me.png', Body: 'png' }));
    const outside = await errorOf(
      avatars.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/me.png', Body: 'png' })),
    );

    expect(outside).toMatchObject({ name: 'AccessDenied', status: 403 });
    await waitUntil(() => events.length === 1, '1 object event(s)');
    expect(events.map((e) => e.record.s3.object.key)).toEqual(['avatars/me.png']);
  });

  it('tells a missing key (404 NoSuchKey) only to a caller that may list the bucket; others get 403', async () => {
    const withList = await errorOf(
      client('key-writer').send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing.txt' })),
    );
    const withoutList = await errorOf(
      client('key-reader').send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing.txt' })),
    );
    const headWithout = await errorOf(
      client('key-reader').send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing.txt' })),
    );

    expect(withList).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(withoutList).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(headWithout).toMatchObject({ status: 403 });
  });

  it('denies listing to an identity without s3:ListBucket', async () => {
    const error = await errorOf(client('key-reader').send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: '' })));

    expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(error.message).toContain(`s3:ListBucket on resource: "arn:aws:s3:::${BUCKET}"`);
  });

  it('refuses a body whose signed payload hash does not match it (XAmzContentSHA256Mismatch) and stores nothing', async () => {
    const signer = new SignatureV4({
      service: 's3',
      region: account.region,
      credentials: { accessKeyId: 'key-writer', secretAccessKey: 'secret-writer' },
      sha256: Sha256,
      uriEscapePath: false,
    });
    const url = new URL(`${s3.url}/${BUCKET}/hashed.txt`);
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: {
        host: url.host,
        'x-amz-content-sha256': createHash('sha256').update('what was signed').digest('hex'),
      },
    });

    const response = await fetch(url, { method: 'PUT', headers: signed.headers, body: 'what was sent' });

    expect(response.status).toBe(400);
    expect(codeOf(await response.text())).toBe('XAmzContentSHA256Mismatch');
    expect(
      await errorOf(client('key-writer').send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'hashed.txt' }))),
    ).toMatchObject({ status: 404 });
  });

  it('runs a multipart upload and a copy, each reported with its own event name', async () => {
    const writer = client('key-writer');
    const { UploadId } = await writer.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big.bin' }));
    const first = await writer.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'big.bin',
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(5 * 1024 * 1024, 1),
      }),
    );
    const second = await writer.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: 'big.bin', UploadId, PartNumber: 2, Body: 'tail' }),
    );
    await writer.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'big.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first.ETag },
            { PartNumber: 2, ETag: second.ETag },
          ],
        },
      }),
    );
    await writer.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'copies/big.bin', CopySource: `${BUCKET}/big.bin` }),
    );

    await waitUntil(() => events.length === 2, '2 object event(s)');
    expect(events.map((e) => [e.record.eventName, e.record.s3.object.key, e.record.s3.object.size])).toEqual([
      ['ObjectCreated:CompleteMultipartUpload', 'big.bin', 5 * 1024 * 1024 + 4],
      ['ObjectCreated:Copy', 'copies/big.bin', 5 * 1024 * 1024 + 4],
    ]);
  });
});

describe('presigned URLs', () => {
  it('uploads through a presigned PUT of an allowed identity, the key encoded in its event as S3 encodes it', async () => {
    const key = 'photos/red flower ü+1.jpg';
    const url = await getSignedUrl(client('key-writer'), new PutObjectCommand({ Bucket: BUCKET, Key: key }), {
      expiresIn: 60,
    });

    const response = await fetch(url, { method: 'PUT', body: 'jpeg bytes' });

    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(`"${createHash('md5').update('jpeg bytes').digest('hex')}"`);
    await waitUntil(() => events.length === 1, '1 object event(s)');
    expect(events[0]?.record.s3.object.key).toBe('photos/red+flower+%C3%BC%2B1.jpg');
    expect(events[0]?.change.key).toBe(key);
  });

  it('refuses a presigned URL of an identity whose policy does not allow the action', async () => {
    const url = await getSignedUrl(client('key-denied'), new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));

    const response = await fetch(url);

    expect(response.status).toBe(403);
    expect(codeOf(await response.text())).toBe('AccessDenied');
  });

  it("keeps a PUT's content type and x-amz-meta-* metadata, and answers its ETag, as S3 does", async () => {
    const put = await client('key-writer').send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'meta.txt',
        Body: 'hello',
        ContentType: 'text/plain',
        Metadata: { owner: 'ann' },
      }),
    );
    const head = await client('key-writer').send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta.txt' }));

    expect(put.ETag).toBe(`"${createHash('md5').update('hello').digest('hex')}"`);
    expect([head.ContentType, head.Metadata, head.ContentLength]).toEqual(['text/plain', { owner: 'ann' }, 5]);
  });

  it('sets the response headers a presigned GET asks for (response-content-disposition), as S3 does', async () => {
    await client('key-writer').send(new PutObjectCommand({ Bucket: BUCKET, Key: 'report.txt', Body: 'r' }));
    const disposition = `attachment; filename="report.txt"; filename*=UTF-8''r%C3%A9port.txt`;
    const url = await getSignedUrl(
      client('key-writer'),
      new GetObjectCommand({ Bucket: BUCKET, Key: 'report.txt', ResponseContentDisposition: disposition }),
    );

    const response = await fetch(url);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(await response.text()).toBe('r');
  });

  it('refuses a tampered signature with SignatureDoesNotMatch', async () => {
    const url = new URL(
      await getSignedUrl(client('key-writer'), new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' })),
    );
    const signature = url.searchParams.get('X-Amz-Signature') ?? '';
    url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);

    const response = await fetch(url);

    expect(response.status).toBe(403);
    expect(codeOf(await response.text())).toBe('SignatureDoesNotMatch');
  });

  it('refuses an expired URL with AccessDenied "Request has expired"', async () => {
    const url = await getSignedUrl(client('key-writer'), new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }), {
      signingDate: new Date(Date.now() - 10 * 60 * 1000),
      expiresIn: 60,
    });

    const response = await fetch(url);
    const body = await response.text();

    expect(response.status).toBe(403);
    expect([codeOf(body), messageOf(body)]).toEqual(['AccessDenied', 'Request has expired']);
    expect(body).toContain('<X-Amz-Expires>60</X-Amz-Expires>');
  });

  it('refuses a presigned PUT used with another content type or length than it signed', async () => {
    const url = await getSignedUrl(
      client('key-writer'),
      new PutObjectCommand({ Bucket: BUCKET, Key: 'signed.txt', ContentType: 'text/plain', ContentLength: 5 }),
      { signableHeaders: new Set(['content-type']) },
    );

    const asSigned = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    const otherType = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'hello' });
    const otherLength = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'hello world',
    });

    expect(asSigned.status).toBe(200);
    expect(codeOf(await otherType.text())).toBe('SignatureDoesNotMatch');
    expect(codeOf(await otherLength.text())).toBe('SignatureDoesNotMatch');
    expect([otherType.status, otherLength.status]).toEqual([403, 403]);
  });

  it('refuses a body that does not match the checksum in the URL (BadDigest), as S3 does with the SDK’s default checksum', async () => {
    const withChecksums = new S3Client({
      endpoint: s3.url,
      region: account.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'key-writer', secretAccessKey: 'secret-writer' },
    });
    clients.push(withChecksums);
    const url = await getSignedUrl(withChecksums, new PutObjectCommand({ Bucket: BUCKET, Key: 'checksum.txt' }));

    const response = await fetch(url, { method: 'PUT', body: 'not empty' });

    expect(new URL(url).searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
    expect(response.status).toBe(400);
    expect(codeOf(await response.text())).toBe('BadDigest');
  });

  it('streams a 10 MB upload through a presigned PUT and serves it back whole', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
    const url = await getSignedUrl(client('key-writer'), new PutObjectCommand({ Bucket: BUCKET, Key: 'ten.bin' }));

    const response = await fetch(url, { method: 'PUT', body });
    const got = await client('key-writer').send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ten.bin' }));
    const back = Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));

    expect(response.status).toBe(200);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    await waitUntil(() => events.length === 1, '1 object event(s)');
    expect(events[0]?.record.s3.object.size).toBe(body.length);
  });
});

describe('CORS', () => {
  it('answers a preflight from the bucket’s rule, and refuses an origin the rule does not name', async () => {
    const preflight = (origin: string) =>
      fetch(`${s3.url}/${BUCKET}/photos/a.jpg`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
      });

    const allowed = await preflight('https://app.example.com');
    const refused = await preflight('https://evil.example.com');

    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(allowed.headers.get('access-control-max-age')).toBe('3000');
    expect(refused.status).toBe(403);
    expect(messageOf(await refused.text())).toMatch(/^CORSResponse: This CORS request is not allowed/);
  });

  it('adds Access-Control-Allow-Origin and exposes ETag on a request from an allowed origin', async () => {
    const url = await getSignedUrl(client('key-writer'), new PutObjectCommand({ Bucket: BUCKET, Key: 'cors.txt' }));

    const response = await fetch(url, { method: 'PUT', headers: { origin: 'https://app.example.com' }, body: 'x' });

    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
  });
});
