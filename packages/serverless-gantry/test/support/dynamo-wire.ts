/**
 * Raw DynamoDB JSON-protocol calls, for bodies no SDK would send. The local endpoint does not verify
 * signatures (it only reads whose key signed), so the signature here is a placeholder; everything
 * else is the real wire shape of a header-signed or presigned (query-string) SigV4 request.
 */
export interface WireCall {
  /** Access key that signs; none sends no signature at all. */
  accessKey?: string | undefined;
  /** Sign in the query string (a presigned request) instead of the Authorization header. */
  presigned?: boolean;
}

export interface WireAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

export async function callWire(
  endpoint: string,
  operation: string,
  body: string | Uint8Array,
  { accessKey, presigned = false }: WireCall = {},
): Promise<WireAnswer> {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const scope = `${accessKey}/${date.slice(0, 8)}/eu-west-1/dynamodb/aws4_request`;
  const url = new URL(endpoint);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `DynamoDB_20120810.${operation}`,
  };
  if (accessKey && presigned) {
    url.search = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': scope,
      'X-Amz-Date': date,
      'X-Amz-Expires': '300',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': '0'.repeat(64),
    }).toString();
  } else if (accessKey) {
    headers['x-amz-date'] = date;
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`;
  }
  // The signal only guards against a hang (an endpoint that never answers), never a slow answer.
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(120_000) });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
