import type { StageOptions } from '../config.js';
import { GantryBuildError } from '../errors.js';
import type { Manifest, ManifestFunction } from '../manifest.js';
import { type AlarmSpec, alarmResources, OSLS_DEFAULT_TIMEOUT } from './alarms.js';
import { bucketProblems, bucketResources } from './buckets.js';
import { STAGE_KEY_ARN, STAGE_KEY_ID, stageKeyResource } from './compliance.js';
import { dashboardResources } from './dashboard.js';
import { type EntryFile, entryFile, entryHandler } from './entries.js';
import { httpApiCors, httpApiEvent, routeAuthorizer } from './http-api.js';
import { functionPolicyStatements, functionRole, type PolicyStatement } from './iam.js';
import {
  lambdaName,
  oslsFunctionStem,
  oslsRouteId,
  policyName,
  queueLogicalId,
  roleLogicalId,
  roleName,
  tableLogicalId,
  tableOutputId,
} from './names.js';
import { queueArn, queueOutputs, queueResources } from './queues.js';
import { scheduleResources } from './schedules.js';
import { tableResource } from './tables.js';
import { DEFAULT_USER_POOL_AUTHORIZER, userPoolFragment } from './user-pool.js';

/** The module generated entries import the HTTP wrapper from. */
export const RUNTIME_MODULE = '@gantry/middy';

/**
 * The HTTP API access log line: one JSON object per request, with API Gateway's context variables
 * (`$context.integrationErrorMessage` says why an integration failed, e.g. a Lambda error).
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  sourceIp: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
});

/** Everything the plugin adds to a service, as plain config fragments. */
export interface ServiceFragment {
  functions: Record<string, Record<string, unknown>>;
  resources: Record<string, Record<string, unknown>>;
  outputs: Record<string, Record<string, unknown>>;
  /** `provider.httpApi.authorizers` Gantry adds (the user pool's), by name. */
  authorizers: Record<string, Record<string, unknown>>;
  /** `provider.httpApi.cors`, when a class asks for CORS. */
  cors?: Record<string, unknown>;
  /** Operations settings for osls's own provider keys (see mergeService). */
  logs: {
    /** From custom.gantry: wins over provider.logRetentionInDays. */
    retentionInDays?: number;
    /** When neither sets one. */
    defaultRetentionInDays: number;
    /** `provider.logs.httpApi.format`, on stages with an access log. */
    accessLogFormat?: string;
  };
  entries: EntryFile[];
  /** What the stage gets to watch it (alarms, dashboard), for `sls package` and the rehearsal. */
  operations?: OperationsFragment;
}

export interface OperationsFragment {
  alarms: AlarmSpec[];
  /** The composite alarm's name, when there are alarms. */
  serviceAlarm?: string;
  /** Whether Gantry made the alarm topic (and its key) or notifies a given one. */
  topic?: 'generated' | 'given';
  emails: string[];
  dashboard?: string;
  /** The HTTP API stage's detailed (per-route) metrics, which the dashboard reads. */
  detailedRouteMetrics: boolean;
}

export interface ExistingService {
  /** Names under `provider.httpApi.authorizers`. */
  authorizers: string[];
  /** `provider.timeout`, which osls gives functions that set none. */
  timeout?: number | undefined;
  /** `provider.httpApi.id`: an HTTP API made elsewhere (else osls's `HttpApi`). */
  httpApiId?: unknown;
}

/**
 * Manifest + stage options → functions, roles, tables, outputs, CORS and entry files. Pure.
 * Throws one GantryBuildError listing every problem found while generating, each with where it
 * comes from (file › Class.method, or the table's module) and the fix.
 */
export function generateService(manifest: Manifest, options: StageOptions, existing: ExistingService): ServiceFragment {
  const fragment: ServiceFragment = {
    functions: {},
    resources: {},
    outputs: {},
    authorizers: {},
    entries: [],
    logs: {
      ...(options.logRetentionInDays !== undefined ? { retentionInDays: options.logRetentionInDays } : {}),
      defaultRetentionInDays: options.defaultLogRetentionInDays,
      ...(options.accessLog ? { accessLogFormat: ACCESS_LOG_FORMAT } : {}),
    },
  };
  const problems: string[] = [];
  const { service, stage, region } = options;
  const ids = logicalIds(problems);
  const routeKeys = new Set<string>();
  const userPool = options.userPool ? userPoolFragment(options.userPool, options) : undefined;
  problems.push(...(userPool?.problems ?? []));
  const authorizers = [...existing.authorizers];
  if (options.userPool) {
    // Declared even when the pool has problems, so its routes are not also reported.
    const name = options.userPool.authorizer ?? DEFAULT_USER_POOL_AUTHORIZER;
    if (authorizers.includes(name)) {
      problems.push(
        `serverless.yml › provider.httpApi.authorizers.${name} is written by hand and is also the user pool's authorizer; rename one (custom.gantry.userPool.authorizer names Gantry's).`,
      );
    }
    authorizers.push(name);
  }
  if (userPool?.fragment) {
    const { authorizerName, authorizer, resources, outputs } = userPool.fragment;
    fragment.authorizers[authorizerName] = authorizer;
    Object.assign(fragment.resources, resources);
    Object.assign(fragment.outputs, outputs);
  }

  for (const fn of manifest.functions) {
    const where = `${fn.source} › ${fn.class}.${fn.method}`;
    const deployedName = lambdaName(service, stage, fn.name);
    const statements = functionPolicyStatements(
      fn,
      manifest.tables,
      deployedName,
      options.compliance,
      functionTracing(fn, options),
      manifest.buckets ?? [],
    );
    checkSids(statements, where, problems);
    const role = functionRole(roleName(service, stage, region, fn.name), policyName(fn.name), statements);
    ids.claim(roleLogicalId(fn.name), `${where} (function '${fn.name}')`, 'rename one method or set @fn({ name })');
    fragment.resources[roleLogicalId(fn.name)] = role;
    // osls derives its own IDs from the function key and the route keys; a clash there would make
    // one function or route silently replace another.
    ids.claim(
      `${oslsFunctionStem(fn.name)}LambdaFunction`,
      `${where} (function '${fn.name}')`,
      'rename one method or set @fn({ name })',
    );
    for (const route of fn.routes) {
      // Discovery already reports two routes with the same key; here only those osls confuses.
      const key = `${route.method} ${route.path.replace(/\{[^}]*\}/g, '{}')}`;
      if (routeKeys.has(key)) continue;
      routeKeys.add(key);
      ids.claim(
        oslsRouteId(route.method, route.path),
        `${where} (${route.method} ${route.path})`,
        'change one path (route IDs ignore case and punctuation)',
      );
    }
    const events: Record<string, unknown>[] = fn.routes.map((route) => {
      const { authorizer, problem } = routeAuthorizer(fn, route, authorizers);
      if (problem) problems.push(problem);
      return httpApiEvent(route, authorizer);
    });
    events.push(...eventSourceMappings(fn));
    fragment.functions[fn.name] = functionConfig(fn, manifest, options, deployedName, events);
    fragment.entries.push(entryFile(fn, RUNTIME_MODULE, functionTracing(fn, options)));
    for (const [id, resource] of Object.entries(
      scheduleResources(fn, { service, stage, region, enabled: options.schedules }),
    )) {
      ids.claim(id, `${where} (its schedules)`, 'rename one method or set @fn({ name })');
      fragment.resources[id] = resource;
    }
  }

  // compliance: one KMS key for the stage's tables, queues and log groups (src/generate/compliance.ts).
  const stageKey = options.compliance ? STAGE_KEY_ARN : undefined;
  if (options.compliance) {
    ids.claim(STAGE_KEY_ID, 'serverless.yml › custom.gantry.compliance (the stage key)', 'rename the other resource');
    const logGroups = manifest.functions.map((fn) => `/aws/lambda/${lambdaName(service, stage, fn.name)}`);
    // osls's HTTP API access log group (provider.logs.httpApi).
    if (options.accessLog) logGroups.push(`/aws/http-api/${service}-${stage}`);
    fragment.resources[STAGE_KEY_ID] = stageKeyResource({ service, stage, retain: options.retain }, logGroups);
  }

  for (const table of manifest.tables) {
    const id = tableLogicalId(table.name);
    ids.claim(id, `${table.source} › table '${table.name}'`, 'rename one of the tables');
    fragment.resources[id] = tableResource(table, { ...options, ...(stageKey ? { kmsKey: stageKey } : {}) });
    fragment.outputs[tableOutputId(table.name)] = { Description: `Table '${table.name}'`, Value: { Ref: id } };
  }

  for (const queue of manifest.queues) {
    for (const [id, resource] of Object.entries(queueResources(queue, stageKey))) {
      ids.claim(id, `${queue.source} › queue '${queue.name}'`, 'rename one of the queues');
      fragment.resources[id] = resource;
    }
    Object.assign(fragment.outputs, queueOutputs(queue));
  }

  collect(problems, () => {
    if (options.page !== undefined) fragment.outputs.PageUrl = pageOutput(manifest, options.page);
  });
  collect(problems, () => {
    fragment.operations = addOperations(fragment, manifest, options, existing, ids.claim);
  });
  // The page starts sign-ins: its function learns the issuer and the public client's id.
  const pageFunction = options.page !== undefined ? pageFunctionName(manifest, options.page) : undefined;
  if (userPool?.fragment && pageFunction) {
    const environment = fragment.functions[pageFunction]?.environment as Record<string, unknown>;
    Object.assign(environment, userPool.fragment.pageEnvironment);
  }
  let cors: ReturnType<typeof httpApiCors>;
  collect(problems, () => {
    cors = httpApiCors(manifest, options.cors);
  });
  if (cors) fragment.cors = cors;

  // Buckets: after CORS, since `cors: true` allows the origins the HTTP API allows.
  const origins: unknown[] = [...(cors?.allowedOrigins ?? options.cors.origins ?? [])];
  // The page is served by the HTTP API, and calls the bucket from the API's origin.
  if (options.page !== undefined && existing.httpApiId === undefined) {
    origins.push({ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] });
  }
  const bucketStage = { ...options, origins };
  for (const bucket of manifest.buckets ?? []) {
    problems.push(...bucketProblems(bucket, bucketStage));
    const { resources, outputs } = bucketResources(bucket, manifest.functions, bucketStage);
    for (const [id, resource] of Object.entries(resources)) {
      ids.claim(id, `${bucket.source} › bucket '${bucket.name}'`, 'rename one of the buckets or functions');
      fragment.resources[id] = resource;
    }
    Object.assign(fragment.outputs, outputs);
  }
  // The runtime kit adds the same CORS headers to every response, errors included ('': none).
  for (const fn of manifest.functions.filter((f) => f.cors)) {
    const environment = fragment.functions[fn.name]?.environment as Record<string, string>;
    environment.GANTRY_CORS_ORIGINS = cors ? cors.allowedOrigins.join(',') : '';
    if (cors?.allowCredentials) environment.GANTRY_CORS_CREDENTIALS = 'true';
  }
  if (problems.length > 0) throw new GantryBuildError([...new Set(problems)]);
  return fragment;
}

// Logical IDs drop punctuation ('report-job' and 'report_job' both give 'ReportJob'), and osls's
// route IDs also drop case: two owners of one ID is a problem naming both.
function logicalIds(problems: string[]) {
  const owners = new Map<string, string>();
  return {
    claim(id: string, owner: string, fix: string): void {
      const first = owners.get(id);
      if (first === undefined) owners.set(id, owner);
      else if (first !== owner) {
        problems.push(`${owner}: gets the CloudFormation logical ID '${id}', as does ${first}; ${fix}.`);
      }
    },
  };
}

/** Runs a generator step that throws GantryBuildError and keeps its problems with the others. */
function collect(problems: string[], step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!(error instanceof GantryBuildError)) throw error;
    problems.push(...error.problems);
  }
}

// IAM: a Sid holds letters and digits only, and is unique within its policy.
function checkSids(statements: PolicyStatement[], where: string, problems: string[]): void {
  const seen = new Set<string>();
  for (const { Sid } of statements) {
    if (Sid === undefined) continue;
    if (!/^[a-zA-Z0-9]*$/.test(Sid)) {
      problems.push(`${where}: @fn({ iamStatements }) Sid '${Sid}' may hold only letters and digits (IAM); rename it.`);
    } else if (seen.has(Sid)) {
      problems.push(
        `${where}: two statements of the function's policy have Sid '${Sid}' (IAM needs them unique; Gantry writes OwnLogGroup, Read<Table>, Write<Table>, Objects<Bucket>, List<Bucket>); rename yours.`,
      );
    }
    seen.add(Sid);
  }
}

/**
 * osls `sqs` and `stream` events: it compiles them into `AWS::Lambda::EventSourceMapping`s (on the
 * function's own role, which `functionPolicyStatements` gives exactly the consumer's actions).
 * Gantry's consumers always report partial batch failures, so AWS retries only the failed records.
 */
function eventSourceMappings(fn: ManifestFunction): Record<string, unknown>[] {
  return fn.triggers.flatMap((trigger): Record<string, unknown>[] => {
    if (trigger.type === 'queue') {
      return [
        {
          sqs: {
            arn: queueArn(trigger.queue),
            batchSize: trigger.batchSize,
            ...(trigger.maxBatchingWindow > 0 ? { maximumBatchingWindow: trigger.maxBatchingWindow } : {}),
            functionResponseType: 'ReportBatchItemFailures',
            ...(trigger.maxConcurrency !== undefined ? { maximumConcurrency: trigger.maxConcurrency } : {}),
          },
        },
      ];
    }
    if (trigger.type === 'change') {
      return [
        {
          stream: {
            type: 'dynamodb',
            arn: { 'Fn::GetAtt': [tableLogicalId(trigger.table), 'StreamArn'] },
            batchSize: trigger.batchSize,
            startingPosition: trigger.startingPosition,
            maximumRetryAttempts: trigger.retries,
            functionResponseType: 'ReportBatchItemFailures',
            ...(trigger.onFailure
              ? { destinations: { onFailure: { arn: queueArn(trigger.onFailure), type: 'sqs' } } }
              : {}),
          },
        },
      ];
    }
    return []; // schedules and S3's notifications are resources of their own (scheduleResources, bucketResources)
  });
}

function functionConfig(
  fn: ManifestFunction,
  manifest: Manifest,
  options: StageOptions,
  deployedName: string,
  events: Record<string, unknown>[],
) {
  const { memory, timeout, description, reservedConcurrency, environment } = fn.config;
  const tableEnv: Record<string, unknown> = {};
  for (const use of fn.uses) {
    const table = manifest.tables.find((t) => t.name === use.table);
    if (table) tableEnv[table.envVar] = table.tableName;
  }
  // A queue's `Ref` is its URL, which the kit's queue client sends to.
  for (const name of fn.sends) {
    const queue = manifest.queues.find((q) => q.name === name);
    if (queue) tableEnv[queue.envVar] = { Ref: queueLogicalId(queue.name) };
  }
  // A bucket's name as written out, not its `Ref`: a function the bucket notifies would otherwise
  // wait for the bucket, which waits for the function.
  const bucketNames = new Set([
    ...(fn.buckets ?? []).map((use) => use.bucket),
    ...fn.triggers.flatMap((t) => (t.type === 'object' ? [t.bucket] : [])),
  ]);
  for (const name of bucketNames) {
    const bucket = manifest.buckets?.find((b) => b.name === name);
    if (bucket) tableEnv[bucket.envVar] = { 'Fn::Sub': bucket.bucketName };
  }
  const memorySize = memory ?? options.defaults.memory;
  const timeoutSeconds = timeout ?? options.defaults.timeout;
  return {
    name: deployedName,
    handler: entryHandler(fn),
    role: roleLogicalId(fn.name),
    description: description ?? `${fn.class}.${fn.method} (generated by serverless-gantry)`,
    ...(memorySize !== undefined ? { memorySize } : {}),
    ...(timeoutSeconds !== undefined ? { timeout: timeoutSeconds } : {}),
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    // Lambda's active tracing; the kit loads its tracer only when GANTRY_TRACING says so.
    ...(functionTracing(fn, options) ? { tracing: 'Active' } : {}),
    // The kit's metrics: namespace `<service>/<stage>`, the function's dimension (its Manifest name).
    environment: {
      GANTRY_SERVICE: manifest.service,
      GANTRY_STAGE: manifest.stage,
      GANTRY_FUNCTION: fn.name,
      ...(functionTracing(fn, options) ? { GANTRY_TRACING: 'true' } : {}),
      ...tableEnv,
      ...environment,
    },
    events,
  };
}

/** X-Ray tracing for one function: its `@fn({ tracing })`, else the stage's `custom.gantry.tracing`. */
function functionTracing(fn: ManifestFunction, options: StageOptions): boolean {
  return fn.config.tracing ?? options.tracing;
}

/** Alarms and the dashboard of the stage, when it has them (src/generate/alarms.ts, dashboard.ts). */
function addOperations(
  fragment: ServiceFragment,
  manifest: Manifest,
  options: StageOptions,
  existing: ExistingService,
  claim: (id: string, owner: string, fix: string) => void,
): OperationsFragment {
  const timeouts = Object.fromEntries(
    manifest.functions.map((fn) => [
      fn.name,
      fn.config.timeout ?? options.defaults.timeout ?? existing.timeout ?? OSLS_DEFAULT_TIMEOUT,
    ]),
  );
  const apiId = existing.httpApiId ?? { Ref: 'HttpApi' };
  const operations: OperationsFragment = { alarms: [], emails: [], detailedRouteMetrics: false };
  const parts = [];
  if (options.alarms) {
    const alarms = alarmResources(manifest, options, options.alarms, { timeouts, apiId });
    Object.assign(operations, {
      alarms: alarms.alarms,
      topic: alarms.topic,
      emails: options.alarms.notify?.email ?? [],
      ...(alarms.alarms.length > 0 ? { serviceAlarm: alarms.serviceAlarm } : {}),
    });
    parts.push(alarms);
  }
  if (options.dashboard) {
    const dashboard = dashboardResources(manifest, options, { timeouts, apiId });
    operations.dashboard = dashboard.dashboardName;
    operations.detailedRouteMetrics = dashboard.detailedRouteMetrics;
    parts.push(dashboard);
  }
  for (const part of parts) {
    for (const [id, resource] of Object.entries(part.resources)) {
      claim(id, `serverless.yml › custom.gantry (alarms and dashboard: '${id}')`, 'rename the other resource');
      fragment.resources[id] = resource;
    }
    Object.assign(fragment.outputs, part.outputs);
  }
  return operations;
}

/** The function that answers `GET <page>`. */
function pageFunctionName(manifest: Manifest, page: string): string | undefined {
  return manifest.functions.find((f) =>
    f.routes.some((r) => (r.method === 'GET' || r.method === 'ANY') && r.path === page),
  )?.name;
}

/** The PageUrl output: the HTTP API's URL and the page's path, which must be a GET route. */
function pageOutput(manifest: Manifest, page: string): Record<string, unknown> {
  const routes = manifest.functions.flatMap((f) => f.routes);
  if (!routes.some((r) => (r.method === 'GET' || r.method === 'ANY') && r.path === page)) {
    const gets = routes.filter((r) => r.method === 'GET' && r.pathParameters.length === 0).map((r) => r.path);
    throw new GantryBuildError([
      `serverless.yml › custom.gantry.page: '${page}' is not a GET route of the service; serve the page with @get('${page}') on a method${gets.length ? `, or set page to one of ${gets.join(', ')}` : ''}.`,
    ]);
  }
  return {
    Description: 'The web page',
    // osls names the HTTP API resource `HttpApi`; its ApiEndpoint has no trailing slash.
    Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] }, page]] },
  };
}
