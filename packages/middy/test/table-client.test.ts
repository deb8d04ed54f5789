import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { api, post, table, uses } from '@gantry/decorators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isTableAccessDeniedError, tableClient } from '../src/dynamodb/index.js';
import { ConflictError, type HttpRequest, httpHandler } from '../src/index.js';
import { httpEvent, lambdaContext } from './support/events.js';
import { startLocalDynamoDB } from './support/local-dynamodb.js';

const Notes = table('notes', {
  partitionKey: { name: 'owner', type: 'S' },
  sortKey: { name: 'id', type: 'S' },
  indexes: { byTag: { partitionKey: { name: 'tag', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' } } },
});
interface Note extends Record<string, unknown> {
  owner: string;
  id: string;
  text: string;
  tag?: string;
  createdAt?: number;
}

let local: Awaited<ReturnType<typeof startLocalDynamoDB>>;
let notes: ReturnType<typeof tableClient<Note>>;

beforeAll(async () => {
  local = await startLocalDynamoDB();
  await local.createTable(Notes, 'test-dev-notes');
  process.env.GANTRY_TABLE_NOTES = 'test-dev-notes';
  notes = tableClient<Note>(Notes, { client: local.documents });
});
afterAll(async () => {
  delete process.env.GANTRY_TABLE_NOTES;
  await local.stop();
});

describe('tableClient against a real local DynamoDB (dynalite)', () => {
  it('creates only once: a second create-only put is a ConflictError carrying the key', async () => {
    const note = { owner: 'ann', id: 'n1', text: 'first' };
    await notes.put(note, { ifNotExists: true });
    const second = await notes.put({ ...note, text: 'second' }, { ifNotExists: true }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ConflictError);
    expect(second).toMatchObject({ statusCode: 409, details: { table: 'notes', key: { owner: 'ann', id: 'n1' } } });
    expect(await notes.get({ owner: 'ann', id: 'n1' })).toEqual(note);
  });

  it('updates an existing item and returns it; updating a missing one is a conflict', async () => {
    await notes.put({ owner: 'ann', id: 'n2', text: 'old', tag: 'x' });
    expect(await notes.update({ owner: 'ann', id: 'n2' }, { set: { text: 'new' }, remove: ['tag'] })).toEqual({
      owner: 'ann',
      id: 'n2',
      text: 'new',
    });
    await expect(notes.update({ owner: 'ann', id: 'missing' }, { set: { text: 'x' } })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('applies a user condition on update', async () => {
    await notes.put({ owner: 'ann', id: 'n3', text: 'v1' });
    const stale = { expression: '#t = :expected', names: { '#t': 'text' }, values: { ':expected': 'v0' } };
    await expect(
      notes.update({ owner: 'ann', id: 'n3' }, { set: { text: 'v2' }, condition: stale }),
    ).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('deletes and returns what was there; ifExists makes a missing item a conflict', async () => {
    await notes.put({ owner: 'bob', id: 'gone', text: 'bye' });
    expect(await notes.delete({ owner: 'bob', id: 'gone' })).toEqual({ owner: 'bob', id: 'gone', text: 'bye' });
    await expect(notes.delete({ owner: 'bob', id: 'gone' }, { ifExists: true })).rejects.toBeInstanceOf(ConflictError);
  });

  it('queries a partition with a sort-key condition, page by page', async () => {
    await notes.batchWrite({ put: ['a1', 'a2', 'a3', 'b1'].map((id) => ({ owner: 'cat', id, text: id })) });
    const first = await notes.query({ partition: 'cat', sort: { beginsWith: 'a' }, limit: 2 });
    expect(first.items.map((n) => n.id)).toEqual(['a1', 'a2']);
    expect(first.cursor).toEqual(expect.any(String));
    const second = await notes.query({
      partition: 'cat',
      sort: { beginsWith: 'a' },
      limit: 2,
      cursor: first.cursor as string,
    });
    expect(second.items.map((n) => n.id)).toEqual(['a3']);
    const reversed = await notes.query({ partition: 'cat', descending: true });
    expect(reversed.items.map((n) => n.id)).toEqual(['b1', 'a3', 'a2', 'a1']);
  });

  it('queries a global secondary index', async () => {
    await notes.batchWrite({
      put: [
        { owner: 'dan', id: 'x1', text: 'one', tag: 'red', createdAt: 3 },
        { owner: 'eve', id: 'x2', text: 'two', tag: 'red', createdAt: 1 },
        { owner: 'eve', id: 'x3', text: 'three', tag: 'blue', createdAt: 2 },
      ],
    });
    const red = await notes.query({ index: 'byTag', partition: 'red', sort: { between: [0, 10] } });
    expect(red.items.map((n) => n.id)).toEqual(['x2', 'x1']);
  });

  it('writes and reads in batches larger than DynamoDB allows in one call', async () => {
    const many = Array.from({ length: 130 }, (_, i) => ({
      owner: 'bulk',
      id: `i${String(i).padStart(3, '0')}`,
      text: `#${i}`,
    }));
    await notes.batchWrite({ put: many });
    const read = await notes.batchGet(many.map(({ owner, id }) => ({ owner, id })));
    expect(read.map((n) => n.id).sort()).toEqual(many.map((n) => n.id));
    await notes.batchWrite({ delete: many.slice(0, 30).map(({ owner, id }) => ({ owner, id })) });
    expect((await notes.query({ partition: 'bulk' })).items).toHaveLength(100);
  });

  it('rejects a cursor it did not make with a 400', async () => {
    await expect(notes.query({ partition: 'cat', cursor: 'bm90IGpzb24' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'bad_cursor',
    });
  });

  it('says which variable is missing when the table name is not set', async () => {
    const Other = table('audit-log', { partitionKey: { name: 'id', type: 'S' } });
    await expect(tableClient(Other, { client: local.documents }).get({ id: 'x' })).rejects.toThrow(
      "Table 'audit-log': GANTRY_TABLE_AUDIT_LOG is not set.",
    );
  });

  it('turns a create-only conflict into a 409 response through the kit', async () => {
    const Input = z.object({ id: z.string() });
    @api('/notes')
    class NotesApi {
      @post('/', { body: Input })
      @uses(Notes, 'write')
      static async create(request: HttpRequest<{ body: typeof Input }>) {
        return notes.put({ owner: 'kit', id: request.body.id, text: '' }, { ifNotExists: true });
      }
    }
    const handler = httpHandler(NotesApi, 'create', { logger: { level: 'silent' } });
    const event = httpEvent({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"k1"}' });
    expect((await handler(event, lambdaContext())).statusCode).toBe(200);
    const again = await handler(event, lambdaContext());
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(again.body ?? '')).toEqual({
      error: {
        code: 'conflict',
        message: 'The condition failed for {"owner":"kit","id":"k1"} in table \'notes\'.',
        requestId: 'req-1',
      },
    });
  });
});

describe('tableClient with excludeExpired: expired items (kept by DynamoDB for days) are not read', () => {
  const Sessions = table('sessions', {
    partitionKey: { name: 'user', type: 'S' },
    sortKey: { name: 'id', type: 'S' },
    ttl: 'expiresAt',
  });
  type Session = { user: string; id: string; expiresAt?: number | string } & Record<string, unknown>;

  it('get, query and batchGet leave out items whose TTL has passed; the plain client still sees them', async () => {
    await local.createTable(Sessions, 'test-dev-sessions');
    process.env.GANTRY_TABLE_SESSIONS = 'test-dev-sessions';
    try {
      const now = Math.floor(Date.now() / 1000);
      const all = tableClient<Session>(Sessions, { client: local.documents });
      const live = tableClient<Session>(Sessions, { client: local.documents, excludeExpired: true });
      const items: Session[] = [
        { user: 'u', id: 'expired', expiresAt: now - 10 },
        { user: 'u', id: 'fresh', expiresAt: now + 3600 },
        { user: 'u', id: 'forever' },
        { user: 'u', id: 'text', expiresAt: 'not a number' },
      ];
      await all.batchWrite({ put: items });
      expect(await all.get({ user: 'u', id: 'expired' })).toEqual(items[0]);
      expect(await live.get({ user: 'u', id: 'expired' })).toBeUndefined();
      expect(await live.get({ user: 'u', id: 'fresh' })).toEqual(items[1]);
      expect((await live.query({ partition: 'u' })).items.map((s) => s.id).sort()).toEqual([
        'forever',
        'fresh',
        'text',
      ]);
      expect((await all.query({ partition: 'u' })).items).toHaveLength(4);
      const keys = items.map(({ user, id }) => ({ user, id }));
      expect((await live.batchGet(keys)).map((s) => s.id).sort()).toEqual(['forever', 'fresh', 'text']);
    } finally {
      delete process.env.GANTRY_TABLE_SESSIONS;
    }
  });

  it('is refused, with the fix, for a table without ttl', () => {
    expect(() => tableClient<Note>(Notes, { excludeExpired: true })).toThrow(
      "Table 'notes' declares no ttl: excludeExpired needs one. Add ttl: '<attribute>' to table('notes', ...) or drop excludeExpired.",
    );
  });
});

describe('tableClient when the role denies a call: the error says which @uses level it needs', () => {
  // Stands in for AWS's IAM refusal, which nothing local can produce without Gantry's plugin (its
  // local endpoint is tested end to end in serverless-gantry/test/access-levels.test.ts): a loopback
  // server answering exactly DynamoDB's AccessDeniedException shape.
  let server: Server;
  let denying: ReturnType<typeof tableClient<Note>>;
  let reason = 'because no identity-based policy allows the dynamodb:DeleteItem action';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({
          __type: 'com.amazon.coral.service#AccessDeniedException',
          Message: `User: arn:aws:sts::123456789012:assumed-role/r/f is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/test-dev-notes ${reason}`,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      maxAttempts: 1,
    });
    denying = tableClient<Note>(Notes, { client: DynamoDBDocumentClient.from(client) });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('deployed (no local declaration): names the action, the table and the levels that allow it', async () => {
    const error = await denying.delete({ owner: 'ann', id: 'n1' }).catch((e: unknown) => e);
    expect(isTableAccessDeniedError(error)).toBe(true);
    expect(error).toMatchObject({
      message: "dynamodb:DeleteItem on test-dev-notes is denied: a delete needs @uses(notes, 'delete' or 'write').",
      table: 'notes',
      action: 'dynamodb:DeleteItem',
      needs: ['delete', 'write', 'readwrite'],
      cause: { name: 'AccessDeniedException' },
    });
  });

  it('locally: also says what the function declares (GANTRY_LOCAL_TABLE_ACCESS)', async () => {
    process.env.GANTRY_LOCAL_TABLE_ACCESS = JSON.stringify({ notes: ['read', 'create'] });
    try {
      const error = await denying.delete({ owner: 'ann', id: 'n1' }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(
        "dynamodb:DeleteItem on test-dev-notes is denied: this function declares @uses(notes, ['read', 'create']); a delete needs 'delete' or 'write'.",
      );
    } finally {
      delete process.env.GANTRY_LOCAL_TABLE_ACCESS;
    }
  });

  it('an explicit Deny is not fixed by declaring more: says so', async () => {
    reason = 'with an explicit deny in an identity-based policy';
    const error = await denying.delete({ owner: 'ann', id: 'n1' }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "dynamodb:DeleteItem on test-dev-notes is denied by an explicit Deny in the function's policy (a statement of @fn({ iamStatements }), or one the account applies).",
    );
  });
});
