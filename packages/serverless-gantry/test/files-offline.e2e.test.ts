import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OfflineRun, startOffline } from './support/offline.js';

// The fixture `files` under the real `sls offline`: the local S3 beside DynamoDB, its URL in the
// terminal, a form signed by a function and posted as a browser posts it, the bucket's CORS rule
// for the service's origins, and the object-created function run from the upload.
const cwd = fileURLToPath(new URL('./fixtures/files/', import.meta.url));
let run: OfflineRun;
beforeAll(async () => {
  run = await startOffline(cwd);
});
afterAll(() => run?.stop());

describe('sls offline with buckets', () => {
  it('says where the local S3 is', () => {
    expect(run.output()).toMatch(/S3 \(local, signatures and IAM enforced\): http:\/\/127\.0\.0\.1:\d+/);
  });

  it("answers a browser's preflight with the bucket's CORS rule (the service's origins), and no other origin", async () => {
    const form = await signUpload('from-page.jpg');
    const preflight = (origin: string) =>
      fetch(form.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await preflight('https://evil.example')).status).toBe(403);
  });

  it('uploads through a form the function signed; the object-created function runs', async () => {
    const form = await signUpload('offline.jpg');
    const data = new FormData();
    for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
    data.append('file', new Blob(['jpeg'], { type: 'image/jpeg' }));
    const upload = await fetch(form.url, { method: 'POST', body: data });
    expect(upload.status, await upload.clone().text()).toBe(204);
    await run.waitFor(/"scanned":"incoming\/offline\.jpg","size":4,"event":"ObjectCreated:Post"/, 30_000);
  });
});

async function signUpload(name: string): Promise<{ url: string; fields: Record<string, string> }> {
  const answer = await fetch(`${run.url}/files/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, type: 'image/jpeg' }),
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as { url: string; fields: Record<string, string> };
}
