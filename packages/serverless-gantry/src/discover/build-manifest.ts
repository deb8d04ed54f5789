import {
  type Access,
  type BucketDefinition,
  type ClassMetadata,
  combineAccess,
  isAccess,
  isBucket,
  isQueue,
  isTable,
  type MethodMetadata,
  normalizeAccess,
  type QueueDefinition,
  readClassMetadata,
  type Schema,
  type TableDefinition,
  tableEnvVar,
} from '@gantry/decorators';
import { toJsonSchema as valibotToJsonSchema } from '@valibot/to-json-schema';
import { type $ZodType, toJSONSchema } from 'zod/v4/core';
import { GantryBuildError } from '../errors.js';
import { deployedTableName, NAME_LIMITS, oslsLongestFunctionId, oslsRouteId } from '../generate/names.js';
import type { Manifest, ManifestFunction, ManifestRoute, ManifestSchema, ManifestTable } from '../manifest.js';
import { bucketUses, checkObjectTriggers, manifestBucket } from './buckets.js';
import type { DeclaredIn } from './declaration-origin.js';
import { checkQueueConsumers, manifestQueue, methodTriggers } from './events.js';
import { checkForeignDeclarations } from './foreign-declarations.js';

/** A handler module after import: its path relative to the service and its exports. */
export interface LoadedModule {
  file: string;
  exports: Record<string, unknown>;
  /** Where the tables and queues it uses were declared (set by loadHandlerModules): another service's are refused. */
  declaredIn?: DeclaredIn;
}

export interface ManifestContext {
  service: string;
  stage: string;
  /** Function defaults (`custom.gantry.defaults`): a queue's default visibility follows its consumer's timeout. */
  defaults?: { timeout?: number | undefined };
}

const FUNCTION_NAME = /^[a-zA-Z0-9_-]+$/;
const PARAM = /\{([^}]*)\}/g;
const PARAM_NAME = /^[a-zA-Z0-9_]+\+?$/;
const INDEX_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

// The longest function key whose osls-derived IDs fit, for the message (names with '-'/'_' grow).
function maxFunctionKey(name: string): number {
  let n = name.length;
  while (n > 1 && oslsLongestFunctionId(name.slice(0, n)).length > NAME_LIMITS.logicalId) n--;
  return n;
}

/**
 * Turns imported handler modules into the service's Manifest. Pure: no file system, no Serverless.
 * Throws one GantryBuildError listing every problem, each with file, class and method and the fix.
 */
export function buildManifest(modules: LoadedModule[], context: ManifestContext): Manifest {
  const { manifest, problems } = discoverManifest(modules, context);
  if (problems.length > 0) throw new GantryBuildError(problems);
  return manifest;
}

/**
 * The Manifest and every problem found on the way, for callers that collect later problems (from
 * generation) into the same list. The Manifest is best-effort while there are problems.
 */
export function discoverManifest(
  modules: LoadedModule[],
  context: ManifestContext,
): { manifest: Manifest; problems: string[] } {
  const problems: string[] = [];
  const reportedTables = new Set<TableDefinition>();
  const tables = new Map<string, { def: TableDefinition; source: string }>();
  const queues = new Map<string, { def: QueueDefinition; source: string }>();
  const changed = new Set<string>(); // tables whose changes a function consumes: they get a stream
  const seenClasses = new Set<unknown>();
  const functions: ManifestFunction[] = [];

  const addTable = (def: TableDefinition, source: string, where: string) => {
    const known = tables.get(def.name);
    if (!known) tables.set(def.name, { def, source });
    else if (known.def !== def && JSON.stringify(known.def) !== JSON.stringify(def) && !reportedTables.has(def)) {
      reportedTables.add(def); // once, however many modules export or use it
      problems.push(
        `${where}: a second, different table is named '${def.name}' (first in ${known.source}); give each table its own name.`,
      );
    }
  };

  const addQueue = (def: QueueDefinition, source: string, where: string) => {
    const known = queues.get(def.name);
    if (!known) queues.set(def.name, { def, source });
    else if (known.def !== def && JSON.stringify(known.def) !== JSON.stringify(def) && !reportedQueues.has(def)) {
      reportedQueues.add(def);
      problems.push(
        `${where}: a second, different queue is named '${def.name}' (first in ${known.source}); give each queue its own name.`,
      );
    }
  };
  const reportedQueues = new Set<QueueDefinition>();

  const buckets = new Map<string, { def: BucketDefinition; source: string }>();
  const reportedBuckets = new Set<BucketDefinition>();
  const addBucket = (def: BucketDefinition, source: string, where: string) => {
    const known = buckets.get(def.name);
    if (!known) buckets.set(def.name, { def, source });
    else if (known.def !== def && JSON.stringify(known.def) !== JSON.stringify(def) && !reportedBuckets.has(def)) {
      reportedBuckets.add(def);
      problems.push(
        `${where}: a second, different bucket is named '${def.name}' (first in ${known.source}); give each bucket its own name.`,
      );
    }
  };

  for (const mod of modules) {
    for (const [exportName, value] of Object.entries(mod.exports)) {
      if (isTable(value)) addTable(value, mod.file, `${mod.file} › ${exportName}`);
      if (isQueue(value)) addQueue(value, mod.file, `${mod.file} › ${exportName}`);
      if (isBucket(value)) addBucket(value, mod.file, `${mod.file} › ${exportName}`);
    }
  }

  for (const mod of modules) {
    for (const [exportName, value] of Object.entries(mod.exports)) {
      const meta = readClassMetadata(value);
      if (!meta || seenClasses.has(value)) continue;
      seenClasses.add(value);
      const className = (value as { name: string }).name;
      for (const record of Object.values(meta.methods)) {
        const where = `${mod.file} › ${className}.${record.method}`;
        const fn = buildFunction(record, meta, { className, exportName, file: mod.file, where }, problems);
        for (const use of record.uses) if (isTable(use.resource)) addTable(use.resource, mod.file, where);
        if (mod.declaredIn) checkForeignDeclarations(record, mod.declaredIn, where, problems);
        const events = methodTriggers(record, where, problems, {
          queue: (def) => addQueue(def, mod.file, where),
          table: (def) => {
            addTable(def, mod.file, where);
            changed.add(def.name);
          },
          bucket: (def) => addBucket(def, mod.file, where),
        });
        const objects = bucketUses(record, (def) => addBucket(def, mod.file, where));
        functions.push({
          ...fn,
          sends: events.sends,
          triggers: events.triggers,
          ...(objects.length > 0 ? { buckets: objects } : {}),
        });
      }
    }
  }

  checkUndiscoveredBases(modules, seenClasses, problems);
  for (const { def, source } of tables.values()) checkKeyTypes(def, source, problems);
  for (const { def, source } of tables.values()) checkIndexNames(def, source, problems);
  checkCollisions(functions, problems);
  const manifestQueues = [...queues.values()].map(({ def, source }) =>
    manifestQueue(def, source, context, functions, problems),
  );
  checkQueueConsumers(functions, manifestQueues, problems);
  checkObjectTriggers(functions, problems);
  const manifestBuckets = [...buckets.values()].map(({ def, source }) =>
    manifestBucket(def, source, context, problems),
  );

  const manifest: Manifest = {
    service: context.service,
    stage: context.stage,
    functions,
    tables: [...tables.values()].map(({ def, source }) => manifestTable(def, source, context, changed.has(def.name))),
    queues: manifestQueues,
    ...(manifestBuckets.length > 0 ? { buckets: manifestBuckets } : {}),
  };
  return { manifest, problems };
}

// Handlers query an index by its name, so Gantry cannot shorten it: DynamoDB's rule is a build error.
function checkIndexNames(def: TableDefinition, source: string, problems: string[]): void {
  for (const name of Object.keys(def.indexes ?? {})) {
    if (!INDEX_NAME.test(name)) {
      problems.push(
        `${source} › table '${def.name}': index name '${name}' must be ${NAME_LIMITS.tableMin} to ${NAME_LIMITS.table} letters, digits, '_', '-' or '.' (DynamoDB); rename it.`,
      );
    }
  }
}

function buildFunction(
  record: MethodMetadata,
  meta: ClassMetadata,
  at: { className: string; exportName: string; file: string; where: string },
  problems: string[],
): Omit<ManifestFunction, 'sends' | 'triggers'> {
  const { where } = at;
  for (const problem of record.problems) problems.push(`${where}: ${problem}`);
  if (record.kind === 'method' && !record.isStatic) {
    problems.push(
      `${where}: Gantry decorators go on static methods (handlers are called without an instance); write 'static ${record.method}(...)'.`,
    );
  }

  const { name: customName, ...config } = record.options;
  const name = customName ?? `${kebab(at.className)}-${kebab(record.method)}`;
  if (!FUNCTION_NAME.test(name)) {
    problems.push(`${where}: function name '${name}' may hold only letters, digits, '-' and '_'; set @fn({ name }).`);
  } else if (oslsLongestFunctionId(name).length > NAME_LIMITS.logicalId) {
    problems.push(
      `${where}: function name '${name}' (${name.length} characters) is too long: the CloudFormation logical IDs osls derives from it would pass ${NAME_LIMITS.logicalId} characters; set a shorter @fn({ name }) (at most ${maxFunctionKey(name)} characters here).`,
    );
  }

  checkFunctionOptions(config, where, problems);

  const prefix = meta.api?.prefix ?? '';
  const classAuth = meta.api?.options.auth;
  const paramKeys = schemaKeys(record.schemas.params);
  const routes: ManifestRoute[] = record.routes.map((route) => {
    const path = joinPath(prefix, route.path);
    const pathParameters = checkRoutePath(path, route.method, where, problems);
    if (oslsRouteId(route.method, path).length > NAME_LIMITS.logicalId) {
      problems.push(
        `${where}: ${route.method} ${path} is too long: the route's CloudFormation logical ID would pass ${NAME_LIMITS.logicalId} characters; shorten the path.`,
      );
    }
    if (paramKeys) {
      for (const p of pathParameters.filter((p) => !paramKeys.includes(p))) {
        problems.push(
          `${where}: path parameter '{${p}}' in ${route.method} ${path} is not declared in the params schema; add '${p}' to it.`,
        );
      }
      for (const k of paramKeys.filter((k) => !pathParameters.includes(k))) {
        problems.push(
          `${where}: the params schema declares '${k}' but ${route.method} ${path} has no '{${k}}'; remove it from the schema or add it to the path.`,
        );
      }
    }
    const auth = route.auth === false ? undefined : (route.auth ?? record.auth ?? classAuth);
    const throttle =
      route.throttle === undefined ? undefined : routeThrottle(route.throttle, `${route.method} ${path}`);
    if (throttle?.problem) problems.push(`${where}: ${throttle.problem}`);
    return {
      method: route.method,
      path,
      pathParameters,
      ...(auth ? { auth } : {}),
      ...(throttle?.value ? { throttle: throttle.value } : {}),
    };
  });

  const uses = new Map<string, Access>();
  for (const use of record.uses) {
    if (!isTable(use.resource) || !isAccess(use.access)) continue; // queues: methodTriggers; the rest: record.problems
    const before = uses.get(use.resource.name);
    uses.set(use.resource.name, before ? combineAccess(before, use.access) : normalizeAccess(use.access));
  }

  const cors = meta.api?.options.cors;
  const schemas: ManifestFunction['schemas'] = {};
  for (const part of ['body', 'query', 'params'] as const) {
    const schema = record.schemas[part];
    if (schema) schemas[part] = manifestSchema(schema, 'input');
  }
  // A response is what the method returns, typed as the schema's output: its JSON Schema is that side.
  const { response } = record.schemas;
  if (response !== undefined) schemas.response = response === null ? null : manifestSchema(response, 'output');

  return {
    name,
    class: at.className,
    export: at.exportName,
    method: record.method,
    source: at.file,
    routes,
    uses: [...uses].map(([table, access]) => ({ table, access })),
    config,
    schemas,
    ...(cors ? { cors: cors === true ? {} : cors } : {}),
  };
}

function checkCollisions(functions: ManifestFunction[], problems: string[]): void {
  const byName = new Map<string, ManifestFunction>();
  const byRoute = new Map<string, ManifestFunction>();
  const at = (f: ManifestFunction) => `${f.source} › ${f.class}.${f.method}`;
  for (const fn of functions) {
    const other = byName.get(fn.name);
    if (other) {
      problems.push(
        `${at(fn)}: function name '${fn.name}' is also generated for ${at(other)}; rename one method or set @fn({ name: '...' }).`,
      );
    }
    byName.set(fn.name, fn);
    for (const route of fn.routes) {
      // API Gateway treats /a/{id} and /a/{name} as the same route.
      const key = `${route.method} ${route.path.replace(PARAM, '{}')}`;
      const owner = byRoute.get(key);
      if (owner) {
        problems.push(
          `${at(fn)}: route ${route.method} ${route.path} is already served by ${at(owner)}; remove one of them or change its path.`,
        );
      }
      byRoute.set(key, fn);
    }
  }
}

/**
 * A class's functions are the methods decorated in its own body (the decorators' README), so the
 * decorated methods of a base class are functions only when the base class itself is discovered.
 * A base that no handler module exports would lose them silently: say so.
 */
function checkUndiscoveredBases(modules: LoadedModule[], discovered: Set<unknown>, problems: string[]): void {
  const reported = new Set<unknown>();
  for (const mod of modules) {
    for (const value of Object.values(mod.exports)) {
      if (!discovered.has(value)) continue;
      for (let base = Object.getPrototypeOf(value); typeof base === 'function'; base = Object.getPrototypeOf(base)) {
        const meta = readClassMetadata(base);
        const methods = Object.keys(meta?.methods ?? {});
        if (methods.length === 0 || discovered.has(base) || reported.has(base)) continue;
        reported.add(base);
        const child = (value as { name: string }).name;
        problems.push(
          `${mod.file} › ${child}: its base class ${base.name} has decorated methods (${methods.join(', ')}) but no handler module exports ${base.name}, so they are no function's; export ${base.name} from a handler module, or remove their decorators (a subclass's functions are only the methods decorated in its own body).`,
        );
      }
    }
  }
}

// Serverless does not validate functions added by plugins: check what Lambda would reject.
function checkFunctionOptions(config: ManifestFunction['config'], where: string, problems: string[]): void {
  const limits = [
    ['memory', 128, 10240, 'MB'],
    ['timeout', 1, 900, 'seconds'],
    ['reservedConcurrency', 0, 1_000_000, ''],
  ] as const;
  for (const [key, min, max, unit] of limits) {
    const value = config[key];
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      problems.push(
        `${where}: @fn({ ${key}: ${value} }) must be a whole number from ${min} to ${max}${unit ? ` ${unit}` : ''}.`,
      );
    }
  }
  for (const [name, value] of Object.entries(config.environment ?? {})) {
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(name) || typeof value !== 'string') {
      problems.push(
        `${where}: @fn({ environment }) key '${name}' must be a letter followed by letters, digits or '_', with a string value.`,
      );
    }
  }
}

/**
 * A route's `throttle` option against API Gateway's route settings: rate 0–10,000 requests per
 * second, burst a whole number 0–5,000 (the account's default limits, which a route cannot pass).
 */
function routeThrottle(value: unknown, route: string): { value?: { rate: number; burst: number }; problem?: string } {
  const { rate, burst } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const rateOk = typeof rate === 'number' && Number.isFinite(rate) && rate >= 0 && rate <= 10_000;
  const burstOk = typeof burst === 'number' && Number.isInteger(burst) && burst >= 0 && burst <= 5_000;
  if (rateOk && burstOk) return { value: { rate, burst } };
  return {
    problem: `${route} throttle ${JSON.stringify(value) ?? String(value)}: give { rate, burst } with rate from 0 to 10000 requests per second and burst a whole number from 0 to 5000 (API Gateway's account limits; a route cannot pass them), e.g. { rate: 10, burst: 20 }.`,
  };
}

// DynamoDB has one type per attribute: a key used by the table and an index must agree on it.
function checkKeyTypes(def: TableDefinition, source: string, problems: string[]): void {
  const types = new Map<string, string>();
  const keys = [
    def.partitionKey,
    def.sortKey,
    ...Object.values(def.indexes ?? {}).flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  for (const key of keys) {
    if (!key) continue;
    const known = types.get(key.name);
    if (known && known !== key.type) {
      problems.push(
        `${source} › table '${def.name}': key attribute '${key.name}' is typed both '${known}' and '${key.type}'; use one type for it in the table and its indexes.`,
      );
    }
    types.set(key.name, key.type);
  }
}

// HTTP API's route rules, plus API Gateway's rule for a path part (its REST CreateResource error:
// "only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign
// before the closing brace"), which is also what both the deployed API and the local router accept.
const SEGMENT = /^[a-zA-Z0-9._-]+$/;
const VARIABLE = /^\{([^{}]*)\}$/;

/** Checks a full route path against HTTP API's rules; returns its path parameter names in order. */
function checkRoutePath(path: string, method: string, where: string, problems: string[]): string[] {
  const names: string[] = [];
  const route = `${method} ${path}`;
  const segments = path.split('/').slice(1);
  segments.forEach((segment, i) => {
    if (segment === '' && segments.length === 1) return; // the root path '/'
    const variable = VARIABLE.exec(segment);
    if (variable) {
      const raw = variable[1] ?? '';
      if (!PARAM_NAME.test(raw)) {
        problems.push(
          `${where}: path parameter '{${raw}}' in ${path} may hold only letters, digits and '_' (greedy: '{proxy+}').`,
        );
      } else if (raw.endsWith('+') && i !== segments.length - 1) {
        problems.push(`${where}: greedy parameter '{${raw}}' must be the last segment of ${path}.`);
      }
      const name = raw.replace(/\+$/, '');
      if (names.includes(name)) problems.push(`${where}: path parameter '{${name}}' appears twice in ${path}.`);
      names.push(name);
      return;
    }
    const opens = segment.split('{').length - 1;
    const closes = segment.split('}').length - 1;
    if (opens !== closes || (opens > 0 && segment.indexOf('}') < segment.indexOf('{'))) {
      problems.push(
        `${where}: ${route} has unbalanced braces in '${segment}'; a path parameter is written '{name}', e.g. '/items/{id}'.`,
      );
    } else if (opens > 0) {
      problems.push(
        `${where}: ${route}: a path parameter must be a whole segment, so '${segment}' is refused (one parameter per segment, nothing around it); write '/{id}' and parse the rest in the handler, or use a query parameter.`,
      );
    } else if (segment.includes('*')) {
      problems.push(
        `${where}: ${route}: HTTP API paths have no '*' wildcard; use a greedy parameter as the last segment, e.g. '/files/{proxy+}'.`,
      );
    } else if (segment === '.' || segment === '..') {
      problems.push(
        `${where}: ${route}: '${segment}' segments are not allowed (clients resolve them before sending); remove it.`,
      );
    } else if (!SEGMENT.test(segment)) {
      problems.push(
        `${where}: ${route}: segment '${segment}' holds characters API Gateway refuses; use only letters, digits, '-', '.' and '_'.`,
      );
    }
  });
  return names;
}

/** `consumed`: a function runs on its changes, so it has a stream (NEW_AND_OLD_IMAGES unless declared). */
function manifestTable(
  def: TableDefinition,
  source: string,
  context: ManifestContext,
  consumed: boolean,
): ManifestTable {
  const stream = def.stream ?? (consumed ? 'NEW_AND_OLD_IMAGES' : undefined);
  return {
    name: def.name,
    tableName: deployedTableName(context.service, context.stage, def.name),
    envVar: tableEnvVar(def),
    partitionKey: def.partitionKey,
    ...(def.sortKey ? { sortKey: def.sortKey } : {}),
    indexes: Object.entries(def.indexes ?? {}).map(([name, index]) => ({ name, ...index })),
    ...(def.ttl ? { ttl: def.ttl } : {}),
    ...(stream ? { stream } : {}),
    source,
  };
}

function manifestSchema(schema: Schema, side: 'input' | 'output'): ManifestSchema {
  const jsonSchema = toJsonSchema(schema, side);
  return { vendor: schema['~standard'].vendor, ...(jsonSchema ? { jsonSchema } : {}) };
}

/**
 * The input's JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1): through the Standard JSON
 * Schema interface when the library exposes it (classic zod 4, arktype), else through the library's
 * own converter: zod's for any zod 4 schema (zod/mini exposes no such interface), valibot's
 * (`@valibot/to-json-schema`) for valibot 1. Types and checks JSON Schema cannot express (a Date, a
 * custom check, a transform) are left open. Other libraries get none: their path parameters are not
 * checked and the OpenAPI document shows an open schema with a warning.
 */
function toJsonSchema(schema: Schema, side: 'input' | 'output' = 'input'): Record<string, unknown> | undefined {
  type Convert = (o: { target: string }) => unknown;
  const standard = schema['~standard'] as { jsonSchema?: { input?: Convert; output?: Convert } };
  try {
    const converted = standard.jsonSchema?.[side]?.({ target: 'draft-2020-12' });
    if (converted) return converted as Record<string, unknown>;
  } catch {
    // e.g. classic zod refusing a Date: zod's converter below can still describe the rest.
  }
  try {
    if (isZodSchema(schema)) {
      return toJSONSchema(schema, { target: 'draft-2020-12', io: side, unrepresentable: 'any' }) as Record<
        string,
        unknown
      >;
    }
    if (isValibotSchema(schema)) {
      // A request: what the client sends, the types before any transform; a response: after them.
      // What cannot be converted is left out.
      return valibotToJsonSchema(schema, {
        target: 'draft-2020-12',
        typeMode: side,
        errorMode: 'ignore',
      }) as Record<string, unknown>;
    }
  } catch {
    // A schema the converter cannot read: documented as any value, with the warning.
  }
  return undefined;
}

// By shape, not instanceof: the service's own copy of zod or valibot made the schema.
const isZodSchema = (schema: Schema): schema is Schema & $ZodType =>
  schema['~standard'].vendor === 'zod' && typeof (schema as { _zod?: { def?: unknown } })._zod?.def === 'object';
const isValibotSchema = (schema: Schema): schema is Schema & Parameters<typeof valibotToJsonSchema>[0] =>
  schema['~standard'].vendor === 'valibot' && (schema as { kind?: unknown }).kind === 'schema';

function schemaKeys(schema: Schema | undefined): string[] | undefined {
  const properties = schema && toJsonSchema(schema)?.properties;
  return properties && typeof properties === 'object' ? Object.keys(properties) : undefined;
}

/** `('/notes', '/{id}')` → `/notes/{id}`; `('/notes', '/')` → `/notes`; `('', '/')` → `/`. */
export function joinPath(prefix: string, path: string): string {
  return `/${prefix}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

/** `NotesApi` → `notes-api`; `getAll` → `get-all`; `HTTPServer` → `http-server`. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}
