import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InvokeOutcome } from '../../events/invoke.js';
import { type FunctionThread, startFunctionThread } from './function-thread.js';

/** serverless-offline's defaults for what a function definition leaves out (MB, seconds). */
const DEFAULT_MEMORY_MB = 1024;
const DEFAULT_TIMEOUT_S = 6;

/** A function as serverless.yml (and the plugins before this one) define it. */
interface FunctionDefinition {
  name?: string;
  handler?: string;
  memorySize?: number;
  timeout?: number;
  environment?: Record<string, unknown>;
}

/** osls's `serverless`, as far as running functions goes: the service and where its build is. */
export interface PoolServerless {
  config: { servicePath: string };
  service: {
    provider: { region?: string; memorySize?: number; timeout?: number; environment?: Record<string, unknown> };
    getFunction(key: string): unknown;
  };
}

/** The options serverless-offline resolved, as far as running functions goes. */
export interface PoolOptions {
  noTimeout?: boolean;
  localEnvironment?: boolean;
  location?: string;
}

export interface FunctionPool {
  /** Runs the function (by its key in serverless.yml) with the event; one outcome per call. */
  invoke(functionKey: string, event: unknown): Promise<InvokeOutcome>;
  /**
   * Starts one execution environment per function ahead of its first invocation (the thread only;
   * the function's code loads at its first invocation, as on Lambda). Resolves once they are up.
   */
  prestart(functionKeys: Iterable<string>): Promise<void>;
  /**
   * Resolves once no invocation has run for `quietMs` (counted from the pool's start too), so that
   * work nobody waits for (warming the reload's builds) runs between a developer's requests.
   */
  whenIdle(quietMs?: number): Promise<void>;
  /** Ends every execution environment. */
  stop(): Promise<void>;
}

interface Environment {
  thread: FunctionThread;
  busy: boolean;
}

/**
 * The execution environments of Gantry's functions under `sls offline`: the front's requests and
 * the event engine's queue, stream and schedule events run here, one invocation at a time per
 * environment, a new environment when every one of a function's is busy, as Lambda scales. Each is
 * a thread of the testing helper's runner (function-thread.ts), so a function runs the same way in
 * a service's tests and under `sls offline`.
 *
 * Not serverless-offline's runner (used through `serverless-offline/lambda` until issue 21): it
 * starts an environment's thread only at its first invocation, inside the request's time, and its
 * thread loads serverless-offline's own modules before the function's. Here one environment per
 * function is started when `sls offline` is ready, so a first request pays the function's init and
 * nothing of the runner's (bench/RESULTS.md, "cold starts"). serverless-offline still runs what
 * Gantry did not generate (hand-written functions, its Lambda port).
 *
 * The environment is built as serverless-offline builds it (its documented behaviour: AWS_* of the
 * shell, or all of it with `localEnvironment`; Lambda's variables; provider then function
 * environment; IS_OFFLINE), so moving runners changed nothing a function reads. Definitions are read
 * when an environment starts: by then serverless-esbuild has set the build folder and Gantry's
 * reload the loader as each function's handler. Idle environments are kept (Lambda keeps them for
 * minutes): a developer's second request after a pause is not a second cold start.
 */
export function functionPool(
  serverless: PoolServerless,
  readOptions: () => PoolOptions,
  { verbose = false }: { verbose?: boolean } = {},
): FunctionPool {
  const environments = new Map<string, Environment[]>();
  let stopped = false;
  let running = 0;
  let lastActive = performance.now();

  const start = (functionKey: string): Environment => {
    const definition = (serverless.service.getFunction(functionKey) ?? {}) as FunctionDefinition;
    const options = readOptions();
    const { provider } = serverless.service;
    const handler = definition.handler ?? `${functionKey}.handler`;
    const dot = handler.lastIndexOf('.');
    const codeDir = resolve(serverless.config.servicePath, options.location ?? '');
    const memoryMb = definition.memorySize ?? provider.memorySize ?? DEFAULT_MEMORY_MB;
    const timeoutS = definition.timeout ?? provider.timeout ?? DEFAULT_TIMEOUT_S;
    const functionName = definition.name ?? functionKey;
    const thread = startFunctionThread({
      functionName,
      entry: moduleFile(resolve(codeDir, handler.slice(0, dot))),
      exportPath: handler.slice(dot + 1).split('.'),
      memoryMb,
      timeoutMs: options.noTimeout ? undefined : timeoutS * 1000,
      env: {
        ...shellEnvironment(options.localEnvironment === true),
        ...lambdaVariables({ handler, region: provider.region ?? 'us-east-1', functionName, memoryMb }),
        ...renderEnvironment(provider.environment),
        ...renderEnvironment(definition.environment),
        IS_OFFLINE: 'true',
      },
    });
    const environment = { thread, busy: false };
    environments.set(functionKey, [...(environments.get(functionKey) ?? []), environment]);
    return environment;
  };

  const take = (functionKey: string): Environment => {
    const live = (environments.get(functionKey) ?? []).filter((each) => each.thread.alive);
    environments.set(functionKey, live);
    const idle = live.find((each) => !each.busy) ?? start(functionKey);
    idle.busy = true;
    return idle;
  };

  return {
    async invoke(functionKey, event) {
      if (stopped)
        return { type: 'error', error: { errorType: 'ServiceException', errorMessage: 'sls offline is stopping' } };
      const environment = take(functionKey);
      const requestId =
        (event as { requestContext?: { requestId?: string } } | null)?.requestContext?.requestId ?? randomUUID();
      const started = performance.now();
      running++;
      const outcome = await environment.thread.invoke(event, { requestId }).finally(() => {
        running--;
        lastActive = performance.now();
      });
      environment.busy = false;
      if (verbose) {
        // serverless-offline's line for an invocation, kept under --verbose for those who read it.
        const ms = performance.now() - started;
        console.log(
          `(λ: ${functionKey}) RequestId: ${requestId}  Duration: ${ms.toFixed(2)} ms  Billed Duration: ${Math.ceil(ms)} ms`,
        );
      }
      if (outcome.type !== 'error') return outcome;
      // What reached the runtime (the kit answers a handler's own errors): Lambda logs it too.
      console.error(
        `(λ: ${functionKey}) ${outcome.error.stack ?? `${outcome.error.errorType}: ${outcome.error.errorMessage}`}`,
      );
      return { type: 'error', error: { errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage } };
    },
    async prestart(functionKeys) {
      const keys = [...functionKeys].filter((key) => !stopped && !environments.has(key));
      await Promise.all(keys.map((key) => start(key).thread.online));
      lastActive = performance.now();
    },
    async whenIdle(quietMs = 2_000) {
      for (;;) {
        const quietFor = performance.now() - lastActive;
        if (stopped || (running === 0 && quietFor >= quietMs)) return;
        await new Promise((resolve) => setTimeout(resolve, running > 0 ? quietMs : quietMs - quietFor).unref());
      }
    },
    async stop() {
      stopped = true;
      const all = [...environments.values()].flat();
      environments.clear();
      await Promise.all(all.map((each) => each.thread.stop()));
    },
  };
}

/** The function's module file: `<path>.js`, `.mjs` or `.cjs`, whichever exists (as Lambda's runtime looks). */
function moduleFile(path: string): string {
  return ['.js', '.mjs', '.cjs'].map((extension) => path + extension).find((file) => existsSync(file)) ?? `${path}.js`;
}

/** The shell's variables a function sees: AWS_* (credentials, endpoints), or all with `localEnvironment`. */
function shellEnvironment(all: boolean): Record<string, string | undefined> {
  return all
    ? { ...process.env }
    : Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('AWS_')));
}

/** The variables Lambda sets for every function (those a local run can honestly set). */
function lambdaVariables(fn: { handler: string; region: string; functionName: string; memoryMb: number }) {
  return {
    _HANDLER: fn.handler,
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    LANG: 'en_US.UTF-8',
  };
}

/**
 * An environment block as a local process can have it: text as it is, numbers and booleans as
 * text, `Fn::Join` and `Fn::Sub` of literal parts joined (as serverless-offline renders them); any
 * other CloudFormation value (a `Ref`, `Fn::GetAtt`) exists only once deployed and is left out.
 */
export function renderEnvironment(environment: Record<string, unknown> | undefined): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment ?? {})) {
    const text = renderValue(value);
    if (text !== undefined) rendered[key] = text;
  }
  return rendered;
}

function renderValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'object' || value === null) return undefined;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const parts = join[1].map(renderValue);
    return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
  }
  const sub = (value as { 'Fn::Sub'?: string | [string, Record<string, unknown>] })['Fn::Sub'];
  const [template, variables] = typeof sub === 'string' ? [sub, {}] : Array.isArray(sub) ? sub : [undefined, {}];
  if (typeof template !== 'string') return undefined;
  let unresolved = false;
  const text = template.replace(/\$\{([^}!]+)\}/g, (match, name: string) => {
    const part = renderValue(variables[name]);
    if (part === undefined) unresolved = true;
    return part ?? match;
  });
  return unresolved ? undefined : text;
}
