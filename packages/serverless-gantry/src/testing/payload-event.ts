import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JwtContext } from '../auth/jwt-check.js';
import { TEXT_TYPE } from '../offline/http/api-gateway-front.js';
import type { RouteMatch } from '../route-match.js';

/** A request as a test writes it. */
export interface TestRequest {
  /** Header values; a list is joined with commas, as API Gateway joins repeated headers. */
  headers?: Record<string, string | string[]>;
  /** An object or array is sent as JSON (with `content-type: application/json` unless given), a string as it is, a Buffer as bytes. */
  body?: unknown;
}

/**
 * The HTTP API payload 2.0 event API Gateway would send for this request and route: header names in
 * lower case, repeated query values joined by commas, cookies in their own list, and bodies of any
 * type other than text, JSON, XML and JavaScript base64-encoded.
 */
export function payloadEvent(
  method: string,
  target: string,
  request: TestRequest,
  match: RouteMatch,
  jwt?: JwtContext,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const url = new URL(target, 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  let body: string | undefined;
  let isBase64Encoded = false;
  if (Buffer.isBuffer(request.body)) {
    headers['content-type'] ??= 'application/octet-stream';
    isBase64Encoded = !TEXT_TYPE.test(headers['content-type']);
    body = request.body.toString(isBase64Encoded ? 'base64' : 'utf8');
  } else if (typeof request.body === 'string') {
    body = request.body;
  } else if (request.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(request.body);
  }
  if (body !== undefined)
    headers['content-length'] ??= String(Buffer.byteLength(body, isBase64Encoded ? 'base64' : 'utf8'));

  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
  const routeKey = `${match.route.method} ${match.route.path}`;
  const now = new Date();
  const requestId = randomUUID();
  // Public routes carry no `authorizer`, as on AWS (the type says every event has one); a route
  // with one carries what the authorizer verified.
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      ...(jwt ? { authorizer: { principalId: '', integrationLatency: 0, jwt: jwt as never } } : {}),
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: method.toUpperCase(),
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded,
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** API Gateway's request time, e.g. `12/Mar/2026:19:03:58 +0000`. */
function requestTime(at: Date): string {
  const date = `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}`;
  return `${date}:${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`;
}
