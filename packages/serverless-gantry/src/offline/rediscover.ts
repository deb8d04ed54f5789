import { existsSync, type FSWatcher, watch } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import picomatch from 'picomatch';
import type { BuildInput } from '../build-service.js';
import { GantryBuildError } from '../errors.js';
import type { ServiceFragment } from '../generate/service.js';
import type { Manifest } from '../manifest.js';

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
 * globs' base directories (never `.gantry/`, which discovery rewrites), and survives watcher errors
 * (Node's recursive watch on Linux reports removed subdirectories as errors). Returns a function
 * that stops watching.
 */
export function watchHandlers(
  servicePath: string,
  globs: string[],
  onChange: () => void,
  debounceMs = 150,
): () => void {
  const matches = picomatch(globs);
  let timer: NodeJS.Timeout | undefined;
  // A glob's base directory; a plain file path ('src/api.ts') is watched through its directory.
  const bases = [
    ...new Set(
      globs.map((glob) => {
        const { base, isGlob } = picomatch.scan(glob);
        return (isGlob ? base : dirname(base)) || '.';
      }),
    ),
  ];
  const watchers: FSWatcher[] = [];
  for (const base of bases) {
    const dir = resolve(servicePath, base);
    if (!existsSync(dir)) continue;
    const watcher = watch(dir, { recursive: true }, (_event, name) => {
      if (!name) return;
      const file = relative(servicePath, join(dir, name)).split(sep).join('/');
      if (GENERATED.test(file) || !matches(file)) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', () => {});
    watchers.push(watcher);
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
