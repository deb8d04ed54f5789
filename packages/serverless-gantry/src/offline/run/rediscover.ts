import { relative, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import picomatch from 'picomatch';
import type { BuildInput } from '../../build-service.js';
import { GantryBuildError } from '../../errors.js';
import type { ServiceFragment } from '../../generate/service.js';
import type { Manifest } from '../../manifest.js';
import { handlerDirs, watchSources } from '../reload/watch-sources.js';

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

/**
 * Calls `onChange` (debounced) when a file matching the handler globs changes. Watches only the
 * globs' base directories (never `.gantry/`, which discovery rewrites); see watch-sources.ts.
 * `ready` resolves once the initial scan is done (changes before it may be missed); `stop` stops watching.
 */
export function watchHandlers(
  servicePath: string,
  globs: string[],
  onChange: () => void,
  debounceMs = 150,
): { ready: Promise<void>; stop: () => Promise<void> } {
  const matches = picomatch(globs);
  const watcher = watchSources(
    servicePath,
    handlerDirs(servicePath, globs),
    (files) => {
      if (files.some((file) => matches(relative(servicePath, file).split(sep).join('/')))) onChange();
    },
    debounceMs,
  );
  return { ready: watcher.ready, stop: watcher.stop };
}
