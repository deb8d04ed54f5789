import type { Context } from 'aws-lambda';
import type { Logger } from '../log.js';

/** The decorated static method an event handler calls, with `this` its class, as written. */
export function eventMethod<T extends object>(target: T, method: keyof T & string, wrapper: string) {
  const fn = target[method] as unknown;
  const where = `${typeof target === 'function' ? (target as { name: string }).name : 'handler object'}.${method}`;
  if (typeof fn !== 'function') throw new TypeError(`${wrapper}: ${where} is not a function`);
  return { where, run: (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(target, args) };
}

/** One JSON line per batch (records, failed, duration, cold start) and one per failed record. */
export function batchLog(logger: Logger, where: string) {
  let coldStart = true;
  return {
    start: () => performance.now(),
    failed(id: string, error: unknown) {
      logger.log('error', {
        msg: 'record failed',
        method: where,
        record: id,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    },
    end(started: number, context: Context, records: number, failed: number) {
      logger.log(failed > 0 ? 'warn' : 'info', {
        msg: 'batch',
        requestId: context.awsRequestId,
        // The deployed function's name: class names do not survive a minifying bundler.
        function: context.functionName,
        records,
        failed,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        coldStart,
      });
      coldStart = false;
    },
  };
}
