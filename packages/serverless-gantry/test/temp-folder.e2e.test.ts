import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The built package, as a service imports it.
import { startLocalService } from 'serverless-gantry/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startOffline } from './support/offline.js';
import { sls } from './support/serverless.js';
import { tempService } from './support/temp-service.js';

// Nothing left behind in the OS temp folder: `sls package`, `sls offline` and the testing helper
// each run here with a temp folder of their own (TMPDIR, which os.tmpdir() and every child process
// read), empty at the start, and that folder must be empty again when they have ended.
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const files = {
  // One zip per function, as the templates package: serverless-esbuild zips each one on its own.
  'serverless.yml': `service: temp-folder
frameworkVersion: '4'
provider:
  name: aws
  runtime: nodejs22.x
package:
  individually: true
plugins:
  - serverless-gantry
  - serverless-esbuild
  - serverless-offline
custom:
  gantry:
    handlers: src/**/*.ts
  esbuild:
    bundle: true
    target: node22
    exclude: ["@aws-sdk/*"]
`,
  'src/items.ts': `import { api, get, post } from '@gantry/decorators';
@api('/items')
export class Items {
  @get('/') static async list() { return []; }
  @post('/') static async create() { return { id: 'i1' }; }
}
`,
};

/** An empty folder that stands in for the OS temp folder (in the real one, removed at the end). */
async function emptyTempFolder(): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'gantry-tmpdir-'));
  cleanups.push(() => rm(tmp, { recursive: true, force: true }));
  return tmp;
}

/** Runs `body` with TMPDIR set for this process (os.tmpdir()) and the processes it starts. */
async function withTempFolder<T>(tmp: string, body: () => Promise<T>): Promise<T> {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

describe('nothing left in the OS temp folder', () => {
  it('by sls package (serverless-esbuild zips each function through a temp folder)', async () => {
    const service = await tempService(files);
    cleanups.push(service.remove);
    const tmp = await emptyTempFolder();
    const result = await sls(service.dir, ['package'], { TMPDIR: tmp });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await readdir(join(service.dir, '.serverless'))).filter((f) => f.endsWith('.zip')).sort()).toEqual([
      'items-create.zip',
      'items-list.zip',
    ]);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('by sls offline, once stopped', async () => {
    const service = await tempService(files);
    cleanups.push(service.remove);
    const tmp = await emptyTempFolder();
    await withTempFolder(tmp, async () => {
      const offline = await startOffline(service.dir);
      try {
        expect((await fetch(`${offline.url}/items`)).status).toBe(200);
      } finally {
        await offline.stop();
      }
    });
    expect(await readdir(tmp)).toEqual([]);
  });

  it('by the testing helper, once stopped', async () => {
    const service = await tempService(files);
    cleanups.push(service.remove);
    const tmp = await emptyTempFolder();
    await withTempFolder(tmp, async () => {
      const local = await startLocalService({ servicePath: service.dir });
      try {
        expect((await local.request('POST', '/items', { body: {} })).status).toBe(200);
      } finally {
        await local.stop();
      }
    });
    expect(await readdir(tmp)).toEqual([]);
  });
});
