import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveStageOptions, type StageOptions } from './config.js';
import { buildManifest } from './discover/build-manifest.js';
import { loadHandlerModules } from './discover/load-modules.js';
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

/** The whole pipeline: config → discovery → Manifest → generated fragment; entries written to disk. */
export async function buildService(input: BuildInput): Promise<BuiltService> {
  const built = await discoverService(input, join(input.servicePath, '.gantry', 'discovery'));
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
  const manifest = buildManifest(modules, options);
  const fragment = generateService(manifest, options, input.existing);
  return { input, options, manifest, fragment };
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
