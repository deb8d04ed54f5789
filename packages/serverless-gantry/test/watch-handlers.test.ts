import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchHandlers } from '../src/offline/rediscover.js';

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

/** Counts onChange calls for `globs` while `act` runs, after a pause for the watcher to settle. */
async function changesWhile(dir: string, globs: string[], act: () => Promise<void>) {
  let calls = 0;
  const stop = watchHandlers(dir, globs, () => calls++, 20);
  cleanups.push(stop);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await act();
  await new Promise((resolve) => setTimeout(resolve, 500));
  return calls;
}

describe('watchHandlers', () => {
  it.each([['src/**/*.ts'], ['src/http/api.ts']])('reports an edit to a handler module matched by %s', async (glob) => {
    const dir = await service();
    expect(
      await changesWhile(dir, [glob], () => writeFile(join(dir, 'src', 'http', 'api.ts'), 'export const x = 1;')),
    ).toBe(1);
  });

  it('keeps reporting edits after atomic saves (write aside, rename over)', async () => {
    const dir = await service();
    const file = join(dir, 'src', 'http', 'api.ts');
    const save = async (contents: string) => {
      await writeFile(`${file}.saving`, contents);
      await rename(`${file}.saving`, file);
    };
    let calls = 0;
    const stop = watchHandlers(dir, ['src/**/*.ts'], () => calls++, 20);
    cleanups.push(stop);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const n of [1, 2, 3]) {
      await save(`export const n = ${n};`);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(calls).toBe(n);
    }
  });

  it('ignores files the globs do not match and what discovery itself writes', async () => {
    const dir = await service();
    const calls = await changesWhile(dir, ['src/**/*.ts'], async () => {
      await writeFile(join(dir, 'src', 'notes.md'), '# notes');
      await writeFile(join(dir, '.gantry', 'x.mjs'), 'export {}');
    });
    expect(calls).toBe(0);
  });
});
