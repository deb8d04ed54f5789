import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InvokeOutcome } from '../../events/invoke.js';
import { OFFLINE_TIMEOUT } from './offline-invoke.js';

/**
 * The slice of serverless-offline's Lambda (`serverless-offline/lambda`, the export it makes for
 * other plugins) that runs functions: a pool of execution environments per function (a worker
 * thread each), created when every one is busy, each running one invocation at a time.
 */
interface OfflineLambda {
  create(lambdas: { functionKey: string; functionDefinition: unknown }[]): void;
  get(functionKey: string): { setEvent(event: unknown): void; runHandler(): Promise<unknown> };
  cleanup(): Promise<void>;
}

/** osls's `serverless`: serverless-offline's runner reads the service, its paths and config from it. */
export interface PoolServerless {
  service: {
    getFunction(key: string): unknown;
    getAllFunctions(): string[];
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
  /** Ends every execution environment. */
  stop(): Promise<void>;
}

/**
 * One pool of execution environments for every invocation Gantry makes under `sls offline`: the
 * front's requests to Gantry's routes and the event engine's queue, stream and schedule events.
 * It is serverless-offline's own runner (its worker threads, environment, timeouts and pool), used
 * through the `serverless-offline/lambda` export rather than through its HTTP servers: a request
 * no longer crosses a second HTTP server (hapi) and a second event builder, which is most of what
 * serverless-offline adds per request (bench/RESULTS.md, "one runner"). serverless-offline keeps its
 * own pool for what it serves itself (functions Gantry did not generate, its Lambda port).
 *
 * The function definitions and options are read at the first invocation: by then every plugin has
 * set what serverless-offline would read (serverless-esbuild the bundles' `location`, Gantry's
 * reload the loader as each function's handler).
 * Idle environments are kept (serverless-offline ends them after 60 s idle; Lambda keeps them for
 * minutes): a developer's second request after a pause is not a second cold start.
 */
export function functionPool(
  serverless: PoolServerless,
  servicePath: string,
  readOptions: () => PoolOptions,
): FunctionPool {
  let lambda: Promise<OfflineLambda> | undefined;
  const offlineLambda = async (): Promise<OfflineLambda> => {
    // The service's serverless-offline, the one running as its plugin (its logger, its version).
    const module = createRequire(join(servicePath, 'package.json')).resolve('serverless-offline/lambda');
    const { default: Lambda } = (await import(pathToFileURL(module).href)) as {
      default: new (serverless: unknown, options: unknown) => OfflineLambda;
    };
    const options = readOptions();
    const created = new Lambda(serverless, {
      noTimeout: options.noTimeout ?? false,
      localEnvironment: options.localEnvironment ?? false,
      location: options.location,
      reloadHandler: false,
      useDocker: false,
      useInProcess: false,
    });
    created.create(
      serverless.service.getAllFunctions().map((functionKey) => ({
        functionKey,
        functionDefinition: serverless.service.getFunction(functionKey),
      })),
    );
    return created;
  };
  return {
    async invoke(functionKey, event) {
      lambda ??= offlineLambda();
      const environment = (await lambda).get(functionKey);
      environment.setEvent(event);
      try {
        return { type: 'result', result: await environment.runHandler() };
      } catch (error) {
        const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
        if (message === OFFLINE_TIMEOUT) return { type: 'timeout' };
        return { type: 'error', error: { errorType: name, errorMessage: message } };
      }
    },
    async stop() {
      if (lambda) await (await lambda).cleanup();
    },
  };
}
