import { fileURLToPath } from 'node:url';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
// The built package, as a service imports it (its function threads run the built worker).
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeMajor } from '../src/offline/run/runtime-node.js';
import { readProviderRuntime, readServiceConfig } from '../src/testing/service-config.js';
import { tempService } from './support/temp-service.js';

// serverless-gantry/testing: a service's own tests, without sls offline. Checked here against what
// API Gateway and Lambda do: route selection, the payload 2.0 event, each function's own identity
// and environment, and API Gateway's answers when a function fails.
const servicePath = fileURLToPath(new URL('./fixtures/testing/', import.meta.url));
let service: LocalService;
beforeAll(async () => {
  service = await startLocalService({ servicePath });
});
afterAll(() => service?.stop());

describe('route selection, as HTTP API selects routes', () => {
  it('prefers an exact path to a greedy variable, which catches child paths only', async () => {
    expect((await service.request('GET', '/files/readme')).body).toEqual({ route: 'exact' });
    expect((await service.request('GET', '/files/docs/a%20b.txt')).body).toEqual({
      route: 'greedy',
      proxy: 'docs/a b.txt',
    });
    expect(await service.request('GET', '/files')).toMatchObject({ status: 404, body: { message: 'Not Found' } });
  });

  it('prefers a route for the method to ANY, which takes every other method', async () => {
    expect((await service.request('GET', '/things/7')).body).toEqual({ route: 'get', id: '7' });
    expect((await service.request('DELETE', '/things/7')).body).toEqual({ route: 'any', method: 'DELETE' });
  });
});

describe('the event a function receives (payload 2.0)', () => {
  it('joins repeated query values and headers with commas, keeps cookies apart, sends JSON as text', async () => {
    const response = await service.request('POST', '/echo?tag=a&tag=b&q=x', {
      headers: { Accept: ['text/plain', 'application/json'], cookie: 'session=abc; theme=dark' },
      body: { hello: 'world' },
    });
    expect(response.body).toEqual({
      routeKey: 'POST /echo',
      rawQueryString: 'tag=a&tag=b&q=x',
      query: { tag: 'a,b', q: 'x' },
      cookies: ['session=abc', 'theme=dark'],
      headers: { accept: 'text/plain,application/json', 'content-type': 'application/json' },
      isBase64Encoded: false,
      body: '{"hello":"world"}',
    });
  });

  it('sends a binary body base64-encoded, as API Gateway does', async () => {
    const bytes = Buffer.from([0, 255, 1, 254]);
    const response = await service.request('POST', '/echo', { headers: { 'content-type': 'image/png' }, body: bytes });
    expect(response.body).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });
});

describe('each function with its own identity and environment', () => {
  it('gets only the environment its decorators give it, and its own credentials', async () => {
    expect((await service.request('GET', '/env')).body).toEqual({ tables: [], accessKeyId: 'gantry-local-routes-env' });
  });

  it("runs on provider.runtime's Node major, as on Lambda and under sls offline", async () => {
    const major = runtimeMajor(await readProviderRuntime(servicePath));
    expect(major).toBe(22);
    const { node } = (await service.request('GET', '/node')).body as { node: string };
    expect(Number(node.split('.')[0])).toBe(major);
  });

  it('reads through its own generated policy: the seed is there, and writing needs write access', async () => {
    expect((await service.request('GET', '/notes/seeded')).body).toEqual({ id: 'seeded', text: 'from the seed file' });
    const created = await service.request('POST', '/notes', { body: { id: 'n1', text: 'written' } });
    expect(created.status).toBe(201);
    const stored = await service
      .documentClient()
      .send(new GetCommand({ TableName: service.tables.notes, Key: { id: 'n1' } }));
    expect(stored.Item).toEqual({ id: 'n1', text: 'written' });
  });

  it('signs as a function on request, so its policy decides', async () => {
    const key = { TableName: 'fixture-testing-dev-notes', Key: { id: 'seeded' } };
    expect((await service.documentClient('notes-api-read').send(new GetCommand(key))).Item).toBeDefined();
    await expect(service.documentClient('notes-api-create').send(new GetCommand(key))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(() => service.documentClient('nope')).toThrow(/no such function; the service has .*notes-api-read/);
  });
});

describe("API Gateway's answers when a function fails", () => {
  it('a function that runs out of time: 503, and the next request is served', async () => {
    expect(await service.request('GET', '/slow')).toMatchObject({ status: 503 });
    expect((await service.request('GET', '/files/readme')).status).toBe(200);
  });

  it('a module that fails at init: 500 without the error, which is in the logs', async () => {
    const response = await service.request('GET', '/fails-at-init');
    expect(response).toMatchObject({ status: 500, body: { message: 'Internal Server Error' } });
    expect(JSON.stringify(response.body)).not.toContain('SETTINGS_URL');
    expect(service.logs().join('\n')).toContain('init failed: SETTINGS_URL is not set');
  });
});

describe('per-stage settings from serverless.yml', () => {
  it("resolves ${param:…} for the stage: qa's CORS origin is allowed, dev's list is empty", async () => {
    const qa = await startLocalService({ servicePath, stage: 'qa' });
    try {
      const headers = { origin: 'https://qa.example.com' };
      const fromQa = await qa.request('GET', '/notes/seeded', { headers });
      expect(fromQa.headers['access-control-allow-origin']).toBe('https://qa.example.com');
      expect(qa.tables.notes).toBe('fixture-testing-qa-notes');
      const fromDev = await service.request('GET', '/notes/seeded', { headers });
      expect(fromDev.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await qa.stop();
    }
  });

  it('names a variable it cannot resolve, and where', async () => {
    const temp = await tempService({
      'serverless.yml': 'service: odd\nprovider:\n  name: aws\ncustom:\n  gantry:\n    handlers: ${ssm:/handlers}\n',
    });
    try {
      await expect(readServiceConfig(temp.dir)).rejects.toThrow(
        'serverless.yml custom.gantry.handlers: ${ssm:/handlers} is not a variable the testing helper resolves',
      );
    } finally {
      await temp.remove();
    }
  });
});

describe('TTL, as on AWS', () => {
  it('keeps expired items readable until the test sweeps; sweepExpired() deletes them now', async () => {
    const notes = fileURLToPath(new URL('./fixtures/notes/', import.meta.url));
    const local = await startLocalService({ servicePath: notes });
    try {
      const documents = local.documentClient();
      const TableName = local.tables.notes as string;
      const expiresAt = Math.floor(Date.now() / 1000) - 10;
      await documents.send(new PutCommand({ TableName, Item: { id: 'old', owner: 'o', createdAt: 1, expiresAt } }));
      const read = async () => (await documents.send(new GetCommand({ TableName, Key: { id: 'old' } }))).Item;
      expect(await read()).toMatchObject({ id: 'old', expiresAt });
      expect(await local.sweepExpired()).toBe(1);
      expect(await read()).toBeUndefined();
    } finally {
      await local.stop();
    }
  });
});
