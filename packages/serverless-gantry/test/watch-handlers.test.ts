import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchHandlers } from '../src/offline/run/rediscover.js';
import { waitUntil } from './support/wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function service() {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-watch-'));
  await mkdir(join(dir, 'src', 'http'), { recursive: true });
  await mkdir(join(dir, '.gantry'), { recursive: true });
  await writeFile(join(dir, 'src', 'http', 'api.ts'), 'export {};');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A watcher that counts its onChange calls, once its initial scan is done. */
async function watch(dir: string, globs: string[]) {
  const counter = { calls: 0 };
  const watcher = watchHandlers(dir, globs, () => counter.calls++, 20);
  cleanups.push(watcher.stop);
  await watcher.ready;
  return counter;
}

const handler = (dir: string) => join(dir, 'src', 'http', 'api.ts');

describe('watchHandlers', () => {
  it.each([['src/**/*.ts'], ['src/http/api.ts']])('reports an edit to a handler module matched by %s', async (glob) => {
    const dir = await service();
    const counter = await watch(dir, [glob]);
    await writeFile(handler(dir), 'export const x = 1;');
    await waitUntil(() => counter.calls === 1, 'one change reported');
    expect(counter.calls).toBe(1);
  });

  it('keeps reporting edits after atomic saves (write aside, rename over)', async () => {
    const dir = await service();
    const counter = await watch(dir, ['src/**/*.ts']);
    // Node's own recursive watch reported the first atomic save and never another. Each save here
    // must be reported; one is saved again if its event has not come in 5 s (on a busy machine an
    // event can come late, or be lost by the OS watcher), which cannot hide a watcher that went deaf.
    for (const n of [1, 2, 3]) {
      await waitUntil(async () => {
        await writeFile(`${handler(dir)}.saving`, `export const n = ${n};`);
        await rename(`${handler(dir)}.saving`, handler(dir));
        return waitUntil(() => counter.calls >= n, `save ${n} reported`, 5_000).catch(() => false);
      }, `save ${n} reported`);
      expect(counter.calls).toBeGreaterThanOrEqual(n);
    }
  });

  it('ignores files the globs do not match and what discovery itself writes', async () => {
    const dir = await service();
    const counter = await watch(dir, ['src/**/*.ts']);
    await writeFile(join(dir, 'src', 'notes.md'), '# notes');
    await writeFile(join(dir, '.gantry', 'x.mjs'), 'export {}');
    // A negative needs a window; on a busy machine a late event could only make this pass wrongly,
    // never fail wrongly. The edit after it shows the watcher was listening all along.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(counter.calls).toBe(0);
    await writeFile(handler(dir), 'export const x = 1;');
    await waitUntil(() => counter.calls === 1, 'the handler edit reported');
  });
});
