import { Worker } from 'node:worker_threads';
import type { InvokeOutcome } from '../../events/invoke.js';
import { compileCacheDir } from './runtime-node.js';

/** Lambda's init phase has its own limit, before the invocation's timeout starts. */
export const INIT_MS = 10_000;

export interface FunctionThreadSpec {
  functionName: string;
  /** The module to load (a file path) and the handler's property path in it. */
  entry: string;
  exportPath: string[];
  memoryMb: number;
  /** The function's timeout; undefined: none (serverless-offline's `--noTimeout`). */
  timeoutMs: number | undefined;
  /** The function's whole environment: the thread sees this and nothing of the parent's. */
  env: Record<string, string | undefined>;
  /** Each line the function prints; without it, its output goes to this process's stdout and stderr. */
  output?: (line: string) => void;
}

/** An outcome as the thread tells it: a failure carries its stack for the log. */
export type ThreadOutcome =
  | Exclude<InvokeOutcome, { type: 'error' }>
  | { type: 'error'; error: { errorType: string; errorMessage: string; stack?: string } };

/** One execution environment: a thread running one invocation at a time (function-worker.ts). */
export interface FunctionThread {
  /** Resolves once the thread is up, nothing of the function loaded yet (or has ended: see `alive`). */
  readonly online: Promise<void>;
  /** Loads the function's module now (the init phase); rejects with its error. Else the first invoke does. */
  init(): Promise<void>;
  /** Runs one invocation; the caller runs one at a time. A timeout ends the thread, as Lambda ends the environment. */
  invoke(event: unknown, options?: { requestId?: string }): Promise<ThreadOutcome>;
  /** False once the thread has ended (a timeout, a crash, an init that failed, stop). */
  readonly alive: boolean;
  stop(): Promise<void>;
}

type Reply =
  | { type: 'online' }
  | { type: 'ready' }
  | { type: 'init-failed'; error: { errorType: string; errorMessage: string; stack?: string } }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: { errorType: string; errorMessage: string; stack?: string; init?: boolean } };

/**
 * Starts a function's execution environment on a thread, without loading the function: the thread
 * comes up in the background (≈ 40 ms on Node 22 here), so an environment started ahead of a
 * request leaves only the function's own init for its first invocation, as on Lambda. The one
 * runner of Gantry's functions under `sls offline` (functionPool) and in `serverless-gantry/testing`.
 */
export function startFunctionThread(spec: FunctionThreadSpec): FunctionThread {
  const worker = new Worker(new URL('./function-worker.js', import.meta.url), {
    workerData: {
      entry: spec.entry,
      exportPath: spec.exportPath,
      functionName: spec.functionName,
      memoryMb: spec.memoryMb,
      timeoutMs: spec.timeoutMs ?? 2 ** 31 - 1,
      compileCache: compileCacheDir(),
    },
    env: spec.env,
    execArgv: ['--enable-source-maps'],
    stdout: spec.output !== undefined,
    stderr: spec.output !== undefined,
  });
  if (spec.output) for (const stream of [worker.stdout, worker.stderr]) forEachLine(stream, spec.output);
  let alive = true;
  let initialised = false;
  let isOnline: () => void = () => undefined;
  const online = new Promise<void>((resolve) => {
    isOnline = resolve;
  });
  let next = 0;
  const pending = new Map<number, (outcome: ThreadOutcome) => void>();
  const initWaiters: { resolve(): void; reject(error: Error): void }[] = [];
  const end = (why: string) => {
    if (!alive) return;
    alive = false;
    isOnline();
    for (const settle of pending.values())
      settle({ type: 'error', error: { errorType: 'Runtime.ExitError', errorMessage: why } });
    pending.clear();
    for (const waiter of initWaiters.splice(0)) waiter.reject(new Error(why));
  };
  worker.on('error', (error) => end(`the function's thread failed: ${error.stack ?? error.message}`));
  worker.on('exit', (code) => end(`the function's thread exited (code ${code})`));
  worker.on('message', (reply: Reply) => {
    if (reply.type === 'online') return isOnline();
    if (reply.type === 'ready') {
      initialised = true;
      for (const waiter of initWaiters.splice(0)) waiter.resolve();
    } else if (reply.type === 'init-failed') {
      const error = Object.assign(new Error(reply.error.stack ?? reply.error.errorMessage), {
        name: reply.error.errorType,
      });
      for (const waiter of initWaiters.splice(0)) waiter.reject(error);
      void stop(); // an environment whose init failed is not reused
    } else {
      const { init, ...error } = reply.type === 'error' ? reply.error : { init: false };
      pending.get(reply.id)?.(
        reply.type === 'result'
          ? { type: 'result', result: reply.result }
          : { type: 'error', error: error as { errorType: string; errorMessage: string } },
      );
      pending.delete(reply.id);
      // An environment whose init failed is not reused: the next invocation starts a new one.
      if (reply.type === 'error' && init) void stop();
      else initialised = true;
    }
  });
  const stop = async () => {
    end('the function was stopped');
    await worker.terminate();
  };
  return {
    online,
    get alive() {
      return alive;
    },
    init: () =>
      new Promise<void>((resolve, reject) => {
        if (!alive) return reject(new Error("the function's thread has ended"));
        if (initialised) return resolve();
        const timer = setTimeout(() => {
          void stop();
          reject(new Error(`${spec.functionName}: init took longer than ${INIT_MS / 1000} s`));
        }, INIT_MS);
        initWaiters.push({
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        worker.postMessage({ type: 'init' });
      }),
    invoke: (event, { requestId } = {}) =>
      new Promise<ThreadOutcome>((resolve) => {
        if (!alive) {
          return resolve({
            type: 'error',
            error: { errorType: 'Runtime.ExitError', errorMessage: "the function's thread has ended" },
          });
        }
        const id = next++;
        // An invocation that also inits gets the init's own limit on top of its timeout.
        const limit = spec.timeoutMs === undefined ? undefined : spec.timeoutMs + (initialised ? 0 : INIT_MS);
        const deadline =
          limit === undefined
            ? undefined
            : setTimeout(() => {
                pending.delete(id);
                void stop(); // as Lambda ends an environment whose invocation timed out
                resolve({ type: 'timeout' });
              }, limit);
        pending.set(id, (outcome) => {
          clearTimeout(deadline);
          resolve(outcome);
        });
        worker.postMessage({ type: 'invoke', id, event, requestId });
      }),
    stop,
  };
}

/** Calls `line` with each non-empty line of the stream. */
function forEachLine(stream: NodeJS.ReadableStream, line: (text: string) => void): void {
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const each of lines) if (each.trim()) line(each);
  });
  stream.on('end', () => {
    if (rest.trim()) line(rest);
  });
}
