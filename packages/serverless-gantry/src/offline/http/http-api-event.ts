import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JwtContext } from '../../auth/jwt-check.js';
import type { Routed, RouteMatch } from '../../route-match.js';

/** What API Gateway passes as text in payload 2.0; every other body arrives base64-encoded. */
export const TEXT_TYPE = /^(text\/|application\/(json|xml|javascript)\b|[^;]+\+(json|xml)\b)/i;

/** A request as it reached API Gateway. */
export interface HttpApiRequest {
  method: string;
  /** The path and query string as sent. */
  target: string;
  /** Names in lower case, a repeated header's values joined as API Gateway joins them. */
  headers: Record<string, string>;
  /** The body's bytes (base64-encoded in the event unless its type is text), or text as it is. */
  body?: Buffer | string | undefined;
  sourceIp?: string | undefined;
}

/**
 * The HTTP API payload 2.0 event API Gateway sends for this request and route: repeated query values
 * joined by commas, cookies in their own list, a body of any type other than text, JSON, XML and
 * JavaScript base64-encoded, and the authorizer's verified claims on a route that has one (a public
 * route's event has no `authorizer`). One builder for `sls offline`'s front and the testing helper.
 */
export function httpApiEvent(
  request: HttpApiRequest,
  match: RouteMatch<Routed>,
  jwt?: JwtContext,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { headers } = request;
  const url = new URL(request.target, 'http://localhost');
  let body: string | undefined;
  let isBase64Encoded = false;
  if (Buffer.isBuffer(request.body)) {
    if (request.body.length > 0) {
      isBase64Encoded = !TEXT_TYPE.test(headers['content-type'] ?? '');
      body = request.body.toString(isBase64Encoded ? 'base64' : 'utf8');
    }
  } else {
    body = request.body;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
  const routeKey = `${match.route.method} ${match.route.path}`;
  const now = new Date();
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
      // Only `jwt`: HTTP API sends no principalId or integrationLatency (REST API's Lambda authorizer fields).
      ...(jwt ? { authorizer: { jwt: jwt as never } } : {}),
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method.toUpperCase(),
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
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

/** A function's payload 2.0 answer as API Gateway sends it to the client. */
export interface HttpApiAnswer {
  status: number;
  /** Names in lower case. */
  headers: Record<string, string>;
  /** `Set-Cookie` values. */
  cookies: string[];
  body: Buffer;
  /** The function sent the body base64-encoded (binary). */
  isBase64Encoded: boolean;
}

/**
 * A payload 2.0 result as API Gateway turns it into HTTP: a value without `statusCode` is a 200 whose
 * JSON body is the value; otherwise its headers, cookies and body (decoded when `isBase64Encoded`).
 */
export function httpApiAnswer(result: unknown): HttpApiAnswer {
  const structured =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as {
          statusCode: number;
          headers?: Record<string, unknown>;
          cookies?: string[];
          body?: string;
          isBase64Encoded?: boolean;
        })
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  const headers = Object.fromEntries(
    Object.entries(structured.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  const raw = structured.body ?? '';
  return {
    status: Number(structured.statusCode),
    headers,
    cookies: structured.cookies ?? [],
    body: Buffer.from(raw, structured.isBase64Encoded ? 'base64' : 'utf8'),
    isBase64Encoded: structured.isBase64Encoded === true,
  };
}
