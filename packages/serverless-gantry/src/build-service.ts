import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveStageOptions, type StageOptions } from './config.js';
import { discoverManifest, type LoadedModule } from './discover/build-manifest.js';
import { loadHandlerModules } from './discover/load-modules.js';
import { GantryBuildError } from './errors.js';
import { ENTRIES_DIR, type EntryFile } from './generate/entries.js';
import { type ExistingService, generateService, type ServiceFragment } from './generate/service.js';
import type { Manifest } from './manifest.js';

export interface BuildInput {
  servicePath: string;
  service: string;
  stage: string;
  region: string;
  /** `custom.gantry` as written. */
  config: unknown;
  existing: ExistingService;
}

export interface BuiltService {
  /** What it was built from: enough to build it again (plain data). */
  input: BuildInput;
  options: StageOptions;
  manifest: Manifest;
  fragment: ServiceFragment;
}

/**
 * The whole pipeline: config → discovery → Manifest → generated fragment; entries written to disk.
 * Discovery builds into a folder of this run's own, removed once its modules are imported: two
 * `sls` commands in one service (`sls offline` and `sls gantry token`, a reload and a package) never
 * build over each other's files.
 */
export async function buildService(input: BuildInput): Promise<BuiltService> {
  const discoveryDir = join(
    input.servicePath,
    '.gantry',
    'discovery',
    `${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  let built: BuiltService;
  try {
    built = await discoverService(input, discoveryDir);
  } finally {
    await rm(discoveryDir, { recursive: true, force: true });
  }
  await writeEntries(input.servicePath, built.fragment.entries);
  return built;
}

/** Config → discovery (its build written to `discoveryDir`) → Manifest → generated fragment. */
export async function discoverService(input: BuildInput, discoveryDir: string): Promise<BuiltService> {
  const options = resolveStageOptions(input.config, input);
  const modules = await loadHandlerModules({
    servicePath: input.servicePath,
    handlers: options.handlers,
    outDir: discoveryDir,
  });
  const { manifest, fragment } = buildFromModules(modules, options, input.existing);
  return { input, options, manifest, fragment };
}

/**
 * Discovery and generation, pure: every problem of both is listed in one GantryBuildError, so a
 * user sees all of them in one run (generation runs on a Manifest that has problems too, and its
 * own problems are added; anything else it throws then is a consequence of those problems).
 */
export function buildFromModules(
  modules: LoadedModule[],
  options: StageOptions,
  existing: ExistingService,
): { manifest: Manifest; fragment: ServiceFragment } {
  const { manifest, problems } = discoverManifest(modules, options);
  try {
    const fragment = generateService(manifest, options, existing);
    if (problems.length === 0) return { manifest, fragment };
  } catch (error) {
    if (error instanceof GantryBuildError) problems.push(...error.problems);
    else if (problems.length === 0) throw error;
  }
  throw new GantryBuildError([...new Set(problems)]);
}

/**
 * Writes the entry files, leaving unchanged ones untouched (a watching bundler would rebuild for
 * nothing) and removing entries of functions that no longer exist.
 */
async function writeEntries(servicePath: string, entries: EntryFile[]): Promise<void> {
  const dir = join(servicePath, ENTRIES_DIR);
  await mkdir(dir, { recursive: true });
  const wanted = new Set(entries.map((entry) => join(servicePath, entry.path)));
  for (const name of await readdir(dir)) {
    if (!wanted.has(join(dir, name))) await rm(join(dir, name), { force: true });
  }
  await Promise.all(
    entries.map(async (entry) => {
      const file = join(servicePath, entry.path);
      const current = await readFile(file, 'utf8').catch(() => undefined);
      if (current !== entry.contents) await writeFile(file, entry.contents);
    }),
  );
}
