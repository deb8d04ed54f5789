import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AttributeValue, DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { accessActions } from '@gantry/decorators';
import JSZip from 'jszip';
import type { ManifestFunction, ManifestTable } from '../manifest.js';
import { runtimeMajor } from '../offline/run/runtime-node.js';
import { payloadEvent } from '../testing/payload-event.js';
import { type AwsClients, type Credentials, emulatorClients } from './aws-clients.js';
import { type Check, fail, pass, probe } from './check.js';
import type { Emulator } from './emulator.js';
import { type EventSources, readEventSources } from './event-sources.js';
import type { Expected } from './expected.js';
import { handlerNode, handlerResult } from './handler-result.js';
import { probeEventAccess, seedProbes } from './probe-event-access.js';
import { runEventSources } from './run-event-sources.js';

const RUN_HANDLER = fileURLToPath(new URL('./run-handler.js', import.meta.url));

/** A deployed function as the rehearsal runs it: its bundle unpacked, its settings, its role's credentials. */
export interface Deployed {
  fn: ManifestFunction;
  name: string;
  arn: string;
  handler: string;
  environment: Record<string, string>;
  timeout: number;
  credentials: Credentials;
  dir: string;
}

/**
 * Least privilege through an independent engine: moto's own IAM evaluation, not Gantry's. Each
 * function's bundle is taken from the deployment bucket and its handler run in Node with the
 * function's environment and its role's assumed credentials against the emulator (IAM enforced):
 * its routes answer without a server error; then, with the same credentials, each declared table
 * access succeeds and each access it did not declare is denied. Then the functions events trigger
 * run on what the emulator holds (run-event-sources.ts), and each role's access to every queue,
 * stream and function is probed (probe-event-access.ts).
 */
export async function checkLeastPrivilege(
  aws: AwsClients,
  emulator: Emulator,
  expected: Expected,
  serviceDir: string,
  bucket: string,
): Promise<Check[]> {
  const work = await mkdtemp(join(tmpdir(), 'gantry-rehearse-'));
  try {
    // Before enforcement: moto's AssumeRole fails for a role trusted by a Service once it is on.
    const deployed: Deployed[] = [];
    const checks: Check[] = [];
    for (const fn of expected.manifest.functions) {
      checks.push(
        ...(await probe(`function ${fn.name}: bundle and role credentials`, async () => {
          deployed.push(await fetchFunction(aws, expected, fn, bucket, work));
          return [];
        })),
      );
    }
    const sources = await readEventSources(aws, expected).catch((error: Error) => {
      checks.push(
        fail('event sources: queues, streams, schedules and scheduler roles', `${error.name}: ${error.message}`),
      );
      return undefined;
    });
    const at = { emulator, serviceDir, work, region: expected.region, runtime: expected.runtime };
    await emulator.enforceIam(true);
    try {
      for (const each of deployed) {
        for (const route of each.fn.routes)
          checks.push(...(await runRoute(each, route, emulator, serviceDir, work, expected.runtime, expected.region)));
        checks.push(...(await probeTables(each, expected, emulator)));
      }
      // After the routes: what they sent and wrote is what the consumers run on.
      if (sources) {
        const run = (each: Deployed, event: unknown) => runHandler(each, event, at);
        checks.push(...(await runEventSources(deployed, sources, { emulator, region: expected.region, run })));
      }
      if (sources && hasEvents(sources)) {
        await emulator.enforceIam(false);
        const seeds = await seedProbes(aws, sources);
        await emulator.enforceIam(true);
        checks.push(...(await probeEventAccess(deployed, sources, seeds, { emulator, region: expected.region })));
      }
    } finally {
      await emulator.enforceIam(false);
    }
    return checks;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function fetchFunction(
  aws: AwsClients,
  expected: Expected,
  fn: ManifestFunction,
  bucket: string,
  work: string,
): Promise<Deployed> {
  const name = (expected.fragment.functions[fn.name] as { name: string }).name;
  const config = await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const prefix = `serverless/${expected.manifest.service}/${expected.manifest.stage}/`;
  const listed = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  // Deployments are folders named by time: the last one holds the current bundle, the function's
  // own zip (`package.individually`) or the service's.
  const keys = (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
  const key =
    keys.filter((k) => k.endsWith(`/${fn.name}.zip`)).at(-1) ??
    keys.filter((k) => k.endsWith(`/${expected.manifest.service}.zip`)).at(-1);
  if (!key) throw new Error(`no ${fn.name}.zip under s3://${bucket}/${prefix}`);
  const body = await (
    await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  ).Body?.transformToByteArray();
  const zip = await JSZip.loadAsync(body ?? new Uint8Array());
  const dir = join(work, fn.name);
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    const target = join(dir, entry.name);
    if (!target.startsWith(dir)) throw new Error(`${key}: entry ${entry.name} leaves the bundle`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await entry.async('nodebuffer'));
  }
  const assumed = await aws.sts.send(
    new AssumeRoleCommand({ RoleArn: config.Role, RoleSessionName: `gantry-rehearsal-${fn.name}`.slice(0, 64) }),
  );
  const c = assumed.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${config.Role} returned no credentials`);
  return {
    fn,
    name,
    arn: config.FunctionArn ?? '',
    handler: config.Handler ?? '',
    environment: config.Environment?.Variables ?? {},
    timeout: config.Timeout ?? 6,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken ?? '' },
    dir,
  };
}

/** Runs the bundle's handler for one route (path parameters `rehearsal`, a JSON body `{}` if any). */
async function runRoute(
  each: Deployed,
  route: ManifestFunction['routes'][number],
  emulator: Emulator,
  serviceDir: string,
  work: string,
  runtime: string,
  region: string,
): Promise<Check[]> {
  const label = `function ${each.name}: ${route.method} ${route.path} with its role`;
  return probe(label, async () => {
    const pathParameters = Object.fromEntries(route.pathParameters.map((p) => [p, 'rehearsal']));
    const target = route.path.replace(/\{([^}+]+)\+?\}/g, 'rehearsal');
    const withBody = ['POST', 'PUT', 'PATCH'].includes(route.method.toUpperCase());
    // A route behind an authorizer runs as API Gateway invokes it after a valid token: with the
    // verified claims (a rehearsal user; what the token check itself does is only AWS's to show).
    const jwt = route.auth ? { claims: { sub: 'gantry-rehearsal' }, scopes: route.auth.scopes ?? null } : undefined;
    const event = payloadEvent(
      route.method,
      target,
      withBody ? { body: {} } : {},
      { fn: each.fn, route, pathParameters },
      jwt,
    );
    const run = await runHandler(each, event, { emulator, serviceDir, work, region, runtime });
    if (run.wrongNode) return fail(label, run.wrongNode);
    const { code, stdout } = run;
    const result = run.result as { statusCode?: number; body?: string; error?: string } | undefined;
    const status = result?.statusCode;
    if (code === 0 && typeof status === 'number' && status < 500) return pass(`${label} → ${status}`);
    return fail(
      label,
      `exit ${code}, ${status ?? 'no status'}: ${(result?.error ?? result?.body ?? stdout).slice(-600)}`,
    );
  });
}

export interface HandlerRun {
  code: number | null;
  /** The handler's output, its logs included. */
  stdout: string;
  /** What it returned (or `{ error }` when it threw: exit code 1). */
  result: unknown;
  /** Set when it did not run on provider.runtime's Node major. */
  wrongNode?: string;
}

/**
 * Runs a deployed function's handler once with `event`, as Lambda would: in a Node of
 * provider.runtime's major, with the function's environment and its role's credentials, every AWS
 * SDK client of the bundle sent to the emulator (AWS_ENDPOINT_URL: nothing reaches AWS).
 */
export async function runHandler(
  each: Deployed,
  event: unknown,
  at: { emulator: Emulator; serviceDir: string; work: string; region: string; runtime: string },
): Promise<HandlerRun> {
  const eventFile = join(at.work, `${each.fn.name}-event.json`);
  await writeFile(eventFile, JSON.stringify(event));
  const dot = each.handler.lastIndexOf('.');
  const file = join(each.dir, `${each.handler.slice(0, dot)}.js`);
  const { code, stdout } = await runNode([RUN_HANDLER, file, each.handler.slice(dot + 1), eventFile], {
    ...each.environment,
    PATH: process.env.PATH ?? '',
    NODE_PATH: sdkPaths(at.serviceDir).join(':'),
    AWS_REGION: at.region,
    AWS_ENDPOINT_URL: at.emulator.endpoint,
    AWS_ACCESS_KEY_ID: each.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: each.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: each.credentials.sessionToken ?? '',
    AWS_LAMBDA_FUNCTION_NAME: each.name,
    GANTRY_REHEARSAL_TIMEOUT_MS: String(each.timeout * 1000),
  });
  // As Lambda would: on provider.runtime's Node major (the rehearsal runs on it; see commandOnRuntimeNode).
  const node = handlerNode(stdout);
  const major = runtimeMajor(at.runtime);
  const wrongNode =
    major !== undefined && Number(node?.split('.')[0]) !== major
      ? `ran on Node ${node ?? 'unknown'}, not provider.runtime ${at.runtime}'s major`
      : undefined;
  return { code, stdout, result: handlerResult(stdout), ...(wrongNode ? { wrongNode } : {}) };
}

const hasEvents = (sources: EventSources) =>
  sources.queues.length > 0 || sources.streams.length > 0 || sources.schedulerRoles.length > 0;

/**
 * Where the bundles' excluded AWS SDK resolves, as Lambda's runtime provides it: the service's,
 * then wherever the plugin's own `@aws-sdk/*` packages (client-sqs, lib-dynamodb, …) resolve.
 */
function sdkPaths(serviceDir: string): string[] {
  const require = createRequire(import.meta.url);
  const plugin = dirname(require.resolve('@aws-sdk/client-dynamodb/package.json'));
  return [
    join(serviceDir, 'node_modules'),
    ...(require.resolve.paths('@aws-sdk/client-sqs') ?? []),
    join(plugin, '..', '..'),
  ];
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** With the function's credentials: declared reads and writes succeed, everything else is denied. */
async function probeTables(each: Deployed, expected: Expected, emulator: Emulator): Promise<Check[]> {
  const { dynamodb } = emulatorClients(emulator.endpoint, expected.region, each.credentials);
  const checks: Check[] = [];
  for (const table of expected.manifest.tables) {
    const access = each.fn.uses.find((u) => u.table === table.name)?.access;
    const actions = access ? accessActions(access) : [];
    const canRead = actions.includes('dynamodb:GetItem');
    const canPut = actions.includes('dynamodb:PutItem');
    const canDelete = actions.includes('dynamodb:DeleteItem');
    const Key = probeKey(table);
    const TableName = table.tableName;
    const attempts: [string, boolean, () => Promise<unknown>][] = [
      ['GetItem', canRead, () => dynamodb.send(new GetItemCommand({ TableName, Key }))],
      ['PutItem', canPut, () => dynamodb.send(new PutItemCommand({ TableName, Item: Key }))],
      ['DeleteItem', canDelete, () => dynamodb.send(new DeleteItemCommand({ TableName, Key }))],
    ];
    for (const [action, allowed, run] of attempts) {
      const label = `role of ${each.name}: dynamodb:${action} on ${TableName} ${allowed ? 'allowed' : 'denied'}`;
      const outcome = await run().then(
        () => 'allowed',
        (error: Error) => (error.name === 'AccessDeniedException' ? 'denied' : `${error.name}: ${error.message}`),
      );
      checks.push(outcome === (allowed ? 'allowed' : 'denied') ? pass(label) : fail(label, outcome));
    }
  }
  return checks;
}

function probeKey(table: ManifestTable): Record<string, AttributeValue> {
  const value = (type: string): AttributeValue =>
    type === 'N' ? { N: '0' } : type === 'B' ? { B: new Uint8Array([0]) } : { S: 'gantry-rehearsal-probe' };
  return {
    [table.partitionKey.name]: value(table.partitionKey.type),
    ...(table.sortKey ? { [table.sortKey.name]: value(table.sortKey.type) } : {}),
  };
}
