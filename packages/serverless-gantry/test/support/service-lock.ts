import { mkdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock older than this was left by a test process that died: taken over. */
const STALE_MS = 20 * 60_000;

/**
 * Runs `step` while no other test process packages the same service folder. `npm test` runs the
 * deploy rehearsals as a suite of their own beside the other tests (.ci/test-all.mjs), and
 * serverless-esbuild copies every package into the service's `.serverless/` whatever `--package`
 * says, so two `sls package` (or a rehearsal's) of one folder at once can collide. The lock is a
 * folder (`mkdir` either creates it or fails, atomically, across processes) in `.gantry/`.
 */
export async function exclusivePackaging<T>(serviceDir: string, step: () => Promise<T>): Promise<T> {
  const lock = join(serviceDir, '.gantry', 'test-packaging.lock');
  await mkdir(join(serviceDir, '.gantry'), { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > STALE_MS) await rmdir(lock).catch(() => undefined);
      else await sleep(250);
    }
  }
  try {
    return await step();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}
