import type { ErrorResponseBody, HttpRequest, HttpResult, RequestSchemas } from '@gantry/middy';
import type { StandardSchemaV1 } from '@standard-schema/spec';

// Everything here reads a handler class's TYPE (`typeof TasksApi`): the page that uses the client
// imports the class with `import type`, so none of the server's code or configuration reaches it.

/** A static method of a handler class. */
// biome-ignore lint/suspicious/noExplicitAny: any parameter list, read through inference only
type Method = (...args: any[]) => unknown;

/** The schemas a method's request declares (`HttpRequest<{ body: typeof NewTask }>`), or none. */
type SchemasOf<M> = M extends () => unknown
  ? Record<never, never>
  : M extends (request: HttpRequest<infer S>, ...rest: never[]) => unknown
    ? S
    : Record<never, never>;

/** What the caller sends for part `K`: the schema's input type (before defaults and coercion). */
type InputOf<S, K extends keyof RequestSchemas> = S extends { [P in K]: infer T }
  ? T extends StandardSchemaV1
    ? StandardSchemaV1.InferInput<T>
    : never
  : never;

/**
 * A query value as a URL carries it: as text. A schema that coerces (input `unknown`) takes any of
 * these; a field read as any text (input `string`) also takes a number or boolean, sent as its text
 * (`limit: 20` arrives as `"20"`, which the schema then reads). Fields limited to some strings (a
 * picklist such as `'asc' | 'desc'`) take only those.
 */
export type QueryValue = string | number | boolean;
type QueryOf<Q> = {
  [K in keyof Q]: unknown extends Q[K]
    ? QueryValue | readonly QueryValue[]
    : string extends Q[K]
      ? Q[K] | number | boolean
      : Q[K];
};
type PathOf<P> = { [K in keyof P]: unknown extends P[K] ? string | number : P[K] };

/** `{ key: T }`, optional when `T` has no required field. */
type Part<K extends string, T> = Record<never, never> extends T ? { [P in K]?: T } : { [P in K]: T };

/** The request of one call: path parameters, query and body as the method's schemas declare them. */
export type ClientRequest<M> = (SchemasOf<M> extends { params: StandardSchemaV1 }
  ? Part<'params', PathOf<InputOf<SchemasOf<M>, 'params'>>>
  : { params?: Record<string, string | number> }) &
  (SchemasOf<M> extends { query: StandardSchemaV1 }
    ? Part<'query', QueryOf<InputOf<SchemasOf<M>, 'query'>>>
    : { query?: Record<string, QueryValue | readonly QueryValue[] | undefined> }) &
  (SchemasOf<M> extends { body: StandardSchemaV1 } ? { body: InputOf<SchemasOf<M>, 'body'> } : { body?: unknown }) & {
    headers?: Record<string, string>;
    signal?: AbortSignal;
  };

/** What a successful call gives: the method's return value, a `respond()`/`created()` body, or nothing (204). */
export type ResponseData<M extends Method> = DataOf<Awaited<ReturnType<M>>>;
// A method that returns nothing is typed `void`, which `undefined` does not cover: the kit answers 204.
// biome-ignore lint/suspicious/noConfusingVoidType: matching a method's `void` return type
type DataOf<R> = R extends HttpResult<infer B> ? B : R extends undefined | void ? undefined : R;

/** The outcome of a call: the data, or the error body the kit or API Gateway answered with. */
export type ApiResult<T> =
  | { ok: true; status: number; data: T; headers: Headers }
  | { ok: false; status: number; error: ErrorResponseBody; headers: Headers };

/** One client call per static method of the class. */
export type ClassClient<C> = {
  [K in keyof C as C[K] extends Method ? K : never]: C[K] extends Method
    ? Record<never, never> extends ClientRequest<C[K]>
      ? (request?: ClientRequest<C[K]>) => Promise<ApiResult<ResponseData<C[K]>>>
      : (request: ClientRequest<C[K]>) => Promise<ApiResult<ResponseData<C[K]>>>
    : never;
};

/** `{ TasksApi: typeof TasksApi }` → `client.TasksApi.create(...)`. */
export type ApiClient<Api> = { [C in keyof Api]: ClassClient<Api[C]> };
