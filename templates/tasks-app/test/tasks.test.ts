import { createHash } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { bucketEnvVar } from '@gantry/decorators';
import { bucketClient } from '@gantry/middy/s3';
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attachments } from '../src/buckets.js';

// The service as it runs deployed, without `sls offline`: each request goes through the route API
// Gateway would pick and the generated handler of its function (the kit), with that function's own
// credentials against the embedded DynamoDB, where its generated IAM policy is enforced.
// Every task route needs a signed-in user: `service.token({ sub })` gives a token the routes'
// authorizer accepts, as the user pool's would (locally its stand-in).
let service: LocalService;
/** Requests as one signed-in user. */
type User = { request: LocalService['request']; sub: string };
let ann: User;
let bob: User;
const signedIn = async (sub: string): Promise<User> => {
  const authorization = `Bearer ${await service.token({ sub })}`;
  return {
    sub,
    request: (method, path, init = {}) =>
      service.request(method, path, { ...init, headers: { ...init.headers, authorization } }),
  };
};
beforeAll(async () => {
  service = await startLocalService({ servicePath: new URL('..', import.meta.url).pathname });
  ann = await signedIn('ann');
  bob = await signedIn('bob');
});
afterAll(() => service?.stop());

const list = 'groceries-2026';
const addTask = (title: string, user = ann) => user.request('POST', `/lists/${list}/tasks`, { body: { title } });

describe('tasks', () => {
  it('creates, reads, lists, updates and deletes a task', async () => {
    const created = await addTask('Buy milk');
    expect(created.status).toBe(201);
    const task = created.body as { id: string; version: number };
    expect(created.headers.location).toBe(`/tasks/${task.id}`);
    expect(task).toMatchObject({ listId: list, title: 'Buy milk', done: false, version: 1 });

    expect((await ann.request('GET', `/tasks/${task.id}`)).body).toEqual(task);
    const listed = await ann.request('GET', `/lists/${list}/tasks?limit=100`);
    expect((listed.body as { items: { id: string }[] }).items.map((t) => t.id)).toContain(task.id);

    const updated = await ann.request('PATCH', `/tasks/${task.id}`, { body: { done: true, version: 1 } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ done: true, version: 2 });

    const removed = await ann.request('DELETE', `/tasks/${task.id}?version=2`);
    expect(removed.status).toBe(204);
    expect((await ann.request('GET', `/tasks/${task.id}`)).status).toBe(404);
  });

  it('refuses a change made from a stale version with 409 and the task as it is now', async () => {
    const { id } = (await addTask('Call the plumber')).body as { id: string };
    await ann.request('PATCH', `/tasks/${id}`, { body: { title: 'Call the electrician', version: 1 } });
    const stale = await ann.request('PATCH', `/tasks/${id}`, { body: { done: true, version: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      error: { code: 'stale', message: expect.stringContaining('version 1, now 2') },
    });
    const stored = await service
      .documentClient()
      .send(new GetCommand({ TableName: service.tables.tasks, Key: { owner: 'ann', id } }));
    expect(stored.Item).toMatchObject({ title: 'Call the electrician', done: false, version: 2 });
  });

  it('pages through a list with limit and cursor', async () => {
    const paged = `paged-${Date.now()}`;
    for (let i = 0; i < 5; i++) {
      await ann.request('POST', `/lists/${paged}/tasks`, { body: { title: `Task ${i}` } });
    }
    const first = (await ann.request('GET', `/lists/${paged}/tasks?limit=3`)).body as {
      items: unknown[];
      cursor?: string;
    };
    expect(first.items).toHaveLength(3);
    const rest = await ann.request(
      'GET',
      `/lists/${paged}/tasks?limit=3&cursor=${encodeURIComponent(first.cursor ?? '')}`,
    );
    expect((rest.body as { items: unknown[]; cursor?: string }).items).toHaveLength(2);
    expect((rest.body as { cursor?: string }).cursor).toBeUndefined();
  });
});

describe('each user has their own tasks', () => {
  it('keys every task by the signed-in user; the client never sees the keys', async () => {
    const { id } = (await addTask('Water the plants')).body as { id: string };
    const stored = await service
      .documentClient()
      .send(new GetCommand({ TableName: service.tables.tasks, Key: { owner: 'ann', id } }));
    expect(stored.Item).toMatchObject({ owner: 'ann', ownerList: `ann#${list}`, title: 'Water the plants' });
    const read = await ann.request('GET', `/tasks/${id}`);
    expect(read.body).not.toHaveProperty('owner');
    expect(read.body).not.toHaveProperty('ownerList');
  });

  it("another user's task is not there for them (404), whatever they try; the same list id is their own list", async () => {
    const { id } = (await addTask('Ann only')).body as { id: string };
    expect((await bob.request('GET', `/tasks/${id}`)).status).toBe(404);
    expect((await bob.request('PATCH', `/tasks/${id}`, { body: { done: true, version: 1 } })).status).toBe(404);
    expect((await bob.request('DELETE', `/tasks/${id}?version=1`)).status).toBe(404);
    const bobsList = (await bob.request('GET', `/lists/${list}/tasks?limit=100`)).body as { items: { id: string }[] };
    expect(bobsList.items.map((t) => t.id)).not.toContain(id);
    // Still Ann's, unchanged.
    expect((await ann.request('GET', `/tasks/${id}`)).body).toMatchObject({ done: false, version: 1 });
  });

  it("answers API Gateway's 401 without a token, before any function runs", async () => {
    expect(await service.request('GET', `/lists/${list}/tasks`)).toMatchObject({
      status: 401,
      body: { message: 'Unauthorized' },
    });
  });
});

describe('validation: a 400 that says what is wrong, and nothing stored', () => {
  it('rejects a blank title', async () => {
    const response = await ann.request('POST', '/lists/blank-titles/tasks', { body: { title: '   ' } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'validation', issues: [{ path: ['body', 'title'], message: 'Give the task a title.' }] },
    });
    const stored = await service.documentClient().send(new ScanCommand({ TableName: service.tables.tasks }));
    expect(stored.Items?.filter((t) => t.listId === 'blank-titles')).toEqual([]);
  });

  it('rejects a list id that is too short or has other characters', async () => {
    const response = await ann.request('POST', '/lists/a%2Fb/tasks', { body: { title: 'x' } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { issues: [{ path: ['params', 'listId'] }] } });
  });

  it('requires the version the client saw, and a change, to update a task', async () => {
    const id = '7d1b3c1e-6a8e-4a57-9c43-2f0a6f7c1b2d';
    const noVersion = await ann.request('PATCH', `/tasks/${id}`, { body: { done: true } });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body).toMatchObject({
      error: { issues: [{ path: ['body', 'version'], message: 'version is required.' }] },
    });
    const noQueryVersion = await ann.request('DELETE', `/tasks/${id}`);
    expect(noQueryVersion.body).toMatchObject({
      error: { issues: [{ path: ['query', 'version'], message: 'version is required.' }] },
    });
    const badVersion = await ann.request('DELETE', `/tasks/${id}?version=latest`);
    expect(badVersion.body).toMatchObject({
      error: { issues: [{ path: ['query', 'version'], message: 'version must be a whole number.' }] },
    });
    const noChange = await ann.request('PATCH', `/tasks/${id}`, { body: { version: 1 } });
    expect(noChange.status).toBe(400);
    expect(noChange.body).toMatchObject({ error: { issues: [{ message: 'Change the title or done.' }] } });
  });

  it('refuses fields it does not know, so a typo is not silently dropped', async () => {
    const response = await ann.request('POST', `/lists/${list}/tasks`, { body: { title: 'x', titel: 'y' } });
    expect(response).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: ['body', 'titel'], message: 'Unknown field: titel.' }] } },
    });
  });

  it('says how to send JSON when it arrives as a form (curl -d without a content type)', async () => {
    const response = await ann.request('POST', `/lists/${list}/tasks`, {
      body: '{"title":"Buy milk"}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({
      error: {
        code: 'unsupported_media_type',
        message: expect.stringContaining("-H 'content-type: application/json'"),
      },
    });
  });

  it('keeps page sizes between 1 and 100', async () => {
    const response = await ann.request('GET', `/lists/${list}/tasks?limit=500`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: { issues: [{ path: ['query', 'limit'], message: 'Must be at most 100.' }] },
    });
  });
});

describe('least privilege: each function may do only what its decorators declare', () => {
  it('the create function may write tasks but not read them', async () => {
    const asCreate = service.documentClient('tasks-api-create');
    await expect(
      asCreate.send(new GetCommand({ TableName: service.tables.tasks, Key: { owner: 'ann', id: 'x' } })),
    ).rejects.toThrow(/not authorized to perform: dynamodb:GetItem/);
  });

  it("the create function ('create') cannot delete, update or batch-write a task", async () => {
    const asCreate = service.documentClient('tasks-api-create');
    const TableName = service.tables.tasks ?? expect.unreachable();
    const Key = { owner: 'ann', id: 'x' };
    await expect(asCreate.send(new DeleteCommand({ TableName, Key }))).rejects.toThrow(
      /not authorized to perform: dynamodb:DeleteItem/,
    );
    await expect(
      asCreate.send(
        new UpdateCommand({
          TableName,
          Key,
          UpdateExpression: 'SET title = :t',
          ExpressionAttributeValues: { ':t': 'x' },
        }),
      ),
    ).rejects.toThrow(/not authorized to perform: dynamodb:UpdateItem/);
    await expect(
      asCreate.send(new BatchWriteCommand({ RequestItems: { [TableName]: [{ DeleteRequest: { Key } }] } })),
    ).rejects.toThrow(/not authorized to perform: dynamodb:BatchWriteItem/);
  });

  it("the update function ('update') cannot delete, the remove function ('delete') cannot put", async () => {
    const TableName = service.tables.tasks;
    const Key = { owner: 'ann', id: 'x' };
    await expect(
      service.documentClient('tasks-api-update').send(new DeleteCommand({ TableName, Key })),
    ).rejects.toThrow(/not authorized to perform: dynamodb:DeleteItem/);
    await expect(
      service.documentClient('tasks-api-remove').send(new PutCommand({ TableName, Item: { ...Key, title: 'x' } })),
    ).rejects.toThrow(/not authorized to perform: dynamodb:PutItem/);
  });

  it('the page function touches no table', async () => {
    const asPage = service.documentClient('web-page');
    await expect(asPage.send(new ScanCommand({ TableName: service.tables.tasks }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});

describe('the page', () => {
  it('is served with a policy that lets only its own script and style run: their hashes', async () => {
    const response = await service.request('GET', '/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const page = response.body as string;
    expect(page).toContain('<form id="new">');
    const policy = response.headers['content-security-policy'] ?? '';
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).toContain(`script-src ${sha256(inline(page, 'script'))};`);
    expect(policy).toContain(`style-src ${sha256(inline(page, 'style'))};`);
  });

  it("runs the browser bundle of src/web/page-script.ts, with the Manifest's routes and no server code", async () => {
    const script = inline((await service.request('GET', '/')).body as string, 'script');
    expect(script).toContain('"/lists/{listId}/tasks"');
    expect(script).toContain('"/tasks/{id}"');
    expect(script).toContain('Sign in'); // the page's own code (sign-in.ts), bundled in
    for (const server of ['GANTRY_TABLE', service.tables.tasks, 'ConditionalCheckFailed', 'z.config']) {
      expect(script).not.toContain(server);
    }
  });

  it("signs in against the user pool (in tests its local stand-in's issuer and client id)", async () => {
    const page = (await service.request('GET', '/')).body as string;
    expect(page).toContain(
      '<body data-oidc-issuer="https://users.issuer.gantry.invalid" data-oidc-client-id="gantry-local-users"',
    );
  });

  it('an unknown route gets API Gateway’s 404', async () => {
    expect(await service.request('GET', '/nothing/here')).toMatchObject({
      status: 404,
      body: { message: 'Not Found' },
    });
  });
});

describe('the page with sign-in (the function has an issuer and a client id)', () => {
  let withIssuer: LocalService;
  beforeAll(async () => {
    withIssuer = await startLocalService({
      servicePath: new URL('..', import.meta.url).pathname,
      // As under sls offline: the issuer the tokens name, and where the local issuer serves discovery.
      environment: {
        GANTRY_OIDC_ISSUER: 'https://users.issuer.example',
        GANTRY_OIDC_CLIENT_ID: 'client-1',
        GANTRY_OIDC_DISCOVERY_URL: 'http://127.0.0.1:3999/users',
      },
    });
  });
  afterAll(() => withIssuer?.stop());

  it('carries the issuer, client id and discovery URL as data, and lets the page connect to the issuer', async () => {
    const response = await withIssuer.request('GET', '/');
    expect(response.body).toContain(
      '<body data-oidc-issuer="https://users.issuer.example" data-oidc-client-id="client-1" data-oidc-discovery="http://127.0.0.1:3999/users">',
    );
    expect(response.headers['content-security-policy']).toMatch(/connect-src [^;]* http:\/\/127\.0\.0\.1:3999;/);
  });
});

/** The text of the page's one inline element of this kind. */
function inline(page: string, tag: 'script' | 'style'): string {
  const match = new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`).exec(page);
  if (!match) throw new Error(`the page has no <${tag}>`);
  return match[1] ?? '';
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('between requests', () => {
  const counts = async (listId: string, user = ann) =>
    (await user.request('GET', `/lists/${listId}/counts`)).body as { open: number; done: number };

  it("keeps each list's open and done counts from the tasks' changes", async () => {
    const listId = `counted-${Date.now()}`;
    const created = (await ann.request('POST', `/lists/${listId}/tasks`, { body: { title: 'Count me' } })).body as {
      id: string;
    };
    await ann.request('POST', `/lists/${listId}/tasks`, { body: { title: 'And me' } });
    await service.drain();
    expect(await counts(listId)).toEqual({ open: 2, done: 0 });

    await ann.request('PATCH', `/tasks/${created.id}`, { body: { done: true, version: 1 } });
    await ann.request('PATCH', `/tasks/${created.id}`, { body: { title: 'Counted', version: 2 } }); // no count change
    await service.drain();
    expect(await counts(listId)).toEqual({ open: 1, done: 1 });

    await ann.request('DELETE', `/tasks/${created.id}?version=3`);
    await service.drain();
    expect(await counts(listId)).toEqual({ open: 1, done: 0 });
    // Another user's list of the same name is another list.
    expect(await counts(listId, bob)).toEqual({ open: 0, done: 0 });
  });

  it('clears done tasks in the background: 202 at once, then the queue consumer deletes them', async () => {
    const listId = `clearing-${Date.now()}`;
    const ids: string[] = [];
    for (const title of ['a', 'b', 'c']) {
      ids.push(((await ann.request('POST', `/lists/${listId}/tasks`, { body: { title } })).body as { id: string }).id);
    }
    await ann.request('PATCH', `/tasks/${ids[0]}`, { body: { done: true, version: 1 } });
    await ann.request('PATCH', `/tasks/${ids[2]}`, { body: { done: true, version: 1 } });

    const accepted = await ann.request('DELETE', `/lists/${listId}/done`);
    expect(accepted.status).toBe(202);
    await service.drain();
    const left = (await ann.request('GET', `/lists/${listId}/tasks`)).body as { items: { id: string }[] };
    expect(left.items.map((t) => t.id)).toEqual([ids[1]]);
    expect(await counts(listId)).toEqual({ open: 1, done: 0 });
  });

  it('removes tasks done long ago when the nightly schedule runs, and keeps the rest', async () => {
    const listId = `purged-${Date.now()}`;
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const item = (id: string, done: boolean, updatedAt: string) => ({
      owner: 'ann',
      ownerList: `ann#${listId}`,
      id,
      listId,
      title: id,
      done,
      version: 1,
      createdAt: updatedAt,
      updatedAt,
    });
    const writer = service.documentClient();
    for (const task of [
      item('done-old', true, old),
      item('open-old', false, old),
      item('done-new', true, new Date().toISOString()),
    ]) {
      await writer.send(new PutCommand({ TableName: service.tables.tasks, Item: task }));
    }
    const outcome = await service.runSchedule('list-work-purge');
    expect(outcome).toMatchObject({ type: 'result' });
    const left = await writer.send(
      new QueryCommand({
        TableName: service.tables.tasks,
        IndexName: 'byList',
        KeyConditionExpression: 'ownerList = :l',
        ExpressionAttributeValues: { ':l': `ann#${listId}` },
      }),
    );
    expect(left.Items?.map((t) => t.id).sort()).toEqual(['done-new', 'open-old']);
  });

  it('lets only the function that declares it send to the queue', async () => {
    const queueUrl = service.queues['clear-done'] as string;
    const body = JSON.stringify({ owner: 'ann', listId: 'x' });
    await expect(
      service.sqsClient('tasks-api-create').send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      service.sqsClient('lists-clear-done').send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body })),
    ).resolves.toMatchObject({ MessageId: expect.any(String) });
    await service.drain();
  });
});

describe('attachments', () => {
  type Form = { url: string; fields: Record<string, string>; key: string; expiresIn: number };
  type Attached = { name: string; type: string; size: number; uploadedAt: string };
  type Shown = { id: string; version: number; attachment?: Attached };

  /** The bucket as the test sees it (its own S3 client, no function's policy): what is really there. */
  const bucket = () => {
    process.env[bucketEnvVar(Attachments)] = service.buckets[Attachments.name];
    return bucketClient(Attachments, { client: service.s3Client() });
  };
  /** The bucket as one function may use it: its generated policy applies. */
  const bucketAs = (functionName: string) => {
    process.env[bucketEnvVar(Attachments)] = service.buckets[Attachments.name];
    return bucketClient(Attachments, { client: service.s3Client(functionName) });
  };

  const newTask = async (title: string, user = ann) => (await addTask(title, user)).body as Shown;
  const signForm = (id: string, file: { name: string; type: string; size: number }, user = ann) =>
    user.request('POST', `/tasks/${id}/attachment`, { body: file });

  /** Posts the signed form with the file, as the page does (every field, the file last). */
  async function postForm(form: Form, file: Blob) {
    const data = new FormData();
    for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
    data.append('file', file);
    return fetch(form.url, { method: 'POST', body: data });
  }

  /** Attaches `text` as a file named `name` to Ann's task, and waits until the task has it. */
  async function attachText(id: string, name: string, text: string, type = 'text/plain') {
    const signed = await signForm(id, { name, type, size: Buffer.byteLength(text) });
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    const form = signed.body as Form;
    const upload = await postForm(form, new Blob([text], { type }));
    expect(upload.status, await upload.clone().text()).toBe(204);
    await service.drain();
    return form.key;
  }

  it('uploads through the signed form; the object-created function puts the file on the task; its owner downloads it under its name', async () => {
    const task = await newTask('Send the plan');
    const bytes = new Uint8Array([37, 80, 68, 70, 45, 49, 46, 55, 10, 0, 255]); // "%PDF-1.7\n" and two bytes
    const name = 'Plan été (v2).pdf';

    const signed = await signForm(task.id, { name, type: 'application/pdf', size: bytes.byteLength });
    expect(signed.status).toBe(200);
    const form = signed.body as Form;
    // Under the owner's prefix, the task, a fresh upload id, the name; the form carries that key.
    expect(form.key).toMatch(new RegExp(`^ann/${task.id}/[0-9a-f-]{36}/Plan été \\(v2\\)\\.pdf$`));
    expect(form.fields.key).toBe(form.key);
    expect(form.fields['Content-Type']).toBe('application/pdf');
    expect(form.expiresIn).toBe(300);
    // Signed, not recorded: the task has the file only once the bucket has it.
    expect(((await ann.request('GET', `/tasks/${task.id}`)).body as Shown).attachment).toBeUndefined();

    const upload = await postForm(form, new Blob([bytes], { type: 'application/pdf' }));
    expect(upload.status, await upload.clone().text()).toBe(204);
    await service.drain();

    const read = (await ann.request('GET', `/tasks/${task.id}`)).body as Shown;
    expect(read.attachment).toEqual({
      name,
      type: 'application/pdf',
      size: bytes.byteLength,
      uploadedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(read.attachment).not.toHaveProperty('key');
    // A file is not a change of title or done: the version the page holds still applies.
    expect(read.version).toBe(1);
    const listed = (await ann.request('GET', `/lists/${list}/tasks?limit=100`)).body as { items: Shown[] };
    expect(listed.items.find((t) => t.id === task.id)?.attachment?.name).toBe(name);

    const link = await ann.request('GET', `/tasks/${task.id}/attachment`);
    expect(link.status).toBe(200);
    const { url } = link.body as { url: string };
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    // Saved under its name: S3 answers a signed `response-content-disposition` with that header.
    expect(new URL(url).searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="Plan _t_ (v2).pdf"; filename*=UTF-8''Plan%20%C3%A9t%C3%A9%20%28v2%29.pdf`,
    );
  });

  it("another user's task is not there for its file either: no form, no link, no removal (404)", async () => {
    const task = await newTask('Ann’s receipt');
    const key = await attachText(task.id, 'receipt.txt', 'total: 12');
    const file = { name: 'mine.txt', type: 'text/plain', size: 4 };

    expect(await signForm(task.id, file, bob)).toMatchObject({
      status: 404,
      body: { error: { message: `There is no task ${task.id}.` } },
    });
    expect((await bob.request('GET', `/tasks/${task.id}/attachment`)).status).toBe(404);
    expect((await bob.request('DELETE', `/tasks/${task.id}/attachment`)).status).toBe(404);
    // Ann's, untouched.
    await service.drain();
    expect(((await ann.request('GET', `/tasks/${task.id}`)).body as Shown).attachment?.name).toBe('receipt.txt');
    expect(await bucket().getText(key)).toBe('total: 12');
  });

  it('answers 404 for the link of a task without a file', async () => {
    const task = await newTask('Nothing attached');
    expect(await ann.request('GET', `/tasks/${task.id}/attachment`)).toMatchObject({
      status: 404,
      body: { error: { message: `Task ${task.id} has no attachment.` } },
    });
  });

  it('takes exactly the file the form was signed for: S3 refuses a larger one (EntityTooLarge), and nothing is recorded', async () => {
    const task = await newTask('Too big');
    const form = (await signForm(task.id, { name: 'small.txt', type: 'text/plain', size: 10 })).body as Form;
    const upload = await postForm(form, new Blob(['eleven byte'], { type: 'text/plain' }));
    expect(upload.status).toBe(400);
    expect(await upload.text()).toContain('<Code>EntityTooLarge</Code>');
    await service.drain();
    expect(((await ann.request('GET', `/tasks/${task.id}`)).body as Shown).attachment).toBeUndefined();
    expect(await bucket().get(form.key)).toBeUndefined();
  });

  it('refuses a type not on the list, a name that is a path or whose ending is not its type, an empty or too large file: 400, no form', async () => {
    const task = await newTask('Careful');
    const refused = async (file: { name: string; type: string; size: number }) => {
      const response = await signForm(task.id, file);
      expect(response.status).toBe(400);
      expect(response.body).not.toHaveProperty('url');
      return (response.body as { error: { issues: { path: string[]; message: string }[] } }).error.issues;
    };
    expect(await refused({ name: 'page.html', type: 'text/html', size: 10 })).toEqual([
      {
        path: ['body', 'type'],
        message: 'Attach an image (PNG, JPEG, GIF, WebP), a PDF or a text file (TXT, CSV, Markdown).',
      },
    ]);
    expect(await refused({ name: '../other/notes.txt', type: 'text/plain', size: 10 })).toEqual([
      { path: ['body', 'name'], message: 'A file name cannot hold / or \\.' },
    ]);
    expect(await refused({ name: 'page.html', type: 'text/plain', size: 10 })).toEqual([
      { path: ['body', 'name'], message: "A text/plain file's name ends in .txt." },
    ]);
    expect(await refused({ name: 'photo.png', type: 'image/png', size: 10_000_001 })).toEqual([
      { path: ['body', 'size'], message: 'Attach a file of at most 10 MB.' },
    ]);
    expect(await refused({ name: 'empty.txt', type: 'text/plain', size: 0 })).toEqual([
      { path: ['body', 'size'], message: 'The file is empty.' },
    ]);
  });

  it('removes the file: 204, the task no longer has it, and the file leaves the bucket', async () => {
    const task = await newTask('Drop the draft');
    const key = await attachText(task.id, 'draft.md', '# Draft', 'text/markdown');
    expect(await bucket().getText(key)).toBe('# Draft');

    expect((await ann.request('DELETE', `/tasks/${task.id}/attachment`)).status).toBe(204);
    expect(((await ann.request('GET', `/tasks/${task.id}`)).body as Shown).attachment).toBeUndefined();
    expect((await ann.request('GET', `/tasks/${task.id}/attachment`)).status).toBe(404);
    await service.drain();
    expect(await bucket().get(key)).toBeUndefined();
    expect((await ann.request('DELETE', `/tasks/${task.id}/attachment`)).status).toBe(404);
  });

  it('replaces the file: the task names the new one, the old one leaves the bucket', async () => {
    const task = await newTask('Update the photo');
    const first = await attachText(task.id, 'before.txt', 'before');
    const second = await attachText(task.id, 'after.txt', 'after');
    expect(((await ann.request('GET', `/tasks/${task.id}`)).body as Shown).attachment?.name).toBe('after.txt');
    expect(await bucket().get(first)).toBeUndefined();
    expect(await bucket().getText(second)).toBe('after');
  });

  it('deleting a task deletes its file, by its route and by "clear completed" alike', async () => {
    const removed = await newTask('Delete me');
    const removedKey = await attachText(removed.id, 'a.txt', 'a');
    expect((await ann.request('DELETE', `/tasks/${removed.id}?version=1`)).status).toBe(204);

    const listId = `attached-${Date.now()}`;
    const cleared = (await ann.request('POST', `/lists/${listId}/tasks`, { body: { title: 'Clear me' } }))
      .body as Shown;
    const clearedKey = await attachText(cleared.id, 'b.txt', 'b');
    await ann.request('PATCH', `/tasks/${cleared.id}`, { body: { done: true, version: 1 } });
    expect((await ann.request('DELETE', `/lists/${listId}/done`)).status).toBe(202);

    await service.drain();
    expect((await ann.request('GET', `/tasks/${cleared.id}`)).status).toBe(404);
    expect(await bucket().get(removedKey)).toBeUndefined();
    expect(await bucket().get(clearedKey)).toBeUndefined();
  });

  it('deletes a file that arrives after its task was deleted, rather than leave it behind', async () => {
    const task = await newTask('Gone before the upload');
    const form = (await signForm(task.id, { name: 'late.txt', type: 'text/plain', size: 4 })).body as Form;
    expect((await ann.request('DELETE', `/tasks/${task.id}?version=1`)).status).toBe(204);
    const upload = await postForm(form, new Blob(['late'], { type: 'text/plain' }));
    expect(upload.status).toBe(204);
    await service.drain();
    expect(await bucket().get(form.key)).toBeUndefined();
    expect(service.logs().some((line) => line.includes('the task is gone: upload deleted'))).toBe(true);
    // Recording it did not bring the task back (an update is not allowed to create one).
    expect((await ann.request('GET', `/tasks/${task.id}`)).status).toBe(404);
  });

  it('lets each function do only its part with the files', async () => {
    const task = await newTask('Privileges');
    const key = await attachText(task.id, 'p.txt', 'p');
    const other = `ann/${task.id}/00000000-0000-4000-8000-000000000000/x.txt`;
    // Signing uploads needs write: it cannot read or delete a file.
    await expect(bucketAs('task-attachments-upload').get(key)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(bucketAs('task-attachments-upload').delete(key)).rejects.toMatchObject({ name: 'AccessDenied' });
    // Signing downloads needs read: it cannot write.
    await expect(
      bucketAs('task-attachments-download').put(other, 'x', { contentType: 'text/plain' }),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    // Removing a file only changes the task: it cannot touch the bucket.
    await expect(bucketAs('task-attachments-remove').delete(key)).rejects.toMatchObject({ name: 'AccessDenied' });
    // The background functions may delete, and only that.
    await expect(bucketAs('attachment-work-record').get(key)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      bucketAs('attachment-work-forget').put(other, 'x', { contentType: 'text/plain' }),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    // The tasks' own routes and the page have no access to the bucket at all.
    await expect(bucketAs('tasks-api-read').get(key)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(bucketAs('web-page').get(key)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(await bucket().getText(key)).toBe('p');
  });
});
