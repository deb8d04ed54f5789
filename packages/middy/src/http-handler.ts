import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** What a decorated method receives. */
export interface HttpRequest {
  requestId: string;
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Header names in lower case, as payload 2.0 delivers them. */
  headers: Record<string, string>;
  /** The parsed JSON body, the raw text for other types, `undefined` without a body. */
  body: unknown;
  /** The caller's JWT claims when the route has an authorizer. */
  claims: Record<string, unknown>;
}

type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
type Method = (request: HttpRequest) => unknown;

/** An error that chooses its HTTP status and a message safe to show the caller. */
export interface HttpErrorLike {
  statusCode: number;
  code?: string;
  expose?: boolean;
  message: string;
}

class BadRequestError extends Error {
  readonly statusCode = 400;
  readonly code = 'bad_request';
  readonly expose = true;
}

/**
 * Wraps one static method of a handler class as a Lambda handler for HTTP API payload 2.0.
 * A minimal, correct wrapper; the full kit (validation, CORS, logs, error family) grows here.
 *
 * @example
 * export const handler = httpHandler(NotesApi, 'get');
 */
export function httpHandler<T extends object>(target: T, method: keyof T & string) {
  const fn = target[method] as unknown;
  if (typeof fn !== 'function') {
    throw new TypeError(`httpHandler: ${describeTarget(target)}.${method} is not a function`);
  }
  return middy<HttpEvent, APIGatewayProxyStructuredResultV2, Error, Context>()
    .onError(async (request) => {
      request.response = errorResponse(request.error, request.context.awsRequestId);
    })
    .handler(async (event, context) => {
      const result = await (fn as Method).call(target, toHttpRequest(event, context));
      return toHttpResponse(result);
    });
}

export function toHttpRequest(event: HttpEvent, context: Pick<Context, 'awsRequestId'>): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return {
    requestId: context.awsRequestId,
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? '/',
    params: { ...(event.pathParameters as Record<string, string> | undefined) },
    query: { ...(event.queryStringParameters as Record<string, string> | undefined) },
    headers,
    body: parseBody(event, headers['content-type']),
    claims: { ...event.requestContext?.authorizer?.jwt?.claims },
  };
}

function parseBody(event: HttpEvent, contentType: string | undefined): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (!contentType || !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('The request body is not valid JSON.');
  }
}

export function toHttpResponse(result: unknown): APIGatewayProxyStructuredResultV2 {
  if (result === undefined) return { statusCode: 204 };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
}

function errorResponse(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const http = error as Partial<HttpErrorLike> | undefined;
  const status = http?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && http?.expose !== false) {
    return jsonError(status, { code: http?.code ?? 'error', message: String(http?.message ?? ''), requestId });
  }
  // Unknown failures: the caller learns nothing of the internals; the log gets everything, once.
  console.error(JSON.stringify({ level: 'error', requestId, error: serializeError(error) }));
  return jsonError(500, { code: 'internal', requestId });
}

function jsonError(statusCode: number, error: Record<string, unknown>): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error }) };
}

function serializeError(error: unknown) {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { value: String(error) };
}

function describeTarget(target: object): string {
  return typeof target === 'function' ? target.name : 'handler object';
}
