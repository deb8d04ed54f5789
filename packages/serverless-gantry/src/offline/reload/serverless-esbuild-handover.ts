import { basename, dirname, extname, join, posix, resolve } from 'node:path';
import type { BuildOptions, BuildResult, Plugin } from 'esbuild';
import type { LoaderExport } from './bundle-loader.js';

/** The slice of osls's plugin manager this reads: the plugin instances. */
export interface PluginInstances {
  plugins?: unknown[];
}

/** The slice of serverless-esbuild 1.x's plugin instance this touches (public fields and methods). */
interface ServerlessEsbuild {
  buildOptions?: {
    plugins?: unknown;
    format?: string;
    platform?: string;
    outputFileExtension?: string;
    skipBuild?: boolean;
  };
  buildDirPath?: string;
  watch?: () => void;
  disposeContexts?: () => Promise<void>;
}

/** A build of one bundle that serverless-esbuild ran (at the start of `sls offline`). */
export interface HandedBuild {
  /** The options it built with: its entry, outdir and the service's esbuild settings. */
  options: BuildOptions;
  /** Its outputs (`write: false`), metafile, errors. */
  result: BuildResult;
  /** Where serverless-offline loads the bundle from (absolute). */
  output: string;
  /** The handlers serverless-offline looks up in it. */
  exports: LoaderExport[];
  /** The functions it serves (keys). */
  functions: string[];
}

/** The functions as osls holds them: `handler` and `events` are what this reads. */
export type ServiceFunctions = Record<string, unknown> | null | undefined;

/**
 * Takes the bundles' rebuilds over from serverless-esbuild under `sls offline`. Its watcher rebuilds
 * every bundle on any change and then has serverless-offline terminate every function's worker,
 * which loses the invocations in flight (their promise never settles: serverless-offline listens
 * for the worker's exit on the message port, which never emits it). Here its watcher is turned off
 * (it has no setting for that), and its first build writes each bundle through `onBuild` instead of
 * to disk, with the exact options it built with, so Gantry can rebuild the same bundles itself.
 * Returns undefined, changing nothing, when serverless-esbuild is not there, builds ES modules or
 * builds nothing (`skipBuild`).
 * Must run before serverless-esbuild's own `before:offline:start` hook (Gantry's hook runs first).
 */
export function takeOverServerlessEsbuild(
  plugins: PluginInstances,
  functions: ServiceFunctions,
  onBuild: (build: HandedBuild) => Promise<void>,
): { dispose: () => Promise<void> } | undefined {
  const esbuild = plugins.plugins?.find(
    (plugin): plugin is ServerlessEsbuild =>
      (plugin as { constructor?: { name?: string } } | null)?.constructor?.name === 'EsbuildServerlessPlugin',
  );
  const options = esbuild?.buildOptions;
  if (!esbuild || !options || !esbuild.buildDirPath || typeof esbuild.watch !== 'function') return undefined;
  // The loader is CommonJS; ES module bundles stay with serverless-esbuild's own watch.
  const extension = options.outputFileExtension ?? '.js';
  if ((options.format ?? 'cjs') !== 'cjs' || (options.platform ?? 'node') !== 'node' || extension === '.mjs') {
    return undefined;
  }
  if (options.plugins !== undefined && !Array.isArray(options.plugins)) return undefined;
  if (options.skipBuild) return undefined; // prebuilt bundles: nothing is built here
  const handlers = handlersByModule(functions, esbuild.buildDirPath);
  const handover: Plugin = {
    name: 'gantry-offline-builds',
    setup(build) {
      const initial = build.initialOptions;
      const entry = Array.isArray(initial.entryPoints) ? initial.entryPoints[0] : undefined;
      if (typeof entry !== 'string' || !initial.outdir) return;
      const cwd = initial.absWorkingDir ?? process.cwd();
      const output = resolve(cwd, initial.outdir, `${basename(entry, extname(entry))}${extension}`);
      const served = handlers.get(output.slice(0, -extension.length));
      if (!served) return; // not a function's bundle as serverless-offline loads it: left as it is
      initial.write = false;
      initial.metafile = true;
      build.onEnd(async (result) => {
        if (result.errors.length > 0) return; // serverless-esbuild fails the start
        await onBuild({ options: initial, result, output, exports: served.exports, functions: served.functions });
      });
    },
  };
  esbuild.watch = () => undefined;
  options.plugins = [...((options.plugins as Plugin[] | undefined) ?? []), handover];
  return { dispose: async () => esbuild.disposeContexts?.() };
}

/** Bundle path without extension (under serverless-esbuild's build folder) → the handlers in it. */
function handlersByModule(functions: ServiceFunctions, buildDir: string) {
  const byModule = new Map<string, { exports: LoaderExport[]; functions: string[] }>();
  for (const [key, fn] of Object.entries(functions ?? {})) {
    const { handler, events } = (fn ?? {}) as { handler?: unknown; events?: unknown };
    if (typeof handler !== 'string') continue;
    // As the Lambda runtime splits it: the module is the last segment up to its first dot.
    const name = posix.basename(handler);
    const dot = name.indexOf('.');
    if (dot <= 0) continue;
    const module = resolve(buildDir, join(dirname(handler), name.slice(0, dot)));
    const entry = byModule.get(module) ?? { exports: [], functions: [] };
    entry.exports.push({ path: name.slice(dot + 1).split('.'), http: invokedByHttp(events) });
    entry.functions.push(key);
    byModule.set(module, entry);
  }
  return byModule;
}

const HTTP_EVENTS = ['httpApi', 'http', 'alb', 'websocket'];
function invokedByHttp(events: unknown): boolean {
  return (
    Array.isArray(events) &&
    events.some((event) => typeof event === 'object' && event !== null && HTTP_EVENTS.some((type) => type in event))
  );
}
