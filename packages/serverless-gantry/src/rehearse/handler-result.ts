/** The line run-handler.ts prints its handler's result on (the handler's logs share stdout). */
export const RESULT_PREFIX = 'GANTRY_HANDLER_RESULT ';

export function handlerResult(stdout: string): unknown {
  const line = stdout.split('\n').findLast((l) => l.startsWith(RESULT_PREFIX));
  return line === undefined ? undefined : (JSON.parse(line.slice(RESULT_PREFIX.length)) as unknown);
}

/** The line run-handler.ts prints the Node version it runs on. */
export const NODE_PREFIX = 'GANTRY_HANDLER_NODE ';

/** The Node version the handler ran on, as run-handler.ts printed it. */
export function handlerNode(stdout: string): string | undefined {
  return stdout
    .split('\n')
    .find((l) => l.startsWith(NODE_PREFIX))
    ?.slice(NODE_PREFIX.length)
    .trim();
}
