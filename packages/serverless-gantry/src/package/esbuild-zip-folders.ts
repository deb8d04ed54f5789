import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';

// serverless-esbuild 1.57.2 zips each artifact through a folder in the OS temp folder,
// `<zip name>-<pid>-<milliseconds>-<8 hex>` (utils.js `zip`, also when it zips with Node and never
// reads that folder), and removes it with @effect/platform's `remove` without `recursive`: Node's
// `rm` refuses a folder, the error is swallowed, and a copy of every bundle stays behind, one folder
// per function and package (`tasks-api-create-…`, `web-page-…`, `fixture-members-…`). No setting moves
// it: the path is `os.tmpdir()` and the name. So Gantry removes exactly those after packaging.

/** The artifacts serverless-esbuild zipped: the service's, or one per function (`package.individually`). */
export interface PackagedService {
  package?: { artifact?: unknown } | null;
  functions?: Record<string, unknown> | null;
}

function artifactNames(service: PackagedService): string[] {
  const artifacts = [
    service.package?.artifact,
    ...Object.values(service.functions ?? {}).map(
      (fn) => (fn as { package?: { artifact?: unknown } } | null)?.package?.artifact,
    ),
  ];
  return [
    ...new Set(
      artifacts
        .filter((artifact): artifact is string => typeof artifact === 'string' && artifact !== '')
        .map((artifact) => basename(artifact, extname(artifact))),
    ),
  ];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes the folders serverless-esbuild's zip left in the OS temp folder for this process's
 * artifacts (only this process's: the name holds its pid). Returns the names removed.
 */
export function removeEsbuildZipFolders(service: PackagedService, pid = process.pid, dir = tmpdir()): string[] {
  const names = artifactNames(service);
  if (names.length === 0) return [];
  const leftover = new RegExp(`^(?:${names.map(escapeRegExp).join('|')})-${pid}-\\d+-[0-9a-f]{8}$`);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed = entries.filter((entry) => leftover.test(entry));
  for (const entry of removed) rmSync(join(dir, entry), { recursive: true, force: true });
  return removed;
}
