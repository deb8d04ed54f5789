import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const RESULT = Symbol.for('gantry.http-result');

/**
 * A response with a status, headers or cookies of its choosing; made by the helpers below. `B` is
 * the body's type, which `@gantry/client` hands to callers.
 */
export interface HttpResult<B = unknown> {
  readonly [RESULT]: true;
  status: number;
  body?: B;
  headers?: Record<string, string>;
  /** `Set-Cookie` values, e.g. `session=abc; HttpOnly; Secure; SameSite=Lax`. */
  cookies?: string[];
}

/**
 * A response with any status, headers and cookies. A `Buffer` body is sent as binary (base64, as
 * API Gateway expects); a string as text; anything else as JSON.
 *
 * @example
 * return respond({ status: 202, body: { queued: true }, headers: { 'retry-after': '5' } });
 */
export function respond<B = unknown>(init: Omit<HttpResult<B>, typeof RESULT>): HttpResult<B> {
  return { ...init, [RESULT]: true };
}

/** 201 Created with a `Location` header. */
export const created = <B>(body: B, location: string): HttpResult<B> =>
  respond({ status: 201, body, headers: { location } });

/** A redirect: 302 by default; 301, 303, 307 or 308 as asked. */
export const redirect = (location: string, status: 301 | 302 | 303 | 307 | 308 = 302): HttpResult<undefined> =>
  respond<undefined>({ status, headers: { location } });

export function isHttpResult(value: unknown): value is HttpResult {
  return typeof value === 'object' && value !== null && (value as HttpResult)[RESULT] === true;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A method's return value as an HTTP API payload 2.0 response. */
export function toHttpResponse(value: unknown): APIGatewayProxyStructuredResultV2 {
  if (value === undefined) return { statusCode: 204 };
  if (!isHttpResult(value)) {
    return { statusCode: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(value) };
  }
  const headers = lowerCaseKeys(value.headers);
  const response: APIGatewayProxyStructuredResultV2 = { statusCode: value.status, headers };
  if (value.cookies?.length) response.cookies = value.cookies;
  const { body } = value;
  if (body === undefined || body === null) return response;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) {
    headers['content-type'] ??= 'application/octet-stream';
    response.body = Buffer.from(body).toString('base64');
    response.isBase64Encoded = true;
  } else if (typeof body === 'string') {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    response.body = body;
  } else {
    headers['content-type'] ??= JSON_TYPE;
    response.body = JSON.stringify(body);
  }
  return response;
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) out[name.toLowerCase()] = headers[name] as string;
  return out;
}
