/**
 * What a function's thread gets in its environment under `sls offline` so that its terminal output
 * reads without help. serverless-offline runs each function in a worker thread with the function's
 * environment as the thread's `process.env`; Node reads NODE_OPTIONS from it for the thread.
 *
 * - `--enable-source-maps`: stack traces show `src/….ts:line:col` (the bundle's linked source map)
 *   instead of the minified bundle's positions. Node must know before the bundle loads, so the kit
 *   cannot switch it on itself (`process.setSourceMapsEnabled` in the bundle comes too late, and the
 *   main process's setting does not reach worker threads). It costs only when a stack is formatted.
 * - `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED`: the AWS SDK's documented switch for its
 *   9-line NodeVersionSupportWarning (aws/aws-sdk-js-v3#7983). The SDK prints it once per module
 *   instance, so once per function thread; the sls process itself has already printed it once at
 *   start, which is all a developer needs to read.
 */
export function functionTerminalEnvironment(existing: Record<string, unknown> | undefined): Record<string, string> {
  const nodeOptions = typeof existing?.NODE_OPTIONS === 'string' ? existing.NODE_OPTIONS : '';
  return {
    NODE_OPTIONS: nodeOptions.includes('--enable-source-maps')
      ? nodeOptions
      : `${nodeOptions} --enable-source-maps`.trim(),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * How the kit logs in a generated function under `sls offline`: one line a person reads per
 * request, batch or scheduled run, named as the route table names the function (`line`); with
 * `sls offline --verbose`, the JSON line it writes deployed, in full (`json`). See the kit's `log.ts`.
 */
export function functionLogEnvironment(functionKey: string, verbose: boolean): Record<string, string> {
  return { GANTRY_LOCAL_LOG_FORMAT: verbose ? 'json' : 'line', GANTRY_LOCAL_FUNCTION: functionKey };
}
