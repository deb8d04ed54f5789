import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TasksApi } from '../../../templates/tasks-app/src/tasks.js';
import type { Web } from '../../../templates/tasks-app/src/web.js';
import { type ApiClient, createClient, routesFromManifest } from '../src/index.js';
import { httpFront } from './support/http-front.js';

// The tasks-app template's real functions (serverless-gantry/testing: generated handlers, the kit,
// the local DynamoDB with each function's IAM policy) behind real HTTP, called through the client
// with its route table taken from the service's Manifest.
type Api = { TasksApi: typeof TasksApi; Web: typeof Web };
let service: LocalService;
let front: Awaited<ReturnType<typeof httpFront>>;
let api: ApiClient<Api>;

beforeAll(async () => {
  service = await startLocalService({
    servicePath: fileURLToPath(new URL('../../../templates/tasks-app', import.meta.url)),
  });
  front = await httpFront(service);
  // The task routes need a signed-in user: a token the service's authorizer accepts, on every call
  // (the client's `headers` option, as a page passes its user's token).
  const token = await service.token({ sub: 'client-test' });
  api = createClient<Api>({
    baseUrl: front.url,
    routes: routesFromManifest(service.manifest),
    headers: () => ({ authorization: `Bearer ${token}` }),
  });
});
afterAll(async () => {
  await front?.stop();
  await service?.stop();
});

describe('the client against the tasks-app functions', () => {
  it('builds its route table from the Manifest', () => {
    expect(routesFromManifest(service.manifest).TasksApi).toEqual({
      list: { method: 'GET', path: '/lists/{listId}/tasks' },
      create: { method: 'POST', path: '/lists/{listId}/tasks' },
      read: { method: 'GET', path: '/tasks/{id}' },
      update: { method: 'PATCH', path: '/tasks/{id}' },
      remove: { method: 'DELETE', path: '/tasks/{id}' },
    });
  });

  it('creates, reads, lists, updates and deletes a task', async () => {
    const listId = `client-${Date.now()}`;
    const created = await api.TasksApi.create({ params: { listId }, body: { title: 'Milk' } });
    expect(created).toMatchObject({ ok: true, status: 201, data: { title: 'Milk', listId, version: 1 } });
    if (!created.ok) throw new Error('not created');
    const { id } = created.data;

    const read = await api.TasksApi.read({ params: { id } });
    expect(read).toMatchObject({ ok: true, status: 200, data: { id, title: 'Milk' } });

    await api.TasksApi.create({ params: { listId }, body: { title: 'Bread' } });
    const firstPage = await api.TasksApi.list({ params: { listId }, query: { limit: 1 } });
    expect(firstPage.ok && firstPage.data.items.map((task) => task.title)).toEqual(['Milk']);
    const cursor = firstPage.ok ? firstPage.data.cursor : undefined;
    expect(cursor).toEqual(expect.any(String));
    const secondPage = await api.TasksApi.list({ params: { listId }, query: { limit: 1, cursor } });
    expect(secondPage.ok && secondPage.data.items.map((task) => task.title)).toEqual(['Bread']);

    const updated = await api.TasksApi.update({ params: { id }, body: { done: true, version: 1 } });
    expect(updated).toMatchObject({ ok: true, data: { done: true, version: 2 } });

    const removed = await api.TasksApi.remove({ params: { id }, query: { version: '2' } });
    expect(removed).toMatchObject({ ok: true, status: 204 });
    expect(removed.ok && removed.data).toBeUndefined();
    expect(await api.TasksApi.read({ params: { id } })).toMatchObject({ ok: false, status: 404 });
  });

  it("gives the kit's validation error with its issues", async () => {
    const result = await api.TasksApi.create({ params: { listId: 'client-errors' }, body: { title: '' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(400);
    expect(result.error).toMatchObject({
      error: { code: 'validation', issues: [{ path: ['body', 'title'], message: 'Give the task a title.' }] },
    });
  });

  it("gives the kit's 409 when the version is stale", async () => {
    const created = await api.TasksApi.create({ params: { listId: 'client-conflict' }, body: { title: 'Eggs' } });
    if (!created.ok) throw new Error('not created');
    const stale = await api.TasksApi.update({ params: { id: created.data.id }, body: { title: 'Ham', version: 7 } });
    expect(stale).toMatchObject({ ok: false, status: 409, error: { error: { code: 'stale' } } });
  });

  it('percent-encodes path parameters and gets the page as text', async () => {
    const result = await api.TasksApi.read({ params: { id: 'a/b?c' } });
    // One path segment reached the function (not a 404 from routing), which refused it as no UUID.
    expect(result).toMatchObject({ ok: false, status: 400, error: { error: { code: 'validation' } } });
    const page = await api.Web.page();
    expect(page).toMatchObject({ ok: true, status: 200 });
    expect(page.ok && page.data).toContain('<html');
  });

  it('the README example bundles for a browser without server code, and works', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gantry-client-page-'));
    try {
      const bundle = join(out, 'page.mjs');
      await build({
        entryPoints: [fileURLToPath(new URL('./example/tasks-page.ts', import.meta.url))],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        outfile: bundle,
        logLevel: 'silent',
      });
      const code = await readFile(bundle, 'utf8');
      // Nothing of the handler module: its table client, schemas, crypto, the SDK.
      for (const server of [
        'tableClient',
        'GANTRY_TABLE',
        'randomUUID',
        'valibot',
        '@aws-sdk',
        'Give the task a title',
      ]) {
        expect(code).not.toContain(server);
      }
      const routes = JSON.parse(await routesCli(JSON.stringify(service.manifest)));
      const { tasksPage } = (await import(pathToFileURL(bundle).href)) as typeof import('./example/tasks-page.js');
      const token = await service.token({ sub: 'client-page' });
      const page = tasksPage(routes, front.url, () => token);
      expect(await page.add('client-page', 'Tea')).toMatchObject({ title: 'Tea' });
      expect(await page.add('client-page', ' ')).toBe('Give the task a title.');
      expect(await page.titles('client-page')).toEqual(['Tea']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('throws before sending when a path parameter is missing', async () => {
    const untyped = api.TasksApi.read as (request: unknown) => Promise<unknown>;
    await expect(untyped({ params: {} })).rejects.toThrow(
      "TasksApi.read: path parameter 'id' of /tasks/{id} is missing.",
    );
  });
});

/** `gantry-client-routes` (the package's bin, built) with `manifest` on stdin: its stdout. */
function routesCli(manifest: string): Promise<string> {
  const bin = fileURLToPath(new URL('../dist/bin/gantry-client-routes.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [bin], (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin?.end(manifest);
  });
}
