import { readFile, realpath, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Message } from 'esbuild';
import { glob } from 'tinyglobby';
import { GantryBuildError } from '../errors.js';
import { pageBundlePlugin } from '../page/page-bundle-plugin.js';
import type { LoadedModule } from './build-manifest.js';
import { declarationOrigins } from './declaration-origin.js';

export interface LoadOptions {
  servicePath: string;
  /** Globs relative to the service, e.g. `src/**\/*.ts`. */
  handlers: string[];
  /** Where the discovery build is written (inside `.gantry/`, ignored by git). */
  outDir: string;
}

/**
 * How Gantry bundles TypeScript it imports itself (discovery, the testing helper's entries): ES
 * modules with shared chunks, dependencies imported from node_modules as they are (faster, and one
 * copy of each).
 */
export const NODE_ESM_BUILD = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  packages: 'external',
  logLevel: 'silent',
} as const satisfies BuildOptions;

const NOT_HANDLERS = ['**/node_modules/**', '**/*.d.ts', '**/*.test.*', '**/*.spec.*', '**/.*/**'];

/** The handler files the globs match, relative to the service, sorted. */
export async function findHandlerFiles(servicePath: string, handlers: string[]): Promise<string[]> {
  const files = await glob(handlers, { cwd: servicePath, ignore: NOT_HANDLERS });
  if (files.length === 0) {
    throw new GantryBuildError([
      `custom.gantry.handlers (${handlers.join(', ')}) matched no file in ${servicePath}; point it at the modules that export your decorated classes.`,
    ]);
  }
  return files.sort();
}

/**
 * One esbuild build of every handler module (code shared between them goes into common chunks, so a
 * table imported by two modules is one value), then each module imported once, in order. A module
 * that fails to build or throws on import is reported with its file and error.
 */
export async function loadHandlerModules(options: LoadOptions): Promise<LoadedModule[]> {
  const { servicePath, outDir } = options;
  const files = await findHandlerFiles(servicePath, options.handlers);
  await rm(outDir, { recursive: true, force: true });

  let outputs: Record<string, { entryPoint?: string }>;
  // A page's browser script may match the handler globs: it is built, never imported in Node.
  const pageSources = new Set<string>();
  try {
    const result = await build({
      absWorkingDir: servicePath,
      entryPoints: files,
      outdir: outDir,
      outbase: servicePath,
      ...NODE_ESM_BUILD,
      metafile: true,
      // Linked source maps (a comment Node ignores unless asked): they map the call site that
      // `table()` / `queue()` record back to the declaring source file (declaration-origin.ts).
      sourcemap: 'linked',
      plugins: [pageBundlePlugin({ onPageSource: (file) => pageSources.add(file) })],
    });
    outputs = result.metafile.outputs;
  } catch (error) {
    const messages = (error as { errors?: Message[] }).errors ?? [];
    throw new GantryBuildError(
      messages.length > 0 ? messages.map(formatEsbuildMessage) : [`esbuild failed: ${String(error)}`],
      { cause: error },
    );
  }

  const outputOf = new Map<string, string>();
  for (const [output, meta] of Object.entries(outputs)) {
    if (meta.entryPoint) outputOf.set(resolve(servicePath, meta.entryPoint), resolve(servicePath, output));
  }
  // Read now: the caller may remove the build folder before the Manifest is made.
  const mapFiles = Object.keys(outputs).filter((output) => output.endsWith('.map'));
  const maps = new Map(
    await Promise.all(
      mapFiles.map(async (output) => {
        const file = resolve(servicePath, output);
        return [await realpathOr(file), await readFile(file, 'utf8')] as const;
      }),
    ),
  );
  const declaredIn = declarationOrigins(servicePath, maps, files);

  const modules: LoadedModule[] = [];
  const problems: string[] = [];
  let firstError: unknown;
  for (const file of files) {
    if (pageSources.has(resolve(servicePath, file))) continue;
    const output = outputOf.get(resolve(servicePath, file));
    if (!output) throw new Error(`esbuild wrote no output for ${file}`); // cannot happen: one output per entry
    try {
      const exports = (await import(pathToFileURL(output).href)) as Record<string, unknown>;
      modules.push({ file, exports, declaredIn });
    } catch (error) {
      firstError ??= error;
      problems.push(
        `${file}: importing this module threw ${describeError(error)}; fix the module so it loads without side effects that fail at build time.`,
      );
    }
  }
  if (problems.length > 0) throw new GantryBuildError(problems, { cause: firstError });
  return modules;
}

// Call sites name the real path of the module Node imported.
async function realpathOr(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

function formatEsbuildMessage(message: Message): string {
  const at = message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column}`
    : 'esbuild';
  return `${at}: ${message.text}`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
