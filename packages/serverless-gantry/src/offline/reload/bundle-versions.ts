import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { OutputFile } from 'esbuild';
import { buildStateText, type LoaderExport, loaderSource } from './bundle-loader.js';

/**
 * The builds of one bundle under `sls offline`, where serverless-offline loads it. The bundle's own
 * path (`<name>.js`) holds the loader (bundle-loader.ts); each build is written beside it as
 * `<name>.build-<n>.js`, and `<name>.build.json` names the one that runs. A build whose output is the
 * same as the running one's writes nothing, so its function keeps its warm module.
 */
export class BundleVersions {
  readonly #path: string;
  readonly #exports: readonly LoaderExport[];
  #version = -1;
  #hash: string | undefined;
  #file: string | undefined;
  #error: string | undefined;

  /** `path`: the bundle's output (absolute), where the loader goes. */
  constructor(path: string, exports: readonly LoaderExport[]) {
    this.#path = path;
    this.#exports = exports;
  }

  get #name() {
    return basename(this.#path, extname(this.#path));
  }

  get #state() {
    return join(dirname(this.#path), `${this.#name}.build.json`);
  }

  /** The build that runs (its file name), once one was written. */
  get file(): string | undefined {
    return this.#file;
  }

  /** Whether the last build failed. */
  get failed(): boolean {
    return this.#error !== undefined;
  }

  /**
   * Writes a build's files (esbuild's outputs with `write: false`) as the next version and points the
   * loader at it, unless it is the running build's output again. Returns whether a new build runs.
   */
  async write(outputs: readonly OutputFile[]): Promise<boolean> {
    const hash = createHash('sha256');
    for (const output of outputs) hash.update(output.path).update(output.contents);
    const digest = hash.digest('hex');
    if (digest === this.#hash && this.#error === undefined) return false;
    if (digest === this.#hash && this.#file) {
      // The source was fixed back to the running build: it runs again, nothing to write.
      this.#error = undefined;
      await this.#writeState({ file: this.#file });
      return true;
    }
    const version = this.#version + 1;
    const ext = extname(this.#path);
    const file = `${this.#name}.build-${version}${ext}`;
    const map = `${basename(this.#path)}.map`;
    await mkdir(dirname(this.#path), { recursive: true });
    await Promise.all(
      outputs.map((output) => {
        if (output.path === this.#path) {
          // An external source map is named after the bundle: the build points at its own copy.
          const text = output.text.replace(`//# sourceMappingURL=${map}`, `//# sourceMappingURL=${file}.map`);
          return atomicWrite(join(dirname(this.#path), file), text);
        }
        if (output.path === `${this.#path}.map`)
          return atomicWrite(join(dirname(this.#path), `${file}.map`), output.contents);
        return atomicWrite(output.path, output.contents); // assets: named by content, or the same for every build
      }),
    );
    const first = this.#file === undefined;
    this.#version = version;
    this.#hash = digest;
    this.#file = file;
    this.#error = undefined;
    await this.#writeState({ file });
    if (first) await atomicWrite(this.#path, loaderSource(basename(this.#state), this.#exports));
    // A worker reads the state and loads the build it names in one step; two builds back is unused.
    if (version >= 2) await this.#remove(version - 2);
    return true;
  }

  /** The bundle's sources do not build: the loader answers with `error` until a build is written. */
  async fail(error: string): Promise<void> {
    this.#error = error;
    if (this.#file) await this.#writeState({ file: this.#file, error });
  }

  async #writeState(state: { file: string; error?: string }) {
    await atomicWrite(this.#state, buildStateText(state));
  }

  async #remove(version: number) {
    const file = join(dirname(this.#path), `${this.#name}.build-${version}${extname(this.#path)}`);
    await Promise.all([rm(file, { force: true }), rm(`${file}.map`, { force: true })]);
  }
}

/** Write aside, rename over: a worker never reads half a file. */
async function atomicWrite(path: string, contents: string | Uint8Array): Promise<void> {
  const aside = `${path}.${process.pid}.writing`;
  await writeFile(aside, contents);
  await rename(aside, path);
}
