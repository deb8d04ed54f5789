import type { MiddlewareObj } from '@middy/core';
import type { Logger } from './log.js';
import { serializeError } from './middlewares/http-error-response.js';
import type { HttpEvent } from './request.js';

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

/** Set by serverless-gantry's API Gateway front (`api-gateway-front.ts`) on a body it base64-encoded. */
const BODY_ENCODING_HEADER = 'x-gantry-body-encoding';
/** Set by the front, with the content-type sent, when hapi would refuse that content-type. */
const CONTENT_TYPE_HEADER = 'x-gantry-content-type';
/** Set by the front, with the method sent, on an OPTIONS it passed on as a POST (hapi would answer it). */
const METHOD_HEADER = 'x-gantry-method';
/** Set by the front, with the cookie header sent, when hapi would refuse that header. */
const COOKIE_HEADER = 'x-gantry-cookie';
/**
 * Set by the front on every request it routes: the `{ claims, scopes }` it verified against the
 * route's JWT authorizer (base64url JSON), or `none` on a public route. serverless-offline fills
 * `requestContext.authorizer` with claims it decoded, unverified, from any Authorization header.
 */
const AUTHORIZER_HEADER = 'x-gantry-authorizer';

/**
 * Local runs only: serverless-offline decodes every body other than octet-stream and multipart as
 * UTF-8, which corrupts binary data, so Gantry's front sends such bodies base64-encoded with a
 * marker header; it also carries a content-type hapi would refuse in a marker header. This turns the
 * event back into what API Gateway sends: `isBase64Encoded`, the content-type, method and cookies as sent, no markers.
 */
export function offlineBodyEncoding(env: NodeJS.ProcessEnv = process.env): MiddlewareObj<HttpEvent> {
  const offlineBodyEncodingBefore = (request: { event: HttpEvent }) => {
    const { event } = request;
    const contentType = event.headers?.[CONTENT_TYPE_HEADER];
    if (contentType !== undefined) {
      delete event.headers[CONTENT_TYPE_HEADER];
      event.headers['content-type'] = contentType;
    }
    const cookie = event.headers?.[COOKIE_HEADER];
    if (cookie !== undefined) {
      delete event.headers[COOKIE_HEADER];
      event.headers.cookie = cookie;
      // As payload 2.0 gives them: the header split at ';'.
      event.cookies = cookie
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean);
    }
    const authorizer = event.headers?.[AUTHORIZER_HEADER];
    if (authorizer !== undefined) {
      delete event.headers[AUTHORIZER_HEADER];
      // Trusted only behind the front (which overwrites a caller's own): without it, anyone could send one.
      if (env.GANTRY_LOCAL_FRONT === 'true') setAuthorizer(event, authorizer);
    }
    const method = event.headers?.[METHOD_HEADER];
    if (method !== undefined) {
      delete event.headers[METHOD_HEADER];
      event.requestContext.http.method = method;
    }
    if (event.headers?.[BODY_ENCODING_HEADER] !== 'base64') return;
    delete event.headers[BODY_ENCODING_HEADER];
    event.isBase64Encoded = true;
    if (event.body) event.headers['content-length'] = String(Buffer.byteLength(event.body, 'base64'));
  };
  return { before: offlineBodyEncodingBefore };
}

/** The event's authorizer as API Gateway sends it: the verified JWT context, or none on a public route. */
function setAuthorizer(event: HttpEvent, header: string): void {
  const context = event.requestContext as { authorizer?: unknown };
  if (header === 'none') {
    delete context.authorizer;
    return;
  }
  const jwt = JSON.parse(
    Buffer.from(header, 'base64url').toString('utf8'),
  ) as HttpEvent['requestContext']['authorizer']['jwt'];
  context.authorizer = { jwt } as HttpEvent['requestContext']['authorizer'];
}
