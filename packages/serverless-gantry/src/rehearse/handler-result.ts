/** The line run-handler.ts prints its handler's result on (the handler's logs share stdout). */
export const RESULT_PREFIX = 'GANTRY_HANDLER_RESULT ';

export function handlerResult(stdout: string): unknown {
  const line = stdout.split('\n').findLast((l) => l.startsWith(RESULT_PREFIX));
  return line === undefined ? undefined : (JSON.parse(line.slice(RESULT_PREFIX.length)) as unknown);
}
