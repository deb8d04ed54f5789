import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
// The built package, as a service imports it (its function threads run the built worker).
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The fixture `files` run locally: its functions sign uploads and read, delete and react to objects
// through the local S3, which checks every signature and each function's generated policy. The
// browser's part (posting the signed form) is done here with fetch and FormData, as a page does.
const servicePath = fileURLToPath(new URL('./fixtures/files/', import.meta.url));
let service: LocalService;
beforeAll(async () => {
  service = await startLocalService({ servicePath });
});
afterAll(() => service?.stop());

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Signs an upload form through the API, as the page asks for one. */
async function signUpload(name: string, type: string) {
  const answer = await service.request('POST', '/files/uploads', json({ name, type }));
  expect(answer.status).toBe(200);
  return answer.body as { url: string; fields: Record<string, string> };
}

/** Posts the form with the file, as a browser does. */
async function postForm(form: { url: string; fields: Record<string, string> }, file: Blob) {
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
  data.append('file', file);
  return fetch(form.url, { method: 'POST', body: data });
}

describe('buckets in a local run: uploads signed by a function, checked by the local S3', () => {
  it('uploads through the signed form; the object-created function runs with the record as S3 sends it', async () => {
    const form = await signUpload('cat one.jpg', 'image/jpeg');
    expect(form.fields.key).toBe('incoming/cat one.jpg');
    const upload = await postForm(form, new Blob(['jpeg bytes'], { type: 'image/jpeg' }));
    expect(upload.status, await upload.clone().text()).toBe(204);
    await service.drain();
    const scanned = service.logs().filter((line) => line.includes('"scanned"'));
    expect(scanned).toHaveLength(1);
    expect(scanned[0]).toContain(
      JSON.stringify({ scanned: 'incoming/cat one.jpg', size: 10, event: 'ObjectCreated:Post' }),
    );
    const read = await service.request('GET', `/files/${encodeURIComponent('cat one.jpg')}`);
    expect(read).toMatchObject({ status: 200, body: { text: 'jpeg bytes' } });
  });

  it("refuses what the signed policy does not allow: a larger file, another type (S3's XML errors)", async () => {
    const form = await signUpload('big.jpg', 'image/jpeg');
    const tooLarge = await postForm(form, new Blob([new Uint8Array(2048)], { type: 'image/jpeg' }));
    expect(tooLarge.status).toBe(400);
    expect(await tooLarge.text()).toContain('<Code>EntityTooLarge</Code>');
    const otherType = await postForm(
      { ...form, fields: { ...form.fields, 'Content-Type': 'text/html' } },
      new Blob(['x']),
    );
    expect(otherType.status).toBe(403);
    expect(await otherType.text()).toContain('<Code>AccessDenied</Code>');
  });

  it("holds each function to its generated policy: a write outside its prefix, another function's bucket", async () => {
    const signer = service.s3Client('files-api-sign-upload');
    const Bucket = service.buckets.uploads as string;
    await expect(
      signer.send(new PutObjectCommand({ Bucket, Key: 'incoming/ok.txt', Body: 'ok', ContentType: 'text/plain' })),
    ).resolves.toBeDefined();
    await expect(
      signer.send(new PutObjectCommand({ Bucket, Key: 'elsewhere/x.txt', Body: 'x' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      signer.send(
        new PutObjectCommand({ Bucket: service.buckets.archive as string, Key: 'incoming/x.txt', Body: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('answers a missing upload with 404 where the function may list, as S3 answers it', async () => {
    const missing = await service.request('GET', '/files/nothing-here.jpg');
    expect(missing).toMatchObject({ status: 404, body: { error: { message: 'no such upload' } } });
  });

  it('deletes: the object-removed function runs and reads the copy kept in the archive', async () => {
    const test = service.s3Client();
    const Bucket = service.buckets.uploads as string;
    await test.send(
      new PutObjectCommand({ Bucket, Key: 'incoming/notes.txt', Body: 'kept', ContentType: 'text/plain' }),
    );
    await service.drain();
    expect((await service.request('DELETE', '/files/notes.txt')).status).toBe(204);
    await service.drain();
    expect(
      service.logs().some((line) => line.includes(JSON.stringify({ forgot: 'incoming/notes.txt', archived: 'kept' }))),
    ).toBe(true);
    await expect(test.send(new GetObjectCommand({ Bucket, Key: 'incoming/notes.txt' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    // A .txt is under incoming/ but not a .jpg: the object-created function's suffix kept it out.
    expect(service.logs().some((line) => line.includes('"scanned":"incoming/notes.txt"'))).toBe(false);
  });
});
