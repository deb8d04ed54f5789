import { type Agent, request, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';

/** A DynamoDB JSON-protocol answer: HTTP status and parsed body. */
export interface WireResponse {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Calls the local DynamoDB (dynalite) directly in its wire format (AttributeValue JSON), as the
 * endpoint's own client for transactions and TTL. dynalite wants an Authorization header but does
 * not check signatures.
 */
export function callDynamo(upstream: URL, agent: Agent, operation: string, body: unknown): Promise<WireResponse> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(payload),
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'x-amz-date': amzDate(),
          authorization:
            'AWS4-HMAC-SHA256 Credential=gantry-endpoint/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 500, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const amzDate = () => new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');

/** The short error name of a DynamoDB error body: `com.amazonaws...#ConditionalCheckFailedException` → the last part. */
export const errorName = (body: Record<string, unknown>) =>
  String(body.__type ?? '')
    .split('#')
    .pop() ?? '';

/** A response of the local DynamoDB, held before it is passed on. */
export interface Relayed {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

// Hop-by-hop headers belong to each connection, not to the answer.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'date']);

/**
 * Sends a client's request to the local DynamoDB as it came (method, path, headers, body) and holds
 * the answer, so the endpoint can act before the client sees it (record a change, add a table's
 * stream fields) and then pass it on with `sendRelayed`.
 */
export function relay(
  upstream: URL,
  agent: Agent,
  original: { method?: string | undefined; url?: string | undefined; headers: Record<string, unknown> },
  body: Buffer,
): Promise<Relayed> {
  const headers: Record<string, string | string[]> = { 'content-length': String(body.length) };
  for (const [name, value] of Object.entries(original.headers)) {
    if (!HOP_BY_HOP.has(name) && (typeof value === 'string' || Array.isArray(value))) headers[name] = value;
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: original.method ?? 'POST',
        path: original.url ?? '/',
        agent,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const held: Relayed['headers'] = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (!HOP_BY_HOP.has(name) && value !== undefined) held[name] = value;
          }
          resolve({ status: res.statusCode ?? 500, headers: held, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON body of a held answer, or undefined when it has none. */
export function relayedJson(relayed: Relayed): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(relayed.body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Passes a held answer on; `body` replaces its body (its length and checksum header follow). */
export function sendRelayed(res: ServerResponse, relayed: Relayed, body?: Record<string, unknown>): void {
  if (res.headersSent) return void res.end();
  const payload = body ? Buffer.from(JSON.stringify(body)) : relayed.body;
  const headers: Relayed['headers'] = { ...relayed.headers, 'content-length': String(payload.length) };
  // DynamoDB's checksum of the body, which clients may check: recomputed for a changed body.
  if (body && headers['x-amz-crc32'] !== undefined) headers['x-amz-crc32'] = String(crc32(payload));
  res.writeHead(relayed.status, headers);
  res.end(payload);
}
