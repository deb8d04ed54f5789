import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ACCESS_LEVELS, type Access, isAccess } from './access.js';
import {
  BUCKET_ACCESS_LEVELS,
  type BucketAccess,
  type BucketDefinition,
  type BucketUseOptions,
  isBucket,
  isBucketAccess,
} from './bucket.js';
import {
  type ApiOptions,
  type AuthRequirement,
  type FunctionOptions,
  type HttpMethod,
  type MethodMetadata,
  type RequestSchemas,
  type RouteSchemas,
  type RouteThrottle,
  recordClass,
  recordMethod,
} from './metadata.js';
import { isQueue, type QueueDefinition } from './queue.js';
import { isTable, type TableDefinition } from './table.js';
import type {
  ChangeOptions,
  ConsumeOptions,
  ObjectEventType,
  ObjectTriggerOptions,
  ScheduleOptions,
} from './triggers.js';

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

export interface RouteOptions extends RouteSchemas {
  /** Auth for this route; `false` makes it public inside a class whose `@api` requires auth. */
  auth?: AuthRequirement | false;
  /**
   * This route's own limit on every stage, e.g. `{ rate: 5, burst: 10 }` for a sign-up or an
   * expensive route: API Gateway answers 429 past it. Without it the stage's default applies.
   */
  throttle?: RouteThrottle;
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

/**
 * With a `response` schema, what the method returns (its value, or the body of `respond()` /
 * `created()`) must be the schema's output type: the typed client reads the return type and the
 * OpenAPI document the schema, so this is where the two are made to agree.
 */
type MatchesResponse<M, O> = O extends { response: infer S }
  ? M extends (...args: never[]) => infer R
    ? Awaited<R> extends ResponseBody<S> | { status: number; body?: ResponseBody<S> }
      ? unknown
      : { 'the return type does not match the response schema': Awaited<R>; 'the schema describes': ResponseBody<S> }
    : unknown
  : unknown;
// `response: null` declares no body: the method returns nothing and the kit answers 204.
// biome-ignore lint/suspicious/noConfusingVoidType: matching a method's `void` return type
type ResponseBody<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : undefined | void;

export type RouteDecorator<O> = <M extends AnyMethod>(
  value: M & MatchesRoute<M, O> & MatchesResponse<M, O>,
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
    const { auth, throttle, ...schemas }: RouteOptions = options ?? {};
    record.routes.push({
      method,
      path,
      ...(auth === undefined ? {} : { auth }),
      ...(throttle === undefined ? {} : { throttle }),
    });
    for (const part of ['body', 'query', 'params', 'response'] as const) recordSchema(record, part, schemas[part]);
  });
}

function recordSchema<K extends keyof RouteSchemas>(record: MethodMetadata, part: K, schema: RouteSchemas[K]): void {
  if (schema === undefined) return;
  if (record.schemas[part] !== undefined && record.schemas[part] !== schema) {
    record.problems.push(
      `Two routes give different ${part} schemas; a function has one request and response shape: give both the same schema.`,
    );
  }
  record.schemas[part] = schema;
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

/** How a function may use a queue: send messages to it. */
export type QueueAccess = 'send';

/**
 * Grants the function `access` to a table (exactly the actions listed in `accessActions`: `'read'`,
 * `'create'`, `'update'`, `'delete'`, `'write'`, `'readwrite'` or a list such as `['read', 'create']`), to a
 * queue (`'send'`: `sqs:SendMessage` on that queue alone, which also covers sending a batch), or to
 * a bucket's objects (`'read'`, `'write'`, `'delete'`, `'list'` or a list: the actions of
 * `BUCKET_LEVEL_ACTIONS`, on the keys under `options.prefix` only when it is given).
 *
 * @example
 * @uses(Uploads, 'write', { prefix: 'avatars/' })
 */
export function uses(table: TableDefinition, access: Access): MethodDecorator;
export function uses(queue: QueueDefinition, access: QueueAccess): MethodDecorator;
export function uses(bucket: BucketDefinition, access: BucketAccess, options?: BucketUseOptions): MethodDecorator;
export function uses(
  resource: TableDefinition | QueueDefinition | BucketDefinition,
  access: Access | QueueAccess | BucketAccess,
  options?: BucketUseOptions,
): MethodDecorator {
  return methodDecorator((record) => {
    if (isBucket(resource)) {
      if (!isBucketAccess(access)) {
        record.problems.push(
          `uses(${resource.name}) access ${JSON.stringify(access)} is not a bucket access level or a non-empty list of them: use one of ${BUCKET_ACCESS_LEVELS.map((level) => `'${level}'`).join(', ')}, or a list such as ['read', 'write'].`,
        );
      }
      record.problems.push(...bucketUseProblems(resource.name, options));
    } else if (isQueue(resource)) {
      if (access !== 'send') {
        record.problems.push(
          `uses(${resource.name}) access '${String(access)}' is not 'send', the one access to a queue; consume it with @consumes(${resource.name}).`,
        );
      }
    } else if (!isTable(resource)) {
      record.problems.push(
        `uses() was given ${describe(resource)}, not a table, a queue or a bucket: pass a value made by table('name', { ... }), queue('name') or bucket('name'), and check its import.`,
      );
    } else if (!isAccess(access)) {
      record.problems.push(
        `uses(${resource.name}) access ${JSON.stringify(access)} is not a level or a non-empty list of levels: use one of ${ACCESS_LEVELS.map((level) => `'${level}'`).join(', ')}, or a list such as ['read', 'create'].`,
      );
    }
    if (options !== undefined && !isBucket(resource) && (isTable(resource) || isQueue(resource))) {
      record.problems.push(
        `uses(${resource.name}, ${JSON.stringify(access)}, options): only a bucket's use takes options (a prefix); remove them.`,
      );
    }
    record.uses.push(options === undefined ? { resource, access } : { resource, access, options });
  });
}

function bucketUseProblems(bucket: string, options: unknown): string[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null) {
    return [`uses(${bucket}, access, options): options must be an object such as { prefix: 'uploads/' }.`];
  }
  const { prefix, ...rest } = options as BucketUseOptions;
  const unknown = Object.keys(rest).map((key) => `uses(${bucket}) has no option '${key}'; the one option is prefix.`);
  const problem = keyFilterProblem(`uses(${bucket}, access, { prefix })`, 'prefix', prefix);
  return [...unknown, ...(problem ? [problem] : [])];
}

// The longest S3 key, in bytes; a prefix or suffix past it matches nothing.
const MAX_KEY_BYTES = 1024;

/**
 * A key prefix or suffix goes into IAM resource ARNs and S3 filter rules, which read it differently
 * than a user might: IAM reads `*` and `?` as wildcards and `${...}` as a policy variable (so a
 * prefix could grant more than it says), S3's filter rules match every character literally (so a
 * wildcard there matches nothing), and S3 keys never start with the '/' a path would.
 */
function keyFilterProblem(what: string, part: 'prefix' | 'suffix', value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    return `${what}: the ${part} must be a string such as ${part === 'prefix' ? "'uploads/'" : "'.jpg'"}.`;
  if (part === 'prefix' && value.startsWith('/')) {
    return `${what}: prefix '${value}' starts with '/', which S3 keys do not (a key is 'uploads/a.jpg', not a path); write '${value.replace(/^\/+/, '')}'.`;
  }
  if (/[*?]/.test(value)) {
    const why =
      part === 'prefix'
        ? 'IAM would read them as wildcards and grant more'
        : "S3's filters have no wildcards: it would match only keys that end in those very characters";
    return `${what}: ${part} '${value}' holds '*' or '?'; a ${part} is matched literally (${why}): remove them.`;
  }
  if (value.includes('${')) {
    return `${what}: ${part} '${value}' holds '\${', which IAM reads as a policy variable; remove it.`;
  }
  if (new TextEncoder().encode(value).length > MAX_KEY_BYTES) {
    return `${what}: the ${part} is longer than an S3 key may be (${MAX_KEY_BYTES} bytes); shorten it.`;
  }
  return undefined;
}

/**
 * Runs the method on the queue's messages, a batch at a time (Lambda's SQS event source mapping).
 * The kit hands it one parsed, validated message per call and reports each failed message back
 * to SQS alone; the function's role may receive, delete and change visibility on that queue only.
 *
 * @example
 * @consumes(Jobs, { batchSize: 10 })
 * static async work(message: QueueMessage<Job>) { ... }
 */
export function consumes(queue: QueueDefinition, options: ConsumeOptions = {}): MethodDecorator {
  return methodDecorator((record) => {
    if (!isQueue(queue)) {
      record.problems.push(
        `consumes() was given ${describe(queue)}, not a queue: pass a value made by queue('name', { ... }) and check its import.`,
      );
    }
    record.triggers.unshift({ type: 'queue', queue, options });
  });
}

/**
 * Runs the method on a schedule (EventBridge Scheduler): `rate(5 minutes)`, `cron(0 12 ? * MON-FRI *)`
 * (minute hour day-of-month month day-of-week year, UTC unless `timezone`) or `at(2027-01-01T09:00:00)`.
 * A method may have several.
 *
 * @example
 * @schedule('cron(0 3 * * ? *)', { timezone: 'Europe/Berlin' })
 * static async purge() { ... }
 */
export function schedule(expression: string, options: ScheduleOptions = {}): MethodDecorator {
  return methodDecorator((record) => {
    record.triggers.unshift({ type: 'schedule', expression, options });
  });
}

/**
 * Runs the method on the table's changes (its DynamoDB stream, NEW_AND_OLD_IMAGES unless the table
 * declares a view). The kit hands it one `{ type, keys, oldItem?, newItem? }` record per call and
 * reports a failed record back by its sequence number; the role may read that table's stream only.
 *
 * @example
 * @onChange(Tasks, { batchSize: 100 })
 * static async count(change: TableChange<Task>) { ... }
 */
export function onChange(table: TableDefinition, options: ChangeOptions = {}): MethodDecorator {
  return methodDecorator((record) => {
    if (!isTable(table)) {
      record.problems.push(
        `onChange() was given ${describe(table)}, not a table: pass a value made by table('name', { ... }) and check its import.`,
      );
    }
    record.triggers.unshift({ type: 'change', table, options });
  });
}

/**
 * Runs the method when an object is written to the bucket (put, post, copy or a completed multipart
 * upload: S3's `s3:ObjectCreated:*`), for the keys under `prefix` and ending in `suffix`. S3 invokes
 * it with its notification; the function may not read the object unless it also declares
 * `@uses(bucket, 'read')`.
 *
 * @example
 * @onObjectCreated(Uploads, { prefix: 'avatars/', suffix: '.png' })
 * static async resize(object: ObjectEvent) { ... } // ObjectEvent from @gantry/middy
 */
export function onObjectCreated(bucket: BucketDefinition, options: ObjectTriggerOptions = {}): MethodDecorator {
  return objectTrigger('onObjectCreated', 'created', bucket, options);
}

/**
 * Runs the method when an object is deleted from the bucket (`s3:ObjectRemoved:*`: a delete, or a
 * delete marker on a versioned bucket), for the keys under `prefix` and ending in `suffix`.
 *
 * @example
 * @onObjectRemoved(Uploads, { prefix: 'avatars/' })
 * static async forget(object: ObjectEvent) { ... } // ObjectEvent from @gantry/middy
 */
export function onObjectRemoved(bucket: BucketDefinition, options: ObjectTriggerOptions = {}): MethodDecorator {
  return objectTrigger('onObjectRemoved', 'removed', bucket, options);
}

function objectTrigger(
  decorator: string,
  events: ObjectEventType,
  bucket: BucketDefinition,
  options: ObjectTriggerOptions,
): MethodDecorator {
  return methodDecorator((record) => {
    if (!isBucket(bucket)) {
      record.problems.push(
        `${decorator}() was given ${describe(bucket)}, not a bucket: pass a value made by bucket('name', { ... }) and check its import.`,
      );
    } else {
      const what = `@${decorator}(${bucket.name}, { ... })`;
      for (const part of ['prefix', 'suffix'] as const) {
        const problem = keyFilterProblem(what, part, options[part]);
        if (problem) record.problems.push(problem);
      }
    }
    record.triggers.unshift({ type: 'object', bucket, events, options });
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
