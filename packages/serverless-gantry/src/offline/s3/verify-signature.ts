import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalIdentity } from '../iam/caller.js';
import { accessDenied, type S3Failure, SIGNATURE_MISMATCH, s3Failure, UNKNOWN_ACCESS_KEY } from './s3-errors.js';
import type { S3Address } from './s3-request.js';
import { Sha256 } from './sha256.js';

/** Whose key signed a request: a function (its identity) or the shell (no identity). */
export interface KeyOwner {
  secretAccessKey: string;
  identity: LocalIdentity | undefined;
}

/** A request whose signature holds: who signed it and the payload hash it promised. */
export interface Signed {
  accessKeyId: string;
  identity: LocalIdentity | undefined;
  /** `x-amz-content-sha256` of a header-signed request; presigned requests are `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

export interface SignatureScope {
  region: string;
  keyOwner: (accessKeyId: string) => KeyOwner | undefined;
  now: () => Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000; // S3 refuses a request dated further than this from its clock
const MAX_EXPIRES = 604_800; // a week, the longest a presigned URL lives
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^,]+),\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)$/;
// Not a body the signer can hash: it then signs `UNSIGNED-PAYLOAD`, as every presigned URL does.
const UNHASHABLE_BODY = Object.freeze({});

/**
 * Checks a request's SigV4 signature as S3 does, with the SDK's own signer computing what the
 * signature must be: the `Authorization` header (the functions' SDK calls) or the query of a
 * presigned URL. Answers the request's signer, or S3's error: InvalidAccessKeyId,
 * SignatureDoesNotMatch, an expired URL's AccessDenied, a malformed credential, a skewed clock.
 */
export async function verifySignature(
  method: string,
  address: S3Address,
  headers: IncomingHttpHeaders,
  scope: SignatureScope,
): Promise<Signed | S3Failure> {
  const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
  return authorization !== undefined
    ? verifyHeader(method, address, headers, authorization, scope)
    : verifyQuery(method, address, headers, scope);
}

/** True when the request carries SigV4 credentials in its header or query. */
export const isSigned = (address: S3Address, headers: IncomingHttpHeaders) =>
  headers.authorization !== undefined || address.query['X-Amz-Algorithm'] !== undefined;

async function verifyHeader(
  method: string,
  address: S3Address,
  headers: IncomingHttpHeaders,
  authorization: string,
  scope: SignatureScope,
): Promise<Signed | S3Failure> {
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    return s3Failure(
      400,
      'InvalidRequest',
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    );
  }
  const parts = AUTHORIZATION.exec(authorization.trim());
  const credential = parts ? parseCredential(parts[1] as string) : undefined;
  if (!parts || !credential) {
    return s3Failure(
      400,
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  const amzDate = header(headers, 'x-amz-date');
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !signingDate) {
    return accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  }
  const scopeFailure = checkScope(
    credential,
    amzDate,
    scope,
    'AuthorizationHeaderMalformed',
    'The authorization header is malformed;',
  );
  if (scopeFailure) return scopeFailure;
  const owner = scope.keyOwner(credential.accessKeyId);
  if (!owner) return unknownKey(credential.accessKeyId);
  const payloadHash = header(headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    return s3Failure(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  if (Math.abs(signingDate.getTime() - scope.now().getTime()) > MAX_SKEW_MS) {
    return s3Failure(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: amzDate,
        ServerTime: scope.now().toISOString(),
        MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
      },
    );
  }
  const signedHeaders = (parts[2] as string).split(';');
  const signed = await signer(owner, credential).sign(
    {
      method,
      protocol: 'http:',
      hostname: '',
      path: address.rawPath,
      query: address.query,
      headers: { ...pick(headers, signedHeaders), 'x-amz-content-sha256': payloadHash },
    },
    {
      signingDate,
      signableHeaders: new Set(signedHeaders),
      // Sent but not signed: it still gives the payload hash, and stays out of the canonical headers.
      unsignableHeaders: new Set(signedHeaders.includes('x-amz-content-sha256') ? [] : ['x-amz-content-sha256']),
    },
  );
  const expected = /Signature=([0-9a-f]+)$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (!sameSignature(expected, parts[3] as string)) return mismatch(credential.accessKeyId, parts[3] as string);
  return { accessKeyId: credential.accessKeyId, identity: owner.identity, payloadHash };
}

async function verifyQuery(
  method: string,
  address: S3Address,
  headers: IncomingHttpHeaders,
  scope: SignatureScope,
): Promise<Signed | S3Failure> {
  const q = (name: string) => {
    const value = address.query[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (q('X-Amz-Algorithm') !== ALGORITHM) {
    return s3Failure(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const [rawCredential, amzDate, rawExpires, rawSignedHeaders, signature] = [
    q('X-Amz-Credential'),
    q('X-Amz-Date'),
    q('X-Amz-Expires'),
    q('X-Amz-SignedHeaders'),
    q('X-Amz-Signature'),
  ];
  if (!rawCredential || !amzDate || !rawExpires || !rawSignedHeaders || !signature) {
    return s3Failure(
      400,
      'AuthorizationQueryParametersError',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const credential = parseCredential(rawCredential);
  const signingDate = parseAmzDate(amzDate);
  const expires = /^\d+$/.test(rawExpires) ? Number(rawExpires) : Number.NaN;
  if (!credential || !signingDate || Number.isNaN(expires)) {
    return s3Failure(
      400,
      'AuthorizationQueryParametersError',
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  if (expires > MAX_EXPIRES) {
    return s3Failure(
      400,
      'AuthorizationQueryParametersError',
      'X-Amz-Expires must be less than a week (in seconds) that is; 604800',
    );
  }
  const scopeFailure = checkScope(
    credential,
    amzDate,
    scope,
    'AuthorizationQueryParametersError',
    'Error parsing the X-Amz-Credential parameter;',
  );
  if (scopeFailure) return scopeFailure;
  const owner = scope.keyOwner(credential.accessKeyId);
  if (!owner) return unknownKey(credential.accessKeyId);
  const now = scope.now();
  if (signingDate.getTime() - now.getTime() > MAX_SKEW_MS) return accessDenied('Request is not valid yet');
  const expiresAt = new Date(signingDate.getTime() + expires * 1000);
  if (now > expiresAt) {
    return accessDenied('Request has expired', {
      'X-Amz-Expires': rawExpires,
      Expires: expiresAt.toISOString().replace('.000Z', 'Z'),
      ServerTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  }
  const signedHeaders = rawSignedHeaders.split(';');
  const { 'X-Amz-Signature': _, ...query } = address.query;
  const given = pick(headers, signedHeaders);
  const presigned = await signer(owner, credential).presign(
    {
      method,
      protocol: 'http:',
      hostname: '',
      path: address.rawPath,
      query,
      headers: given,
      body: UNHASHABLE_BODY,
    },
    {
      signingDate,
      expiresIn: expires,
      signableHeaders: new Set(signedHeaders),
      // The query already holds what the client hoisted; what stayed a header must stay one.
      unhoistableHeaders: new Set(Object.keys(given)),
    },
  );
  const expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
  if (!sameSignature(expected, signature)) return mismatch(credential.accessKeyId, signature);
  return { accessKeyId: credential.accessKeyId, identity: owner.identity, payloadHash: 'UNSIGNED-PAYLOAD' };
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/** `<key>/<yyyymmdd>/<region>/<service>/aws4_request`. */
export function parseCredential(value: string): Credential | undefined {
  const [accessKeyId, date, region, service, terminator, ...rest] = value.split('/');
  return accessKeyId && date && region && service && terminator === 'aws4_request' && rest.length === 0
    ? { accessKeyId, date, region, service }
    : undefined;
}

/** `20261208T024428Z` → its Date, undefined when it is not one. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function checkScope(
  credential: Credential,
  amzDate: string,
  scope: SignatureScope,
  code: string,
  lead: string,
): S3Failure | undefined {
  if (credential.service !== 's3') {
    return s3Failure(400, code, `${lead} incorrect service "${credential.service}". This endpoint belongs to "s3".`);
  }
  if (credential.region !== scope.region) {
    return s3Failure(400, code, `${lead} the region '${credential.region}' is wrong; expecting '${scope.region}'`, {
      Region: scope.region,
    });
  }
  if (credential.date !== amzDate.slice(0, 8)) {
    return s3Failure(400, code, `${lead} Invalid credential date. Date is not the same as X-Amz-Date.`);
  }
  return undefined;
}

export function signer(owner: KeyOwner, credential: Pick<Credential, 'accessKeyId' | 'region'>): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region: credential.region,
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: owner.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false, // S3 signs the path as sent, not encoded twice
    applyChecksum: false,
  });
}

/** Constant-time comparison of two hex signatures (lengths differ only for a malformed one). */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

export const unknownKey = (accessKeyId: string) =>
  s3Failure(403, 'InvalidAccessKeyId', UNKNOWN_ACCESS_KEY, { AWSAccessKeyId: accessKeyId });

const mismatch = (accessKeyId: string, provided: string) =>
  s3Failure(403, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH, {
    AWSAccessKeyId: accessKeyId,
    SignatureProvided: provided,
  });

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The signed headers the request carries, by lower-case name; a signed header it lacks stays out. */
function pick(headers: IncomingHttpHeaders, names: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = header(headers, name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
