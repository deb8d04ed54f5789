import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputFile } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { BundleVersions } from '../src/offline/reload/bundle-versions.js';

// The loader and the builds as serverless-offline's worker meets them: a CommonJS module required by
// path, whose handler is called once per invocation. Here they are required by this test's own thread.
const require = createRequire(import.meta.url);
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type Loaded = Record<string, Handler>;

async function bundle(exports = [{ path: ['handler'], http: true }]) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-loader-'));
  dirs.push(dir);
  const path = join(dir, 'notes-api-get.js');
  const versions = new BundleVersions(path, exports);
  const output = (code: string): OutputFile => {
    const contents = new TextEncoder().encode(code);
    return { path, contents, hash: '', text: code };
  };
  return {
    dir,
    versions,
    /** A build whose handler returns `body` (after the gate in globalThis, when one is set). */
    build: (body: string, extra = '') =>
      versions.write([
        output(
          `${extra}\nexports.handler = async () => { await globalThis.gantryLoaderGate?.promise; return ${JSON.stringify(body)}; };`,
        ),
      ]),
    load: () => require(path) as Loaded,
  };
}

function gate() {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('a bundle under sls offline', () => {
  it('runs the newest build from the next invocation; one in flight finishes on the code it started with', async () => {
    const { build, load } = await bundle();
    await build('first');
    const loaded = load();
    const held = gate();
    (globalThis as { gantryLoaderGate?: unknown }).gantryLoaderGate = held;
    try {
      const inFlight = loaded.handler?.({}, {});
      expect(await build('second')).toBe(true);
      const next = loaded.handler?.({}, {});
      held.open();
      expect(await inFlight).toBe('first');
      expect(await next).toBe('second');
    } finally {
      delete (globalThis as { gantryLoaderGate?: unknown }).gantryLoaderGate;
    }
  });

  it('loads each build as a new module and removes the listeners the previous build added to process', async () => {
    const { build, load } = await bundle();
    const listen = (name: string) =>
      `process.on('gantry-loader-test', function ${name}() {}); globalThis.gantryLoads = (globalThis.gantryLoads ?? 0) + 1;`;
    await build('first', listen('first'));
    const loaded = load();
    try {
      expect(await loaded.handler?.({}, {})).toBe('first');
      await build('second', listen('second'));
      expect(await loaded.handler?.({}, {})).toBe('second');
      // A custom event: Node's typings only know its own.
      const listeners = (process as NodeJS.EventEmitter).listeners('gantry-loader-test');
      expect(listeners.map((listener) => listener.name)).toEqual(['second']);
      expect((globalThis as { gantryLoads?: number }).gantryLoads).toBe(2);
    } finally {
      process.removeAllListeners('gantry-loader-test');
      delete (globalThis as { gantryLoads?: number }).gantryLoads;
    }
  });

  it('writes nothing for a rebuild whose output is the running build, and keeps two builds on disk', async () => {
    const { dir, build } = await bundle();
    expect(await build('first')).toBe(true);
    expect(await build('first')).toBe(false);
    await build('second');
    await build('third');
    expect((await readdir(dir)).sort()).toEqual([
      'notes-api-get.build-1.js',
      'notes-api-get.build-2.js',
      'notes-api-get.build.json',
      'notes-api-get.js',
    ]);
  });

  it('answers HTTP invocations with the build error while the source does not build, until it builds', async () => {
    const { versions, build, load } = await bundle([
      { path: ['handler'], http: true },
      { path: ['jobs', 'run'], http: false },
    ]);
    await build('first', 'exports.jobs = { run: async () => "job" };');
    const loaded = load() as Loaded & { jobs: Loaded };
    await versions.fail('src/notes.ts:3:7: Expected ";" but found "}"');
    const answer = (await loaded.handler?.({}, { awsRequestId: 'r-1' })) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        code: 'does_not_build',
        message: expect.stringContaining('src/notes.ts:3:7: Expected ";" but found "}"'),
        requestId: 'r-1',
      },
    });
    await expect(loaded.jobs.run?.({}, {})).rejects.toThrow('src/notes.ts:3:7');
    await build('fixed', 'exports.jobs = { run: async () => "job" };');
    expect(await loaded.handler?.({}, {})).toBe('fixed');
    expect(await loaded.jobs.run?.({}, {})).toBe('job');
  });
});
