import type { Context } from 'aws-lambda';
import { createLogger, type LoggerOptions } from '../log.js';
import { installOfflineGuards } from '../offline-guards.js';
import { eventMethod } from './method.js';

export interface ScheduledHandlerOptions {
  logger?: LoggerOptions;
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
  return async (event: unknown, context: Context): Promise<unknown> => {
    const started = performance.now();
    const line = () => ({
      requestId: context.awsRequestId,
      function: context.functionName,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      coldStart,
    });
    try {
      const result = await call.run(event, context);
      logger.log('info', { msg: 'scheduled', ...line() });
      return result;
    } catch (error) {
      logger.log('error', {
        msg: 'scheduled',
        ...line(),
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      throw error;
    } finally {
      coldStart = false;
    }
  };
}
