import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OfflineRun, startOffline } from './support/offline.js';
import { waitUntil } from './support/wait.js';

// The fixture runs in place; every file a test edits is put back in its `finally`.
const fixture = fileURLToPath(new URL('./fixtures/reload/', import.meta.url));
const originals = new Map<string, string>();
let offline: OfflineRun;

/** Saves as editors do, atomically (write aside, rename over); the first save of a file keeps its original. */
async function save(file: string, contents: string) {
  const path = join(fixture, file);
  if (!originals.has(file)) originals.set(file, await readFile(path, 'utf8'));
  await writeFile(`${path}.saving`, contents);
  await rename(`${path}.saving`, path);
}

async function restoreFiles() {
  for (const [file, contents] of originals) await save(file, contents);
  originals.clear();
}

interface Call {
  status: number | 'hung' | 'error';
  version?: string | undefined;
  /** How many saves had been made when it was sent, and when it was answered. */
  savesAtSend: number;
  savesAtAnswer: number;
}

let saves = 0;
/** One request, bounded: an answer that does not come in 30 s is counted as hung, never awaited longer. */
async function call(path = '/notes/version'): Promise<Call> {
  const savesAtSend = saves;
  try {
    const response = await fetch(`${offline.url}${path}`, { signal: AbortSignal.timeout(30_000) });
    const body = (await response.json().catch(() => ({}))) as { version?: string };
    return { status: response.status, version: body.version, savesAtSend, savesAtAnswer: saves };
  } catch (error) {
    const status = (error as Error).name === 'TimeoutError' ? 'hung' : 'error';
    return { status, savesAtSend, savesAtAnswer: saves };
  }
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

beforeAll(async () => {
  offline = await startOffline(fixture);
});
afterAll(async () => {
  await restoreFiles();
  await offline?.stop();
});

describe('saves under sls offline while the API is in use', () => {
  it('serves each save with no request failed or hung, those in flight during a save included', async () => {
    const calls: Call[] = [];
    const pending: Promise<number>[] = [];
    let calling = true;
    // A steady client: a request every 50 ms, whatever the others are doing (each takes 150 ms).
    const client = (async () => {
      while (calling) {
        pending.push(call().then((c) => calls.push(c)));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await waitUntil(() => calls.some((c) => c.version === 'v0'), 'the first answers');
      for (const version of ['v1', 'v2', 'v3']) {
        await save('src/version.ts', `export const version: string = '${version}';\n`);
        saves++;
        await waitUntil(
          () => calls.some((c) => c.version === version),
          () => `an answer from ${version}; last: ${JSON.stringify(calls.at(-1))}\n${offline.output()}`,
        );
      }
    } finally {
      calling = false;
      await client;
      await Promise.all(pending);
      await restoreFiles();
    }
    expect(calls.filter((c) => c.status !== 200 || c.version === undefined)).toEqual([]);
    // Each save met requests in flight (sent before it, answered after it), so the test saw what it tests.
    for (const n of [1, 2, 3]) {
      expect(calls.filter((c) => c.savesAtSend < n && c.savesAtAnswer >= n).length).toBeGreaterThan(0);
    }
  });

  it('keeps the last good build serving through a typo: printed once, the broken functions say so, one line when fixed', async () => {
    const original = await readFile(join(fixture, 'src/notes-api.ts'), 'utf8');
    await waitUntil(async () => (await call()).version === 'v0', 'the restored version served');
    const start = offline.output().length;
    const since = () => offline.output().slice(start);
    try {
      // Both of the module's functions (version, count) import the broken line.
      await save('src/notes-api.ts', original.replace('return { version };', 'return { version } +;'));
      await waitUntil(
        () => since().includes('the service does not build'),
        () => `the build error printed:\n${since()}`,
      );
      const health = await fetch(`${offline.url}/health`);
      expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { ok: true } });
      for (const path of ['/notes/version', '/notes/count']) {
        const broken = await fetch(`${offline.url}${path}`);
        const body = (await broken.json()) as { error?: { code?: string; message?: string } };
        expect(broken.status).toBe(500);
        expect(body.error?.code).toBe('does_not_build');
        expect(body.error?.message).toMatch(/src\/notes-api\.ts:\d+:\d+: /);
      }
    } finally {
      await restoreFiles();
    }
    await waitUntil(async () => (await call()).version === 'v0', 'the fixed code served');
    // The fix's discovery comes after the typo's, so once it reports, everything about the typo was printed.
    await waitUntil(
      () => /builds again[\s\S]*reloaded tables and permissions/.test(since()),
      () => `the fix reported:\n${since()}`,
    );
    const printed = since();
    expect(occurrences(printed, 'the service does not build')).toBe(1);
    expect(occurrences(printed, 'Gantry cannot build')).toBe(0);
    expect(occurrences(printed, 'builds again')).toBe(1);
    expect(printed).toMatch(/src\/notes-api\.ts:\d+:\d+:/);
    expect(printed).toContain('return { version } +;'); // the source line
  });
});
