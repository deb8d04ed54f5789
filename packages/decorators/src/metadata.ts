import type { StandardSchemaV1 } from '@standard-schema/spec';
import { metadataSymbol } from './symbol-metadata.js';
import type { TriggerMetadata } from './triggers.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';

/** Any schema that implements Standard Schema (zod, valibot, arktype, ...). */
export type Schema = StandardSchemaV1;

export interface RequestSchemas {
  body?: Schema;
  query?: Schema;
  params?: Schema;
}

/** The request schemas and the success body's (`response`), as a route declares them. */
export interface RouteSchemas extends RequestSchemas {
  /**
   * The body a successful call answers with (the OpenAPI document's success schema), or `null` for
   * a method that returns nothing (204 No Content).
   */
  response?: Schema | null;
}

export interface AuthRequirement {
  /** The HTTP API authorizer to use; may be left out when the service declares exactly one. */
  authorizer?: string;
  /** JWT scopes the caller must hold (any of them, as API Gateway checks). */
  scopes?: string[];
}

export interface CorsOptions {
  /** Allowed origins. Defaults to the service's configured origins. */
  origins?: string[];
  credentials?: boolean;
  headers?: string[];
  maxAge?: number;
}

export interface ApiOptions {
  cors?: boolean | CorsOptions;
  /** Auth required on every route of the class unless a route says otherwise. */
  auth?: AuthRequirement;
}

/** An IAM statement written by the user; passed through to the function's role unchanged. */
export interface IamStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

export interface FunctionOptions {
  /** The function's key in the service; defaults to `<class>-<method>` in kebab case. */
  name?: string;
  memory?: number;
  timeout?: number;
  description?: string;
  reservedConcurrency?: number;
  environment?: Record<string, string>;
  iamStatements?: IamStatement[];
  /**
   * AWS X-Ray active tracing for this function (over the stage's `custom.gantry.tracing`): the
   * AWS SDK clients the kit makes become subsegments, and the request id an annotation.
   */
  tracing?: boolean;
}

/**
 * A route's own throttling on every stage (HTTP API route settings): steady requests per second and
 * burst, within API Gateway's account limits (10,000 and 5,000). It replaces the stage's default
 * for this route, lower or higher.
 */
export interface RouteThrottle {
  rate: number;
  burst: number;
}

export interface RouteMetadata {
  method: HttpMethod;
  /** The path as written on the method, before the class prefix. */
  path: string;
  /** `false` makes a route public inside a class that requires auth. */
  auth?: AuthRequirement | false;
  /** Set by the route's `throttle` option; discovery checks it against API Gateway's limits. */
  throttle?: RouteThrottle;
}

export interface UseMetadata {
  /** What was passed to `uses`; discovery checks that it is a table, a queue or a bucket. */
  resource: unknown;
  access: unknown;
  /** A bucket's `BucketUseOptions` (its prefix), when given. */
  options?: unknown;
}

export interface MethodMetadata {
  method: string;
  isStatic: boolean;
  /** The decorated element kind: decorators apply to methods only. */
  kind: string;
  routes: RouteMetadata[];
  uses: UseMetadata[];
  options: FunctionOptions;
  schemas: RouteSchemas;
  /**
   * What else runs it: `@consumes`, `@schedule`, `@onChange`, `@onObjectCreated`, `@onObjectRemoved`,
   * in the order written (decorators apply bottom-up).
   */
  triggers: TriggerMetadata[];
  /** Set by `@auth`: applies to each route that does not say otherwise. */
  auth?: AuthRequirement;
  /** Mistakes found while decorating, reported by discovery with file, class and method. */
  problems: string[];
}

export interface ClassMetadata {
  /** Present when the class has `@api`. */
  api?: { prefix: string; options: ApiOptions };
  methods: Record<string, MethodMetadata>;
}

const GANTRY = Symbol.for('gantry.metadata');

type MetadataBag = Record<PropertyKey, unknown>;

/**
 * The class's own record. A subclass's metadata object inherits from its base class's through the
 * prototype chain, so only an own property is this class's. Inheritance rule (README): a class's
 * functions are the methods decorated in its own body; a subclass starts with no methods and never
 * shares a method record with its base, so decorating a subclass cannot change a base function.
 * Only `@api` (prefix, CORS, auth) is inherited, until the subclass writes its own.
 */
function classRecord(bag: MetadataBag): ClassMetadata {
  if (!Object.hasOwn(bag, GANTRY)) {
    const inherited = bag[GANTRY] as ClassMetadata | undefined;
    bag[GANTRY] = { ...(inherited?.api ? { api: inherited.api } : {}), methods: {} };
  }
  return bag[GANTRY] as ClassMetadata;
}

export function recordClass(bag: MetadataBag, api: NonNullable<ClassMetadata['api']>): void {
  classRecord(bag).api = api;
}

export function recordMethod(
  bag: MetadataBag,
  context: { name: string | symbol; static: boolean; kind: string },
): MethodMetadata {
  const record = classRecord(bag);
  const name = String(context.name);
  const existing = Object.hasOwn(record.methods, name) ? record.methods[name] : undefined;
  if (existing) return existing;
  const created: MethodMetadata = {
    method: name,
    isStatic: context.static,
    kind: context.kind,
    routes: [],
    uses: [],
    triggers: [],
    options: {},
    schemas: {},
    problems: [],
  };
  record.methods[name] = created;
  return created;
}

/** The Gantry metadata of a class, or `undefined` when it has none. */
export function readClassMetadata(target: unknown): ClassMetadata | undefined {
  // A class without decorators of its own inherits its base's `Symbol.metadata` as a static
  // property: only its own bag describes it.
  if (typeof target !== 'function' || !Object.hasOwn(target, metadataSymbol)) return undefined;
  const bag = (target as unknown as Record<symbol, MetadataBag | undefined>)[metadataSymbol];
  if (!bag || !Object.hasOwn(bag, GANTRY)) return undefined;
  return bag[GANTRY] as ClassMetadata;
}
