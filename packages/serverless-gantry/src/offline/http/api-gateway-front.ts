import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { JwtCheck, JwtContext } from '../../auth/jwt-check.js';
import type { InvokeOutcome } from '../../events/invoke.js';
import { matchRoute, type Routed, type RouteMatch } from '../../route-match.js';
import { httpApiAnswer, httpApiEvent, TEXT_TYPE } from './http-api-event.js';
import type { ServedRoute } from './served-routes.js';

/** The HTTP API's CORS configuration, as the plugin generates it (`provider.httpApi.cors`). */
export interface CorsRules {
  allowedOrigins: string[];
  allowedHeaders: string[];
  allowedMethods: string[];
  allowCredentials?: boolean;
  maxAge?: number;
}

export interface FrontOptions {
  /** Where callers connect: serverless-offline's configured host and HTTP port. */
  host: string;
  port: number;
  /** Where serverless-offline listens instead. */
  upstream: { host: string; port: number };
  cors?: CorsRules | undefined;
  /**
   * The service's routes as served (serverless-offline fixes them at start): a request none of them
   * takes is answered 404 here, as HTTP API does. Without it every request is passed on.
   */
  routes?: { functions: readonly { key?: string; routes: readonly ServedRoute[] }[] } | undefined;
  /**
   * Runs the functions named in `functions` (keys in serverless.yml) itself, with the payload 2.0
   * event built here, instead of passing their requests to serverless-offline's HTTP server
   * (`functionPool`: Gantry's own threads, started ahead; one HTTP server and one event builder fewer).
   */
  invoke?:
    | { functions: ReadonlySet<string>; run(functionKey: string, event: unknown): Promise<InvokeOutcome> }
    | undefined;
  /**
   * Checks a route's JWT authorizer as HTTP API does (`jwtCheck`); routes with one are refused
   * without it. The verified claims reach the function through AUTHORIZER_HEADER.
   */
  checkJwt?: JwtCheck | undefined;
  /** HTTP API's integration timeout: no answer by then is a 504 (default 30 s, its maximum; 0: none). */
  integrationTimeoutMs?: number;
  /** Local-only JSON documents by path (the OpenAPI document), answered to GET before routing. */
  documents?: Record<string, unknown> | undefined;
  /**
   * Hears a one-line account of each answer the front gives itself (a route HTTP API does not have,
   * a refused token, a limit, a preflight, a function that failed), in the form of the kit's request
   * lines: `GET /nope 404 0 ms (API Gateway: Not Found)`. A function's own answers are the kit's to tell.
   */
  onAnswer?: ((line: string) => void) | undefined;
}

// API Gateway's and Lambda's limits (AWS quotas).
/** HTTP API: the request line and headers. */
const MAX_HEADER_BYTES = 10_240;
/** HTTP API: the request body. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Lambda: a synchronous invocation's event, as JSON. */
const MAX_EVENT_BYTES = 6_291_456;
/** HTTP API: the longest an integration may take. */
const MAX_INTEGRATION_MS = 30_000;

/**
 * Set on a request whose body the front sent base64-encoded, as API Gateway sends non-text bodies.
 * serverless-offline would decode such a body as UTF-8 and corrupt it; the kit (in a local run only)
 * takes the header off and marks the event `isBase64Encoded`, which is what the function sees in AWS.
 */
const BODY_ENCODING_HEADER = 'x-gantry-body-encoding';

/**
 * Set, in place of a `content-type` hapi refuses with its own 400 (two joined values, a duplicate
 * parameter, no subtype, multipart without boundary), to the value the function must see; the kit
 * puts it back in local runs. Checked with hapi's own parser, so exactly what it would refuse.
 */
const CONTENT_TYPE_HEADER = 'x-gantry-content-type';
/** Set, with the method sent, on a request passed on with another method (see OPTIONS below). */
const METHOD_HEADER = 'x-gantry-method';
/**
 * Set on every request routed here: base64url JSON of `{ claims, scopes }` the front verified, or
 * `none` for a public route. serverless-offline puts claims it decoded, unverified, from any
 * Authorization header into every event; the kit (local runs only) replaces them with these, or
 * removes them, as a public route on AWS has no authorizer. A caller's own value is overwritten.
 */
export const AUTHORIZER_HEADER = 'x-gantry-authorizer';
/** Every header the front sets for the kit on a request it passes to serverless-offline. */
const KIT_HEADERS = [AUTHORIZER_HEADER, BODY_ENCODING_HEADER, CONTENT_TYPE_HEADER, METHOD_HEADER, 'x-gantry-cookie'];
const hapiRequire = createRequire(import.meta.url);
const hapiContent = hapiRequire('@hapi/content') as { type(header: string): unknown };
/**
 * Set, in place of a `cookie` header hapi refuses with its own 400 ("Invalid cookie value"), to that
 * header; the kit puts it back (and the event's `cookies`). hapi's own parser decides, as above.
 */
const COOKIE_HEADER = 'x-gantry-cookie';
const { Definitions } = hapiRequire('@hapi/statehood') as {
  Definitions: new () => { parse(header: string): Promise<unknown> };
};
const hapiCookies = new Definitions();
async function hapiRefusesCookie(header: string | undefined): Promise<boolean> {
  if (header === undefined) return false;
  try {
    await hapiCookies.parse(header);
    return false;
  } catch {
    return true;
  }
}
function hapiRefuses(type: string): boolean {
  try {
    hapiContent.type(type);
    return false;
  } catch {
    return true;
  }
}

// serverless-offline base64-encodes these itself (and correctly).
const OFFLINE_ENCODES = /application\/octet-stream|multipart\/form-data/i;

/**
 * A front for `sls offline` that applies the API Gateway (HTTP API) rules serverless-offline's HTTP
 * layer does not: the header and body limits, duplicate headers joined with commas, non-text bodies
 * delivered intact (base64), CORS preflights answered from the service's CORS configuration and CORS
 * headers on responses set by it, not by the function or serverless-offline, and failed invocations
 * answered 500 (serverless-offline: 200 with the stack). Everything else is passed through
 * unchanged, on kept-alive connections.
 *
 * Hand-written: the generic proxies on npm (http-proxy and friends) stream requests through
 * untouched, and every rule here needs the request's raw headers or whole body first.
 */
export async function startApiGatewayFront(options: FrontOptions) {
  const agent = new Agent({ keepAlive: true });
  const { cors, routes, checkJwt, integrationTimeoutMs = MAX_INTEGRATION_MS } = options;

  const server = createServer((req, res) => {
    if (options.onAnswer) tellOwnAnswer(req, res, options.onAnswer);
    const headSize = headerBytes(req);
    if (headSize > MAX_HEADER_BYTES) return refuse(req, res, 431, 'Request Header Fields Too Large');
    if (Number(req.headers['content-length'] ?? 0) > MAX_PAYLOAD_BYTES) {
      return refuse(req, res, 413, 'Request Entity Too Large');
    }
    // A preflight is an OPTIONS with Origin and Access-Control-Request-Method; any other OPTIONS is
    // routed like every method (AWS: "Configure CORS for HTTP APIs").
    if (cors && req.method === 'OPTIONS' && req.headers.origin && req.headers['access-control-request-method']) {
      return answerPreflight(req, res, cors);
    }
    const path = pathOf(req.url);
    const document = req.method === 'GET' ? options.documents?.[path] : undefined;
    if (document !== undefined) return json(res, 200, document);
    const match = routes && matchRoute(routes, req.method ?? 'GET', path);
    if (routes && !match) return refuse(req, res, 404, 'Not Found');
    // hapi answers a path it cannot percent-decode with its own 400 body.
    if (!decodes(path)) return refuse(req, res, 400, 'Bad Request');
    // serverless-offline's catch-all route has hapi's CORS, which answers every OPTIONS that no
    // route names explicitly (404 "CORS error: ..."): one meant for an ANY route goes as a POST.
    const method = req.method === 'OPTIONS' && match?.route.method !== 'OPTIONS' ? 'POST' : req.method;
    const routeAuth = match?.route.authorizer;
    const verdict =
      routeAuth && checkJwt
        ? checkJwt(routeAuth, { headers: req.headers as Record<string, string>, query: queryOf(req.url) })
        : undefined;
    Promise.all([verdict, readBody(req, MAX_PAYLOAD_BYTES), hapiRefusesCookie(req.headers.cookie)]).then(
      ([checked, body, badCookie]) => {
        if (checked && !checked.allowed) {
          ownAnswers.set(res, checked.status === 401 ? 'Unauthorized' : 'Forbidden');
          res.writeHead(checked.status, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(checked.body),
            ...checked.headers,
          });
          res.end(checked.body);
          return;
        }
        if (!body) return refuse(req, res, 413, 'Request Entity Too Large');
        // Said for known routes only (with none, something else serves too), and not for a route
        // whose authorizer is a Lambda of the user's (serverless-offline runs that one).
        const authorizer = !match ? undefined : routeAuth ? checked?.jwt : null;
        const key = match?.fn.key;
        if (match && key !== undefined && options.invoke?.functions.has(key)) {
          return run(req, res, body, headSize, { key, match, jwt: authorizer ?? undefined });
        }
        forward(req, res, body, headSize, method, badCookie, authorizer);
      },
      () => res.destroy(),
    );
  });

  /** Runs the route's function in the pool and answers as HTTP API does. */
  function run(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    headSize: number,
    target: { key: string; match: RouteMatch<Routed>; jwt: JwtContext | undefined },
  ): void {
    const headers = joinedHeaders(req.rawHeaders);
    // The body arrives whole at the function, with its length (as forward() passes it on).
    if (body.length > 0 || headers['content-length'] !== undefined) headers['content-length'] = String(body.length);
    delete headers['transfer-encoding'];
    // The event is built here, as API Gateway builds it: the kit's local-run headers (which undo
    // what serverless-offline's HTTP layer would change) have no part in it, and a caller's own
    // would be taken by the kit as the front's word.
    for (const name of KIT_HEADERS) delete headers[name];
    if (overEventLimit(body, headers['content-type'] ?? '', headSize)) {
      refuse(req, res, 413, 'Request Entity Too Large');
      return;
    }
    const event = httpApiEvent(
      { method: req.method ?? 'GET', target: req.url ?? '/', headers, body, sourceIp: req.socket.remoteAddress },
      target.match,
      target.jwt,
    );
    let answered = false;
    // HTTP API never waits longer than its integration timeout; the function's own timeout (in the
    // pool) is usually shorter and answers first, as a 503.
    const timer =
      integrationTimeoutMs > 0
        ? setTimeout(() => {
            answered = true;
            if (!res.headersSent) json(res, 504, { message: 'Gateway Timeout' });
          }, integrationTimeoutMs)
        : undefined;
    options.invoke
      ?.run(target.key, event)
      .then((outcome) => {
        clearTimeout(timer);
        if (answered) return;
        if (outcome.type === 'timeout') return json(res, 503, { message: 'Service Unavailable' });
        if (outcome.type === 'error') return json(res, 500, { message: 'Internal Server Error' });
        let answer: ReturnType<typeof httpApiAnswer>;
        try {
          answer = httpApiAnswer(outcome.result);
        } catch {
          return json(res, 500, { message: 'Internal Server Error' });
        }
        const out: Record<string, string | string[]> = { ...answer.headers };
        if (answer.cookies.length > 0) out['set-cookie'] = answer.cookies;
        if (cors) applyCors(out, req.headers.origin, cors);
        out['content-length'] = String(answer.body.length);
        res.writeHead(answer.status, out);
        res.end(answer.body);
      })
      .catch(() => {
        clearTimeout(timer);
        if (!res.headersSent) json(res, 500, { message: 'Internal Server Error' });
      });
  }

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    headSize: number,
    method: string | undefined,
    badCookie: boolean,
    authorizer: JwtContext | null | undefined,
  ): void {
    const headers = joinedHeaders(req.rawHeaders);
    delete headers[AUTHORIZER_HEADER];
    if (authorizer !== undefined) {
      headers[AUTHORIZER_HEADER] =
        authorizer === null ? 'none' : Buffer.from(JSON.stringify(authorizer)).toString('base64url');
    }
    if (method !== req.method) headers[METHOD_HEADER] = req.method ?? 'GET';
    if (badCookie && headers.cookie !== undefined) {
      headers[COOKIE_HEADER] = headers.cookie;
      delete headers.cookie;
    }
    let payload = body;
    const type = String(headers['content-type'] ?? '');
    if (overEventLimit(body, type, headSize)) {
      refuse(req, res, 413, 'Request Entity Too Large');
      return;
    }
    const substitute = headers['content-type'] !== undefined && hapiRefuses(type);
    if (substitute) {
      headers[CONTENT_TYPE_HEADER] = type;
      headers['content-type'] = 'text/plain'; // passed on as sent: the front encodes non-text bodies itself
    }
    if (body.length > 0 && !TEXT_TYPE.test(type) && (substitute || !OFFLINE_ENCODES.test(type))) {
      payload = Buffer.from(body.toString('base64'));
      headers[BODY_ENCODING_HEADER] = 'base64';
    }
    if (payload.length > 0 || headers['content-length'] !== undefined)
      headers['content-length'] = String(payload.length);
    delete headers['transfer-encoding'];

    const upstream = request(
      {
        host: options.upstream.host,
        port: options.upstream.port,
        method,
        path: req.url,
        headers,
        agent,
      },
      (answer) => {
        clearTimeout(timer);
        const out = { ...answer.headers };
        if (cors) applyCors(out, req.headers.origin, cors);
        const status = answer.statusCode ?? 502;
        if ((status !== 200 && status !== 502) || !String(out['content-type']).startsWith('application/json')) {
          res.writeHead(status, out);
          answer.pipe(res);
          return;
        }
        // A 200 in JSON may be serverless-offline's report of a failed invocation: read it first.
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          const failure = failedInvocation(decoded(body, out['content-encoding']), status);
          if (failure) return json(res, failure.status, { message: failure.message });
          res.writeHead(status, out);
          res.end(body);
        });
      },
    );
    // HTTP API never waits longer than its integration timeout. Locally this also answers an
    // invocation serverless-offline lost (it drops those in flight when a rebuild reloads functions).
    const timer =
      integrationTimeoutMs > 0
        ? setTimeout(() => {
            upstream.destroy();
            if (!res.headersSent) json(res, 504, { message: 'Gateway Timeout' });
          }, integrationTimeoutMs)
        : undefined;
    upstream.on('error', () => {
      clearTimeout(timer);
      if (!res.headersSent) json(res, 502, { message: 'Bad Gateway' });
      else res.destroy();
    });
    upstream.end(payload);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

/**
 * serverless-offline answers an invocation that failed outside the kit (a module that does not
 * load, an init error, its own timeout) with 200 and `{ errorMessage, errorType, stackTrace }`, and
 * a response it cannot send with 502 and the same plus `offlineInfo`; API Gateway answers 500 (503
 * for a timeout) and shows nothing of the error. The stack is in the
 * terminal, where serverless-offline logged it.
 */
function failedInvocation(body: Buffer, status: number): { status: number; message: string } | undefined {
  if (!body.subarray(0, 16).equals(Buffer.from('{"errorMessage":'))) return undefined;
  let parsed: { errorMessage?: unknown; errorType?: unknown; stackTrace?: unknown; offlineInfo?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  // serverless-offline's own 502 (e.g. a response whose body is not a string; HTTP API: 500).
  if (status === 502)
    return typeof parsed.offlineInfo === 'string' ? { status: 500, message: 'Internal Server Error' } : undefined;
  if (typeof parsed.errorType !== 'string' || !Array.isArray(parsed.stackTrace)) return undefined;
  return String(parsed.errorMessage).includes('Lambda timeout')
    ? { status: 503, message: 'Service Unavailable' }
    : { status: 500, message: 'Internal Server Error' };
}

/** A response body as sent before serverless-offline compressed it (it does when the client accepts). */
function decoded(body: Buffer, encoding: unknown): Buffer {
  try {
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'deflate') return inflateSync(body);
    if (encoding === 'br') return brotliDecompressSync(body);
  } catch {
    // not what it says it is: look at it as it came
  }
  return body;
}

/** The request line and headers as sent, in bytes. */
function headerBytes(req: IncomingMessage): number {
  let bytes = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 11; // "GET /x HTTP/1.1\r\n"
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) bytes += (raw[i]?.length ?? 0) + (raw[i + 1]?.length ?? 0) + 4;
  return bytes;
}

/** Headers in lower case, a repeated header's values joined as API Gateway joins them. */
function joinedHeaders(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const seen = headers[name];
    headers[name] = seen === undefined ? value : `${seen}${name === 'cookie' ? '; ' : ','}${value}`;
  }
  return headers;
}

/** The whole body, or undefined once it passes `limit` (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function queryOf(url: string | undefined): URLSearchParams {
  const at = url?.indexOf('?') ?? -1;
  return new URLSearchParams(at === -1 ? '' : url?.slice(at + 1));
}

/** The request's path as HTTP API routes it: without the query string. */
function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/**
 * Whether the function's event would pass Lambda's limit: its body as the function receives it
 * (base64 unless a text type) and the request's headers.
 */
function overEventLimit(body: Buffer, contentType: string, headSize: number): boolean {
  const bytes = body.length > 0 && !TEXT_TYPE.test(contentType) ? Math.ceil(body.length / 3) * 4 : body.length;
  return bytes + headSize > MAX_EVENT_BYTES;
}

/** The answers the front gave itself, with what it said: the reason in their request line. */
const ownAnswers = new WeakMap<ServerResponse, string>();

function tellOwnAnswer(req: IncomingMessage, res: ServerResponse, onAnswer: (line: string) => void): void {
  const started = performance.now();
  res.once('finish', () => {
    const by = ownAnswers.get(res);
    if (by === undefined) return;
    const ms = Math.round(performance.now() - started);
    onAnswer(`${req.method} ${pathOf(req.url)} ${res.statusCode} ${ms} ms (API Gateway: ${by})`);
  });
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  json(res, status, { message });
  req.resume(); // discard the rest of the body
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string') ownAnswers.set(res, message);
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function allows(cors: CorsRules, origin: string | undefined): origin is string {
  return origin !== undefined && (cors.allowedOrigins.includes('*') || cors.allowedOrigins.includes(origin));
}

/** `*` when any origin may call without credentials, else the caller's own origin. */
const allowedOrigin = (cors: CorsRules, origin: string) =>
  cors.allowedOrigins.includes('*') && !cors.allowCredentials ? '*' : origin;

/** API Gateway answers a preflight itself when the API has CORS: 204, with the rules for an allowed origin. */
function answerPreflight(req: IncomingMessage, res: ServerResponse, cors: CorsRules): void {
  ownAnswers.set(res, 'CORS preflight');
  const headers: Record<string, string> = {};
  const origin = req.headers.origin;
  if (allows(cors, origin)) {
    headers['access-control-allow-origin'] = allowedOrigin(cors, origin);
    headers['access-control-allow-methods'] = cors.allowedMethods.join(',');
    headers['access-control-allow-headers'] = cors.allowedHeaders.join(',');
    if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
    if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
  }
  res.writeHead(204, headers);
  res.end();
  req.resume();
}

/** With CORS configured, API Gateway ignores the integration's CORS headers and sets its own. */
function applyCors(headers: Record<string, unknown>, origin: string | undefined, cors: CorsRules): void {
  for (const name of Object.keys(headers)) if (name.startsWith('access-control-')) delete headers[name];
  if (!allows(cors, origin)) return;
  headers['access-control-allow-origin'] = allowedOrigin(cors, origin);
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
}
