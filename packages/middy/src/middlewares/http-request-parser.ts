import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, withoutStack } from '../http-errors.js';
import { emfWriter } from '../metrics/emf-writer.js';
import { INVOCATION_METRICS, type WithInvocationMetrics } from '../metrics/invocation.js';
import type { HttpEvent, HttpRequest } from '../request.js';

export interface RequestParserOptions {
  /** Larger bodies get a 413. Lambda's own limit for a synchronous invoke is 6 MB. */
  maxBodyBytes?: number;
  /** The route has a body schema: a body must be JSON or a form, and say so in Content-Type. */
  structuredBody?: boolean;
}

const defaults = { maxBodyBytes: 1024 * 1024, structuredBody: false };
// Without the request log (a parser used on its own) metrics are checked and not written.
const unwritten = emfWriter('http', undefined);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;
const FORM_TYPE = 'application/x-www-form-urlencoded';
const LOOKS_LIKE_JSON = /^\s*[[{]/;
const JSON_AS_FORM = `The body looks like JSON but was sent as ${FORM_TYPE} (what \`curl -d\` sends without a content type): send it with the header Content-Type: application/json (curl: -H 'content-type: application/json').`;
// Keys that reach prototypes when a parsed object is merged or spread somewhere downstream.
const FORBIDDEN_KEY = /"(?:__proto__|constructor|prototype)"\s*:/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Payload 2.0 event → HttpRequest (replaces `request.event`; the original stays on `.event`).
 * Hand-written because @middy/http-json-body-parser parses with a reviver (4–10× `JSON.parse`)
 * and mutates the event, and no official middleware builds one request object from all parts.
 */
export function httpRequestParser(options: RequestParserOptions = {}): MiddlewareObj {
  const { maxBodyBytes, structuredBody } = { ...defaults, ...options };

  const httpRequestParserBefore = (request: { event: unknown; context: Context } & WithInvocationMetrics) => {
    const event = request.event as HttpEvent;
    const headers = lowerCaseHeaders(event.headers);
    const parsed: HttpRequest = {
      requestId: request.context.awsRequestId ?? event.requestContext?.requestId ?? '',
      method: event.requestContext?.http?.method ?? 'GET',
      route: event.routeKey ?? '',
      path: event.rawPath ?? '/',
      params: { ...(event.pathParameters as Record<string, string> | undefined) },
      query: { ...(event.queryStringParameters as Record<string, string> | undefined) },
      headers,
      cookies: parseCookies(event.cookies),
      body: parseBody(event, headers['content-type'], maxBodyBytes, structuredBody),
      claims: { ...event.requestContext?.authorizer?.jwt?.claims },
      metrics: request[INVOCATION_METRICS] ?? unwritten.start(),
      event,
    };
    request.event = parsed;
  };

  return { before: httpRequestParserBefore } as MiddlewareObj;
}

function lowerCaseHeaders(headers: HttpEvent['headers'] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

function parseCookies(cookies: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const cookie of cookies ?? []) {
    const at = cookie.indexOf('=');
    if (at <= 0) continue;
    const name = cookie.slice(0, at).trim();
    const raw = cookie.slice(at + 1).trim();
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

function parseBody(event: HttpEvent, contentType: string | undefined, maxBytes: number, structured: boolean): unknown {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const base64 = event.isBase64Encoded === true;
  const size = base64 ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
  if (size > maxBytes) {
    throw withoutStack(() => new PayloadTooLargeError(`The request body is larger than ${maxBytes} bytes.`));
  }
  if (base64 && !BASE64.test(raw))
    throw withoutStack(() => new BadRequestError('The request body is not valid base64.'));
  const mediaType = mediaTypeOf(contentType);

  if (mediaType && JSON_TYPE.test(mediaType)) return parseJson(base64 ? decode(raw) : raw);
  if (mediaType === FORM_TYPE) {
    const text = base64 ? decode(raw) : raw;
    // `curl -d '{…}'` sends JSON as a form: as a form it would be one odd key, and validation would
    // then report every field missing. Say what happened instead.
    if (LOOKS_LIKE_JSON.test(text)) throw withoutStack(() => new UnsupportedMediaTypeError(JSON_AS_FORM));
    return parseForm(text);
  }
  if (structured) {
    const message = mediaType
      ? `Content-Type '${mediaType}' is not supported here: send application/json or ${FORM_TYPE}.`
      : `Send a Content-Type header with the body: application/json or ${FORM_TYPE}.`;
    throw withoutStack(() => new UnsupportedMediaTypeError(message));
  }
  if (mediaType?.startsWith('text/')) return base64 ? decode(raw) : raw;
  return base64 ? Buffer.from(raw, 'base64') : raw;
}

/** `Application/JSON; charset=utf-8` → `application/json`. */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const end = contentType.indexOf(';');
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase() || undefined;
}

const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw withoutStack(() => new BadRequestError('The request body is not valid JSON.', { code: 'malformed_json' }));
  }
  // A cheap scan first; the exact (slower) check only when a forbidden key may be present.
  if (FORBIDDEN_KEY.test(text) && hasForbiddenKey(value)) throw forbiddenKeyError();
  return value;
}

function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    if (FORBIDDEN_KEYS.has(key)) throw forbiddenKeyError();
    const before = out[key];
    out[key] = before === undefined ? value : [...[before].flat(), value];
  }
  return { ...out };
}

function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key) || hasForbiddenKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

const forbiddenKeyError = () =>
  withoutStack(
    () =>
      new BadRequestError("The request body may not use the keys '__proto__', 'constructor' or 'prototype'.", {
        code: 'forbidden_key',
      }),
  );
