import { randomUUID } from 'node:crypto';
import module from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

// One execution environment of a function, as Lambda gives each its own: its own thread,
// environment (process.env is the thread's own copy), credentials and module instances. The
// function's module is loaded (the init phase) when the parent asks (`init`) or at the first
// invocation, whichever comes first; then one invocation runs per message. Started ahead of its
// first invocation, the thread is the ready sandbox Lambda starts an init in.
interface Data {
  /** The module to load: a file path (CommonJS or ES module). */
  entry: string;
  /** The handler's property path in the module: `['handler']`. */
  exportPath: string[];
  functionName: string;
  memoryMb: number;
  timeoutMs: number;
  /** Node's module compile cache for this thread (see compileCacheDir); absent: none. */
  compileCache?: string;
}
type Message =
  | { type: 'init' }
  | {
      type: 'invoke';
      id: number;
      /** The invocation's request id, when the caller chose it (else API Gateway's, or a new one). */
      requestId?: string;
      /** An HTTP API event carries API Gateway's request id; events of other sources do not. */
      event: { requestContext?: { requestId?: string } } | null;
    };
type Handler = (event: unknown, context: unknown, callback: (error: unknown, result?: unknown) => void) => unknown;

const port = parentPort;
if (!port) throw new Error('function-worker runs as a worker thread');
const data = workerData as Data;
// Where the Node has it (22.1 and later): only how fast modules compile changes, never what they do.
if (data.compileCache)
  (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(data.compileCache);

const describe = (error: unknown) =>
  error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, stack: error.stack }
    : { errorType: 'Error', errorMessage: String(error) };

let loading: Promise<Handler> | undefined;
const handler = () => {
  loading ??= (async () => {
    const module = (await import(pathToFileURL(data.entry).href)) as Record<string, unknown>;
    // A CommonJS module's exports are its default export; named exports are only what Node detects.
    const exports = data.exportPath[0] !== undefined && data.exportPath[0] in module ? module : module.default;
    const found = data.exportPath.reduce<unknown>(
      (value, key) => (value as Record<string, unknown> | undefined)?.[key],
      exports,
    );
    if (typeof found !== 'function') {
      throw Object.assign(new TypeError(`${data.entry} exports no function ${data.exportPath.join('.')}`), {
        name: 'Runtime.HandlerNotFound',
      });
    }
    return found as Handler;
  })();
  return loading;
};

port.on('message', async (message: Message) => {
  if (message.type === 'init') {
    try {
      await handler();
      port.postMessage({ type: 'ready' });
    } catch (error) {
      port.postMessage({ type: 'init-failed', error: describe(error) });
    }
    return;
  }
  const { id, event, requestId } = message;
  const started = performance.now();
  const context = {
    awsRequestId: requestId ?? event?.requestContext?.requestId ?? randomUUID(),
    functionName: data.functionName,
    functionVersion: '$LATEST',
    memoryLimitInMB: String(data.memoryMb),
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${data.functionName}`,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Math.floor(data.timeoutMs - (performance.now() - started))),
  };
  let outcome: { type: 'result'; id: number; result: unknown } | { type: 'error'; id: number; error: unknown };
  try {
    const run = await handler().catch((error: unknown) => {
      throw Object.assign(describe(error), { init: true });
    });
    // A handler may answer by its promise or, in the older style, by the callback.
    const result = await new Promise((resolve, reject) => {
      const returned = run(event, context, (error, value) => (error ? reject(error) : resolve(value)));
      if (returned !== undefined) Promise.resolve(returned).then(resolve, reject);
    });
    outcome = { type: 'result', id, result };
  } catch (error) {
    outcome = { type: 'error', id, error: (error as { init?: boolean }).init ? error : describe(error) };
  }
  // The invocation's lines reach the parent before its outcome does (stdout and this port are
  // separate channels): a write's callback runs once the parent has taken everything written before.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  port.postMessage(outcome);
});
port.postMessage({ type: 'online' });
