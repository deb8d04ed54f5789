import { dirname, resolve } from 'node:path';
import { type BuildContext, type BuildOptions, context, type Message, type Metafile, type OutputFile } from 'esbuild';
import { distinctMessages, errorSummary } from './build-report.js';
import { BundleVersions } from './bundle-versions.js';
import {
  type HandedBuild,
  type PluginInstances,
  type ServiceFunctions,
  takeOverServerlessEsbuild,
} from './serverless-esbuild-handover.js';

/** What one rebuild did. */
export interface CodeRound {
  /** Functions whose next invocation runs new code. */
  swapped: string[];
  /** The round's errors, each once (empty when what it rebuilt builds). */
  errors: Message[];
  /** Functions whose code does not build now. */
  failing: string[];
  /** Functions that did not build before this round and do now. */
  fixed: string[];
}

export interface CodeReload {
  /** Folders holding the bundles' sources (outside node_modules): grows as the bundles' inputs do. */
  sourceDirs(): string[];
  /** Rebuilds the bundles that the changed files (absolute paths) go into; one round at a time. */
  rebuild(changed: readonly string[]): Promise<CodeRound>;
  stop(): Promise<void>;
}

// Files that may go into a bundle through a plugin (a page script's modules) without being listed in
// the metafile: a change to one rebuilds the bundles that have plugin inputs.
const SOURCE = /\.(m|c)?(j|t)sx?$|\.json$/;

/**
 * Gantry's rebuilds under `sls offline`, in place of serverless-esbuild's watch: each function's
 * bundle has an incremental esbuild context of its own (serverless-esbuild's options for it, as it
 * built it at start); a change rebuilds only the bundles whose inputs it touches, and a bundle whose
 * output changed is swapped in through its loader (bundle-loader.ts), without ending any worker.
 * Returns undefined when serverless-esbuild cannot be taken over (it then keeps its own watch).
 * `onSources` hears that the bundles' source folders grew (the first build, a new import).
 */
export function startCodeReload(
  plugins: PluginInstances,
  functions: ServiceFunctions,
  onSources: () => void,
  { whenIdle = async () => undefined }: { whenIdle?: (() => Promise<void>) | undefined } = {},
): CodeReload | undefined {
  const bundles = new Map<string, Bundle>();
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let warmUp: NodeJS.Timeout | undefined;
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task);
    queue = next.catch(() => undefined);
    return next;
  };

  // One bundle at a time, each queued when the last is done: a save waits for one warm-up at most.
  // Each waits until no function has run for a while: a warm-up is speculative work (esbuild takes
  // both cores for it), and the first requests after start, often a developer's first clicks, come
  // first (measured: they took 2–3× longer while the warm-ups ran; bench/RESULTS.md, "cold starts").
  const warmEach = (rest: Bundle[]) => {
    const next = rest.shift();
    if (!next || stopped) return;
    void whenIdle()
      .then(() => (stopped ? undefined : enqueue(() => next.warm())))
      .finally(() => warmEach(rest));
  };

  const handover = takeOverServerlessEsbuild(plugins, functions, async (handed) => {
    const bundle = new Bundle(handed);
    bundles.set(handed.output, bundle);
    await bundle.start(handed.result);
    onSources();
    // Once serverless-esbuild is done, each bundle gets its own context, built once in the background
    // (one at a time), so the first save is an incremental rebuild too; serverless-esbuild's go.
    clearTimeout(warmUp);
    warmUp = setTimeout(() => {
      void handover?.dispose().catch(() => undefined);
      warmEach([...bundles.values()]);
    }, 300);
  });
  if (!handover) return undefined;

  return {
    sourceDirs: () => [...new Set([...bundles.values()].flatMap((bundle) => bundle.sourceDirs()))],
    rebuild: (changed) =>
      enqueue(async () => {
        const all = [...bundles.values()];
        const known = (file: string) => all.some((bundle) => bundle.inputs.has(file));
        const unlisted = changed.some((file) => SOURCE.test(file) && !known(file));
        const affected = all.filter(
          (bundle) =>
            bundle.versions.failed ||
            changed.some((file) => bundle.inputs.has(file)) ||
            (unlisted && bundle.pluginInputs),
        );
        const failedBefore = new Set(all.filter((b) => b.versions.failed).flatMap((b) => b.functions));
        const sourcesBefore = sourceCount(all);
        const outcomes = await Promise.all(affected.map((bundle) => bundle.rebuild()));
        if (sourceCount(all) !== sourcesBefore) onSources();
        const failing = all.filter((b) => b.versions.failed).flatMap((b) => b.functions);
        return {
          swapped: affected.filter((_, i) => outcomes[i]?.swapped).flatMap((b) => b.functions),
          errors: distinctMessages(outcomes.flatMap((o) => o.errors)),
          failing,
          fixed: [...failedBefore].filter((fn) => !failing.includes(fn)),
        };
      }),
    stop: async () => {
      stopped = true;
      clearTimeout(warmUp);
      await queue;
      await Promise.all([...bundles.values()].map((bundle) => bundle.dispose()));
    },
  };
}

const sourceCount = (bundles: Bundle[]) => bundles.reduce((n, bundle) => n + bundle.inputs.size, 0);

/** One bundle (one esbuild entry): its context, its inputs, its builds where serverless-offline loads it. */
class Bundle {
  readonly versions: BundleVersions;
  readonly functions: string[];
  /** The files it was built from (absolute), from its last good build's metafile. */
  inputs = new Set<string>();
  /** Whether a plugin gave it modules (a page script): their own imports are not in the metafile. */
  pluginInputs = false;
  readonly #options: BuildOptions;
  readonly #cwd: string;
  #context: Promise<BuildContext> | undefined;

  constructor(handed: HandedBuild) {
    this.functions = handed.functions;
    this.versions = new BundleVersions(handed.output, handed.exports);
    this.#cwd = handed.options.absWorkingDir ?? process.cwd();
    // serverless-esbuild's options for this bundle, without the handover plugin, for a context of its own.
    this.#options = {
      ...handed.options,
      plugins: (handed.options.plugins ?? []).filter((plugin) => plugin.name !== 'gantry-offline-builds'),
      write: false,
      metafile: true,
      logLevel: 'silent',
    };
  }

  /** The build serverless-esbuild made at start: the first version. */
  async start(result: { outputFiles?: OutputFile[] | undefined; metafile?: Metafile | undefined }) {
    this.#record(result.metafile);
    await this.versions.write(result.outputFiles ?? []);
  }

  async warm() {
    await this.rebuild();
  }

  async rebuild(): Promise<{ swapped: boolean; errors: Message[] }> {
    this.#context ??= context(this.#options);
    try {
      const result = await (await this.#context).rebuild();
      this.#record(result.metafile);
      return { swapped: await this.versions.write(result.outputFiles ?? []), errors: [] };
    } catch (error) {
      const errors = (error as { errors?: Message[] }).errors ?? [{ text: String(error) } as Message];
      await this.versions.fail(errorSummary(errors));
      return { swapped: false, errors };
    }
  }

  sourceDirs(): string[] {
    return [...this.inputs].filter((file) => !/[\\/]node_modules[\\/]/.test(file)).map((file) => dirname(file));
  }

  async dispose() {
    const context = await this.#context?.catch(() => undefined);
    await context?.dispose();
  }

  #record(metafile: Metafile | undefined) {
    if (!metafile) return;
    const inputs = new Set<string>();
    let pluginInputs = false;
    for (const input of Object.keys(metafile.inputs)) {
      const namespaced = /^([\w-]{2,}):(.*)$/.exec(input);
      if (namespaced && namespaced[1] !== 'file') {
        pluginInputs = true;
        // `gantry-page:/abs/script.ts`: the page's own module is a file too.
        if (namespaced[2]?.startsWith('/')) inputs.add(namespaced[2]);
        continue;
      }
      inputs.add(resolve(this.#cwd, input));
    }
    this.inputs = inputs;
    this.pluginInputs = pluginInputs;
  }
}
