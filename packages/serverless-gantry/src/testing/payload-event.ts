import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JwtContext } from '../auth/jwt-check.js';
import { httpApiEvent } from '../offline/http/http-api-event.js';
import type { RouteMatch } from '../route-match.js';

/** A request as a test writes it. */
export interface TestRequest {
  /** Header values; a list is joined with commas, as API Gateway joins repeated headers. */
  headers?: Record<string, string | string[]>;
  /** An object or array is sent as JSON (with `content-type: application/json` unless given), a string as it is, a Buffer as bytes. */
  body?: unknown;
}

/**
 * The HTTP API payload 2.0 event API Gateway would send for this request and route (`httpApiEvent`,
 * the builder `sls offline`'s front uses): the test's request written as a client would send it,
 * with the content type and length a client's HTTP library adds.
 */
export function payloadEvent(
  method: string,
  target: string,
  request: TestRequest,
  match: RouteMatch,
  jwt?: JwtContext,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  let body: Buffer | string | undefined;
  if (Buffer.isBuffer(request.body)) {
    headers['content-type'] ??= 'application/octet-stream';
    body = request.body;
  } else if (typeof request.body === 'string') {
    body = request.body;
  } else if (request.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(request.body);
  }
  if (body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(body));
  return httpApiEvent({ method, target, headers, body }, match, jwt);
}
