import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from '../log.js';
import { setCurrentInvocation } from '../metrics/current-invocation.js';
import { emfWriter, type MetricsSettings } from '../metrics/emf-writer.js';
import { INVOCATION_METRICS, type WithInvocationMetrics } from '../metrics/invocation.js';
import type { HttpEvent, HttpRequest } from '../request.js';
import { traceId, tracingHooks } from '../tracing/hooks.js';

// Kept on middy's per-request object (made fresh for each invocation), under a symbol of our own.
const STARTED = Symbol('gantry.request-log.started');

interface MiddyRequest extends WithInvocationMetrics {
  event: unknown;
  response: unknown;
  context: Context;
  [STARTED]?: { at: number; event: HttpEvent; coldStart: boolean; endTrace: (() => void) | undefined };
}

/**
 * One JSON line per request: request ids (Lambda's and API Gateway's, which the HTTP API access log
 * holds), method, path, route, status, duration in ms, cold start, and in the same line the
 * request's metrics in CloudWatch's Embedded Metric Format (`KIT_METRICS.http`, with the method's
 * own from `request.metrics`). (Powertools' logger does more and costs more; this is all a request
 * line needs.)
 */
export function requestLog(logger: Logger, metrics?: MetricsSettings): MiddlewareObj {
  let coldStart = true;
  const emf = emfWriter('http', metrics);

  const requestLogBefore = (request: MiddyRequest) => {
    const event = request.event as HttpEvent;
    const endTrace = tracingHooks()?.startInvocation({
      requestId: request.context.awsRequestId,
      apiRequestId: event.requestContext?.requestId,
      coldStart,
    });
    request[STARTED] = { at: performance.now(), event, coldStart, endTrace };
    request[INVOCATION_METRICS] = emf.start();
    setCurrentInvocation(request[INVOCATION_METRICS]);
    coldStart = false;
  };

  const requestLogAfter = (request: MiddyRequest) => {
    const start = request[STARTED];
    if (!start) return;
    start.endTrace?.();
    setCurrentInvocation(undefined);
    const status = (request.response as { statusCode?: number } | undefined)?.statusCode ?? 200;
    const requestId = request.context.awsRequestId ?? (request.event as HttpRequest).requestId;
    const method = start.event.requestContext?.http?.method;
    const durationMs = Math.round((performance.now() - start.at) * 100) / 100;
    logger.log(status >= 500 ? 'error' : 'info', {
      msg: 'request',
      requestId,
      apiRequestId: start.event.requestContext?.requestId,
      traceId: traceId(), // with tracing on
      method,
      path: start.event.rawPath,
      // Also the metrics' route dimension, which must be a string: `$default` is HTTP API's catch-all.
      route: start.event.routeKey ?? '$default',
      status,
      durationMs,
      coldStart: start.coldStart,
      ...request[INVOCATION_METRICS]?.fields(
        [durationMs, status >= 400 && status < 500 ? 1 : 0, status >= 500 ? 1 : 0],
        start.coldStart,
      ),
    });
  };

  return { before: requestLogBefore, after: requestLogAfter, onError: requestLogAfter };
}
