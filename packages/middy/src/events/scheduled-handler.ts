import type { Context } from 'aws-lambda';
import { createLogger, type LoggerOptions } from '../log.js';
import { setCurrentInvocation } from '../metrics/current-invocation.js';
import { emfWriter, type MetricsSettings, metricsSettings } from '../metrics/emf-writer.js';
import { installOfflineGuards } from '../offline-guards.js';
import { eventMethod, functionName } from './method.js';

export interface ScheduledHandlerOptions {
  logger?: LoggerOptions;
  /** Where its metrics go (default: the service and stage serverless-gantry sets); `false`: none. */
  metrics?: MetricsSettings | false;
}

/**
 * Wraps one static method decorated with `@schedule(...)` as the Lambda handler its schedules
 * invoke: the method gets the schedule's input (`{}` unless declared) and the Lambda context. A
 * throw is logged and rethrown, so Lambda's asynchronous retries apply, as deployed.
 *
 * @example
 * export const handler = scheduledHandler(Cleanup, 'purge');
 */
export function scheduledHandler<T extends object>(
  target: T,
  method: keyof T & string,
  options: ScheduledHandlerOptions = {},
) {
  const call = eventMethod(target, method, 'scheduledHandler');
  const logger = createLogger(options.logger);
  installOfflineGuards(logger);
  let coldStart = true;
  const emf = emfWriter('scheduled', metricsSettings(options.metrics));
  return async (event: unknown, context: Context): Promise<unknown> => {
    const started = performance.now();
    const invocation = emf.start();
    setCurrentInvocation(invocation);
    // One line per run; its metrics (`KIT_METRICS.scheduled`) in CloudWatch's Embedded Metric Format.
    const line = (failed: 0 | 1) => ({
      requestId: context.awsRequestId,
      function: functionName(context),
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      coldStart,
      ...invocation.fields([1, failed], coldStart),
    });
    try {
      const result = await call.run(event, context);
      logger.log('info', { msg: 'scheduled', ...line(0) });
      return result;
    } catch (error) {
      logger.log('error', {
        msg: 'scheduled',
        ...line(1),
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      throw error;
    } finally {
      coldStart = false;
      setCurrentInvocation(undefined);
    }
  };
}
