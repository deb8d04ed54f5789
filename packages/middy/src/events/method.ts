import type { Context } from 'aws-lambda';
import type { Logger } from '../log.js';
import { setCurrentInvocation } from '../metrics/current-invocation.js';
import { emfWriter, type InvocationMetrics, type MetricsSettings } from '../metrics/emf-writer.js';

/** The decorated static method an event handler calls, with `this` its class, as written. */
export function eventMethod<T extends object>(target: T, method: keyof T & string, wrapper: string) {
  const fn = target[method] as unknown;
  const where = `${typeof target === 'function' ? (target as { name: string }).name : 'handler object'}.${method}`;
  if (typeof fn !== 'function') throw new TypeError(`${wrapper}: ${where} is not a function`);
  return { where, run: (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(target, args) };
}

/**
 * The function's name as the service's Manifest has it (serverless-gantry sets it at build time), else
 * the deployed name: a metric dimension and log field that a bundler's minifying cannot change.
 */
export const functionName = (context: Context) => process.env.GANTRY_FUNCTION ?? context.functionName;

/**
 * One JSON line per batch (records, failed, duration, cold start, and the same as metrics in
 * CloudWatch's Embedded Metric Format: `KIT_METRICS.batch`) and one per failed record.
 */
export function batchLog(logger: Logger, where: string, metrics: MetricsSettings | undefined) {
  let coldStart = true;
  const emf = emfWriter('batch', metrics);
  let invocation: InvocationMetrics | undefined;
  return {
    start: () => {
      invocation = emf.start();
      setCurrentInvocation(invocation);
      return performance.now();
    },
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
        function: functionName(context),
        records,
        failed,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        coldStart,
        ...(invocation ?? emf.start()).fields([records, failed], coldStart),
      });
      setCurrentInvocation(undefined);
      coldStart = false;
    },
  };
}
