import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { build, type Plugin } from 'esbuild';
import { jwtAuthorizers } from '../auth/jwt-authorizers.js';
import { type JwtCheck, type JwtContext, jwtCheck } from '../auth/jwt-check.js';
import { localKeys } from '../auth/local-keys.js';
import { mintAccessToken, type TokenOptions } from '../auth/mint-token.js';
import { discoverService } from '../build-service.js';
import { NODE_ESM_BUILD } from '../discover/load-modules.js';
import { GantryError } from '../errors.js';
import { type EventEngine, startEventEngine } from '../events/event-engine.js';
import type { InvokeOutcome } from '../events/invoke.js';
import { ENTRIES_DIR } from '../generate/entries.js';
import { routeAuthorizer } from '../generate/http-api.js';
import { DEFAULT_USER_POOL_AUTHORIZER, localPageAuthEnvironment, PAGE_AUTH_ENV } from '../generate/user-pool.js';
import type { Manifest, ManifestFunction } from '../manifest.js';
import { httpApiAnswer } from '../offline/http/http-api-event.js';
import { checkEmf, type MetricDatapoint } from '../offline/run/emf-check.js';
import { type FunctionThread, startFunctionThread } from '../offline/run/function-thread.js';
import { type LocalRun, localCredentials, localShellCredentials, startLocalRun } from '../offline/run/local-run.js';
import { pageBundlePlugin } from '../page/page-bundle-plugin.js';
import { matchRoute } from '../route-match.js';
import { payloadEvent, type TestRequest } from './payload-event.js';
import { readServiceConfig } from './service-config.js';

export interface LocalServiceOptions {
  /** The service's directory, holding its serverless.yml (default: the current directory). */
  servicePath?: string;
  /** Default: `provider.stage`, else `dev`, as `sls offline` picks it. */
  stage?: string;
  /** `custom.gantry` to use instead of serverless.yml's. */
  config?: unknown;
  /** Load `custom.gantry.offline.seed` into the tables (default true). */
  seed?: boolean;
  /** More environment for every function (the generated one, tables and CORS, is always there). */
  environment?: Record<string, string>;
  /**
   * Fire `@schedule`s on the clock (default false: a test runs them with `runSchedule`, so a
   * `rate(...)` schedule, which fires as soon as it exists, does not run by itself mid-test).
   */
  schedules?: boolean;
}

/** A function's answer as the client of the HTTP API gets it. */
export interface TestResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** `Set-Cookie` values. */
  cookies: string[];
  /** JSON parsed, text as a string, a base64 body as a Buffer; undefined when empty. */
  body: unknown;
}

export interface LocalService {
  manifest: Manifest;
  /** The local DynamoDB endpoint; each function's calls to it are checked against its generated policy. */
  endpoint: string;
  /** Each declared table's name for this stage, e.g. `{ tasks: 'tasks-app-dev-tasks' }`. */
  tables: Record<string, string>;
  /** Each declared queue's local URL, e.g. `{ jobs: 'http://127.0.0.1:…/000000000000/tasks-app-dev-jobs' }`. */
  queues: Record<string, string>;
  /**
   * Sends a message to a declared queue, as the test (not as a function): its consumer receives it
   * through the local poller, with Lambda's batching and retries. The body is sent as JSON.
   */
  send(queue: string, body: unknown, options?: { groupId?: string; deduplicationId?: string }): Promise<string>;
  /** Runs a scheduled function now, with its schedule's event (as `sls gantry invoke` does). */
  runSchedule(functionName: string, scheduleName?: string): Promise<InvokeOutcome>;
  /**
   * Resolves once every queue is empty (nothing visible or in flight), every table's changes have
   * reached their consumer, and nothing is running: wait for it after a request whose work happens
   * in the background.
   */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** An SQS client on the local endpoint: the test's own, or signed as a function (its policy applies). */
  sqsClient(functionName?: string): SQSClient;
  /** Each declared bucket's local name, e.g. `{ uploads: 'shop-dev-uploads-000000000000-eu-west-1' }`. */
  buckets: Record<string, string>;
  /**
   * An S3 client on the local endpoint (path-style): the test's own (signed with the local shell
   * key, not IAM-checked) to put and read objects, or signed as a function, so its policy applies.
   * An object a client writes reaches its `@onObjectCreated` functions; `drain()` waits for them.
   */
  s3Client(functionName?: string): S3Client;
  /**
   * Sends a request as API Gateway would deliver it: the route is selected as HTTP API selects it,
   * and its function runs the generated handler (the kit) with its own credentials and environment.
   */
  request(method: string, path: string, request?: TestRequest): Promise<TestResponse>;
  /**
   * An access token the routes' JWT authorizers accept (as `sls gantry token` prints): signed with
   * the service's local keys, with the declared issuer and audience of `authorizer` (default: the
   * only one declared). Send it as the authorizer's identity source says, e.g.
   * `{ headers: { authorization: \`Bearer ${token}\` } }`.
   */
  token(options?: TokenOptions & { authorizer?: string }): Promise<string>;
  /**
   * A DynamoDB document client on the local endpoint: the test's own (no function's identity, not
   * checked) to arrange and check data, or, given a function's name, signed as that function, so its
   * generated policy applies (to show what it may not do).
   */
  documentClient(functionName?: string): DynamoDBDocumentClient;
  /** What the functions printed (their log lines, warnings and errors), oldest first. */
  logs(): string[];
  /**
   * The metrics the functions wrote in CloudWatch's Embedded Metric Format (the kit's and their
   * own), one datapoint per metric and dimension set, oldest first; `name` or `function` narrow it.
   * Every line a function prints is checked as CloudWatch reads it: `request()` rejects with an
   * EmfError when its function wrote a line CloudWatch would drop, and this throws one when any
   * function did (queue consumers and schedules included).
   */
  metrics(filter?: { name?: string; function?: string }): EmittedMetric[];
  /**
   * Deletes every item whose TTL has passed, now (the background sweep keeps expired items readable
   * for `offline.ttlDeleteAfterSeconds`, as AWS keeps them for days); returns how many.
   */
  sweepExpired(): Promise<number>;
  stop(): Promise<void>;
}

/** A datapoint a function wrote, as CloudWatch would store it. */
export interface EmittedMetric extends MetricDatapoint {
  /** The function that wrote it (its name in the Manifest). */
  function: string;
}

/** A function wrote a line CloudWatch would drop: its metrics would be lost once deployed. */
export class EmfError extends GantryError {
  override name = 'EmfError';
  constructor(readonly dropped: { function: string; problems: string[]; line: string }[]) {
    super(
      `CloudWatch would drop ${dropped.length === 1 ? 'a metrics line' : `${dropped.length} metrics lines`} (Embedded Metric Format):\n${dropped
        .map((d) => `  ${d.function}: ${d.problems.join('; ')}\n    ${d.line.slice(0, 500)}`)
        .join('\n')}`,
    );
  }
}

/** API Gateway's answers when no function answers. */
const GATEWAY = {
  notFound: { status: 404, message: 'Not Found' },
  failed: { status: 500, message: 'Internal Server Error' },
  timedOut: { status: 503, message: 'Service Unavailable' },
};
/**
 * Starts a service for its own tests, without `sls offline` or ports to manage: discovers it from
 * serverless.yml and its decorators, starts the embedded DynamoDB with the Manifest's tables (and
 * seeds) behind the endpoint that enforces each function's generated IAM policy, and builds the
 * generated handler entries. Functions start on their first request, each on a thread of its own.
 *
 * @example
 * const service = await startLocalService();
 * const created = await service.request('POST', '/lists/groceries/tasks', { body: { title: 'Milk' } });
 * expect(created.status).toBe(201);
 * await service.stop();
 */
export async function startLocalService(options: LocalServiceOptions = {}): Promise<LocalService> {
  const servicePath = resolve(options.servicePath ?? process.cwd());
  const input = await readServiceConfig(servicePath, options.stage);
  if (options.config !== undefined) input.config = options.config;
  // Each start has a folder of its own: test files running in parallel never share a build.
  const workDir = join(servicePath, '.gantry', 'testing', `${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(workDir, { recursive: true });
  let run: LocalRun | undefined;
  let engine: EventEngine | undefined;
  try {
    const built = await discoverService(input, join(workDir, 'discovery'));
    const { manifest, fragment, options: stageOptions } = built;
    const [entries, started] = await Promise.all([
      buildEntries(servicePath, fragment.entries, join(workDir, 'functions'), manifest),
      startLocalRun({
        servicePath,
        manifest,
        fragment,
        region: input.region,
        port: 0,
        seed: options.seed === false ? undefined : stageOptions.offline.seed,
        enforceIam: true,
        denyUnidentified: false,
        ttlSweepMs: (stageOptions.offline.ttlSweepSeconds ?? 5) * 1000,
        ttlDeleteAfterMs:
          stageOptions.offline.ttlDeleteAfterSeconds === undefined
            ? undefined
            : stageOptions.offline.ttlDeleteAfterSeconds * 1000,
      }),
    ]);
    run = started;
    const localRun = started;
    const logs: string[] = [];
    const emitted: EmittedMetric[] = [];
    const dropped: EmfError['dropped'] = [];
    const readMetrics = (functionName: string, line: string) => {
      const check = checkEmf(line);
      if (check.problems.length > 0) dropped.push({ function: functionName, problems: check.problems, line });
      for (const datapoint of check.datapoints) emitted.push({ ...datapoint, function: functionName });
    };
    const functions = new Map<string, Promise<FunctionThread>>();
    const threadOf = (fn: ManifestFunction) => {
      let thread = functions.get(fn.name);
      if (!thread) {
        const config = fragment.functions[fn.name] as {
          environment?: Record<string, unknown>;
          memorySize?: number;
          timeout?: number;
        };
        const started = startFunctionThread({
          functionName: fn.name,
          entry: entries[fn.name] as string,
          exportPath: ['handler'],
          memoryMb: config.memorySize ?? 1024,
          timeoutMs: (config.timeout ?? 6) * 1000,
          env: {
            AWS_REGION: input.region,
            AWS_DEFAULT_REGION: input.region,
            AWS_LAMBDA_FUNCTION_NAME: fn.name,
            ...options.environment,
            // Values CloudFormation resolves at deploy (the user pool's ids) do not exist locally.
            ...stringsOnly(config.environment),
            // The page's sign-in settings: the user pool's local stand-ins, unless the test sets them.
            ...(stageOptions.userPool && config.environment?.[PAGE_AUTH_ENV.issuer] !== undefined
              ? withoutKeys(
                  localPageAuthEnvironment(stageOptions.userPool.authorizer ?? DEFAULT_USER_POOL_AUTHORIZER),
                  options.environment,
                )
              : {}),
            ...localRun.environment[fn.name],
          },
          output: (line) => {
            logs.push(`${fn.name}: ${line}`);
            readMetrics(fn.name, line);
          },
        });
        // Started and initialised at the function's first request: an init error fails that request.
        thread = started.init().then(() => started);
        thread.catch(() => functions.delete(fn.name)); // the next request tries again, as Lambda would
        functions.set(fn.name, thread);
      }
      return thread;
    };
    const invoke = async (functionName: string, event: unknown): Promise<InvokeOutcome> => {
      const fn = manifest.functions.find((f) => f.name === functionName);
      if (!fn) return { type: 'error', error: { errorType: 'ResourceNotFoundException', errorMessage: functionName } };
      let thread: FunctionThread;
      try {
        thread = await threadOf(fn);
      } catch (error) {
        logs.push(`${fn.name}: init failed: ${String(error)}`);
        return { type: 'error', error: { errorType: 'Runtime.InitError', errorMessage: String(error) } };
      }
      const outcome = await thread.invoke(event);
      if (!thread.alive) functions.delete(fn.name); // timed out or crashed: the next invocation starts anew
      if (outcome.type !== 'error') return outcome;
      const stack = outcome.error.stack ?? outcome.error.errorMessage;
      logs.push(`${fn.name}: ${stack}`);
      return { type: 'error', error: { errorType: 'Error', errorMessage: stack } };
    };
    engine = await startEventEngine({
      manifest,
      sources: localRun.events,
      invoke,
      objectEvents: localRun.onObjectEvent,
      schedules: options.schedules ?? false,
      log: { notice: (line) => logs.push(line), warning: (line) => logs.push(line) },
    });
    const events = engine;
    const clients: { destroy(): void }[] = [];
    /** A client's settings: the test's own identity (not checked), or signed as the function. */
    const clientConfig = (method: string, endpoint: string, functionName?: string) => {
      if (functionName === undefined) {
        return { endpoint, region: input.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
      }
      if (!localRun.environment[functionName]) {
        throw new GantryError(
          `${method}('${functionName}'): no such function; the service has ${manifest.functions.map((f) => f.name).join(', ')}.`,
        );
      }
      return { endpoint, region: input.region, credentials: localCredentials(functionName) };
    };
    const sqsOf = (functionName?: string) => {
      const client = new SQSClient(clientConfig('sqsClient', localRun.events.endpoints.sqs, functionName));
      clients.push(client);
      return client;
    };
    const testSqs = sqsOf();
    const s3Of = (functionName?: string) => {
      const config = clientConfig('s3Client', localRun.events.endpoints.s3, functionName);
      const client = new S3Client({
        ...config,
        ...(functionName === undefined ? { credentials: localShellCredentials } : {}),
        forcePathStyle: true,
      });
      clients.push(client);
      return client;
    };
    // Declared in serverless.yml, and generated (the user pool's, with its local stand-in).
    const declaredAuthorizers = { ...input.authorizers, ...fragment.authorizers };
    const authorizers = jwtAuthorizers(declaredAuthorizers);
    const keys = authorizers.length > 0 ? await localKeys(servicePath) : undefined;
    const checkJwt = keys ? jwtCheck(authorizers, keys.verifying) : undefined;
    return {
      manifest,
      endpoint: localRun.endpoint,
      tables: Object.fromEntries(manifest.tables.map((t) => [t.name, t.tableName])),
      queues: Object.fromEntries(Object.entries(localRun.events.queues).map(([name, q]) => [name, q.url])),
      async send(queue, body, sendOptions = {}) {
        const local = localRun.events.queues[queue];
        if (!local) {
          throw new GantryError(
            `send('${queue}'): no queue is named so; the service declares ${Object.keys(localRun.events.queues).join(', ') || 'none'}.`,
          );
        }
        const sent = await testSqs.send(
          new SendMessageCommand({
            QueueUrl: local.url,
            MessageBody: JSON.stringify(body),
            ...(sendOptions.groupId ? { MessageGroupId: sendOptions.groupId } : {}),
            ...(sendOptions.deduplicationId ? { MessageDeduplicationId: sendOptions.deduplicationId } : {}),
          }),
        );
        return sent.MessageId as string;
      },
      runSchedule: (functionName, scheduleName) => events.fire(functionName, scheduleName),
      drain: (drainOptions) => events.drained(drainOptions),
      sqsClient: (functionName) => sqsOf(functionName),
      buckets: { ...localRun.events.buckets },
      s3Client: (functionName) => s3Of(functionName),
      async request(method, path, request = {}) {
        const match = matchRoute(manifest, method, new URL(path, 'http://localhost').pathname);
        if (!match) return gatewayAnswer(GATEWAY.notFound);
        const authorized = await authorize(checkJwt, Object.keys(declaredAuthorizers), match, path, request);
        if (authorized && 'status' in authorized) return authorized;
        const event = payloadEvent(method, path, request, match, authorized);
        let thread: FunctionThread;
        try {
          thread = await threadOf(match.fn);
        } catch (error) {
          logs.push(`${match.fn.name}: init failed: ${String(error)}`);
          return gatewayAnswer(GATEWAY.failed);
        }
        const droppedBefore = dropped.length;
        const outcome = await thread.invoke(event);
        const droppedNow = dropped.slice(droppedBefore).filter((d) => d.function === match.fn.name);
        if (droppedNow.length > 0) throw new EmfError(droppedNow);
        if (outcome.type === 'result') return responseOf(outcome.result);
        logs.push(
          `${match.fn.name}: ${outcome.type === 'timeout' ? 'timed out' : (outcome.error.stack ?? outcome.error.errorMessage)}`,
        );
        if (!thread.alive) functions.delete(match.fn.name);
        return gatewayAnswer(outcome.type === 'timeout' ? GATEWAY.timedOut : GATEWAY.failed);
      },
      async token(options = {}) {
        const { authorizer: name, ...token } = options;
        const authorizer =
          name === undefined && authorizers.length === 1 ? authorizers[0] : authorizers.find((a) => a.name === name);
        if (!authorizer || !keys) {
          throw new GantryError(
            `token(): ${name === undefined ? 'name the authorizer' : `no JWT authorizer '${name}'`}; serverless.yml declares ${authorizers.map((a) => a.name).join(', ') || 'none'} under provider.httpApi.authorizers.`,
          );
        }
        return mintAccessToken(authorizer, keys.signing, token);
      },
      documentClient(functionName) {
        const client = new DynamoDBClient(clientConfig('documentClient', localRun.endpoint, functionName));
        clients.push(client);
        return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      },
      logs: () => [...logs],
      metrics(filter = {}) {
        if (dropped.length > 0) throw new EmfError(dropped);
        return emitted.filter(
          (m) =>
            (filter.name === undefined || m.name === filter.name) &&
            (filter.function === undefined || m.function === filter.function),
        );
      },
      sweepExpired: () => localRun.sweepExpired(),
      async stop() {
        await events.stop();
        for (const client of clients) client.destroy();
        const threads = await Promise.allSettled(functions.values());
        await Promise.all(threads.map((t) => (t.status === 'fulfilled' ? t.value.stop() : undefined)));
        await localRun.stop();
        await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await engine?.stop();
    await run?.stop();
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The generated entries, bundled as deploy bundles them (dependencies stay in node_modules here,
 * as the SDK does on Lambda). They are built from memory, resolved as if they sat in `.gantry/entries`,
 * so a `sls offline` of the same service and parallel test files never share files.
 */
async function buildEntries(
  servicePath: string,
  entries: { path: string; contents: string }[],
  outdir: string,
  manifest: Manifest,
) {
  const byName = new Map(entries.map((e) => [e.path.slice(ENTRIES_DIR.length + 1).replace(/\.ts$/, ''), e.contents]));
  await mkdir(join(servicePath, ENTRIES_DIR), { recursive: true }); // esbuild resolves from a folder that exists
  const generated: Plugin = {
    name: 'gantry-entries',
    setup(b) {
      b.onResolve({ filter: /^gantry-entry:/ }, (args) => ({ path: args.path.slice(13), namespace: 'gantry-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'gantry-entry' }, (args) => ({
        contents: byName.get(args.path) ?? '',
        loader: 'ts',
        resolveDir: join(servicePath, ENTRIES_DIR),
      }));
    },
  };
  await build({
    absWorkingDir: servicePath,
    entryPoints: Object.fromEntries([...byName.keys()].map((name) => [name, `gantry-entry:${name}`])),
    outdir,
    ...NODE_ESM_BUILD,
    sourcemap: 'inline',
    plugins: [generated, pageBundlePlugin({ manifest })],
  });
  return Object.fromEntries([...byName.keys()].map((name) => [name, join(outdir, `${name}.mjs`)]));
}

/**
 * The route's JWT authorizer, checked as the front checks it under `sls offline`: undefined for a
 * public route, the verified context, or API Gateway's refusal.
 */
async function authorize(
  checkJwt: JwtCheck | undefined,
  declared: string[],
  match: NonNullable<ReturnType<typeof matchRoute<ManifestFunction>>>,
  path: string,
  request: TestRequest,
): Promise<JwtContext | TestResponse | undefined> {
  if (!match.route.auth) return undefined;
  const { authorizer } = routeAuthorizer(match.fn, match.route, declared);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {}))
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  const verdict =
    authorizer && checkJwt
      ? await checkJwt(
          { authorizer, scopes: match.route.auth.scopes },
          { headers, query: new URL(path, 'http://localhost').searchParams },
        )
      : undefined;
  // No JWT authorizer to check with (generation refuses such a route): never a public route.
  if (!verdict)
    return {
      status: 401,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: { message: 'Unauthorized' },
    };
  if (verdict.allowed) return verdict.jwt;
  return {
    status: verdict.status,
    headers: { 'content-type': 'application/json', ...verdict.headers },
    cookies: [],
    body: JSON.parse(verdict.body),
  };
}

function gatewayAnswer({ status, message }: { status: number; message: string }): TestResponse {
  return { status, headers: { 'content-type': 'application/json' }, cookies: [], body: { message } };
}

/** A payload 2.0 response as API Gateway turns it into HTTP (`httpApiAnswer`), its body parsed for the test. */
function responseOf(result: unknown): TestResponse {
  const { status, headers, cookies, body: bytes, isBase64Encoded } = httpApiAnswer(result);
  let body: unknown;
  if (bytes.length === 0) body = undefined;
  else if (isBase64Encoded) body = bytes;
  else if (/\bjson\b/i.test(headers['content-type'] ?? '')) body = parseJson(bytes.toString('utf8'));
  else body = bytes.toString('utf8');
  return { status, headers, cookies, body };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // what a client would see: the text as sent
  }
}

/** `values` without the keys `set` already has. */
function withoutKeys(values: Record<string, string>, set: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => set?.[key] === undefined));
}

/** The entries whose value is text: what a local process can have in its environment. */
function stringsOnly(environment: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
