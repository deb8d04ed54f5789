/**
 * For a service's vitest config: its tests run on the Node major of `provider.runtime`, as its
 * functions do on Lambda and under `sls offline`.
 *
 * ```ts
 * import { onRuntimeNode } from 'serverless-gantry/vitest';
 * import { defineConfig } from 'vitest/config';
 *
 * export default defineConfig(async () => {
 *   await onRuntimeNode();
 *   return { test: {} };
 * });
 * ```
 * @module
 */
import { basename } from 'node:path';
import {
  currentMajor,
  findNode,
  RUNTIME_NODE_ENV,
  rerunOn,
  runtimeMajor,
  stopWithRelay,
} from '../offline/run/runtime-node.js';
import { readProviderRuntime } from './service-config.js';

export interface RuntimeNodeOptions {
  /** The service whose serverless.yml names `provider.runtime` (default: the current directory). */
  servicePath?: string;
  /** The runtime itself (e.g. `nodejs22.x`), for a suite that tests several services. */
  runtime?: string;
}

/**
 * The testing helper (`serverless-gantry/testing`) runs each function on a thread of the test's own
 * process, so the test runner's Node is the functions' Node. When vitest runs on another major than
 * `provider.runtime`'s, its command runs again on a Node of that major (the one `sls offline` uses:
 * `$GANTRY_NODE_BINARY`, or Node's own build downloaded once from the npm registry into
 * `~/.cache/gantry/node/`), and this process only relays signals and the exit code: the call never
 * returns then. Started any other way than from vitest's command line (its API, an editor), vitest
 * cannot be started again: the tests keep this Node, and a line says so.
 */
export async function onRuntimeNode(options: RuntimeNodeOptions = {}): Promise<void> {
  const runtime = options.runtime ?? (await readProviderRuntime(options.servicePath ?? process.cwd()));
  const major = runtimeMajor(runtime);
  if (process.env[RUNTIME_NODE_ENV]) stopWithRelay();
  if (major === undefined || major === currentMajor()) return;
  if (!/^vitest\.m?js$/.test(basename(process.argv[1] ?? ''))) {
    console.warn(
      `gantry: the tests run on Node ${process.versions.node}, not provider.runtime ${String(runtime)}'s major: vitest was not started from its command line`,
    );
    return;
  }
  const { binary, version } = findNode(major, (line) => console.log(line));
  // Gantry's own tests start a command on this Node too (sls offline running itself again).
  process.env.GANTRY_STARTED_ON_NODE = process.execPath;
  await rerunOn(binary, version, { detached: false });
}
