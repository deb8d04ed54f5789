import type { ErrorResponseBody } from '@gantry/middy';
import type { ClientRoute, RouteTable } from './route-table.js';
import type { ApiClient, ApiResult, QueryValue } from './types.js';

export interface ClientOptions {
  /** The API's address: `''` for the page's own origin, `http://127.0.0.1:3000`, the stage's URL. */
  baseUrl: string;
  /** Where each method is served: `routesFromManifest(manifest)`. */
  routes: RouteTable;
  /** Headers on every call (an `Authorization` token), or a function that gives them per call. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

interface CallInput {
  params?: Record<string, string | number>;
  query?: Record<string, QueryValue | readonly QueryValue[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * A client for the handler classes in `Api`, typed from them: each static method is a call that
 * takes its route's path parameters, query and body as its schemas declare them, and resolves with
 * `{ ok: true, data }` (the method's return type) or `{ ok: false, error }` (the kit's or API
 * Gateway's error body). It throws only when the request cannot be sent (network, a missing path
 * parameter).
 *
 * @example
 * import type { TasksApi } from '../tasks.js'; // types only: no server code in the page
 * const api = createClient<{ TasksApi: typeof TasksApi }>({ baseUrl: '', routes: routesFromManifest(manifest) });
 * const result = await api.TasksApi.create({ params: { listId }, body: { title: 'Milk' } });
 * if (result.ok) result.data.id; else result.error;
 */
export function createClient<Api>(options: ClientOptions): ApiClient<Api> {
  const client: Record<string, Record<string, (input?: CallInput) => Promise<ApiResult<unknown>>>> = {};
  for (const [className, methods] of Object.entries(options.routes)) {
    const calls: Record<string, (input?: CallInput) => Promise<ApiResult<unknown>>> = {};
    for (const [method, route] of Object.entries(methods)) {
      calls[method] = (input = {}) => call(options, `${className}.${method}`, route, input);
    }
    client[className] = calls;
  }
  return client as ApiClient<Api>;
}

async function call(options: ClientOptions, name: string, route: ClientRoute, input: CallInput) {
  const url = `${options.baseUrl.replace(/\/$/, '')}${fillPath(name, route.path, input.params ?? {})}${queryString(input.query)}`;
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(typeof options.headers === 'function' ? await options.headers() : options.headers),
    ...input.headers,
  };
  const hasBody = input.body !== undefined;
  if (hasBody) headers['content-type'] = 'application/json';
  // HTTP API's ANY takes every method: send the body with POST, else GET.
  const method = route.method === 'ANY' ? (hasBody ? 'POST' : 'GET') : route.method;
  const response = await (options.fetch ?? fetch)(url, {
    method,
    headers,
    ...(hasBody ? { body: JSON.stringify(input.body) } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  const body = await readBody(response);
  if (response.ok) return { ok: true as const, status: response.status, data: body, headers: response.headers };
  return { ok: false as const, status: response.status, error: errorBody(body, response), headers: response.headers };
}

/** `/tasks/{id}` with `{ id }`: each value percent-encoded; a greedy `{proxy+}` keeps its slashes. */
function fillPath(name: string, path: string, params: Record<string, string | number>): string {
  return path.replace(/\{([^}+]+)(\+?)\}/g, (_, key: string, greedy: string) => {
    const value = params[key];
    if (value === undefined || value === '') {
      throw new TypeError(`${name}: path parameter '${key}' of ${path} is missing.`);
    }
    return greedy ? String(value).split('/').map(encodeURIComponent).join('/') : encodeURIComponent(String(value));
  });
}

/** Repeated keys for arrays (the kit joins them with commas, as API Gateway does). */
function queryString(query: CallInput['query']): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (/[/+]json\b/.test(type)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The error body as answered; anything else (a proxy's HTML page) as API Gateway's `{ message }`. */
function errorBody(body: unknown, response: Response): ErrorResponseBody {
  const shaped = body as Partial<Record<'error' | 'message', unknown>> | undefined;
  if (
    shaped &&
    typeof shaped === 'object' &&
    (typeof shaped.error === 'object' || typeof shaped.message === 'string')
  ) {
    return shaped as ErrorResponseBody;
  }
  return { message: typeof body === 'string' && body ? body : response.statusText || `HTTP ${response.status}` };
}
