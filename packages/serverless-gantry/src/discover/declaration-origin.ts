import { existsSync, realpathSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DeclarationSite, declarationSite } from '@gantry/decorators';

/**
 * Which service a table or queue belongs to, by the folder of the file that declared it. Walking up
 * from that file, the first of these decides:
 * - this service's folder: this service's;
 * - a folder holding a serverless config (serverless.yml, …): that other service's;
 * - a folder holding a package.json that is not this service's folder nor one above it: a shared
 *   package (a library): its declarations belong to each service that uses them.
 * A folder with a serverless config that holds one of this service's handler modules counts as
 * this service's folder. A file under none of them (a loose file outside this service) belongs to
 * no service.
 */
export type DeclarationOwner =
  | { kind: 'this' }
  | { kind: 'package'; dir: string }
  | { kind: 'service'; dir: string; config: string }
  | { kind: 'none' };

/** Paths relative to this service's folder, with '/' separators (for messages). */
export interface DeclarationOrigin {
  /** The source file that called `table()` / `queue()`. */
  file: string;
  owner: DeclarationOwner;
}

/** Finds the origin of a declaration value; undefined when the engine recorded no call site. */
export type DeclaredIn = (value: unknown) => DeclarationOrigin | undefined;

// The names osls loads a service's configuration from.
const SERVICE_CONFIGS = [
  'serverless.yml',
  'serverless.yaml',
  'serverless.json',
  'serverless.js',
  'serverless.cjs',
  'serverless.mjs',
  'serverless.ts',
];

/**
 * The origin finder for one discovery load. `maps` holds the discovery build's source maps (output
 * file → JSON text), read while the build folder exists: a call site inside the bundle is mapped
 * back to its source file through them; a call site outside it (a package imported from
 * node_modules, which discovery does not bundle) is already the source file.
 */
export function declarationOrigins(
  servicePath: string,
  maps: ReadonlyMap<string, string>,
  handlerFiles: readonly string[] = [],
): DeclaredIn {
  // Node imports modules by their real path, so call sites and mapped sources are real paths too.
  const root = realpath(resolve(servicePath));
  const handlers = handlerFiles.map((file) => realpath(resolve(root, file)));
  const parsed = new Map<string, SourceMap | undefined>();
  const owners = new Map<string, DeclarationOwner>();
  const sourceMapOf = (file: string) => {
    if (!parsed.has(file)) {
      const text = maps.get(`${file}.map`);
      parsed.set(file, text === undefined ? undefined : new SourceMap(JSON.parse(text)));
    }
    return parsed.get(file);
  };
  return (value) => {
    const site = declarationSite(value);
    const file = site && sourceFile(site, sourceMapOf);
    if (!file) return undefined;
    const dir = dirname(file);
    let owner = owners.get(dir);
    if (!owner) {
      owner = ownerOf(dir, root, handlers);
      owners.set(dir, owner);
    }
    const shown = (path: string) => relative(root, path).split(sep).join('/');
    return { file: shown(file), owner: 'dir' in owner ? { ...owner, dir: shown(owner.dir) } : owner };
  };
}

function sourceFile(site: DeclarationSite, sourceMapOf: (file: string) => SourceMap | undefined): string | undefined {
  const file = site.file.startsWith('file:') ? fileURLToPath(site.file) : site.file;
  if (!isAbsolute(file)) return undefined; // e.g. `node:internal/…`, or code evaluated from a string
  const map = sourceMapOf(file);
  if (!map) return file;
  // Node names an ES module it imported by its file URL. A bare path for a bundle file means a test
  // runner (vitest) evaluated its own transformed copy, whose positions the map does not describe:
  // unknown, rather than a wrong file.
  if (!site.file.startsWith('file:')) return undefined;
  // V8's positions are 1-based; source map entries 0-based. Sources are relative to the map file.
  const entry = map.findEntry(site.line - 1, site.column - 1) as { originalSource?: string };
  if (!entry.originalSource) return undefined;
  return entry.originalSource.startsWith('file:')
    ? fileURLToPath(entry.originalSource)
    : resolve(dirname(file), entry.originalSource);
}

function ownerOf(start: string, servicePath: string, handlers: string[]): DeclarationOwner {
  for (let dir = start; ; dir = dirname(dir)) {
    if (dir === servicePath) return { kind: 'this' };
    const config = SERVICE_CONFIGS.find((name) => existsSync(join(dir, name)));
    // A folder this service takes handler modules from is its own, serverless config or not (the
    // repository's root service runs the tasks-app template's handlers, beside its serverless.yml).
    if (config && handlers.some((file) => isInside(file, dir))) return { kind: 'this' };
    if (config) return { kind: 'service', dir, config };
    // A package.json at or above the service is its own, or the workspace's root: not a library.
    if (existsSync(join(dir, 'package.json')) && !isInside(servicePath, dir)) return { kind: 'package', dir };
    if (dirname(dir) === dir) return { kind: 'none' };
  }
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const isInside = (path: string, dir: string) => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};
