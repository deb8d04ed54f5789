import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { writeWithItemOnConditionFailure } from './condition-failure.js';
import { evaluate, type Statement } from './policy.js';
import { requestChecks } from './request-checks.js';
import type { LocalAccount } from './resolve-arns.js';
import { createRwLock } from './rw-lock.js';
import { type Answer, createIdempotencyTokens, transactGet, transactWrite } from './transactions.js';
import { createTtl } from './ttl.js';
import { callDynamo } from './wire.js';

/** Who a local access key belongs to: a function, its role, and the statements deploy gives it. */
export interface LocalIdentity {
  functionName: string;
  roleName: string;
  statements: Statement[];
}

export interface GatewayOptions {
  /** The local DynamoDB: its URL (for the endpoint's own calls) and its request handler. */
  upstream: URL;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** By access key id (the `Credential=` of the SigV4 `Authorization` header). */
  identities: Map<string, LocalIdentity>;
  account: LocalAccount;
  /** Deny callers without a function identity (your shell, the AWS CLI); allowed by default. */
  denyUnidentified: boolean;
  port: number;
  /** Tables whose TTL is on from the start (the Manifest's `ttl`), by table name. */
  ttl: Record<string, string>;
  ttlStateFile?: string | undefined;
  ttlSweepMs: number;
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

const MAX_BODY = 16 * 1024 * 1024;
const CREDENTIAL = /Credential=([^/,\s]+)\//;

/**
 * The DynamoDB endpoint of a local run. It identifies the calling function by its local access key,
 * evaluates each request against the very statements deploy generates for that function's role,
 * and answers a denied call exactly as DynamoDB does; allowed calls go through to the local DynamoDB.
 */
export async function startIamGateway(options: GatewayOptions) {
  const agent = new Agent({ keepAlive: true });
  const withLock = createRwLock();
  const idempotent = createIdempotencyTokens();
  const keySchemas = new Map<string, Promise<string[]>>();
  const keyNames = (table: string) => {
    let names = keySchemas.get(table);
    if (!names) {
      names = callDynamo(options.upstream, agent, 'DescribeTable', { TableName: table }).then((answer) => {
        if (answer.status !== 200) {
          keySchemas.delete(table);
          throw new Error(`no table ${table}`);
        }
        const schema = (answer.body.Table as { KeySchema: { AttributeName: string }[] }).KeySchema;
        return schema.map((k) => k.AttributeName);
      });
      keySchemas.set(table, names);
    }
    return names;
  };
  const ttl = createTtl({
    upstream: options.upstream,
    agent,
    keyNames,
    withLock,
    stateFile: options.ttlStateFile,
    sweepMs: options.ttlSweepMs,
  });
  for (const [table, attribute] of Object.entries(options.ttl)) ttl.enable(table, attribute);
  ttl.start();

  async function serve(
    operation: string,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    parsed: Record<string, unknown> | undefined,
  ): Promise<void> {
    // Malformed JSON throws here, for the operations the endpoint answers itself.
    const json = () => parsed ?? (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
    const keysOf = async (table: string, item: Record<string, unknown>) =>
      Object.fromEntries((await keyNames(table)).map((k) => [k, item[k]]));
    switch (operation) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem': {
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
      case 'TransactWriteItems': {
        const request = json();
        const apply = () => transactWrite(options.upstream, agent, request, keysOf);
        return answer(res, await withLock(true, () => idempotent(request, apply)));
      }
      case 'TransactGetItems':
        return answer(res, await withLock(true, () => transactGet(options.upstream, agent, json())));
      case 'UpdateTimeToLive':
        keySchemas.clear();
        return answer(res, await ttl.update(json()));
      case 'DescribeTimeToLive':
        return answer(res, await ttl.describe(json()));
      case 'DeleteTable':
      case 'CreateTable':
      case 'UpdateTable':
        keySchemas.clear();
        return withLock(false, () => forward(req, res, body, options.handle));
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

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const parsed = parseOrUndefined(body);
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1);
      const denial = authorize(req, operation, parsed, options);
      if (denial) return deny(res, denial);
      serve(operation, req, res, body, parsed).catch((error: unknown) =>
        answer(res, {
          status: 500,
          body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error) },
        }),
      );
    });
    req.on('error', () => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    /** Deletes expired items now (the background sweep does this every few seconds). */
    sweepExpired: () => ttl.sweep(),
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

/** The request's JSON (an empty body is `{}`), or undefined when it is malformed. */
function parseOrUndefined(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8') || '{}');
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined; // malformed: dynalite answers with DynamoDB's own error
  }
}

/** The AccessDenied message when the request is refused, else undefined. */
function authorize(
  req: IncomingMessage,
  operation: string,
  parsed: Record<string, unknown> | undefined,
  options: GatewayOptions,
): string | undefined {
  const accessKey = CREDENTIAL.exec(String(req.headers.authorization ?? ''))?.[1];
  const identity = accessKey ? options.identities.get(accessKey) : undefined;
  if (!identity) {
    if (!options.denyUnidentified) return undefined;
    return `User: anonymous is not authorized to perform: dynamodb:${operation} because the local run denies callers without a function identity`;
  }
  if (!parsed) return undefined; // malformed: DynamoDB itself answers with its own error
  for (const check of requestChecks(operation, parsed, options.account)) {
    const verdict = evaluate(identity.statements, check.action, check.resource);
    if (verdict === 'Allowed') continue;
    const user = `arn:${options.account.partition}:sts::${options.account.accountId}:assumed-role/${identity.roleName}/${identity.functionName}`;
    const reason =
      verdict === 'ExplicitlyDenied'
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${check.action} action`;
    return `User: ${user} is not authorized to perform: ${check.action} on resource: ${check.resource} ${reason}`;
  }
  return undefined;
}

function deny(res: ServerResponse, message: string): void {
  answer(res, { status: 400, body: { __type: 'com.amazon.coral.service#AccessDeniedException', Message: message } });
}

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
