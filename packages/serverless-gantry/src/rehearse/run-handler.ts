// Runs one deployed function's bundle in this Node process, as Lambda would: the handler gets the
// event and a context, and its result is printed on one line prefixed RESULT_PREFIX (the handler's
// own logs go to stdout too), after a line with the Node version it runs on (NODE_PREFIX). Started
// by check-least-privilege.ts with the function's environment and its role's credentials.
// Usage: node run-handler.js <bundle file> <export> <event JSON file>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NODE_PREFIX, RESULT_PREFIX } from './handler-result.js';

async function main(): Promise<void> {
  const [file, exportName, eventFile] = process.argv.slice(2);
  if (!file || !exportName || !eventFile) throw new Error('usage: run-handler <bundle file> <export> <event file>');
  process.stdout.write(`${NODE_PREFIX}${process.versions.node}\n`);
  // Bundles are CommonJS (serverless-esbuild's default); the SDK they exclude resolves through NODE_PATH.
  const loaded = createRequire(file)(file) as Record<string, (event: unknown, context: unknown) => Promise<unknown>>;
  const handler = loaded[exportName];
  if (typeof handler !== 'function') throw new Error(`${file} exports no function '${exportName}'`);
  const started = Date.now();
  const timeoutMs = Number(process.env.GANTRY_REHEARSAL_TIMEOUT_MS ?? 6000);
  const context = {
    awsRequestId: 'gantry-rehearsal',
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? '',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  };
  const result = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result ?? null)}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify({ error: String((error as Error)?.stack ?? error) })}\n`);
  process.exitCode = 1;
});
