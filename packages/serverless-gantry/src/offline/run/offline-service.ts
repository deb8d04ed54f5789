import type { BuiltService } from '../../build-service.js';
import { startEventEngine } from '../../events/event-engine.js';
import { DEFAULT_USER_POOL_AUTHORIZER, localPageAuthEnvironment, PAGE_AUTH_ENV } from '../../generate/user-pool.js';
import { OPENAPI_LOCAL_PATH } from '../../openapi/openapi-document.js';
import { serviceOpenApi } from '../../openapi/service-openapi.js';
import { routeTable } from '../../route-table.js';
import type { CorsRules } from '../http/api-gateway-front.js';
import { servedRoutes } from '../http/served-routes.js';
import { warnAboutDroppedMetrics } from './emf-terminal.js';
import { type FunctionPool, functionPool, type PoolServerless } from './function-pool.js';
import { functionLogEnvironment } from './function-terminal-env.js';
import { leaveJwtToFront, localAuth, startServiceIssuer } from './local-auth.js';
import type { LocalRun } from './local-run.js';
import {
  failureLine,
  localUrl,
  offlineAddress,
  reloadOnChange,
  startFront,
  startOfflineRun,
  stopAfterFailure,
  whenListening,
} from './offline-hooks.js';
import { quietServerlessOffline } from './quiet-serverless-offline.js';
import { type StartHooks, serverlessOffline, stopOnStartFailure } from './start-failure.js';

/** The slice of the Serverless service `sls offline` reads and shapes. */
export interface OfflineServiceConfig {
  functions?: Record<string, unknown> | null;
  custom?: {
    'serverless-offline'?: {
      host?: unknown;
      httpPort?: unknown;
      lambdaPort?: unknown;
      localEnvironment?: unknown;
      location?: unknown;
    };
  };
  provider: {
    httpApi?: Record<string, unknown> & { authorizers?: Record<string, unknown> };
    timeout?: number | undefined;
    environment?: Record<string, unknown> | undefined;
  };
}

/** serverless-offline's command-line options Gantry reads (the object osls shares with every plugin). */
export interface OfflineCliOptions {
  host?: string;
  httpPort?: string;
  lambdaPort?: string;
  noTimeout?: boolean;
  /** osls's `--verbose`: serverless-offline's own lines and the kit's JSON log lines, as they are. */
  verbose?: boolean;
}

export interface OfflineLog {
  notice(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export interface OfflineServiceInput {
  service: OfflineServiceConfig;
  serviceDir: string;
  built: BuiltService;
  cli: OfflineCliOptions;
  /** osls's logger for this plugin (the `log` package's: serverless-offline's is found from it). */
  log: OfflineLog;
  pluginManager: StartHooks;
  /** Which Node runs the functions, said at start. */
  nodeLine?: string | undefined;
  /** The plugin's name in osls's hooks: its own start hook is not wrapped. */
  pluginName: string;
  /** osls's `serverless`: the function pool reads functions and the build folder from it. */
  serverless: PoolServerless;
}

/**
 * Everything Gantry adds to `sls offline`, composed: the API Gateway front on serverless-offline's
 * port (serverless-offline moved behind it), the local issuer standing in for JWT authorizers, the
 * embedded DynamoDB and its IAM-enforcing endpoint, reload on change, and the lines printed at start.
 * A failure of another plugin's start stops all of it. Returns the function that stops it.
 */
export async function startOfflineService(input: OfflineServiceInput): Promise<() => Promise<void>> {
  const { service, built, cli, log } = input;
  const stops: (() => unknown)[] = [];
  let local: LocalRun | undefined;
  let stopped = false;
  const stop = async () => {
    stopped = true;
    // Last started, first stopped: the watcher, the issuer and front, then the local DynamoDB.
    for (const each of stops.splice(0).reverse()) await each();
  };
  // Registered first, so a failure of the next plugins' start hooks (serverless-esbuild's bundle,
  // serverless-offline's servers and routes) releases everything and sls exits 1.
  stopOnStartFailure(input.pluginManager, input.pluginName, async (error) => {
    log.error(
      `gantry: sls offline failed to start (${error instanceof Error ? error.message : String(error)}); stopping the local DynamoDB and the API front`,
    );
    await stop();
    await serverlessOffline(input.pluginManager)
      ?.end(true)
      .catch(() => undefined);
  });
  const { offline, page } = built.options;
  const address = offlineAddress(service.custom?.['serverless-offline'], cli);
  const verbose = isVerbose(cli);
  // The lines said once serverless-offline serves; the first is the one tests and benchmarks wait for.
  const ready: string[] = [`Ready: ${built.input.service}, stage ${built.input.stage} (${built.input.region})`];
  const where: string[] = [];
  let upstream = address;
  // Gantry's functions run in one pool for the front's requests and the events (see functionPool).
  const pool = poolOf(input, verbose);
  stops.push(pool.stop);
  try {
    // The front first: if its port is taken, nothing else has started that would keep sls running.
    if (offline.apiGateway ?? true) {
      const cors = built.fragment.cors as CorsRules | undefined;
      // The OpenAPI document of this run, made at start like the routes: at a path no route can have.
      const { document, warnings } = await serviceOpenApi({
        manifest: built.manifest,
        servicePath: input.serviceDir,
        region: built.input.region,
        httpApi: service.provider.httpApi,
        servers: [{ url: localUrl(address, ''), description: 'sls offline' }],
      });
      for (const warning of warnings) log.warning(warning);
      const documents = { [OPENAPI_LOCAL_PATH]: document };
      // The start-time routes: serverless-offline serves those until a restart (see reloadOnChange).
      const routes = servedRoutes(service.functions);
      const auth = await localAuth(input.serviceDir, service.provider.httpApi?.authorizers);
      const invoke = { functions: new Set(built.manifest.functions.map((fn) => fn.name)), run: pool.invoke };
      const front = await startFront(address, cli, {
        cors,
        routes,
        documents,
        checkJwt: auth?.checkJwt,
        invoke,
        // Its own answers get a request line too, as the kit's are printed (stdout, one line each).
        onAnswer: (line) => process.stdout.write(`${line}\n`),
      });
      stops.push(front.stop);
      // The front applies CORS; with it configured, hapi would answer every OPTIONS itself (a 404
      // "CORS error" for one that is not a preflight) where HTTP API routes it to the function.
      if (cors && service.provider.httpApi) delete service.provider.httpApi.cors;
      upstream = { ...address, port: front.upstreamPort };
      where.push(`OpenAPI: ${localUrl(address, OPENAPI_LOCAL_PATH)}`);
      where.push(`API (API Gateway's HTTP rules): ${localUrl(address)}`);
      // Without known routes (a catch-all or REST events also answer) the front cannot check them:
      // then serverless-offline keeps the authorizers (and refuses to start), never a public route.
      if (auth && routes) {
        leaveJwtToFront(service.functions, auth);
        const issuer = await startServiceIssuer(auth, address, { page, port: offline.issuerPort }, routes);
        stops.push(issuer.stop);
        where.unshift(issuer.line);
        // The page signs in against the local issuer that stands in for the user pool.
        standInPageAuth(service.functions, built, issuer.issuers);
      }
    }
    local = await startOfflineRun(service, built, input.serviceDir, {
      noTimeout: cli.noTimeout === true,
      // The page is served by the front: a bucket's `cors: true` allows its origin, as deployed the API's.
      pageOrigins: [new URL(localUrl(address)).origin],
      // The thread died while serving: say so in one line and stop (see docs/architecture.md).
      onFailure: (reason) => {
        log.error(failureLine(reason));
        void stop().finally(stopAfterFailure);
      },
    });
    stops.push(local.stop);
    for (const name of Object.keys(local.environment)) {
      const fn = service.functions?.[name] as { environment?: Record<string, unknown> } | undefined;
      if (fn) fn.environment = { ...fn.environment, ...functionLogEnvironment(name, verbose) };
    }
  } catch (error) {
    await stop();
    throw error;
  }
  stops.push(
    reloadOnChange(built, local, log, {
      pluginManager: input.pluginManager,
      functions: service.functions,
      whenIdle: () => pool.whenIdle(),
    }),
  );
  ready.push(`DynamoDB (local${(offline.enforceIam ?? true) ? ', IAM enforced' : ''}): ${local.endpoint}`);
  if (built.manifest.queues.length > 0) ready.push(`SQS (local, IAM enforced): ${local.events.endpoints.sqs}`);
  if ((built.manifest.buckets ?? []).length > 0) {
    ready.push(`S3 (local, signatures and IAM enforced): ${local.events.endpoints.s3}`);
  }
  if (input.nodeLine) ready.push(input.nodeLine);
  // A metrics line a function prints that CloudWatch would drop gets a warning below it.
  stops.push(warnAboutDroppedMetrics((line) => log.warning(line)));
  // serverless-offline's own lines (its routes box on the internal port, "Server ready" there, a few
  // lines per request) are hidden; with --verbose, or if they cannot be, its box is labelled.
  const quiet = verbose ? undefined : quietServerlessOffline(log);
  if (quiet) stops.push(quiet.restore);
  else if (upstream !== address) {
    log.notice(
      `gantry: serverless-offline's routes below list its internal port ${upstream.port}, behind Gantry's API Gateway front; call the URLs in Gantry's table at the end.`,
    );
  }
  const lambda = lambdaAddress(service, cli, address.host);
  const run = local;
  // Said once serverless-offline is up, in one piece, so these are the last lines a developer sees at
  // start: where things are, then the table, then the page. Events start first, once serverless-offline
  // listens (its hooks have set what the pool reads), so the next schedules are among them.
  void Promise.all([whenListening(upstream), whenListening(lambda)])
    .then(async ([up, lambdaUp]) => {
      quiet?.started();
      if (lambdaUp && hasEvents(built)) {
        const schedules = await startEvents(run).catch((error: unknown) => {
          log.error(`gantry: events could not start: ${String(error)}`);
        });
        if (schedules) ready.push(schedules);
      }
      if (!up || stopped) return;
      // An environment per function, up before the table is printed: a first request pays the
      // function's init alone, as on Lambda (its code still loads at that request).
      await pool.prestart(built.manifest.functions.map((fn) => fn.name));
      const table = routeTable(built.manifest, localUrl(address));
      const pageLine = page === undefined ? [] : [`Page: ${localUrl(address, page)}`];
      log.notice([...ready, ...where, table, ...pageLine].join('\n'));
    })
    .catch((error: unknown) => log.error(`gantry: ${String(error)}`));
  return stop;

  /** Starts the event engine; returns the line that says when the schedules run next, if any. */
  async function startEvents(run: LocalRun): Promise<string | undefined> {
    const engine = await startEventEngine({
      manifest: built.manifest,
      sources: run.events,
      invoke: pool.invoke,
      objectEvents: run.onObjectEvent,
      schedules: offline.schedules ?? true,
      log: { notice: (line) => log.notice(`gantry: ${line}`), warning: (line) => log.warning(`gantry: ${line}`) },
    });
    if (stopped) {
      await engine.stop();
      return undefined;
    }
    stops.splice(stops.indexOf(run.stop) + 1, 0, engine.stop); // stopped before the queues it reads
    const next = engine.nextSchedules();
    if (next.length === 0) return undefined;
    return `Schedules (local clock${offline.schedules === false ? ', off: custom.gantry.offline.schedules' : ''}): ${next.map((n) => `${n.functionName} at ${n.at.toISOString()}`).join(', ')}`;
  }
}

/**
 * osls's `--verbose` (or its log level set to info or debug: osls sets `SLS_LOG_LEVEL` for
 * `--verbose` and `--debug=*`): serverless-offline's own lines and the kit's JSON lines, unchanged.
 * Chosen over a `custom.gantry` key: how much to print is a choice for one run, not the service's,
 * and it is the flag osls already has for "more output".
 */
function isVerbose(cli: OfflineCliOptions): boolean {
  return cli.verbose === true || ['info', 'debug'].includes(process.env.SLS_LOG_LEVEL ?? '');
}

/** The pool Gantry's functions run in (see functionPool). */
function poolOf({ serverless, service, cli }: OfflineServiceInput, verbose: boolean): FunctionPool {
  return functionPool(
    serverless,
    () => {
      // As serverless-offline merges them: its defaults, custom['serverless-offline'], the command line.
      const offline = { ...service.custom?.['serverless-offline'], ...cli } as Record<string, unknown>;
      return {
        noTimeout: offline.noTimeout === true,
        localEnvironment: offline.localEnvironment === true,
        ...(typeof offline.location === 'string' ? { location: offline.location } : {}),
      };
    },
    { verbose },
  );
}

const hasEvents = (built: BuiltService) => built.manifest.functions.some((fn) => fn.triggers.length > 0);

/** serverless-offline's Lambda port (where its Invoke API listens), as it resolves it. */
function lambdaAddress(service: OfflineServiceConfig, cli: OfflineCliOptions, host: string) {
  return { host, port: Number(cli.lambdaPort ?? service.custom?.['serverless-offline']?.lambdaPort ?? 3002) };
}

/**
 * The page's function of a service with a user pool gets the pool's issuer and client id as
 * CloudFormation values; under `sls offline` it gets the local stand-ins and the local discovery.
 */
function standInPageAuth(
  functions: Record<string, unknown> | null | undefined,
  built: BuiltService,
  issuers: Record<string, string>,
): void {
  const { userPool } = built.options;
  if (!userPool) return;
  const authorizer = userPool.authorizer ?? DEFAULT_USER_POOL_AUTHORIZER;
  for (const fn of Object.values(functions ?? {})) {
    const config = fn as { environment?: Record<string, unknown> } | null;
    if (config?.environment?.[PAGE_AUTH_ENV.issuer] === undefined) continue;
    config.environment = { ...config.environment, ...localPageAuthEnvironment(authorizer, issuers[authorizer]) };
  }
}
