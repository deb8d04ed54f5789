import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { GantryBuildError } from '../../errors.js';
import { bucketNameIn, roleLogicalId, tableLogicalId } from '../../generate/names.js';
import type { ServiceFragment } from '../../generate/service.js';
import { tableResource } from '../../generate/tables.js';
import type { Manifest, ManifestBucket, ManifestTable } from '../../manifest.js';
import { type LocalIdentity, startIamGateway } from '../dynamodb/iam-gateway.js';
import { startLocalDynamoDB } from '../dynamodb/local-dynamodb.js';
import { createStreamStore, type KeySchemaElement, type StreamStore } from '../dynamodb/stream-store.js';
import type { Statement } from '../iam/policy.js';
import { type LocalAccount, type LocalResources, localTableResource, resolveLocal } from '../iam/resolve-arns.js';
import { type LocalBucketInput, type LocalObjectEvent, startLocalS3 } from '../s3/local-s3.js';
import { type LocalQueue, startLocalSqs } from '../sqs/local-sqs.js';
import { localQueueResources } from '../sqs/queue-resources.js';

export interface LocalRunOptions {
  servicePath: string;
  manifest: Manifest;
  fragment: ServiceFragment;
  region: string;
  /** Port of the DynamoDB endpoint; 0 picks a free one. */
  port: number;
  /** Keep the data in this directory (relative to the service) across restarts. */
  persist?: string | undefined;
  /** Seed files (JSON arrays of items) by declared table name, loaded into empty tables. */
  seed?: Record<string, string> | undefined;
  /** Check every call against the function's generated policy (default true). */
  enforceIam: boolean;
  denyUnidentified: boolean;
  /** How often expired items are deleted. */
  ttlSweepMs: number;
  /** How long tables created, updated or deleted at run time stay CREATING / UPDATING / DELETING (500 ms). */
  tableTransitionMs?: number | undefined;
  /** How long an expired item stays readable before the background sweep deletes it (two days). */
  ttlDeleteAfterMs?: number | undefined;
  /** How long DescribeTimeToLive shows ENABLING / DISABLING after UpdateTimeToLive (2 s). */
  ttlTransitionMs?: number | undefined;
  /** How long stream records stay readable (DynamoDB Streams: 24 hours). */
  streamRetentionMs?: number | undefined;
  /**
   * Origins a bucket declared with `cors: true` allows, besides the service's CORS origins: the
   * local page's (the API front's URL under `sls offline`), as deploy adds the API's own URL.
   */
  pageOrigins?: string[] | undefined;
}

export interface LocalRun {
  /** The DynamoDB endpoint functions, the AWS CLI and SDKs use. */
  endpoint: string;
  /** Environment to add to each function, by function name. */
  environment: Record<string, Record<string, string>>;
  /** Where the service's queues and streams are, for the event engine (plain data: it crosses threads). */
  events: LocalEventSourcesData;
  /**
   * Deletes expired items now, without waiting out `ttlDeleteAfterMs` (for tests); returns how many.
   * `{ now: false }` runs the background sweep's pass instead (expired items kept for the delay).
   */
  sweepExpired(options?: { now?: boolean }): Promise<number>;
  /** Takes a new Manifest while running: new tables and indexes, new policies. */
  update(manifest: Manifest, fragment: ServiceFragment): Promise<UpdateSummary>;
  /** Calls `listener` with each object created or removed in a declared bucket (for the event engine). */
  onObjectEvent(listener: (event: LocalObjectEvent) => void): void;
  stop(): Promise<void>;
}

export interface UpdateSummary {
  createdTables: string[];
  createdIndexes: string[];
  /** Tables whose keys changed: they keep their old keys until the local run restarts (memory) or the data is removed. */
  keptKeys: string[];
}

/** The local run's queues and streams, as the event engine reads them. */
export interface LocalEventSourcesData {
  region: string;
  account: LocalAccount;
  /** The IAM-enforcing endpoints: DynamoDB (with its Streams API), SQS and S3. */
  endpoints: { dynamodb: string; sqs: string; s3: string };
  /** Each declared bucket's local name, by declared name. */
  buckets: Record<string, string>;
  /** Each declared queue's local URL and ARN (and its dead-letter queue's), by declared name. */
  queues: Record<string, LocalQueue>;
  /** Each stream table's current stream ARN, by declared table name. */
  streams: Record<string, string>;
}

/** A local account ID that is clearly not a real one. */
const ACCOUNT_ID = '000000000000';
const LOCAL_SECRET = 'gantry-local-secret';

/** The local access key of a function: how the endpoint knows who is calling. */
export const localAccessKey = (functionName: string) => `gantry-local-${functionName}`;

/**
 * Credentials for calls that are nobody's function (a shell, a test): the local S3 checks every
 * signature, so a caller needs a secret it knows; allowed unless `denyUnidentified`.
 */
export const localShellCredentials = { accessKeyId: 'gantry-admin', secretAccessKey: LOCAL_SECRET };

/** A function's local credentials: its calls, and its event source mappings' reads, are checked against its role. */
export const localCredentials = (functionName: string) => ({
  accessKeyId: localAccessKey(functionName),
  secretAccessKey: LOCAL_SECRET,
});

/**
 * Starts what `sls offline` needs behind the functions: dynalite with the Manifest's tables (and
 * seeds), and in front of it the endpoint that enforces each function's generated IAM policy.
 * Functions get the endpoint and their own local credentials, so nothing reaches real AWS.
 */
export async function startLocalRun(
  options: LocalRunOptions,
  internal: { testFailureOn?: string | undefined } = {},
): Promise<LocalRun> {
  const account: LocalAccount = { partition: 'aws', region: options.region, accountId: ACCOUNT_ID };
  const database = await startLocalDynamoDB(
    options.persist ? resolve(options.servicePath, options.persist) : undefined,
    options.tableTransitionMs,
  );
  const stopOnFailure: (() => Promise<void>)[] = [];
  try {
    await syncTables(database.url, options.manifest.tables, options.region);
    if (options.seed) await seedTables(database.url, options, options.region);
    database.startTransitions();
    const streams = createStreamStore({
      account,
      retentionMs: options.streamRetentionMs,
      stateFile: options.persist ? resolve(options.servicePath, options.persist, 'gantry-streams.json') : undefined,
    });
    // Before the policies: a consumer's policy names its table's stream ARN, a sender's its queue's.
    const streamArns = configureStreams(streams, options.manifest.tables);
    const identities = new Map<string, LocalIdentity>();
    const sqs = await startLocalSqs({
      account,
      identities,
      denyUnidentified: options.enforceIam && options.denyUnidentified,
      port: 0,
    });
    stopOnFailure.push(sqs.stop);
    let queues = await sqs.createQueues(options.manifest.queues);
    // The local S3 verifies each signature with the signing function's secret, so it knows every
    // function even when IAM is not enforced (then each may do anything, as with DynamoDB and SQS).
    const s3Identities = options.enforceIam ? identities : new Map<string, LocalIdentity>();
    const objectListeners: ((event: LocalObjectEvent) => void)[] = [];
    const s3 = await startLocalS3({
      account,
      identities: s3Identities,
      shellCredentials: localShellCredentials,
      denyUnidentified: options.enforceIam && options.denyUnidentified,
      port: 0,
      onObjectEvent: (event) => {
        for (const listener of objectListeners) listener(event);
      },
    });
    stopOnFailure.push(s3.stop);
    const setIdentities = (manifest: Manifest, fragment: ServiceFragment, arns: Record<string, string>) => {
      const all = functionIdentities(manifest, fragment, account, arns, queues);
      identities.clear();
      s3Identities.clear();
      for (const [key, identity] of all) {
        if (options.enforceIam) identities.set(key, identity);
        else s3Identities.set(key, { ...identity, statements: [ALLOW_ALL] });
      }
    };
    let buckets = await createBuckets(s3.createBuckets, options.manifest.buckets ?? [], account, bucketCors(options));
    setIdentities(options.manifest, options.fragment, streamArns);
    const gateway = await startIamGateway({
      upstream: database.url,
      handle: database.handle,
      identities,
      account,
      denyUnidentified: options.enforceIam && options.denyUnidentified,
      port: options.port,
      ttl: Object.fromEntries(options.manifest.tables.filter((t) => t.ttl).map((t) => [t.tableName, t.ttl as string])),
      ttlStateFile: options.persist ? resolve(options.servicePath, options.persist, 'gantry-ttl.json') : undefined,
      ttlSweepMs: options.ttlSweepMs,
      ttlTransitionMs: options.ttlTransitionMs,
      ttlDeleteAfterMs: options.ttlDeleteAfterMs,
      streams,
      testFailureOn: internal.testFailureOn,
    });
    const environment: LocalRun['environment'] = {};
    for (const fn of options.manifest.functions) {
      environment[fn.name] = {
        AWS_ENDPOINT_URL_DYNAMODB: gateway.url,
        AWS_ENDPOINT_URL_SQS: sqs.url,
        AWS_ENDPOINT_URL_S3: s3.url,
        ...Object.fromEntries(queueUrls(options.manifest, fn.sends, queues)),
        ...Object.fromEntries(bucketNames(options.manifest, fn.name, buckets)),
        AWS_ACCESS_KEY_ID: localAccessKey(fn.name),
        AWS_SECRET_ACCESS_KEY: LOCAL_SECRET,
        AWS_SESSION_TOKEN: '',
        AWS_REGION: options.region,
        // Local runs only: lets the kit's table client say, when the policy denies a call, what this
        // function declared beside what the call needs (deployed, it names the need alone).
        GANTRY_LOCAL_TABLE_ACCESS: JSON.stringify(Object.fromEntries(fn.uses.map((u) => [u.table, u.access]))),
        ...(fn.buckets?.length
          ? {
              GANTRY_LOCAL_BUCKET_ACCESS: JSON.stringify(
                Object.fromEntries(
                  fn.buckets.map((u) => [u.bucket, { access: u.access, ...(u.prefix ? { prefix: u.prefix } : {}) }]),
                ),
              ),
            }
          : {}),
      };
    }
    const events = (manifest: Manifest, arns: Record<string, string>): LocalEventSourcesData => ({
      region: options.region,
      account,
      endpoints: { dynamodb: gateway.url, sqs: sqs.url, s3: s3.url },
      queues,
      buckets,
      streams: Object.fromEntries(
        manifest.tables.flatMap((t) => (arns[t.tableName] ? [[t.name, arns[t.tableName] as string]] : [])),
      ),
    });
    const run: LocalRun = {
      endpoint: gateway.url,
      environment,
      events: events(options.manifest, streamArns),
      sweepExpired: gateway.sweepExpired,
      update: async (manifest, fragment) => {
        const summary = await syncTables(database.url, manifest.tables, options.region);
        for (const table of manifest.tables) if (table.ttl) gateway.enableTtl(table.tableName, table.ttl);
        const arns = configureStreams(streams, manifest.tables);
        queues = await sqs.createQueues(manifest.queues);
        buckets = await createBuckets(s3.createBuckets, manifest.buckets ?? [], account, bucketCors(options, fragment));
        run.events = events(manifest, arns);
        setIdentities(manifest, fragment, arns);
        return summary;
      },
      onObjectEvent: (listener) => {
        objectListeners.push(listener);
      },
      stop: async () => {
        await gateway.stop();
        await s3.stop();
        await sqs.stop();
        await database.stop();
      },
    };
    return run;
  } catch (error) {
    for (const stop of stopOnFailure) await stop();
    await database.stop();
    throw error;
  }
}

/** Local runs do not check IAM with `enforceIam: false`: each function may do anything. */
const ALLOW_ALL: Statement = { Effect: 'Allow', Action: '*', Resource: '*' };

/** Creates the Manifest's buckets under their local names; returns the names by declared name. */
async function createBuckets(
  create: (buckets: LocalBucketInput[]) => Promise<Record<string, { bucketName: string }>>,
  buckets: ManifestBucket[],
  account: LocalAccount,
  cors: (bucket: ManifestBucket) => LocalBucketInput['cors'],
): Promise<Record<string, string>> {
  const created = await create(
    buckets.map((bucket) => ({
      name: bucket.name,
      bucketName: bucketNameIn(bucket.bucketName, account),
      cors: cors(bucket),
    })),
  );
  return Object.fromEntries(Object.entries(created).map(([name, local]) => [name, local.bucketName]));
}

/**
 * A bucket's CORS rule locally, as deploy writes it: `cors: true` allows the service's CORS
 * origins and the page's (here the local front's), explicit origins as declared, `false` none.
 */
function bucketCors(options: LocalRunOptions, fragment: ServiceFragment = options.fragment) {
  const serviceOrigins = (fragment.cors as { allowedOrigins?: string[] } | undefined)?.allowedOrigins ?? [];
  return (bucket: ManifestBucket): LocalBucketInput['cors'] => {
    if (bucket.cors === false) return undefined;
    const declared = bucket.cors === true ? {} : bucket.cors;
    const origins = declared.origins ?? [...serviceOrigins, ...(options.pageOrigins ?? [])];
    return origins.length > 0 ? { origins, maxAgeSeconds: declared.maxAgeSeconds ?? 3000 } : undefined;
  };
}

/** `GANTRY_BUCKET_<NAME>` → the local name, for each bucket a function uses or is triggered by. */
function bucketNames(manifest: Manifest, functionName: string, buckets: Record<string, string>): [string, string][] {
  const fn = manifest.functions.find((f) => f.name === functionName);
  const names = new Set([
    ...(fn?.buckets ?? []).map((u) => u.bucket),
    ...(fn?.triggers ?? []).flatMap((t) => (t.type === 'object' ? [t.bucket] : [])),
  ]);
  return (manifest.buckets ?? []).flatMap((bucket) =>
    names.has(bucket.name) && buckets[bucket.name] ? [[bucket.envVar, buckets[bucket.name] as string]] : [],
  );
}

/** `GANTRY_QUEUE_<NAME>` → the local URL, for each queue a function sends to. */
function queueUrls(manifest: Manifest, sends: string[], queues: Record<string, LocalQueue>): [string, string][] {
  return sends.flatMap((name) => {
    const queue = manifest.queues.find((q) => q.name === name);
    const local = queues[name];
    return queue && local ? [[queue.envVar, local.url]] : [];
  });
}

/**
 * Each function's role statements, with table ARNs resolved to the local run's (and stream ARNs,
 * given by table name, for tables with a stream).
 */
export function functionIdentities(
  manifest: Manifest,
  fragment: ServiceFragment,
  account: LocalAccount,
  streamArns: Record<string, string> = {},
  queues: Record<string, LocalQueue> = {},
) {
  const resources: LocalResources = {
    ...Object.fromEntries(
      manifest.tables.map((t) => [
        tableLogicalId(t.name),
        localTableResource(t.tableName, account, streamArns[t.tableName]),
      ]),
    ),
    ...localQueueResources(manifest.queues, queues),
  };
  const identities = new Map<string, LocalIdentity>();
  for (const fn of manifest.functions) {
    const role = fragment.resources[roleLogicalId(fn.name)] as {
      Properties: { RoleName: string; Policies: { PolicyDocument: { Statement: unknown[] } }[] };
    };
    const statements = role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    identities.set(localAccessKey(fn.name), {
      secretAccessKey: LOCAL_SECRET,
      functionName: fn.name,
      roleName: role.Properties.RoleName,
      statements: resolveLocal(statements, resources, account) as Statement[],
    });
  }
  return identities;
}

/** CreateTable input from the same generator as the CloudFormation table (keys, GSIs, billing). */
export function createTableInput(table: ManifestTable): CreateTableCommandInput {
  const { TableName, BillingMode, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, StreamSpecification } =
    tableResource(table, {
      retain: false,
      pointInTimeRecovery: false,
      deletionProtection: false,
    }).Properties as CreateTableCommandInput;
  return {
    TableName,
    BillingMode,
    AttributeDefinitions,
    KeySchema,
    ...(GlobalSecondaryIndexes ? { GlobalSecondaryIndexes } : {}),
    // dynalite drops it; the endpoint's stream store keeps the Manifest tables' streams (configureStreams).
    ...(StreamSpecification ? { StreamSpecification } : {}),
  };
}

/**
 * Gives each Manifest table the stream it declares (kept across restarts of a persisted run, so
 * its ARN stays); returns the stream ARNs by table name, for the functions' policies.
 */
function configureStreams(streams: StreamStore, tables: ManifestTable[]): Record<string, string> {
  const arns: Record<string, string> = {};
  for (const table of tables) {
    const keySchema = (createTableInput(table).KeySchema ?? []) as KeySchemaElement[];
    const stream = streams.configure(table.tableName, table.stream, keySchema);
    if (stream) arns[table.tableName] = stream.arn;
  }
  return arns;
}

const localClient = (url: URL, region: string) =>
  new DynamoDBClient({
    endpoint: url.href,
    region,
    credentials: { accessKeyId: 'gantry-admin', secretAccessKey: LOCAL_SECRET },
  });

/**
 * Makes the local tables match the Manifest: creates missing tables and global secondary indexes
 * (an index is added by making the table again with its items). A table whose keys changed keeps
 * its data and old keys (DynamoDB cannot change keys either).
 */
async function syncTables(url: URL, tables: ManifestTable[], region: string): Promise<UpdateSummary> {
  const client = localClient(url, region);
  const summary: UpdateSummary = { createdTables: [], createdIndexes: [], keptKeys: [] };
  try {
    const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
    for (const table of tables) {
      const wanted = createTableInput(table);
      if (!existing.has(table.tableName)) {
        await client.send(new CreateTableCommand(wanted));
        await whenActive(client, table.tableName);
        summary.createdTables.push(table.name);
        continue;
      }
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
      if (JSON.stringify(Table?.KeySchema) !== JSON.stringify(wanted.KeySchema)) summary.keptKeys.push(table.name);
      const have = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
      const missing = (wanted.GlobalSecondaryIndexes ?? []).filter((i) => !have.has(i.IndexName));
      if (missing.length > 0 && !summary.keptKeys.includes(table.name)) {
        // dynalite cannot add an index to a table: make the table again, with its items.
        await recreateWithItems(client, wanted);
        summary.createdIndexes.push(...missing.map((i) => `${table.name}.${i.IndexName}`));
      }
    }
  } finally {
    client.destroy();
  }
  return summary;
}

// The SDK's own waiters, polling the in-process dynalite often (transitions last well under a second).
const WAIT = { minDelay: 0.05, maxDelay: 0.5, maxWaitTime: 120 };
const whenActive = (client: DynamoDBClient, TableName: string) =>
  waitUntilTableExists({ client, ...WAIT }, { TableName });

async function recreateWithItems(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  const documents = DynamoDBDocumentClient.from(client);
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: documents }, { TableName: input.TableName }))
    items.push(...(page.Items ?? []));
  await client.send(new DeleteTableCommand({ TableName: input.TableName }));
  await waitUntilTableNotExists({ client, ...WAIT }, { TableName: input.TableName });
  await client.send(new CreateTableCommand(input));
  await whenActive(client, input.TableName as string);
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await documents.send(new BatchWriteCommand({ RequestItems: { [input.TableName as string]: batch } }));
  }
}

async function seedTables(url: URL, options: LocalRunOptions, region: string): Promise<void> {
  const client = localClient(url, region);
  const documents = DynamoDBDocumentClient.from(client);
  try {
    for (const [name, file] of Object.entries(options.seed ?? {})) {
      const table = options.manifest.tables.find((t) => t.name === name);
      if (!table) {
        throw new GantryBuildError([
          `custom.gantry.offline.seed.${name}: no table is named '${name}'; use a declared table name.`,
        ]);
      }
      const empty = ((await client.send(new ScanCommand({ TableName: table.tableName, Limit: 1 }))).Count ?? 0) === 0;
      if (!empty) continue;
      const items = await readSeed(resolve(options.servicePath, file), name);
      for (let i = 0; i < items.length; i += 25) {
        const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
        await documents.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: batch } }));
      }
    }
  } finally {
    client.destroy();
  }
}

async function readSeed(path: string, table: string): Promise<Record<string, unknown>[]> {
  let items: unknown;
  try {
    items = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new GantryBuildError(
      [`custom.gantry.offline.seed.${table}: cannot read ${path} as JSON (${String(error)}).`],
      { cause: error },
    );
  }
  if (!Array.isArray(items)) {
    throw new GantryBuildError([`custom.gantry.offline.seed.${table}: ${path} must hold a JSON array of items.`]);
  }
  return items as Record<string, unknown>[];
}
