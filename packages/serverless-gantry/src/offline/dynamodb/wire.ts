import { type Agent, request } from 'node:http';

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
