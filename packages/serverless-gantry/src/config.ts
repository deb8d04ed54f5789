import { z } from 'zod';
import { GantryBuildError } from './errors.js';

const functionDefaults = z.strictObject({
  memory: z.number().int().min(128).max(10240).optional(),
  timeout: z.number().int().min(1).max(900).optional(),
});

const cors = z.strictObject({
  origins: z.array(z.string()).optional(),
  credentials: z.boolean().optional(),
  headers: z.array(z.string()).optional(),
  maxAge: z.number().int().min(0).optional(),
});

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const logRetentionInDays = z.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
  message: `must be one of CloudWatch Logs' periods: ${LOG_RETENTION_DAYS.join(', ')}`,
});

/**
 * HTTP API default route throttling: steady requests per second and burst, applied by API Gateway
 * to each route of the stage (within its account limits: 10,000 per second, burst 5,000). `false`:
 * no stage-wide limit, only the account's.
 */
const throttle = z.union([
  z.strictObject({
    rate: z.number().min(0).max(10_000),
    burst: z.number().int().min(0).max(5_000),
  }),
  z.literal(false),
]);

/** A threshold of one alarm, or `false`: no such alarm. */
const threshold = (min: number, max: number) => z.union([z.number().min(min).max(max), z.literal(false)]);

/** The alarms each function gets (src/generate/alarms.ts holds the defaults and their AWS sources). */
const functionAlarms = z.strictObject({
  /** Errors / Invocations, in percent. */
  errorRate: threshold(0, 100).optional(),
  /** Throttles in a minute above which it alarms. */
  throttles: threshold(0, 1_000_000).optional(),
  /** Duration p90 above this share of the function's timeout (0.8: 80%). */
  durationOfTimeout: threshold(0.01, 1).optional(),
});

/**
 * CloudWatch alarms from the Manifest, a notification topic and one composite alarm per stage.
 * `true` or an object turns them on (production stages: on unless `false`).
 */
const alarms = z.union([
  z.boolean(),
  z.strictObject({
    notify: z
      .strictObject({
        /** E-mail addresses subscribed to the stage's alarm topic (each confirms by e-mail). */
        email: z.array(z.email()).optional(),
        /** Notify this existing SNS topic instead of a generated one. */
        topicArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:sns:/, 'an SNS topic ARN starts with arn:aws:sns:')
          .optional(),
      })
      .optional(),
    ...functionAlarms.shape,
    /** HTTP API 5xx responses, in percent of requests. */
    apiErrorRate: threshold(0, 100).optional(),
    /** HTTP API Latency p90, in milliseconds. */
    apiLatencyP90Ms: threshold(1, 30_000).optional(),
    /** A table's ReadThrottleEvents + WriteThrottleEvents in a minute. */
    tableThrottles: threshold(0, 1_000_000).optional(),
    /** A table's SystemErrors in a minute. */
    tableSystemErrors: threshold(0, 1_000_000).optional(),
    /** Age of a queue's oldest message, in seconds. */
    queueOldestMessageSeconds: threshold(1, 1_209_600).optional(),
    /** Messages visible in a dead-letter queue. */
    deadLetterMessages: threshold(0, 1_000_000).optional(),
    /** Per function (its key, e.g. notes-api-get), over the settings above. */
    functions: z.record(z.string(), functionAlarms).optional(),
  }),
]);

// Operations: safe by default on production stages, every one overridable per stage.
const operations = {
  /** Keep tables when the stack is deleted or a table is replaced. */
  retain: z.boolean().optional(),
  pointInTimeRecovery: z.boolean().optional(),
  /** DynamoDB deletion protection: the table cannot be deleted until it is turned off. */
  deletionProtection: z.boolean().optional(),
  /** Retention of every log group of the service (functions, HTTP API access log). */
  logRetentionInDays: logRetentionInDays.optional(),
  /**
   * HTTP API default route throttling, or `false` for none. Default: none on production stages (the
   * account's limits apply), `DEFAULT_THROTTLE` on the others.
   */
  throttle: throttle.optional(),
  /** A JSON access log of the HTTP API in its own log group. */
  accessLog: z.boolean().optional(),
  /**
   * Whether the stage's schedules run (EventBridge Scheduler schedules ENABLED, else DISABLED).
   * Default true; production stages always run them.
   */
  schedules: z.boolean().optional(),
  /** CloudWatch alarms, their topic and composite alarm (docs/architecture.md, "Operations: alarms and dashboard"). */
  alarms: alarms.optional(),
  /** A CloudWatch dashboard of the stage (turns on the HTTP API's per-route metrics, which cost). */
  dashboard: z.boolean().optional(),
  /**
   * AWS X-Ray active tracing of every function (a function's `@fn({ tracing })` wins). Default false:
   * traces cost per trace recorded, and their role then needs X-Ray's two write actions on "*".
   */
  tracing: z.boolean().optional(),
  /**
   * Meet AWS Control Tower's proactive controls that cost money or are a choice: one KMS key per
   * stage (rotated) encrypting every log group, table and queue, and log retention of at least a
   * year. Default false (docs/architecture.md, "Operations: AWS Control Tower controls").
   */
  compliance: z.boolean().optional(),
};

const stageOptions = z.strictObject({
  ...functionDefaults.shape,
  ...operations,
  cors: cors.optional(),
});

const offline = z.strictObject({
  /** Port of the local DynamoDB endpoint (0 or unset: a free one; GANTRY_DYNAMODB_PORT wins). */
  port: z.number().int().min(0).max(65535).optional(),
  /** Directory (relative to the service) that keeps local data across restarts; false: memory. */
  persist: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** JSON files of items by declared table name, loaded into empty tables at start. */
  seed: z.record(z.string(), z.string()).optional(),
  /** Check every DynamoDB call against the calling function's generated policy (default true). */
  enforceIam: z.boolean().optional(),
  /** Also deny callers without a function identity, e.g. your shell or the AWS CLI (default false). */
  denyUnidentified: z.boolean().optional(),
  /**
   * Put a front on serverless-offline's port that applies API Gateway's HTTP rules: size limits,
   * joined duplicate headers, intact binary bodies, CORS from the service's configuration (default true).
   */
  apiGateway: z.boolean().optional(),
  /**
   * Run the functions on the Node major of `provider.runtime`, as Lambda does (default true): when
   * the machine's Node is another major, `sls offline` runs on one of that major, downloaded once
   * from the npm registry (or $GANTRY_NODE_BINARY).
   */
  nodeOfRuntime: z.boolean().optional(),
  /**
   * Port of the local OIDC issuer that stands in for every declared JWT authorizer's issuer
   * (0 or unset: a free one; GANTRY_ISSUER_PORT wins). Started when the service declares one.
   */
  issuerPort: z.number().int().min(0).max(65535).optional(),
  /** Fire `@schedule`s on the local clock under `sls offline` (default true); `sls gantry invoke` still runs them. */
  schedules: z.boolean().optional(),
  /** How often expired items (TTL) are deleted, in seconds (default 5). */
  ttlSweepSeconds: z.number().min(0.1).max(3600).optional(),
  /**
   * How long an expired item (TTL) stays readable before the local sweep deletes it, in seconds
   * (default 172800, two days: AWS deletes within a few days, so code must not rely on prompt deletion).
   */
  ttlDeleteAfterSeconds: z
    .number()
    .min(0)
    .max(30 * 86_400)
    .optional(),
});

/**
 * A Cognito user pool per stage for the service's users (see src/generate/user-pool.ts); routes
 * with `@auth` then use its authorizer. Locally the local issuer stands in for it.
 */
const userPool = z.strictObject({
  /** Name of the HTTP API authorizer it generates, for `@auth({ authorizer })` (default 'users'). */
  authorizer: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'an authorizer name holds letters, digits, - and _')
    .optional(),
  /** More URLs the managed sign-in may return to (the page's deployed URL always may). */
  callbackUrls: z.array(z.url({ protocol: /^https?$/ })).optional(),
  /** URLs it may return to after sign-out (default: the page and the callback URLs). */
  logoutUrls: z.array(z.url({ protocol: /^https?$/ })).optional(),
  /** Prefix of the managed sign-in's domain (default `<service>-<stage>-<account id>`). */
  domain: z.string().optional(),
  /** Whether anyone may create an account on the sign-in page (default true). */
  selfSignUp: z.boolean().optional(),
});

/** `custom.gantry` in serverless.yml. Unknown keys are errors, here and in osls's validation. */
export const gantryConfigSchema = z.strictObject({
  /** Globs of the modules that export decorated classes and tables. */
  handlers: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  /** Stages that get the production defaults (Retain, point-in-time recovery, deletion protection, access log). */
  productionStages: z.array(z.string()).optional(),
  /** Every stage; `stages.<stage>` wins. Defaults in docs/architecture.md ("Operations"). */
  ...operations,
  /** Path of the service's web page, a GET route: printed by `sls offline`, output as PageUrl. */
  page: z.string().regex(/^\//, 'a page path starts with /').optional(),
  defaults: functionDefaults.optional(),
  cors: cors.optional(),
  /** The service's users: a Cognito user pool per stage and a JWT authorizer that trusts it. */
  userPool: userPool.optional(),
  /** `sls offline`: the embedded DynamoDB and local IAM enforcement. */
  offline: offline.optional(),
  /** Options for one stage, over `defaults` and `cors`. */
  stages: z.record(z.string(), stageOptions).optional(),
});

export type GantryConfig = z.infer<typeof gantryConfigSchema>;
export type FunctionAlarmsConfig = z.infer<typeof functionAlarms>;
export type AlarmsConfig = Exclude<z.infer<typeof alarms>, boolean>;
export type CorsConfig = z.infer<typeof cors>;
export type OfflineConfig = z.infer<typeof offline>;
export type UserPoolConfig = z.infer<typeof userPool>;

/** JSON Schema of `custom.gantry`, for `configSchemaHandler.defineCustomProperties`. */
export function gantryJsonSchema(): Record<string, unknown> {
  const { $schema: _, ...schema } = z.toJSONSchema(gantryConfigSchema, { target: 'draft-07' }) as Record<
    string,
    unknown
  >;
  return schema;
}

/** Log retention when nothing sets one: kept long enough to investigate, never forever. */
export const DEFAULT_LOG_RETENTION = { production: 90, other: 14 } as const;
/**
 * HTTP API throttling of stages that are not production stages, when nothing sets one: each route
 * takes 100 requests per second (burst 200), which bounds what a runaway client or a test loop can
 * cost on a development stage. Production stages get no stage-wide limit unless the service sets
 * one: a growing app must not meet a cap nobody chose (docs/scale.md).
 */
export const DEFAULT_THROTTLE = { rate: 100, burst: 200 } as const;

/** What the generators need, for one stage. */
export interface StageOptions {
  service: string;
  stage: string;
  region: string;
  handlers: string[];
  production: boolean;
  retain: boolean;
  pointInTimeRecovery: boolean;
  deletionProtection: boolean;
  /** Set only when custom.gantry says so; otherwise provider.logRetentionInDays or the default applies. */
  logRetentionInDays: number | undefined;
  /** Used when neither custom.gantry nor provider.logRetentionInDays sets a retention. */
  defaultLogRetentionInDays: number;
  /** The stage's default route throttling; `undefined`: none, API Gateway's account limits apply. */
  throttle: { rate: number; burst: number } | undefined;
  accessLog: boolean;
  /** Whether the stage's schedules are enabled. */
  schedules: boolean;
  /** Control Tower's costly controls: a stage KMS key for logs, tables and queues; a year of logs. */
  compliance: boolean;
  defaults: { memory?: number | undefined; timeout?: number | undefined };
  cors: CorsConfig;
  offline: OfflineConfig;
  /** Path of the web page, when the service has one. */
  page?: string;
  /** The service's user pool, when it declares one. */
  userPool?: UserPoolConfig;
  /** The stage's alarms (stage settings over service-wide ones), or `undefined`: none. */
  alarms: StageAlarms | undefined;
  /** Whether the stage gets a CloudWatch dashboard. */
  dashboard: boolean;
  /** X-Ray active tracing for the stage's functions (each function's `@fn({ tracing })` wins). */
  tracing: boolean;
}

/** Alarm settings of one stage; thresholds left out get the defaults of src/generate/alarms.ts. */
export interface StageAlarms extends Omit<AlarmsConfig, 'functions'> {
  /** Per-function settings, each with where it was written (for build errors). */
  functions: Record<string, { settings: FunctionAlarmsConfig; at: string }>;
}

export function resolveStageOptions(
  raw: unknown,
  at: { service: string; stage: string; region: string },
): StageOptions {
  const parsed = gantryConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new GantryBuildError(
      parsed.error.issues.map((issue) => {
        const path = ['custom', 'gantry', ...issue.path].join('.');
        return `serverless.yml › ${path}: ${issue.message}`;
      }),
    );
  }
  const config = parsed.data;
  const production = (config.productionStages ?? ['prod']).includes(at.stage);
  const { cors: stageCors, memory, timeout, ...stageOperations } = config.stages?.[at.stage] ?? {};
  const stageDefaults = {
    ...(memory !== undefined ? { memory } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
  };
  const pick = <K extends keyof typeof operations>(key: K) => stageOperations[key] ?? config[key];
  if (production && pick('schedules') === false) {
    throw new GantryBuildError([
      `serverless.yml › custom.gantry${stageOperations.schedules === false ? `.stages.${at.stage}` : ''}.schedules: '${at.stage}' is a production stage, whose schedules always run; remove the setting, or set it under custom.gantry.stages.<stage> for other stages only.`,
    ]);
  }
  return {
    ...at,
    handlers: [config.handlers ?? 'src/**/*.ts'].flat(),
    production,
    retain: pick('retain') ?? production,
    pointInTimeRecovery: pick('pointInTimeRecovery') ?? production,
    deletionProtection: pick('deletionProtection') ?? production,
    logRetentionInDays: pick('logRetentionInDays'),
    defaultLogRetentionInDays: production ? DEFAULT_LOG_RETENTION.production : DEFAULT_LOG_RETENTION.other,
    throttle: stageThrottle(pick('throttle'), production),
    accessLog: pick('accessLog') ?? production,
    schedules: pick('schedules') ?? true,
    compliance: pick('compliance') ?? false,
    alarms: stageAlarms(config.alarms, stageOperations.alarms, production, at.stage),
    dashboard: pick('dashboard') ?? production,
    tracing: pick('tracing') ?? false,
    ...(config.page !== undefined ? { page: config.page } : {}),
    ...(config.userPool !== undefined ? { userPool: config.userPool } : {}),
    defaults: { ...config.defaults, ...stageDefaults },
    cors: { ...config.cors, ...stageCors },
    offline: config.offline ?? {},
  };
}

function stageThrottle(
  configured: { rate: number; burst: number } | false | undefined,
  production: boolean,
): StageOptions['throttle'] {
  if (configured === false) return undefined;
  return configured ?? (production ? undefined : { ...DEFAULT_THROTTLE });
}

/**
 * The stage's alarms: on for production stages unless `false`; elsewhere only when the stage's own
 * setting is `true` or an object, or the service-wide one is `true` (a service-wide object only
 * configures, so thresholds and e-mails written once do not put alarms on every dev stage). The
 * stage's object over the service-wide one, key by key, functions merged per function.
 */
function stageAlarms(
  service: boolean | AlarmsConfig | undefined,
  stage: boolean | AlarmsConfig | undefined,
  production: boolean,
  stageName: string,
): StageAlarms | undefined {
  const on = stage !== undefined ? stage !== false : service === true || (service !== false && production);
  if (!on) return undefined;
  const objects = [
    { config: typeof service === 'object' ? service : {}, at: 'custom.gantry.alarms' },
    { config: typeof stage === 'object' ? stage : {}, at: `custom.gantry.stages.${stageName}.alarms` },
  ];
  const merged: StageAlarms = { functions: {} };
  for (const { config, at } of objects) {
    const { functions = {}, ...rest } = config;
    Object.assign(merged, rest);
    for (const [name, settings] of Object.entries(functions)) {
      const before = merged.functions[name]?.settings;
      merged.functions[name] = { settings: { ...before, ...settings }, at: `${at}.functions.${name}` };
    }
  }
  return merged;
}
