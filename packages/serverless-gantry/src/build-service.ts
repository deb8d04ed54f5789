import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
  options: StageOptions;
  manifest: Manifest;
  fragment: ServiceFragment;
}

/** The whole pipeline: config → discovery → Manifest → generated fragment; entries written to disk. */
export async function buildService(input: BuildInput): Promise<BuiltService> {
  const options = resolveStageOptions(input.config, input);
  const modules = await loadHandlerModules({
    servicePath: input.servicePath,
    handlers: options.handlers,
    outDir: join(input.servicePath, '.gantry', 'discovery'),
  });
  const manifest = buildManifest(modules, options);
  const fragment = generateService(manifest, options, input.existing);
  await writeEntries(input.servicePath, fragment.entries);
  return { options, manifest, fragment };
}

async function writeEntries(servicePath: string, entries: EntryFile[]): Promise<void> {
  // Entries of functions that no longer exist would linger in bundles and editors: start clean.
  await rm(join(servicePath, ENTRIES_DIR), { recursive: true, force: true });
  await Promise.all(
    entries.map(async (entry) => {
      const file = join(servicePath, entry.path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, entry.contents);
    }),
  );
}
