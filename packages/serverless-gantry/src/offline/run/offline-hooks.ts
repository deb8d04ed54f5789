import { type AddressInfo, connect, createServer } from 'node:net';
import type { BuiltService } from '../../build-service.js';
import { GantryError } from '../../errors.js';
import { type FrontOptions, startApiGatewayFront } from '../http/api-gateway-front.js';
import { functionTerminalEnvironment } from './function-terminal-env.js';
import type { LocalRun } from './local-run.js';
import { startLocalRunInThread } from './local-run-thread.js';

interface ServiceFunctions {
  functions?: Record<string, unknown> | null;
  provider?: { timeout?: number | undefined; environment?: Record<string, unknown> | undefined };
}

/**
 * Lambda loads a function's module in an init phase of its own (up to 10 s) before the
 * invocation's timeout starts. serverless-offline's timer covers both, so under load a cold burst
 * timed out locally where Lambda would not. A local run gives that timer the init phase on top; the
 * kit measures the function's own time from when its handler starts (GANTRY_LOCAL_INIT_MS).
 */
export const LAMBDA_INIT_SECONDS = 10;
const SERVERLESS_DEFAULT_TIMEOUT = 6;

/**
 * Starts the embedded DynamoDB and IAM endpoint for `sls offline` and gives each generated
 * function the endpoint and its own local credentials. Returns the run, to stop at the end.
 * `onFailure` hears, once, that its thread died while serving (see `stopAfterFailure`).
 */
export async function startOfflineRun(
  service: ServiceFunctions,
  built: BuiltService,
  servicePath: string,
  cli: { noTimeout?: boolean; onFailure?: (reason: string) => void; pageOrigins?: string[] } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalRun> {
  const { offline } = built.options;
  const port = env.GANTRY_DYNAMODB_PORT ? Number(env.GANTRY_DYNAMODB_PORT) : (offline.port ?? 0);
  const run = await startLocalRunInThread(
    {
      servicePath,
      manifest: built.manifest,
      fragment: built.fragment,
      region: built.options.region,
      port,
      persist: offline.persist || undefined,
      seed: offline.seed,
      enforceIam: offline.enforceIam ?? true,
      denyUnidentified: offline.denyUnidentified ?? false,
      ttlSweepMs: (offline.ttlSweepSeconds ?? 5) * 1000,
      ttlDeleteAfterMs: offline.ttlDeleteAfterSeconds === undefined ? undefined : offline.ttlDeleteAfterSeconds * 1000,
      pageOrigins: cli.pageOrigins,
    },
    cli.onFailure,
  );
  for (const [name, environment] of Object.entries(run.environment)) {
    const fn = service.functions?.[name] as { environment?: Record<string, unknown>; timeout?: number } | undefined;
    if (!fn) continue;
    fn.environment = {
      ...fn.environment,
      ...environment,
      ...functionTerminalEnvironment({ ...service.provider?.environment, ...fn.environment }),
      GANTRY_LOCAL_INIT_MS: String(LAMBDA_INIT_SECONDS * 1000),
      // The front verifies JWTs and passes the claims on; the kit trusts that header only then.
      ...((offline.apiGateway ?? true) ? { GANTRY_LOCAL_FRONT: 'true' } : {}),
      // `sls offline --noTimeout` (serverless-offline's): no timeout in the kit either.
      ...(cli.noTimeout ? { GANTRY_LOCAL_NO_TIMEOUT: 'true' } : {}),
    };
    fn.timeout = (fn.timeout ?? service.provider?.timeout ?? SERVERLESS_DEFAULT_TIMEOUT) + LAMBDA_INIT_SECONDS;
  }
  return run;
}

/** The line `sls offline` prints when the local DynamoDB's thread dies. */
export const failureLine = (reason: string) =>
  `gantry: the local DynamoDB stopped (${reason}); stopping sls offline (exit 1), since no function could reach its tables; start it again.`;

/**
 * Stops `sls offline` with exit code 1 after the local DynamoDB died. With serverless-offline
 * serving, the stop is its own (SIGINT: it closes its servers and handler threads, then exits 0,
 * which the exit listener turns into 1); before that, the process exits at once.
 */
export function stopAfterFailure(): void {
  process.exitCode = 1;
  process.once('exit', () => {
    process.exitCode = 1;
  });
  if (process.listenerCount('SIGINT') > 0) process.kill(process.pid, 'SIGINT');
  else process.exit(1);
}

/** serverless-offline's options that say where it serves HTTP. */
export interface OfflineAddressOptions {
  host?: unknown;
  httpPort?: unknown;
}

/**
 * Where serverless-offline serves HTTP, as it resolves it: CLI options over
 * `custom.serverless-offline`, then its defaults (localhost:3000).
 */
export function offlineAddress(offline: OfflineAddressOptions = {}, cli: OfflineAddressOptions = {}) {
  return {
    host: String(cli.host ?? offline.host ?? 'localhost'),
    port: Number(cli.httpPort ?? offline.httpPort ?? 3000),
  };
}

/** A URL on that address, e.g. of the service's web page. */
export function localUrl(address: { host: string; port: number }, path = '/'): string {
  const hostname = address.host.includes(':') ? `[${address.host}]` : address.host; // an IPv6 address
  return `http://${hostname}:${address.port}${path}`;
}

/**
 * Puts the API Gateway front on serverless-offline's address and moves serverless-offline to a
 * free port behind it. `cli` is the options object serverless-offline reads when it starts (after
 * this hook): setting its `httpPort` moves it.
 */
export async function startFront(
  address: { host: string; port: number },
  cli: { httpPort?: string; noTimeout?: boolean },
  rules: Pick<FrontOptions, 'cors' | 'routes' | 'documents' | 'checkJwt' | 'invoke' | 'onAnswer'>,
) {
  const internal = await freePort(address.host);
  const front = await startApiGatewayFront({
    ...address,
    upstream: { host: address.host, port: internal },
    ...rules,
    // `--noTimeout` is for stepping through a handler in a debugger: no limit at all then.
    ...(cli.noTimeout ? { integrationTimeoutMs: 0 } : {}),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    throw new GantryError(
      `${localUrl(address)} is in use: stop what listens there, or give sls offline another port with --httpPort.`,
    );
  });
  cli.httpPort = String(internal);
  return { ...front, upstreamPort: internal };
}

/** Resolves true once something accepts connections on the address, false after `timeoutMs`. */
export async function whenListening(address: { host: string; port: number }, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(address.port, address.host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return true;
    await new Promise((resolve) => setTimeout(resolve, 100).unref());
  }
  return false;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// Reload on change lives in src/offline/reload; `sls offline`'s composition imports it from here.
export { type ReloadLog, type ReloadPlugins, reloadOnChange } from '../reload/reload-on-change.js';
