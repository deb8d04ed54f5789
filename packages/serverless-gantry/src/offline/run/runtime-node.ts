import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Set in the environment of `sls offline` when it runs on the runtime's Node: the version. */
export const RUNTIME_NODE_ENV = 'GANTRY_RUNTIME_NODE';
/** A Node binary to run local functions on, instead of the one Gantry downloads. */
export const NODE_BINARY_ENV = 'GANTRY_NODE_BINARY';

/** `nodejs22.x` → 22; undefined for anything that is not a Node.js runtime. */
export function runtimeMajor(runtime: unknown): number | undefined {
  const match = typeof runtime === 'string' ? /^nodejs(\d+)\.x$/.exec(runtime) : null;
  return match ? Number(match[1]) : undefined;
}

/** The Node major this process runs on. */
export const currentMajor = (): number => Number(process.versions.node.split('.')[0]);

/**
 * The npm package that holds a Node binary of `major` for this machine: Node's own builds, published
 * by the Node.js project as `node-<platform>-<arch>` (the packages behind npm's `node`); they have
 * no install script, so nothing needs a build approval.
 */
export function nodePackage(major: number): string {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  return `node-${platform}-${process.arch}@${major}`;
}

/** Where Gantry keeps the Node binaries it downloaded, one folder per major (shared by services). */
export function nodeCacheDir(major: number): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'gantry', 'node', nodePackage(major));
}

/**
 * Where the functions' threads keep V8's compiled code of the modules they load (Node's module
 * compile cache, Node 22.1 and later), so the AWS SDK every function loads is compiled once per
 * machine, not at every cold start. Beside the Node binaries: nothing in the OS temp folder.
 */
export function compileCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'gantry', 'compile-cache');
}

function binaryIn(dir: string, major: number): string {
  const name = nodePackage(major).replace(/@\d+$/, '');
  return join(dir, 'node_modules', name, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
}

function versionOf(binary: string): string {
  return execFileSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

/**
 * A Node binary of `major`: $GANTRY_NODE_BINARY when set (it must be that major), else the one in
 * Gantry's cache, downloaded there from the npm registry the first time (about 30 MB).
 */
export function findNode(major: number, log: (line: string) => void): { binary: string; version: string } {
  const chosen = process.env[NODE_BINARY_ENV];
  if (chosen) {
    const version = versionOf(chosen);
    if (Number(version.split('.')[0]) !== major) {
      throw new Error(
        `${NODE_BINARY_ENV}=${chosen} is Node ${version}, but provider.runtime needs Node ${major}; point it at a Node ${major} binary or unset it.`,
      );
    }
    return { binary: chosen, version };
  }
  const dir = nodeCacheDir(major);
  const binary = binaryIn(dir, major);
  if (!existsSync(binary)) {
    log(`gantry: downloading Node ${major} for the functions (once, into ${dir})`);
    // Into a folder of this process, then renamed: two runs starting at once (test suites do) never
    // share a half-written install; the second rename fails and its copy is dropped.
    const partial = `${dir}.partial-${process.pid}`;
    mkdirSync(dirname(dir), { recursive: true });
    execFileSync(
      'npm',
      ['install', '--prefix', partial, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', nodePackage(major)],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    try {
      renameSync(partial, dir);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  return { binary, version: versionOf(binary) };
}

/**
 * Runs this same command (`sls …`, `vitest …`) again on `binary`, and this process only relays:
 * signals go to the command, its exit code becomes ours, and the command stops at once if we are
 * killed (it watches our IPC channel: `stopWithRelay`). Never resolves: this process exits when the
 * command does.
 *
 * `detached` (the default, for `sls`): the command runs in its own process group, so a Ctrl-C
 * reaches it once, through us. Not detached (for a test runner that reads keys in a terminal): it
 * stays in the terminal's foreground group, which delivers a Ctrl-C to both, so we pass on a SIGINT
 * only when there is no terminal.
 */
export function rerunOn(binary: string, version: string, options: { detached?: boolean } = {}): Promise<never> {
  const detached = options.detached ?? true;
  const child: ChildProcess = spawn(binary, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, [RUNTIME_NODE_ENV]: version },
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached,
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (signal === 'SIGINT' && !detached && process.stdin.isTTY) return;
      child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return new Promise<never>(() => undefined);
}

/**
 * In the command started by `rerunOn`: stop at once when the relaying process is gone (killed with
 * SIGKILL, it cannot pass anything on), as the command itself would have been.
 */
export function stopWithRelay(): void {
  if (!process.env[RUNTIME_NODE_ENV] || !process.connected) return;
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  // The channel must not keep the command alive, nor stop it from exiting by itself.
  process.channel?.unref();
}

/**
 * `sls offline` and `sls gantry rehearse` run the functions on the Node major of `provider.runtime`,
 * as Lambda would: when this process is another major, the command runs again on a Node of that
 * major (found or downloaded by `findNode`) and this call never returns. Returns the line to print
 * at start.
 */
export async function commandOnRuntimeNode(
  runtime: unknown,
  enabled: boolean,
  log: (line: string) => void,
): Promise<string> {
  const major = runtimeMajor(runtime);
  if (process.env[RUNTIME_NODE_ENV]) stopWithRelay();
  if (major === undefined || !enabled || major === currentMajor()) {
    const why =
      major === undefined
        ? ''
        : !enabled && major !== currentMajor()
          ? `, not provider.runtime ${String(runtime)}: custom.gantry.offline.nodeOfRuntime is false`
          : ` (provider.runtime ${String(runtime)})`;
    return `Functions run on Node ${process.versions.node}${why}`;
  }
  const { binary, version } = findNode(major, log);
  return rerunOn(binary, version);
}
