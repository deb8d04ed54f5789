import type { Context } from 'aws-lambda';
import type { HttpEvent } from '../../src/request.js';

export interface EventInit {
  method?: string;
  /** Route key as API Gateway matched it, e.g. `POST /notes`. */
  route?: string;
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  claims?: Record<string, string>;
}

/** A real-shaped API Gateway HTTP API payload 2.0 event. */
export function httpEvent(init: EventInit = {}): HttpEvent {
  const method = init.method ?? 'GET';
  const path = init.path ?? '/notes';
  const query = init.query;
  return {
    version: '2.0',
    routeKey: init.route ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    ...(init.cookies ? { cookies: init.cookies } : {}),
    headers: { host: 'api.example.com', 'user-agent': 'vitest', ...init.headers },
    ...(query ? { queryStringParameters: query } : {}),
    ...(init.params ? { pathParameters: init.params } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'vitest' },
      requestId: 'apigw-req',
      routeKey: init.route ?? `${method} ${path}`,
      stage: '$default',
      time: '27/Nov/2026:15:00:00 +0000',
      timeEpoch: 1795791600000,
      // As HTTP API sends it to a route without scopes (docs/architecture.md, "The authorizer's payload").
      authorizer: { jwt: { claims: init.claims ?? {}, scopes: null } },
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
    isBase64Encoded: init.isBase64Encoded ?? false,
  } as HttpEvent;
}

export const lambdaContext = (requestId = 'req-1') =>
  ({
    awsRequestId: requestId,
    functionName: 'notes-api',
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;
