import { type ApiOptions, type CorsOptions, readClassMetadata } from '@gantry/decorators';
import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createLogger, type LoggerOptions } from './log.js';
import { type MetricsSettings, metricsSettings } from './metrics/emf-writer.js';
import { cors } from './middlewares/cors.js';
import { httpErrorResponse } from './middlewares/http-error-response.js';
import { httpRequestParser } from './middlewares/http-request-parser.js';
import { httpResponse } from './middlewares/http-response.js';
import { requestLog } from './middlewares/request-log.js';
import { validateRequest } from './middlewares/validate-request.js';
import { installOfflineGuards, offlineBodyEncoding } from './offline-guards.js';
import type { HttpEvent, HttpRequest } from './request.js';

export interface HttpHandlerOptions {
  /** Requests with larger bodies get a 413 (default 1 MiB). */
  maxBodyBytes?: number;
  logger?: LoggerOptions;
  /**
   * Where the request metrics go (default: the service and stage serverless-gantry sets in the
   * environment); `false`: none.
   */
  metrics?: MetricsSettings | false;
}

type Method = (request: HttpRequest) => unknown;

/**
 * Wraps one static method of a decorated class as the Lambda handler of an HTTP API route: parse,
 * validate with the decorators' schemas, call, serialize, map errors, CORS headers, one log line.
 * Generated entries call it; nothing here runs a schema or reads a file at cold start.
 *
 * @example
 * export const handler = httpHandler(NotesApi, 'create');
 */
export function httpHandler<T extends object>(target: T, method: keyof T & string, options: HttpHandlerOptions = {}) {
  const fn = target[method] as unknown;
  if (typeof fn !== 'function') {
    throw new TypeError(`httpHandler: ${describeTarget(target)}.${method} is not a function`);
  }
  const meta = readClassMetadata(target);
  const schemas = meta?.methods[method]?.schemas ?? {};
  const logger = createLogger(options.logger);
  installOfflineGuards(logger);

  // Answer 503 just before the function's time runs out, as API Gateway would. Locally the margin is
  // wider: serverless-offline's own timer (which answers 200 with a stack trace) starts earlier; and
  // `sls offline --noTimeout` turns timeouts off (0: middy sets no timer).
  const offline = process.env.IS_OFFLINE === 'true';
  const noTimeout = process.env.GANTRY_LOCAL_NO_TIMEOUT === 'true'; // set by local runs only
  const handler = middy<HttpEvent, APIGatewayProxyStructuredResultV2, Error, Context>({
    timeoutEarlyInMillis: noTimeout ? 0 : offline ? 250 : 5,
  });
  handler.use(requestLog(logger, metricsSettings(options.metrics)));
  const corsConfig = corsOptions(meta?.api?.options);
  if (corsConfig) handler.use(cors(corsConfig));
  handler.use(httpErrorResponse(logger));
  handler.use(httpResponse());
  const { maxBodyBytes } = options;
  if (offline) handler.use(offlineBodyEncoding());
  handler.use(
    httpRequestParser({ structuredBody: schemas.body !== undefined, ...(maxBodyBytes ? { maxBodyBytes } : {}) }),
  );
  if (schemas.body || schemas.query || schemas.params) handler.use(validateRequest(schemas));
  const run = handler.handler((request) => (fn as Method).call(target, request as unknown as HttpRequest) as never);
  const initMs = Number(process.env.GANTRY_LOCAL_INIT_MS ?? 0); // set by local runs only
  return initMs > 0 ? excludeInitPhase(run, initMs) : run;
}

/**
 * Local runs only: serverless-gantry gives serverless-offline's timer Lambda's init phase on top of
 * the function's timeout (Lambda loads the module before the invocation's clock starts). This takes
 * it off again, so the handler, the kit's 503 and `context.getRemainingTimeInMillis()` see the
 * function's own timeout, counted from when the handler starts, as on Lambda.
 */
function excludeInitPhase<H extends (event: HttpEvent, context: Context) => unknown>(run: H, initMs: number): H {
  const withoutInit = (event: HttpEvent, context: Context) => {
    const remaining = context.getRemainingTimeInMillis?.bind(context);
    if (remaining) context.getRemainingTimeInMillis = () => Math.max(0, remaining() - initMs);
    return run(event, context);
  };
  return Object.assign(withoutInit, run);
}

/**
 * CORS headers on every response, errors included. Origins come from the class's options, or from
 * `GANTRY_CORS_ORIGINS`, which the plugin sets from `custom.gantry.cors` (empty: no other origin;
 * unset, outside Gantry: any). Never `*` with credentials.
 */
function corsOptions(api: ApiOptions | undefined) {
  if (!api?.cors) return undefined;
  const declared: CorsOptions = api.cors === true ? {} : api.cors;
  const fromEnv = process.env.GANTRY_CORS_ORIGINS;
  const origins = declared.origins ?? (fromEnv === undefined ? ['*'] : fromEnv.split(',').filter(Boolean));
  if (origins.length === 0) return undefined; // the service lets no other origin call
  const credentials = declared.credentials ?? process.env.GANTRY_CORS_CREDENTIALS === 'true';
  if (credentials && origins.includes('*')) {
    throw new TypeError('CORS with credentials needs explicit origins; browsers reject "*" with credentials.');
  }
  return { origins, credentials };
}

function describeTarget(target: object): string {
  return typeof target === 'function' ? target.name : 'handler object';
}
