import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { readBody, stackOf } from '../http/read-body.js';
import { deniedMessage, identifyCaller, type LocalIdentity } from '../iam/caller.js';
import { requestChecks } from '../iam/request-checks.js';
import { withDynamoDbContext } from '../iam/request-context.js';
import type { LocalAccount } from '../iam/resolve-arns.js';
import { type CaptureContext, captureTargets, recordExpiry, writeWithChangeRecords } from './change-capture.js';
import { writeWithItemOnConditionFailure } from './condition-failure.js';
import { emptyIndexKey, type TableKeys } from './index-keys.js';
import { isCheckedOperation, serializationError, validateRequest } from './request-validation.js';
import { createRwLock } from './rw-lock.js';
import { createStreamStore, type KeySchemaElement, type StreamStore } from './stream-store.js';
import { streamsOperationOf, streamsRequest } from './streams-api.js';
import {
  applyStreamSetting,
  DYNALITE_TABLE_UPDATES,
  streamConflict,
  streamSetting,
  withStreamFields,
} from './table-streams.js';
import { type Answer, createIdempotencyTokens, transactGet, transactWrite } from './transactions.js';
import { createTtl } from './ttl.js';
import { callDynamo, type Relayed, relay, relayedJson, sendRelayed } from './wire.js';

export type { LocalIdentity } from '../iam/caller.js';

export interface GatewayOptions {
  /** The local DynamoDB: its URL (for the endpoint's own calls) and its request handler. */
  upstream: URL;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** By access key id (the `Credential=` of the SigV4 `Authorization` header, or a presigned `X-Amz-Credential`). */
  identities: Map<string, LocalIdentity>;
  account: LocalAccount;
  /** Deny callers without a function identity (your shell, the AWS CLI); allowed by default. */
  denyUnidentified: boolean;
  port: number;
  /** Tables whose TTL is on from the start (the Manifest's `ttl`), by table name. */
  ttl: Record<string, string>;
  ttlStateFile?: string | undefined;
  ttlSweepMs: number;
  ttlTransitionMs?: number | undefined;
  ttlDeleteAfterMs?: number | undefined;
  /**
   * The tables' streams (DynamoDB Streams, which dynalite lacks): the endpoint records each change
   * of a table with a stream and serves the Streams API over them. A store of its own by default.
   */
  streams?: StreamStore | undefined;
  /**
   * Internal, for Gantry's own tests only: a request for this operation makes the endpoint's thread
   * fail (an exception thrown outside any request), to test what `sls offline` does then.
   */
  testFailureOn?: string | undefined;
}

// DynamoDB operations the local endpoint cannot serve: answered with DynamoDB's own error shape.
const UNSUPPORTED = new Set([
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
  'CreateBackup',
  'RestoreTableFromBackup',
  'ExportTableToPointInTime',
  'ImportTable',
  'CreateGlobalTable',
]);

// The operations the endpoint answers itself (dynalite lacks them, or answers them differently).
const GANTRY_OPERATIONS = new Set(['TransactWriteItems', 'TransactGetItems', 'UpdateTimeToLive', 'DescribeTimeToLive']);

const MAX_BODY = 16 * 1024 * 1024; // DynamoDB's (and dynalite's) limit on a request body

/**
 * The DynamoDB endpoint of a local run. It identifies the calling function by its local access key,
 * evaluates each request against the very statements deploy generates for that function's role,
 * and answers a denied call exactly as DynamoDB does; allowed calls go through to the local DynamoDB.
 */
export async function startIamGateway(options: GatewayOptions) {
  const agent = new Agent({ keepAlive: true });
  const withLock = createRwLock();
  const idempotent = createIdempotencyTokens();
  // Key attributes by table (its own and its indexes'); undefined for a table that does not exist (not cached).
  const keySchemas = new Map<string, Promise<TableKeys | undefined>>();
  const tableKeys = (table: string) => {
    let keys = keySchemas.get(table);
    if (!keys) {
      keys = callDynamo(options.upstream, agent, 'DescribeTable', { TableName: table }).then((answer) => {
        type Schema = { KeySchema?: { AttributeName: string }[] };
        type Index = Schema & { IndexName: string };
        const described = answer.body.Table as
          | (Schema & { GlobalSecondaryIndexes?: Index[]; LocalSecondaryIndexes?: Index[] })
          | undefined;
        if (answer.status !== 200 || !described?.KeySchema) {
          keySchemas.delete(table);
          return undefined;
        }
        // By index name: DynamoDB names the alphabetically first index an attribute keys.
        const indexes = [...(described.GlobalSecondaryIndexes ?? []), ...(described.LocalSecondaryIndexes ?? [])].sort(
          (a, b) => (a.IndexName < b.IndexName ? -1 : 1),
        );
        return {
          keys: described.KeySchema.map((k) => k.AttributeName),
          indexKeys: indexes.flatMap((index) =>
            (index.KeySchema ?? []).map((k) => ({ index: index.IndexName, attribute: k.AttributeName })),
          ),
        };
      });
      keys.catch(() => keySchemas.delete(table));
      keySchemas.set(table, keys);
    }
    return keys;
  };
  const keyNames = (table: string) => tableKeys(table).then((keys) => keys?.keys);
  // A table's partition key is the first of its key schema. Read only for a role with conditions.
  const partitionKeyOf = (table: string) => keyNames(table).then((names) => names?.[0]);
  const checksOf = async (identity: LocalIdentity, operation: string, request: Record<string, unknown>) => {
    const checks = requestChecks(operation, request, options.account);
    const conditional = identity.statements.some((statement) => statement.Condition !== undefined);
    return conditional ? withDynamoDbContext(operation, request, checks, partitionKeyOf) : checks;
  };
  const streams = options.streams ?? createStreamStore({ account: options.account });
  const capture: CaptureContext = { upstream: options.upstream, agent, streams, region: options.account.region };
  const ttl = createTtl({
    upstream: options.upstream,
    agent,
    keyNames,
    withLock,
    stateFile: options.ttlStateFile,
    sweepMs: options.ttlSweepMs,
    transitionMs: options.ttlTransitionMs,
    deleteAfterMs: options.ttlDeleteAfterMs,
    changes: {
      streamed: (table) => streams.active(table) !== undefined,
      expired: (table, item) => recordExpiry(capture, table, item),
    },
  });
  for (const [table, attribute] of Object.entries(options.ttl)) ttl.enable(table, attribute);
  ttl.start();

  async function serve(
    operation: string,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    parsed: Record<string, unknown> | undefined,
    valid: boolean,
  ): Promise<void> {
    // The operations the endpoint answers itself always come with a checked body (see receive).
    const json = () => parsed ?? {};
    const keysOf = async (table: string, item: Record<string, unknown>) => {
      const names = await keyNames(table);
      return names && Object.fromEntries(names.map((k) => [k, item[k]]));
    };
    // Checked after the body's own validation, which dynalite makes for what it serves.
    const refused = valid && parsed && (await emptyIndexKey(operation, parsed, tableKeys));
    if (refused) return answer(res, refused);
    // Writes to tables with a stream: alone, with the items read before and after (see change-capture.ts).
    const changing = valid && parsed ? captureTargets(operation, parsed, streams) : [];
    const relayed = (result: Relayed) => result.status === 200;
    switch (operation) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem': {
        if (changing.length > 0) {
          return withLock(true, async () => {
            if (parsed?.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') {
              const write = () => relay(options.upstream, agent, req, body);
              return sendRelayed(res, await writeWithChangeRecords(capture, changing, write, relayed));
            }
            const write = () => writeWithItemOnConditionFailure(options.upstream, agent, operation, parsed, keysOf);
            return answer(res, await writeWithChangeRecords(capture, changing, write, succeeded));
          });
        }
        if (parsed?.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') {
          return withLock(false, () => forward(req, res, body, options.handle));
        }
        return answer(
          res,
          await withLock(true, () =>
            writeWithItemOnConditionFailure(options.upstream, agent, operation, parsed, keysOf),
          ),
        );
      }
      case 'BatchWriteItem': {
        if (changing.length === 0) return withLock(false, () => forward(req, res, body, options.handle));
        return withLock(true, async () => {
          const write = () => relay(options.upstream, agent, req, body);
          sendRelayed(res, await writeWithChangeRecords(capture, changing, write, relayed));
        });
      }
      case 'TransactWriteItems': {
        const request = json();
        const write = () => transactWrite(options.upstream, agent, request, keysOf);
        const apply = () => writeWithChangeRecords(capture, changing, write, succeeded);
        return answer(res, await withLock(true, () => idempotent(request, apply)));
      }
      case 'TransactGetItems':
        return answer(res, await withLock(true, () => transactGet(options.upstream, agent, json())));
      case 'UpdateTimeToLive':
        keySchemas.clear();
        return answer(res, await ttl.update(json()));
      case 'DescribeTimeToLive':
        return answer(res, await ttl.describe(json()));
      case 'CreateTable': {
        keySchemas.clear();
        // dynalite answers an existing table with an empty message (the SDK shows "UnknownError").
        return withLock(true, async () => {
          const name = parsed?.TableName;
          if (valid && typeof name === 'string' && (await keyNames(name))) {
            return answer(res, {
              status: 400,
              body: {
                __type: 'com.amazonaws.dynamodb.v20120810#ResourceInUseException',
                message: `Table already exists: ${name}`,
              },
            });
          }
          keySchemas.clear();
          // dynalite drops StreamSpecification: the endpoint keeps the stream and shows it.
          const stream = valid && parsed ? streamSetting('CreateTable', parsed) : undefined;
          if (stream && 'answer' in stream) return answer(res, stream.answer);
          if (!stream?.setting.enabled) return forward(req, res, body, options.handle);
          const created = await relay(options.upstream, agent, req, body);
          const json = relayedJson(created);
          if (created.status !== 200 || !json) return sendRelayed(res, created);
          const keySchema = (parsed?.KeySchema ?? []) as KeySchemaElement[];
          applyStreamSetting(streams, String(name), stream.setting, keySchema);
          return sendRelayed(res, created, withStreamFields(json, 'TableDescription', streams));
        });
      }
      case 'UpdateTable':
      case 'DeleteTable':
      case 'DescribeTable': {
        if (operation !== 'DescribeTable') keySchemas.clear();
        const name = typeof parsed?.TableName === 'string' ? parsed.TableName : undefined;
        const stream = valid && parsed && operation === 'UpdateTable' ? streamSetting(operation, parsed) : undefined;
        // Tables that never had a stream cost nothing extra.
        if (!stream && !(name && streams.latest(name)))
          return withLock(false, () => forward(req, res, body, options.handle));
        // Alone for a change of the stream, so no write is recorded half-way through it.
        const alone = operation !== 'DescribeTable';
        return withLock(alone, () => serveTableStream(operation, req, res, body, parsed ?? {}, stream));
      }
      default:
        if (UNSUPPORTED.has(operation)) {
          return answer(res, {
            status: 400,
            body: {
              __type: 'com.amazon.coral.service#UnknownOperationException',
              message: `${operation} is not supported by Gantry's local DynamoDB (dynalite); see serverless-gantry's README.`,
            },
          });
        }
        return withLock(false, () => forward(req, res, body, options.handle));
    }
  }

  /**
   * UpdateTable, DeleteTable and DescribeTable of a table with a stream (or asking for one): the
   * table operation as dynalite answers it, the stream changed when it succeeds, and the stream's
   * fields added to the table's description. The caller holds the lock alone.
   */
  async function serveTableStream(
    operation: 'UpdateTable' | 'DeleteTable' | 'DescribeTable',
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    parsed: Record<string, unknown>,
    stream: ReturnType<typeof streamSetting>,
  ): Promise<void> {
    if (stream && 'answer' in stream) return answer(res, stream.answer);
    const name = String(parsed.TableName);
    if (stream && !DYNALITE_TABLE_UPDATES.some((member) => parsed[member] !== undefined && parsed[member] !== null)) {
      // Only the stream changes: dynalite would refuse an UpdateTable that changes nothing it knows.
      const described = await callDynamo(options.upstream, agent, 'DescribeTable', { TableName: name });
      if (described.status !== 200) return answer(res, { status: described.status, body: described.body });
      const conflict = streamConflict(streams, name, stream.setting);
      if (conflict) return answer(res, conflict);
      const table = described.body.Table as { KeySchema?: KeySchemaElement[] };
      applyStreamSetting(streams, name, stream.setting, table.KeySchema ?? []);
      return answer(res, {
        status: 200,
        body: withStreamFields({ TableDescription: table }, 'TableDescription', streams),
      });
    }
    const conflict = stream && streamConflict(streams, name, stream.setting);
    if (conflict) return answer(res, conflict);
    const result = await relay(options.upstream, agent, req, body);
    const json = relayedJson(result);
    if (result.status !== 200 || !json) return sendRelayed(res, result);
    if (operation === 'DeleteTable') {
      streams.disable(name, { tableDeleted: true });
      return sendRelayed(res, result);
    }
    if (stream) {
      const keySchema = ((json.TableDescription as Record<string, unknown> | undefined)?.KeySchema ??
        []) as KeySchemaElement[];
      applyStreamSetting(streams, name, stream.setting, keySchema);
    }
    return sendRelayed(
      res,
      result,
      withStreamFields(json, operation === 'DescribeTable' ? 'Table' : 'TableDescription', streams),
    );
  }

  /** A DynamoDB Streams call: checked, authorized against the caller's policy, answered from the stream store. */
  function serveStreams(operation: string, res: ServerResponse, body: Buffer, identity: LocalIdentity | undefined) {
    const parsed = parseOrUndefined(body);
    if (!isJsonObject(parsed)) return answer(res, serializationError());
    const request = streamsRequest(operation, parsed, streams);
    if ('answer' in request) return answer(res, request.answer);
    const denial = identity && deniedMessage(identity, request.checks, options.account);
    if (denial) return deny(res, denial);
    return answer(res, request.run());
  }

  // The request boundary: whatever a request holds, it gets an answer and the endpoint keeps serving.
  const server = createServer((req, res) => {
    const operation = operationOf(req);
    receive(req, res, operation).catch((error: unknown) => {
      console.error(
        `gantry: the local DynamoDB endpoint failed on ${operation || 'a request'} (answered 500): ${stackOf(error)}`,
      );
      answer(res, {
        status: 500,
        body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
      });
    });
  });

  async function receive(req: IncomingMessage, res: ServerResponse, operation: string): Promise<void> {
    if (options.testFailureOn && operation === options.testFailureOn) {
      setImmediate(() => {
        throw new Error(`test-only failure of the local DynamoDB (${operation})`);
      });
    }
    const body = await readBody(req, res, MAX_BODY, tooLarge);
    if (!body) return; // over DynamoDB's limit: answered 413
    const identity = identifyCaller(req, options.identities);
    if (!identity && options.denyUnidentified) {
      return deny(
        res,
        `User: anonymous is not authorized to perform: dynamodb:${operation} because the local run denies callers without a function identity`,
      );
    }
    const streamsOperation = streamsOperationOf(req);
    if (streamsOperation !== undefined) return serveStreams(streamsOperation, res, body, identity);
    const ours = GANTRY_OPERATIONS.has(operation);
    const parsed = parseOrUndefined(body);
    if (parsed === undefined) {
      // Not JSON (or empty): DynamoDB's SerializationException. dynalite answers it for its own
      // operations, after the checks DynamoDB makes first (method, content type, signature).
      return ours ? answer(res, serializationError()) : serve(operation, req, res, body, undefined, false);
    }
    if (!isJsonObject(parsed)) return answer(res, serializationError()); // dynalite would throw on `null`
    let request = parsed;
    let valid = true;
    if (isCheckedOperation(operation)) {
      // Checked for every caller: a body dynalite's own checks would throw on fails here, inside the
      // boundary. Its answer is sent for what the endpoint serves or authorizes; otherwise dynalite
      // sends it, after the checks DynamoDB makes first.
      const checked = validateRequest(operation, parsed);
      if (checked.answer && (ours || identity || checked.unsafe)) return answer(res, checked.answer);
      if (checked.body) request = checked.body;
      valid = !checked.answer;
    }
    const denial = identity && deniedMessage(identity, await checksOf(identity, operation, request), options.account);
    if (denial) return deny(res, denial);
    return serve(operation, req, res, body, ours ? request : parsed, valid);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    /** Deletes expired items now; `{ now: false }`: only those past the delay, as the background sweep. */
    sweepExpired: ({ now = true }: { now?: boolean } = {}) => ttl.sweep({ delayed: !now }),
    enableTtl: (table: string, attribute: string) => ttl.enable(table, attribute),
    stop: async () => {
      await ttl.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

/** The request's JSON, or undefined when the body is empty or not JSON. */
function parseOrUndefined(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The operation of a DynamoDB JSON API request: `X-Amz-Target: DynamoDB_20120810.<Operation>`. */
function operationOf(req: IncomingMessage): string {
  const target = String(req.headers['x-amz-target'] ?? '');
  return target.slice(target.indexOf('.') + 1);
}

function deny(res: ServerResponse, message: string): void {
  answer(res, { status: 400, body: { __type: 'com.amazon.coral.service#AccessDeniedException', Message: message } });
}

const succeeded = (result: Answer) => result.status === 200;

function answer(res: ServerResponse, { status, body }: Answer): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** Hands the request to dynalite in-process, its body replayed from what the endpoint read. */
function forward(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<void> {
  return new Promise((resolve) => {
    res.once('close', resolve);
    const replay = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
      headers: req.headers,
      method: req.method,
      url: req.url,
    });
    handle(replay as unknown as IncomingMessage, res);
  });
}

/** DynamoDB answers a body over its 16 MiB with 413 and no body. */
function tooLarge(res: ServerResponse): void {
  res.statusCode = 413;
  res.setHeader('transfer-encoding', 'chunked');
  res.end();
}
