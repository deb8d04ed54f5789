import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import chokidar from 'chokidar';
import picomatch from 'picomatch';
import type { BuildInput } from '../../build-service.js';
import { GantryBuildError } from '../../errors.js';
import type { ServiceFragment } from '../../generate/service.js';
import type { Manifest } from '../../manifest.js';

/** Runs discovery and generation on a fresh worker thread; see discover-worker.ts. */
export function rediscover(input: BuildInput): Promise<{ manifest: Manifest; fragment: ServiceFragment }> {
  const worker = new Worker(new URL('./discover-worker.js', import.meta.url), { workerData: input });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once(
      'message',
      (reply: {
        type: string;
        manifest: Manifest;
        fragment: ServiceFragment;
        message: string;
        problems?: string[];
      }) => {
        void worker.terminate();
        if (reply.type === 'built') resolve({ manifest: reply.manifest, fragment: reply.fragment });
        else reject(reply.problems ? new GantryBuildError(reply.problems) : new Error(reply.message));
      },
    );
  });
}

const GENERATED = /(^|\/)(node_modules|\.gantry|\.esbuild|\.serverless[^/]*)(\/|$)/;

/**
 * Calls `onChange` (debounced) when a file matching the handler globs changes. Watches only the
 * globs' base directories (never `.gantry/`, which discovery rewrites). chokidar rather than
 * `fs.watch`: Node 20's recursive watch on Linux watches each file's inode, so after an editor's
 * atomic save (write aside, rename over) it misses every later change. `ready` resolves once the
 * initial scan is done (changes before it may be missed); `stop` stops watching.
 */
export function watchHandlers(
  servicePath: string,
  globs: string[],
  onChange: () => void,
  debounceMs = 150,
): { ready: Promise<void>; stop: () => void } {
  const matches = picomatch(globs);
  let timer: NodeJS.Timeout | undefined;
  // A glob's base directory; a plain file path ('src/api.ts') is watched through its directory.
  const bases = [
    ...new Set(
      globs.map((glob) => {
        const { base, isGlob } = picomatch.scan(glob);
        return resolve(servicePath, (isGlob ? base : dirname(base)) || '.');
      }),
    ),
  ].filter((dir) => existsSync(dir));
  const watcher = chokidar.watch(bases, {
    ignoreInitial: true,
    ignored: (path) => GENERATED.test(relative(servicePath, path).split(sep).join('/')),
  });
  watcher.on('all', (_event, path) => {
    const file = relative(servicePath, path).split(sep).join('/');
    if (!matches(file)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', () => {});
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  const stop = () => {
    clearTimeout(timer);
    void watcher.close();
  };
  return { ready, stop };
}
