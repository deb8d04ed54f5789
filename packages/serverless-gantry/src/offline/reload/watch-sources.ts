import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import chokidar from 'chokidar';
import picomatch from 'picomatch';

/** What discovery and builds write, and what is never a service's source. */
const GENERATED = /(^|\/)(node_modules|\.gantry|\.esbuild|\.serverless[^/]*|\.git)(\/|$)/;

export interface SourceWatcher {
  /** Resolves once the initial scan is done (changes before it may be missed). */
  ready: Promise<void>;
  /** Watches more folders (recursively), e.g. those of a bundle's new inputs. */
  add(dirs: readonly string[]): void;
  stop(): Promise<void>;
}

/**
 * Calls `onChange` with the files (absolute paths) added, changed or removed under `dirs` during a
 * short quiet window, so an editor's save (often several events) is one call. chokidar rather than
 * `fs.watch`: Node 20's recursive watch on Linux watches each file's inode, so after an editor's
 * atomic save (write aside, rename over) it misses every later change. Never reports what discovery
 * and the builds write (`.gantry/`, `.esbuild/`, `.serverless/`) or `node_modules`.
 */
export function watchSources(
  servicePath: string,
  dirs: readonly string[],
  onChange: (files: string[]) => void,
  debounceMs = 25,
): SourceWatcher {
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const watched = new Set<string>();
  const ignored = (path: string) => GENERATED.test(relative(servicePath, path).split(sep).join('/'));
  const watcher = chokidar.watch([], { ignoreInitial: true, ignored });
  const add = (more: readonly string[]) => {
    const fresh = more
      .map((dir) => resolve(servicePath, dir))
      .filter((dir) => !watched.has(dir) && ![...watched].some((w) => dir.startsWith(`${w}${sep}`)) && existsSync(dir));
    for (const dir of fresh) watched.add(dir);
    if (fresh.length > 0) watcher.add(fresh);
  };
  add(dirs);
  watcher.on('all', (_event, path) => {
    changed.add(resolve(servicePath, path));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed];
      changed.clear();
      onChange(files);
    }, debounceMs);
  });
  watcher.on('error', () => {});
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    add,
    stop: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

/** The folders to watch for the handler globs: each glob's base (a plain file path: its folder). */
export function handlerDirs(servicePath: string, globs: readonly string[]): string[] {
  return [
    ...new Set(
      globs.map((glob) => {
        const { base, isGlob } = picomatch.scan(glob);
        return resolve(servicePath, (isGlob ? base : dirname(base)) || '.');
      }),
    ),
  ];
}
