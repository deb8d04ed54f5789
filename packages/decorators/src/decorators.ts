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

/** Serves `method path` with the decorated static method. Path parameters: `{id}`, greedy `{proxy+}`. */
export function route(method: HttpMethod, path: string, options: RouteOptions = {}): MethodDecorator {
  return methodDecorator((record) => {
    if (!PATH.test(path)) {
      record.problems.push(
        `Route path '${path}' must start with '/' and hold no spaces, '?' or '#'; write it like '/notes/{id}'.`,
      );
    }
    const { auth, ...schemas } = options;
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

export const get = (path: string, options?: RouteOptions) => route('GET', path, options);
export const post = (path: string, options?: RouteOptions) => route('POST', path, options);
export const put = (path: string, options?: RouteOptions) => route('PUT', path, options);
export const patch = (path: string, options?: RouteOptions) => route('PATCH', path, options);
/** DELETE (`delete` is a reserved word). */
export const del = (path: string, options?: RouteOptions) => route('DELETE', path, options);
export const any = (path: string, options?: RouteOptions) => route('ANY', path, options);

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
