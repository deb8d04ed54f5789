import { S3Schema } from '@aws-lambda-powertools/parser/schemas';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalIdentity } from '../src/offline/iam/caller.js';
import type { LocalAccount } from '../src/offline/iam/resolve-arns.js';
import { type LocalObjectEvent, type LocalS3, startLocalS3 } from '../src/offline/s3/local-s3.js';
import { waitUntil } from './support/wait.js';

const account: LocalAccount = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const BUCKET = 'shop-dev-uploads';

const identities = new Map<string, LocalIdentity>([
  [
    'key-uploader',
    {
      functionName: 'sign-upload',
      roleName: 'shop-dev-sign-upload',
      statements: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: `arn:aws:s3:::${BUCKET}/*` }],
      secretAccessKey: 'secret-uploader',
    },
  ],
  [
    'key-denied',
    { functionName: 'other', roleName: 'shop-dev-other', statements: [], secretAccessKey: 'secret-denied' },
  ],
]);

let s3: LocalS3;
let strict: LocalS3;
const events: LocalObjectEvent[] = [];
const clients: S3Client[] = [];

function client(accessKeyId: string, secretAccessKey: string) {
  const created = new S3Client({
    endpoint: s3.url,
    region: account.region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  clients.push(created);
  return created;
}

// A page's upload form: what the function signed, then the file, last (S3 ignores fields after it).
async function upload(
  post: { url: string; fields: Record<string, string> },
  file: { bytes: string | Uint8Array; name: string },
  change: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...change })) form.append(name, value);
  form.append('file', new Blob([file.bytes]), file.name);
  const response = await fetch(post.url, { method: 'POST', body: form });
  return { response, body: await response.text() };
}

const imagePolicy = (extra: Partial<PresignedPostOptions> = {}): PresignedPostOptions => ({
  Bucket: BUCKET,
  Key: 'uploads/${filename}',
  Conditions: [
    ['content-length-range', 1, 1024],
    ['starts-with', '$key', 'uploads/'],
    ['starts-with', '$Content-Type', 'image/'],
  ],
  Fields: { 'Content-Type': 'image/png' },
  Expires: 60,
  ...extra,
});

const codeOf = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const messageOf = (xml: string) => /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];

beforeAll(async () => {
  s3 = await startLocalS3({
    account,
    identities,
    denyUnidentified: false,
    port: 0,
    onObjectEvent: (e) => events.push(e),
  });
  strict = await startLocalS3({ account, identities, denyUnidentified: true, port: 0 });
  for (const endpoint of [s3, strict]) await endpoint.createBuckets([{ name: 'uploads', bucketName: BUCKET }]);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await s3?.stop();
  await strict?.stop();
});

beforeEach(() => {
  events.length = 0;
});

describe('browser POST uploads', () => {
  it('stores a file whose form holds to the signed policy, answers 204 with ETag and Location, and reports ObjectCreated:Post', async () => {
    const post = await createPresignedPost(client('key-uploader', 'secret-uploader'), imagePolicy());

    const { response } = await upload(post, { bytes: 'png bytes', name: 'cat pic.png' });

    expect(response.status).toBe(204);
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers.get('location')).toBe(`${s3.url}/${BUCKET}/uploads/cat%20pic.png`);
    const stored = await client('key-uploader', 'secret-uploader').send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/cat pic.png' }),
    );
    expect([stored.ContentType, await stored.Body?.transformToString()]).toEqual(['image/png', 'png bytes']);
    await waitUntil(() => events.length === 1, 'the upload’s event');
    const record = events[0]?.record;
    expect(S3Schema.parse({ Records: [record] }).Records).toHaveLength(1);
    expect(record).toMatchObject({
      eventName: 'ObjectCreated:Post',
      userIdentity: { principalId: expect.stringMatching(/:sign-upload$/) },
      s3: { object: { key: 'uploads/cat+pic.png', size: 9 } },
    });
  });

  it('answers as success_action_status says: 201 with S3’s PostResponse', async () => {
    const post = await createPresignedPost(
      client('key-uploader', 'secret-uploader'),
      imagePolicy({ Fields: { 'Content-Type': 'image/png', success_action_status: '201' } }),
    );

    const { response, body } = await upload(post, { bytes: 'png', name: 'a.png' });

    expect(response.status).toBe(201);
    expect(body).toContain(`<Bucket>${BUCKET}</Bucket><Key>uploads/a.png</Key>`);
  });

  it('refuses a file over the policy’s content-length-range with EntityTooLarge, and stores nothing', async () => {
    const post = await createPresignedPost(client('key-uploader', 'secret-uploader'), imagePolicy());

    const { response, body } = await upload(post, { bytes: new Uint8Array(2048), name: 'big.png' });

    expect(response.status).toBe(400);
    expect(codeOf(body)).toBe('EntityTooLarge');
    expect(body).toContain('<ProposedSize>2048</ProposedSize><MaxSizeAllowed>1024</MaxSizeAllowed>');
    expect(events).toHaveLength(0);
  });

  it('refuses a content type outside the policy', async () => {
    const post = await createPresignedPost(client('key-uploader', 'secret-uploader'), imagePolicy({ Fields: {} }));

    const { response, body } = await upload(post, { bytes: 'x', name: 'page.html' }, { 'Content-Type': 'text/html' });

    expect(response.status).toBe(403);
    expect(messageOf(body)).toBe(
      'Invalid according to Policy: Policy Condition failed: [&quot;starts-with&quot;, &quot;$Content-Type&quot;, &quot;image/&quot;]',
    );
  });

  it('refuses a key outside the policy’s starts-with', async () => {
    const post = await createPresignedPost(client('key-uploader', 'secret-uploader'), imagePolicy());

    const { response, body } = await upload(post, { bytes: 'x', name: 'a.png' }, { key: 'other/a.png' });

    expect(response.status).toBe(403);
    expect(messageOf(body)).toContain(
      'Policy Condition failed: [&quot;starts-with&quot;, &quot;$key&quot;, &quot;uploads/&quot;]',
    );
  });

  it('refuses a form field the policy does not name', async () => {
    const post = await createPresignedPost(client('key-uploader', 'secret-uploader'), imagePolicy());

    const { response, body } = await upload(post, { bytes: 'x', name: 'a.png' }, { 'x-amz-meta-owner': 'someone' });

    expect(response.status).toBe(403);
    expect(messageOf(body)).toBe('Invalid according to Policy: Extra input fields: x-amz-meta-owner');
  });

  it('refuses a policy changed after it was signed (SignatureDoesNotMatch)', async () => {
    const post = await createPresignedPost(client('key-uploader', 'secret-uploader'), imagePolicy());
    const policy = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString()) as { conditions: unknown[] };
    policy.conditions[0] = ['content-length-range', 1, 10_000_000];

    const { response, body } = await upload(
      post,
      { bytes: 'x', name: 'a.png' },
      {
        Policy: Buffer.from(JSON.stringify(policy)).toString('base64'),
      },
    );

    expect(response.status).toBe(403);
    expect(codeOf(body)).toBe('SignatureDoesNotMatch');
  });

  it('refuses an expired policy', async () => {
    const post = await createPresignedPost(client('key-uploader', 'secret-uploader'), imagePolicy({ Expires: -60 }));

    const { response, body } = await upload(post, { bytes: 'x', name: 'a.png' });

    expect(response.status).toBe(403);
    expect(messageOf(body)).toBe('Invalid according to Policy: Policy expired.');
  });

  it('refuses a policy signed by a function whose role may not put the object', async () => {
    const post = await createPresignedPost(client('key-denied', 'secret-denied'), imagePolicy());

    const { response, body } = await upload(post, { bytes: 'x', name: 'a.png' });

    expect(response.status).toBe(403);
    expect(codeOf(body)).toBe('AccessDenied');
    expect(messageOf(body)).toContain('is not authorized to perform: s3:PutObject');
  });
});

describe('callers without a function identity', () => {
  it('are refused when the run denies them, and served when it does not', async () => {
    const refused = await fetch(`${strict.url}/${BUCKET}/anything.txt`, { method: 'PUT', body: 'x' });
    const served = await fetch(`${s3.url}/${BUCKET}/anything.txt`, { method: 'PUT', body: 'x' });

    expect([refused.status, codeOf(await refused.text())]).toEqual([403, 'AccessDenied']);
    expect(served.status).toBe(200);
    await waitUntil(() => events.length === 1, 'the unsigned put’s event');
    expect(events[0]?.record.userIdentity.principalId).toBe('Anonymous');
  });
});
