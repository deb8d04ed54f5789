import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type Access, isAccess } from './access.js';
import {
  type ApiOptions,
  type AuthRequirement,
  type FunctionOptions,
  type HttpMethod,
  type MethodMetadata,
  type RequestSchemas,
  recordClass,
  recordMethod,
} from './metadata.js';
import { isTable, type TableDefinition } from './table.js';

// Decorators only record metadata and return nothing, so a class stays callable as written and
// its methods can be unit-tested directly. Wrapping happens in the plugin's generated entries.

type AnyMethod = (this: unknown, ...args: never[]) => unknown;
type MethodDecorator = (value: AnyMethod, context: ClassMethodDecoratorContext) => void;

const LEGACY =
  'Gantry needs standard (TC39) decorators, but this code was compiled with legacy ones: remove "experimentalDecorators" from tsconfig.json.';

// With `experimentalDecorators`, the second argument is a property key, not a context object.
function assertStandard(context: unknown): asserts context is DecoratorContext {
  if (typeof context !== 'object' || context === null || !('kind' in context)) throw new TypeError(LEGACY);
}

function methodDecorator(apply: (record: MethodMetadata) => void): MethodDecorator {
  return (_value, context) => {
    assertStandard(context);
    const record = recordMethod(context.metadata, context);
    if (context.kind !== 'method') {
      record.problems.push(`Gantry decorators apply to methods only, not to a ${context.kind}.`);
      return;
    }
    apply(record);
  };
}

/**
 * Marks a class as an API: its routes' paths start with `prefix`.
 *
 * @example
 * @api('/notes', { cors: true })
 * export class NotesApi { ... }
 */
export function api(prefix = '', options: ApiOptions = {}) {
  return (_value: abstract new (...args: never[]) => unknown, context: ClassDecoratorContext): void => {
    assertStandard(context);
    recordClass(context.metadata, { prefix, options });
  };
}

export interface RouteOptions extends RequestSchemas {
  /** Auth for this route; `false` makes it public inside a class whose `@api` requires auth. */
  auth?: AuthRequirement | false;
}

const PATH = /^\/[^\s?#]*$/;

/** The output type of schema `O[K]`, or `Fallback` when the route has none. */
type SchemaOutput<O, K extends keyof RequestSchemas, Fallback> = O extends { [P in K]: infer S }
  ? S extends StandardSchemaV1
    ? StandardSchemaV1.InferOutput<S>
    : Fallback
  : Fallback;

/** What the runtime kit will pass for a route with options `O`: validated body, query and params. */
export interface RouteInput<O> {
  body: SchemaOutput<O, 'body', unknown>;
  query: SchemaOutput<O, 'query', Record<string, string>>;
  params: SchemaOutput<O, 'params', Record<string, string>>;
}

// The parts of the method's request type that the route's schemas decide.
type DeclaredParts<P> = Pick<P, Extract<keyof P, keyof RouteInput<unknown>>>;

/**
 * A method whose request parameter does not accept what the route delivers is a type error at the
 * decorator: `@post('/', { body: NoteInput })` on `create(request: HttpRequest<{ body: typeof Other }>)`.
 */
type MatchesRoute<M, O> = M extends (request: infer P, ...rest: never[]) => unknown
  ? unknown extends P
    ? unknown
    : RouteInput<O> extends DeclaredParts<P>
      ? unknown
      : { 'the request type does not match the route schemas': DeclaredParts<P>; 'the route delivers': RouteInput<O> }
  : unknown;

export type RouteDecorator<O> = <M extends AnyMethod>(
  value: M & MatchesRoute<M, O>,
  context: ClassMethodDecoratorContext,
) => void;

/** Serves `method path` with the decorated static method. Path parameters: `{id}`, greedy `{proxy+}`. */
export function route<const O extends RouteOptions = Record<never, never>>(
  method: HttpMethod,
  path: string,
  options?: O,
): RouteDecorator<O> {
  return methodDecorator((record) => {
    if (!PATH.test(path)) {
      record.problems.push(
        `Route path '${path}' must start with '/' and hold no spaces, '?' or '#'; write it like '/notes/{id}'.`,
      );
    }
    const { auth, ...schemas }: RouteOptions = options ?? {};
    record.routes.push({ method, path, ...(auth === undefined ? {} : { auth }) });
    for (const part of ['body', 'query', 'params'] as const) {
      const schema = schemas[part];
      if (schema === undefined) continue;
      if (record.schemas[part] && record.schemas[part] !== schema) {
        record.problems.push(
          `Two routes give different ${part} schemas; a function has one request shape: give both the same schema.`,
        );
      }
      record.schemas[part] = schema;
    }
  });
}

export const get = <const O extends RouteOptions = Record<never, never>>(path: string, options?: O) =>
  route('GET', path, options);
export const post = <const O extends RouteOptions = Record<never, never>>(path: string, options?: O) =>
  route('POST', path, options);
export const put = <const O extends RouteOptions = Record<never, never>>(path: string, options?: O) =>
  route('PUT', path, options);
export const patch = <const O extends RouteOptions = Record<never, never>>(path: string, options?: O) =>
  route('PATCH', path, options);
/** DELETE (`delete` is a reserved word). */
export const del = <const O extends RouteOptions = Record<never, never>>(path: string, options?: O) =>
  route('DELETE', path, options);
export const any = <const O extends RouteOptions = Record<never, never>>(path: string, options?: O) =>
  route('ANY', path, options);

/** Grants the function `access` to `table`: exactly the actions listed in `accessActions`. */
export function uses(table: TableDefinition, access: Access): MethodDecorator {
  return methodDecorator((record) => {
    if (!isTable(table)) {
      record.problems.push(
        `uses() was given ${describe(table)}, not a table: pass a value made by table('name', { ... }) and check its import.`,
      );
    }
    if (!isAccess(access)) {
      record.problems.push(`uses() access '${String(access)}' is not one of 'read', 'write', 'readwrite'.`);
    }
    record.uses.push({ table, access });
  });
}

/** Function options: memory (MB), timeout (s), description, reserved concurrency, env, extra IAM. */
export function fn(options: FunctionOptions): MethodDecorator {
  return methodDecorator((record) => {
    record.options = {
      ...record.options,
      ...options,
      ...(record.options.environment || options.environment
        ? { environment: { ...record.options.environment, ...options.environment } }
        : {}),
      ...(record.options.iamStatements || options.iamStatements
        ? { iamStatements: [...(record.options.iamStatements ?? []), ...(options.iamStatements ?? [])] }
        : {}),
    };
  });
}

/** Requires a JWT on every route of the method, optionally with scopes; a route's own `auth` wins. */
export function auth(requirement: AuthRequirement = {}): MethodDecorator {
  return methodDecorator((record) => {
    record.auth = requirement;
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined (a circular import?)';
  if (value === null) return 'null';
  if (typeof value === 'function') return `the function or class '${value.name}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
