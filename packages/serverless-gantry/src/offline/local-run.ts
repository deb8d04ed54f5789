import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GantryBuildError } from '../errors.js';
import { roleLogicalId, tableLogicalId } from '../generate/names.js';
import type { ServiceFragment } from '../generate/service.js';
import { tableResource } from '../generate/tables.js';
import type { Manifest, ManifestTable } from '../manifest.js';
import { type LocalIdentity, startIamGateway } from './iam-gateway.js';
import { startLocalDynamoDB } from './local-dynamodb.js';
import type { Statement } from './policy.js';
import { type LocalAccount, resolveLocal } from './resolve-arns.js';

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
}

export interface LocalRun {
  /** The DynamoDB endpoint functions, the AWS CLI and SDKs use. */
  endpoint: string;
  /** Environment to add to each function, by function name. */
  environment: Record<string, Record<string, string>>;
  /** Deletes expired items now; returns how many. */
  sweepExpired(): Promise<number>;
  stop(): Promise<void>;
}

/** A local account ID that is clearly not a real one. */
const ACCOUNT_ID = '000000000000';
const LOCAL_SECRET = 'gantry-local-secret';

/** The local access key of a function: how the endpoint knows who is calling. */
export const localAccessKey = (functionName: string) => `gantry-local-${functionName}`;

/**
 * Starts what `sls offline` needs behind the functions: dynalite with the Manifest's tables (and
 * seeds), and in front of it the endpoint that enforces each function's generated IAM policy.
 * Functions get the endpoint and their own local credentials, so nothing reaches real AWS.
 */
export async function startLocalRun(options: LocalRunOptions): Promise<LocalRun> {
  const account: LocalAccount = { partition: 'aws', region: options.region, accountId: ACCOUNT_ID };
  const database = await startLocalDynamoDB(
    options.persist ? resolve(options.servicePath, options.persist) : undefined,
  );
  try {
    await createTables(database.url, options.manifest.tables, options.region);
    if (options.seed) await seedTables(database.url, options, options.region);
    const identities = options.enforceIam ? functionIdentities(options.manifest, options.fragment, account) : new Map();
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
    });
    const environment: LocalRun['environment'] = {};
    for (const fn of options.manifest.functions) {
      environment[fn.name] = {
        AWS_ENDPOINT_URL_DYNAMODB: gateway.url,
        AWS_ACCESS_KEY_ID: localAccessKey(fn.name),
        AWS_SECRET_ACCESS_KEY: LOCAL_SECRET,
        AWS_SESSION_TOKEN: '',
        AWS_REGION: options.region,
      };
    }
    return {
      endpoint: gateway.url,
      environment,
      sweepExpired: gateway.sweepExpired,
      stop: async () => {
        await gateway.stop();
        await database.stop();
      },
    };
  } catch (error) {
    await database.stop();
    throw error;
  }
}

/** Each function's role statements, with table ARNs resolved to the local run's. */
export function functionIdentities(manifest: Manifest, fragment: ServiceFragment, account: LocalAccount) {
  const tableNames = Object.fromEntries(manifest.tables.map((t) => [tableLogicalId(t.name), t.tableName]));
  const identities = new Map<string, LocalIdentity>();
  for (const fn of manifest.functions) {
    const role = fragment.resources[roleLogicalId(fn.name)] as {
      Properties: { RoleName: string; Policies: { PolicyDocument: { Statement: unknown[] } }[] };
    };
    const statements = role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    identities.set(localAccessKey(fn.name), {
      functionName: fn.name,
      roleName: role.Properties.RoleName,
      statements: resolveLocal(statements, tableNames, account) as Statement[],
    });
  }
  return identities;
}

/** CreateTable input from the same generator as the CloudFormation table (keys, GSIs, billing). */
export function createTableInput(table: ManifestTable): CreateTableCommandInput {
  const { TableName, BillingMode, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes } = tableResource(table, {
    retain: false,
    pointInTimeRecovery: false,
  }).Properties as CreateTableCommandInput;
  return {
    TableName,
    BillingMode,
    AttributeDefinitions,
    KeySchema,
    ...(GlobalSecondaryIndexes ? { GlobalSecondaryIndexes } : {}),
  };
}

const localClient = (url: URL, region: string) =>
  new DynamoDBClient({
    endpoint: url.href,
    region,
    credentials: { accessKeyId: 'gantry-admin', secretAccessKey: LOCAL_SECRET },
  });

async function createTables(url: URL, tables: ManifestTable[], region: string): Promise<void> {
  const client = localClient(url, region);
  try {
    const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
    for (const table of tables) {
      if (!existing.has(table.tableName)) await client.send(new CreateTableCommand(createTableInput(table)));
    }
  } finally {
    client.destroy();
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
