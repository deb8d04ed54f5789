import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from '../log.js';
import type { HttpEvent, HttpRequest } from '../request.js';

// Kept on middy's per-request object (made fresh for each invocation), under a symbol of our own.
const STARTED = Symbol('gantry.request-log.started');

interface MiddyRequest {
  event: unknown;
  response: unknown;
  context: Context;
  [STARTED]?: { at: number; event: HttpEvent; coldStart: boolean };
}

/**
 * One JSON line per request: request id, method, path, route, status, duration in ms, cold start.
 * (Powertools' logger does more and costs more; this is all a request line needs.)
 */
export function requestLog(logger: Logger): MiddlewareObj {
  let coldStart = true;

  const requestLogBefore = (request: MiddyRequest) => {
    request[STARTED] = { at: performance.now(), event: request.event as HttpEvent, coldStart };
    coldStart = false;
  };

  const requestLogAfter = (request: MiddyRequest) => {
    const start = request[STARTED];
    if (!start) return;
    const status = (request.response as { statusCode?: number } | undefined)?.statusCode ?? 200;
    const requestId = request.context.awsRequestId ?? (request.event as HttpRequest).requestId;
    const method = start.event.requestContext?.http?.method;
    logger.log(status >= 500 ? 'error' : 'info', {
      msg: 'request',
      requestId,
      method,
      path: start.event.rawPath,
      route: start.event.routeKey,
      status,
      durationMs: Math.round((performance.now() - start.at) * 100) / 100,
      coldStart: start.coldStart,
    });
  };

  return { before: requestLogBefore, after: requestLogAfter, onError: requestLogAfter };
}
