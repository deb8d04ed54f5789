import { type TokenCommandOptions, tokenCommand } from './auth/token-command.js';
import { type BuiltService, buildService } from './build-service.js';
import { CAPACITY_OPTIONS, type CapacityCommandOptions, capacityCommand } from './capacity/capacity-command.js';
import { gantryJsonSchema } from './config.js';
import { GantryBuildError, isGantryError } from './errors.js';
import { type InvokeCommandOptions, invokeCommand } from './events/invoke-command.js';
import { compliantRetention } from './generate/compliance.js';
import { deploymentBucketObject } from './generate/deployment-bucket.js';
import { sharedRoleName } from './generate/names.js';
import { type CompiledTemplate, finishTemplate } from './generate/template.js';
import { throttleSettings, throttleSummary } from './generate/throttle.js';
import { mergeService } from './merge.js';
import { startOfflineService } from './offline/run/offline-service.js';
import { commandOnRuntimeNode } from './offline/run/runtime-node.js';
import type { StartHooks } from './offline/run/start-failure.js';
import { serviceOpenApi, writeOpenApi } from './openapi/service-openapi.js';
import { encryptCompiledLogGroups, hardenCoreTemplate } from './package/control-tower-hooks.js';
import { removeEsbuildZipFolders } from './package/esbuild-zip-folders.js';
import { operationsSummary } from './package/operations-summary.js';
import { esbuildPluginsWith } from './page/esbuild-plugins-option.js';
import { pageBundlePlugin } from './page/page-bundle-plugin.js';
import { rehearsalCommand } from './rehearse/command.js';
import { isolateBundling, markRevision, REVISION_VARIABLE, WORK_FOLDER_VARIABLE } from './rehearse/revision.js';
import { routeTable } from './route-table.js';

export { type BuiltService, buildService } from './build-service.js';
export { type GantryConfig, gantryConfigSchema, resolveStageOptions, type StageOptions } from './config.js';
export { buildManifest, type LoadedModule } from './discover/build-manifest.js';
export { loadHandlerModules } from './discover/load-modules.js';
export { GantryBuildError, GantryError, isGantryError } from './errors.js';
export { generateService, type ServiceFragment } from './generate/service.js';
export type * from './manifest.js';
export { mergeService } from './merge.js';
export { evaluate as evaluatePolicy, type Statement, type Verdict } from './offline/iam/policy.js';
export { type LocalRun, startLocalRun } from './offline/run/local-run.js';
export { routeTable } from './route-table.js';

// The slice of the Serverless Framework (osls 4 / v3 plugin API) this plugin touches.
interface Serverless {
  serviceDir: string;
  /** `servicePath`: where functions' code is (serverless-esbuild points it at its build folder). */
  config: { servicePath: string };
  processedInput?: { commands?: string[] };
  service: {
    service: string;
    custom?: {
      gantry?: unknown;
      esbuild?: Record<string, unknown>;
      'serverless-offline'?: { host?: unknown; httpPort?: unknown; lambdaPort?: unknown };
    };
    functions?: Record<string, unknown> | null;
    resources?: { Resources?: Record<string, unknown>; Outputs?: Record<string, unknown> } | null;
    provider: {
      runtime?: string;
      httpApi?: Record<string, unknown> & { authorizers?: Record<string, unknown> };
      iam?: { role?: unknown };
      timeout?: number;
      logRetentionInDays?: unknown;
      logs?: Record<string, unknown>;
      compiledCloudFormationTemplate?: CompiledTemplate;
      /** osls's core template (the deployment bucket), from `package:initialize` on. */
      coreCloudFormationTemplate?: CompiledTemplate;
      /** osls's reading of `provider.deploymentBucket`: the bucket's name and its settings. */
      deploymentBucket?: unknown;
      deploymentBucketObject?: Record<string, unknown>;
    };
    getFunction(key: string): unknown;
    getAllFunctions(): string[];
  };
  /** The configuration as read from serverless.yml; `sls print` prints this. */
  configurationInput?: { functions?: unknown; resources?: unknown };
  getProvider(name: 'aws'): { getStage(): string; getRegion(): string };
  pluginManager: StartHooks;
  configSchemaHandler: { defineCustomProperties(schema: object): void };
  classes: { Error: new (message: string, code?: string) => Error };
}

/** The command-line options this plugin reads: its own, and serverless-offline's. */
interface CliOptions extends TokenCommandOptions, Omit<InvokeCommandOptions, 'host'>, CapacityCommandOptions {
  json?: boolean;
  /** `gantry openapi --out FILE --server URL`. */
  out?: string;
  server?: string;
  /** osls's `--config` and `--region`: a rehearsal passes them on to the `sls` commands it runs. */
  config?: string;
  region?: string;
  host?: string;
  httpPort?: string;
  /** serverless-offline's `--noTimeout`: the kit then sets no timer either. */
  noTimeout?: boolean;
}

interface PluginUtils {
  log: {
    verbose(message: string): void;
    notice(message: string): void;
    warning(message: string): void;
    error(message: string): void;
  };
  writeText(text: string): void;
}

const TOKEN_OPTIONS = {
  sub: { usage: 'The user (sub claim); default dev-user', type: 'string' },
  scope: { usage: 'Space-separated scopes, e.g. "tasks:read tasks:write"', type: 'string' },
  authorizer: { usage: 'Which declared JWT authorizer (needed when there are several)', type: 'string' },
  audience: { usage: "The aud claim; default the authorizer's first audience", type: 'string' },
  'expires-in': { usage: 'Seconds until it expires (default 3600; negative: already expired)', type: 'string' },
} as const;

/** Serverless plugin: wires hooks and commands to the pipeline's plain functions, nothing more. */
export default class ServerlessGantry {
  readonly hooks: Record<string, () => Promise<void>>;
  readonly commands = {
    gantry: {
      usage: 'Gantry: services generated from decorated TypeScript handlers',
      commands: {
        routes: {
          usage: 'Print the route table (method, path, function, tables and access)',
          lifecycleEvents: ['print'],
          options: {
            json: { usage: 'Print the Manifest as JSON on stdout, nothing else', type: 'boolean' },
          },
        },
        openapi: {
          usage: "Write the API's OpenAPI 3.1 document for the stage (stdout, or --out FILE)",
          lifecycleEvents: ['write'],
          options: {
            out: { usage: 'Write it to this file instead of stdout', type: 'string' },
            server: {
              usage: "Also list this server, first (e.g. http://localhost:3000 for sls offline's)",
              type: 'string',
            },
          },
        },
        rehearse: {
          usage:
            'Rehearse `sls deploy --stage <stage>` against a local AWS emulator (moto): deploy, check against the Manifest, update, info, remove',
          lifecycleEvents: ['run'],
        },
        invoke: {
          usage: "Run a scheduled function now in the running sls offline, with its schedule's event",
          lifecycleEvents: ['run'],
          options: {
            function: {
              usage: 'The scheduled function (its key, e.g. list-work-purge)',
              type: 'string',
              required: true,
            },
            schedule: { usage: 'Which of its schedules, when it has several (their names)', type: 'string' },
            lambdaPort: { usage: "sls offline's --lambdaPort (default 3002)", type: 'string' },
          },
        },
        token: {
          usage: 'Print an access token the local run (sls offline, serverless-gantry/testing) accepts',
          lifecycleEvents: ['print'],
          options: TOKEN_OPTIONS,
        },
        capacity: {
          usage: "Estimate the stage's capacity and monthly cost at a request rate, and the first limits reached",
          lifecycleEvents: ['print'],
          options: CAPACITY_OPTIONS,
        },
      },
    },
  };
  #built: BuiltService | undefined;
  /** Which Node runs the functions under `sls offline`, said at start. */
  #nodeLine: string | undefined;
  #stopOffline: (() => Promise<void>) | undefined;

  constructor(serverless: Serverless, options: CliOptions, utils: PluginUtils) {
    serverless.configSchemaHandler.defineCustomProperties({
      type: 'object',
      properties: { gantry: gantryJsonSchema() },
    });
    this.hooks = {
      // `initialize` runs before every command's own lifecycle, so serverless-esbuild,
      // serverless-offline, package, deploy, print and invoke all see the generated functions.
      initialize: () =>
        reportErrors(serverless, async () => {
          const [command, subcommand] = serverless.processedInput?.commands ?? [];
          if (command === 'offline' || (command === 'gantry' && subcommand === 'rehearse')) {
            // May run the whole command again on provider.runtime's Node major (never returns then):
            // the functions run there, sls offline's in its workers, a rehearsal's in child processes.
            this.#nodeLine = await commandOnRuntimeNode(
              serverless.service.provider.runtime,
              (serverless.service.custom?.gantry as { offline?: { nodeOfRuntime?: unknown } } | undefined)?.offline
                ?.nodeOfRuntime !== false,
              (line) => utils.log.notice(line),
            );
          }
          this.#built = await prepareService(serverless, utils);
        }),
      // `sls offline start` runs offline:start:init; plain `sls offline` runs offline:start.
      'before:offline:start:init': () => reportErrors(serverless, () => this.#startOffline(serverless, options, utils)),
      'before:offline:start': () => reportErrors(serverless, () => this.#startOffline(serverless, options, utils)),
      'offline:start:end': async () => {
        await this.#stopOffline?.();
        this.#stopOffline = undefined;
      },
      // serverless-esbuild zipped in its `before:` hooks and leaves each zip's files in the OS temp
      // folder (src/package/esbuild-zip-folders.ts): remove them once the artifacts are written.
      'after:package:createDeploymentArtifacts': async () => {
        removeEsbuildZipFolders(serverless.service);
      },
      'after:deploy:function:packageFunction': async () => {
        removeEsbuildZipFolders(serverless.service);
      },
      // osls has made its core template (the deployment bucket): as Control Tower asks, in production.
      'after:package:initialize': async () => {
        if (this.#built?.options.production) hardenCoreTemplate(serverless.service, serverless.serviceDir);
      },
      // After osls compiled functions and events (the HTTP API stage exists), before it is written.
      'after:package:compileEvents': async () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        if (!this.#built || !template) return;
        const throttles = throttleSettings(this.#built.options, this.#built.manifest);
        const operations = this.#built.fragment.operations;
        finishTemplate(template, { ...throttles, detailedMetrics: operations?.detailedRouteMetrics === true });
        for (const line of throttleSummary(this.#built.options.stage, throttles)) utils.log.notice(line);
        if (this.#built.options.compliance) encryptCompiledLogGroups(serverless.service);
        if (operations) {
          for (const line of operationsSummary(this.#built.options.stage, this.#built.manifest, operations)) {
            utils.log.notice(line);
          }
        }
      },
      'gantry:rehearse:run': () =>
        reportErrors(serverless, async () => {
          if (!this.#built)
            throw new serverless.classes.Error('gantry: the service was not built (initialize did not run)');
          const ok = await rehearsalCommand(serverless, this.#built, options, (text) => utils.writeText(text));
          if (!ok)
            throw new serverless.classes.Error(
              'gantry rehearse: some checks failed (✘ above)',
              'GANTRY_REHEARSAL_FAILED',
            );
        }),
      'gantry:invoke:run': () =>
        reportErrors(serverless, async () => {
          if (!this.#built)
            throw new serverless.classes.Error('gantry: the service was not built (initialize did not run)');
          const offline = serverless.service.custom?.['serverless-offline'];
          process.stdout.write(
            await invokeCommand(this.#built.manifest, serverless.service.functions, offline, options),
          );
        }),
      'gantry:token:print': () =>
        reportErrors(serverless, async () => {
          const token = await tokenCommand(
            serverless.serviceDir,
            serverless.service.provider.httpApi?.authorizers,
            options,
          );
          process.stdout.write(`${token}\n`);
        }),
      'gantry:capacity:print': () =>
        reportErrors(serverless, async () => {
          if (!this.#built)
            throw new serverless.classes.Error('gantry: the service was not built (initialize did not run)');
          process.stdout.write(await capacityCommand(this.#built, serverless.service, serverless.serviceDir, options));
        }),
      'gantry:routes:print': async () => {
        if (!this.#built)
          throw new serverless.classes.Error('gantry: the service was not built (initialize did not run)');
        if (options.json) process.stdout.write(`${JSON.stringify(this.#built.manifest, null, 2)}\n`);
        else utils.writeText(routeTable(this.#built.manifest));
      },
      'gantry:openapi:write': async () => {
        if (!this.#built)
          throw new serverless.classes.Error('gantry: the service was not built (initialize did not run)');
        const { document, warnings } = await serviceOpenApi({
          manifest: this.#built.manifest,
          servicePath: serverless.serviceDir,
          region: this.#built.input.region,
          httpApi: serverless.service.provider.httpApi,
          server: options.server,
        });
        for (const warning of warnings) utils.log.warning(warning);
        const text = await writeOpenApi(document, options.out);
        if (options.out) utils.log.notice(`gantry: OpenAPI 3.1 document written to ${options.out}`);
        else process.stdout.write(text);
      },
    };
  }

  async #startOffline(serverless: Serverless, cli: CliOptions, utils: PluginUtils): Promise<void> {
    if (this.#stopOffline || !this.#built) return;
    this.#stopOffline = await startOfflineService({
      service: serverless.service,
      serviceDir: serverless.serviceDir,
      built: this.#built,
      cli,
      log: utils.log,
      pluginManager: serverless.pluginManager,
      nodeLine: this.#nodeLine,
      pluginName: 'ServerlessGantry',
      serverless,
    });
  }
}

async function prepareService(serverless: Serverless, utils: PluginUtils): Promise<BuiltService> {
  const started = performance.now();
  const { service } = serverless;
  const provider = serverless.getProvider('aws');
  const built = await buildService({
    servicePath: serverless.serviceDir,
    service: service.service,
    stage: provider.getStage(),
    region: provider.getRegion(),
    config: service.custom?.gantry,
    existing: {
      authorizers: Object.keys(service.provider.httpApi?.authorizers ?? {}),
      timeout: typeof service.provider.timeout === 'number' ? service.provider.timeout : undefined,
      ...(service.provider.httpApi?.id !== undefined ? { httpApiId: service.provider.httpApi.id } : {}),
    },
  });
  const merged = mergeService(
    {
      functions: service.functions ?? {},
      resources: { Resources: service.resources?.Resources ?? {}, Outputs: service.resources?.Outputs ?? {} },
      httpApi: service.provider.httpApi ?? {},
      logRetentionInDays: service.provider.logRetentionInDays,
      ...(service.provider.logs ? { logs: service.provider.logs } : {}),
    },
    built.fragment,
  );
  service.functions = merged.functions;
  service.resources = { ...service.resources, ...merged.resources };
  markRevision(
    merged.functions,
    merged.resources.Resources ?? {},
    {
      functions: Object.keys(built.fragment.functions),
      tables: Object.keys(built.fragment.resources).filter(
        (id) => (built.fragment.resources[id] as { Type?: string }).Type === 'AWS::DynamoDB::Table',
      ),
    },
    process.env[REVISION_VARIABLE],
  );
  service.custom ??= {};
  isolateBundling(service.custom as Record<string, unknown>, process.env[WORK_FOLDER_VARIABLE]);
  service.provider.httpApi = merged.httpApi;
  service.provider.logRetentionInDays = built.options.compliance
    ? compliantRetention(merged.logRetentionInDays)
    : merged.logRetentionInDays;
  if (merged.logs) service.provider.logs = merged.logs;
  if (serverless.configurationInput) {
    // `sls print` shows the configuration input, not the service: keep them the same.
    serverless.configurationInput.functions = service.functions;
    serverless.configurationInput.resources = service.resources;
  }
  // serverless-esbuild bundles the page's script (`gantry-page:` imports) with this Manifest's routes.
  service.custom = { ...service.custom };
  const esbuild = service.custom.esbuild ?? {};
  service.custom.esbuild = {
    ...esbuild,
    plugins: esbuildPluginsWith(esbuild.plugins, pageBundlePlugin({ manifest: built.manifest })),
  };
  if (built.options.production) {
    const bucket = deploymentBucketObject(service.provider.deploymentBucketObject, service.provider.deploymentBucket);
    if (bucket) service.provider.deploymentBucketObject = bucket;
  }
  checkSharedRoleStatements(service);
  nameSharedRole(service, built.options);
  const { functions, tables } = built.manifest;
  utils.log.verbose(
    `gantry: ${functions.length} functions, ${tables.length} tables from ${built.options.handlers.join(', ')} in ${Math.round(performance.now() - started)} ms`,
  );
  return built;
}

/**
 * osls skips its shared role when every function has its own, and then silently drops
 * `provider.iam.role.statements`. A statement the user wrote must never vanish: fail instead.
 */
function checkSharedRoleStatements(service: Serverless['service']): void {
  const role = service.provider.iam?.role as { statements?: unknown[] } | undefined;
  if (!role?.statements?.length) return;
  const all = Object.values(service.functions ?? {}) as { role?: unknown }[];
  if (all.every((f) => f.role !== undefined)) {
    throw new GantryBuildError([
      'serverless.yml › provider.iam.role.statements apply to no function: every function has its own role. Move each statement to the methods that need it with @fn({ iamStatements: [...] }).',
    ]);
  }
}

/** Gives osls's shared role a name IAM accepts when its default would be too long (and none is written). */
function nameSharedRole(service: Serverless['service'], at: { service: string; stage: string; region: string }): void {
  const role = service.provider.iam?.role;
  if (role !== undefined && (typeof role !== 'object' || role === null || 'name' in role)) return;
  const name = sharedRoleName(at.service, at.stage, at.region);
  if (name) service.provider.iam = { ...service.provider.iam, role: { ...(role as object | undefined), name } };
}

async function reportErrors(serverless: Serverless, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    // Our errors carry file, class, method and the fix: show the message, not a stack trace.
    if (isGantryError(error)) throw new serverless.classes.Error(error.message, 'GANTRY_BUILD_ERROR');
    throw error;
  }
}
