import type { Logger } from './log.js';
import { serializeError } from './middlewares/http-error-response.js';

/** Thrown instead of exiting when a handler calls `process.exit()` in a local run. */
export class ProcessExitError extends Error {
  override name = 'ProcessExitError';
  constructor(readonly exitCode: number | string | null | undefined) {
    super(`The handler called process.exit(${exitCode ?? ''}); in AWS Lambda this ends the execution environment.`);
  }
}

let installed = false;

/**
 * In a local run (`IS_OFFLINE`, set by serverless-offline), keep one bad handler from taking the
 * whole server down, as it cannot in AWS, where each function has its own environment: an
 * unhandled rejection or exception is logged as the Lambda runtime logs it, and `process.exit()`
 * fails the request (500, as API Gateway answers a crashed function) instead of killing the server.
 * Never installed outside a local run.
 */
export function installOfflineGuards(logger: Logger, env: NodeJS.ProcessEnv = process.env): boolean {
  if (installed || env.IS_OFFLINE !== 'true') return false;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    logger.log('error', {
      msg: 'Runtime.UnhandledPromiseRejection (AWS Lambda would end this environment)',
      error: serializeError(reason),
    });
  });
  process.on('uncaughtException', (error) => {
    logger.log('error', {
      msg: 'Runtime.UncaughtException (AWS Lambda would end this environment)',
      error: serializeError(error),
    });
  });
  process.exit = ((code?: number | string | null) => {
    throw new ProcessExitError(code);
  }) as typeof process.exit;
  return true;
}
