import type { IncomingHttpHeaders } from 'node:http';
import { type S3Failure, s3Failure } from './s3-errors.js';

/** A bucket's CORS rule, as the local S3 applies it (one rule, as Gantry generates one per bucket). */
export interface LocalBucketCors {
  origins: string[];
  maxAgeSeconds: number;
  /** AllowedMethods (default GET, PUT, POST, HEAD). */
  methods?: string[];
  /** AllowedHeaders, `*` as a wildcard (default `*`). */
  allowedHeaders?: string[];
  /** ExposeHeaders (default ETag, so a page can complete a multipart upload). */
  exposedHeaders?: string[];
}

const DEFAULT_METHODS = ['GET', 'PUT', 'POST', 'HEAD'];
const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/**
 * S3's answer to a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): the
 * rule's headers when the origin, method and every requested header match it, else 403.
 */
export function preflight(
  cors: LocalBucketCors | undefined,
  headers: IncomingHttpHeaders,
  resourceType: 'BUCKET' | 'OBJECT',
): { headers: Record<string, string> } | S3Failure {
  const origin = headers.origin;
  const method = headers['access-control-request-method'];
  if (!origin) return s3Failure(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
  if (typeof method !== 'string' || !method) {
    return s3Failure(400, 'BadRequest', 'Invalid Access-Control-Request-Method: null');
  }
  if (!cors) {
    return s3Failure(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.', {
      Method: method,
      ResourceType: resourceType,
    });
  }
  const requested = String(headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const allowedHeaders = cors.allowedHeaders ?? ['*'];
  const headersAllowed = requested.every((name) =>
    allowedHeaders.some((pattern) => wildcard(pattern.toLowerCase(), name)),
  );
  const answer = matchingRule(cors, origin, method);
  if (!answer || !headersAllowed) {
    return s3Failure(403, 'AccessForbidden', NOT_ALLOWED, { Method: method, ResourceType: resourceType });
  }
  return {
    headers: {
      ...answer,
      ...(requested.length > 0 ? { 'access-control-allow-headers': requested.join(', ') } : {}),
      'access-control-max-age': String(cors.maxAgeSeconds),
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    },
  };
}

/** The CORS headers S3 adds to an actual request whose `Origin` and method match the rule. */
export function corsHeaders(
  cors: LocalBucketCors | undefined,
  headers: IncomingHttpHeaders,
  method: string,
): Record<string, string> {
  const origin = headers.origin;
  if (!cors || !origin) return {};
  const answer = matchingRule(cors, origin, method);
  return answer
    ? {
        ...answer,
        'access-control-max-age': String(cors.maxAgeSeconds),
        vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
      }
    : {};
}

function matchingRule(cors: LocalBucketCors, origin: string, method: string): Record<string, string> | undefined {
  const methods = cors.methods ?? DEFAULT_METHODS;
  const matched = cors.origins.find((pattern) => wildcard(pattern, origin));
  if (matched === undefined || !methods.includes(method.toUpperCase())) return undefined;
  const any = matched === '*';
  return {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-allow-methods': methods.join(', '),
    'access-control-expose-headers': (cors.exposedHeaders ?? ['ETag']).join(', '),
    ...(any ? {} : { 'access-control-allow-credentials': 'true' }),
  };
}

/** S3's CORS patterns: one `*` matches any run of characters. */
function wildcard(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}
