import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

// One function's execution environment for the testing helper, as Lambda gives each function its
// own: its own thread, environment (process.env is the thread's own copy), credentials and module
// instances. Loads the generated entry once (the init phase), then runs one invocation per message.
interface Data {
  entry: string;
  functionName: string;
  memoryMb: number;
  timeoutMs: number;
}
interface Invocation {
  id: number;
  /** An HTTP API event carries API Gateway's request id; events of other sources do not. */
  event: { requestContext?: { requestId?: string } } | null;
}

const port = parentPort;
if (!port) throw new Error('function-worker runs as a worker thread');
const data = workerData as Data;

const describe = (error: unknown) =>
  error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, stack: error.stack }
    : { errorType: 'Error', errorMessage: String(error) };

let handler: (event: unknown, context: unknown) => Promise<unknown>;
try {
  const module = (await import(pathToFileURL(data.entry).href)) as { handler?: typeof handler };
  if (typeof module.handler !== 'function') throw new TypeError(`${data.entry} exports no handler function`);
  handler = module.handler;
  port.postMessage({ type: 'ready' });
} catch (error) {
  port.postMessage({ type: 'init-failed', error: describe(error) });
  port.close();
}

port.on('message', async ({ id, event }: Invocation) => {
  const started = performance.now();
  const context = {
    awsRequestId: event?.requestContext?.requestId ?? randomUUID(),
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
    outcome = { type: 'result', id, result: await handler(event, context) };
  } catch (error) {
    outcome = { type: 'error', id, error: describe(error) };
  }
  // The invocation's lines reach the test process before its outcome does (stdout and this port are
  // separate channels): a write's callback runs once the parent has taken everything written before.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  port.postMessage(outcome);
});
