import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type S3EventName, type S3EventRecord, type S3ObjectChange, s3EventRecord } from '../../events/s3-event.js';
import { stackOf } from '../http/read-body.js';
import { deniedMessage, type LocalIdentity } from '../iam/caller.js';
import type { Check } from '../iam/request-checks.js';
import type { LocalAccount } from '../iam/resolve-arns.js';
import { corsHeaders, type LocalBucketCors, preflight } from './bucket-cors.js';
import { ENGINE_BODY_LIMIT, type ObjectEngine, startObjectEngine } from './object-engine.js';
import { hasPromises, PayloadMismatchError, payloadCheck, payloadPromises } from './payload-check.js';
import { readPostUpload } from './post-upload.js';
import { ownerPrincipalId, principalId, type S3Caller } from './principals.js';
import { accessDenied, errorXml, escapeXml, NOT_IMPLEMENTED, type S3Failure, s3Failure } from './s3-errors.js';
import { bucketArn, s3Operation } from './s3-operations.js';
import { objectMetadata, parseAddress, type S3Address } from './s3-request.js';
import { isSigned, type KeyOwner, type SignatureScope, verifySignature } from './verify-signature.js';

export interface LocalS3Options {
  /** Where the local run pretends to be: its region is the buckets' (and the signatures' scope). */
  account: LocalAccount;
  /**
   * By access key id: whose policy applies, and (`secretAccessKey`) the secret its signatures
   * are checked with. An identity without a secret cannot sign: its requests are refused.
   */
  identities: Map<string, LocalIdentity>;
  /** Credentials of callers without a function identity (the shell, tests): verified, not IAM-checked. */
  shellCredentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Deny callers without a function identity (shell credentials and unsigned requests). */
  denyUnidentified: boolean;
  /** Port of the S3 endpoint; 0 picks a free one. */
  port: number;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string | undefined;
  /** Each object created or removed in a declared bucket, once S3 would notify it. */
  onObjectEvent?: ((event: LocalObjectEvent) => void) | undefined;
}

/** A bucket to create, by declared name, with the deployed name and the CORS rule deploy gives it. */
export interface LocalBucketInput {
  name: string;
  bucketName: string;
  cors?: LocalBucketCors | undefined;
}

/** A created bucket, as callers see it. */
export interface LocalBucket {
  bucketName: string;
  arn: string;
}

/**
 * An object event of a declared bucket: the record as S3 sends it (its `configurationId` is
 * `gantry-<declared name>`; give each subscription its own with `withConfigurationId`) and the
 * facts it was made from. Plain data, so it crosses to another thread as is.
 */
export interface LocalObjectEvent {
  /** The declared bucket name. */
  bucket: string;
  record: S3EventRecord;
  change: S3ObjectChange;
}

export interface LocalS3 {
  /** The S3 endpoint (`AWS_ENDPOINT_URL_S3`), path-style. */
  url: string;
  /** Creates the buckets (or updates their CORS rule), by declared name. */
  createBuckets(buckets: LocalBucketInput[]): Promise<Record<string, LocalBucket>>;
  stop(): Promise<void>;
}

// Headers of the engine's answer that are its connection's, not the object's.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'x-amz-request-id', 'x-amz-id-2']);
const EVENT_OF: Record<string, S3EventName> = {
  PutObject: 'ObjectCreated:Put',
  CopyObject: 'ObjectCreated:Copy',
  CompleteMultipartUpload: 'ObjectCreated:CompleteMultipartUpload',
  DeleteObject: 'ObjectRemoved:Delete',
};

/** Per request: the IDs S3 answers with (header and error body) and writes into its event records. */
interface Ids {
  requestId: string;
  hostId: string;
}

/**
 * The S3 endpoint of a local run. Objects are fauxqs's (in-process); in front of them, an endpoint
 * that does what peers' local S3 emulators skip: it verifies every SigV4 signature as S3 does
 * (the SDK's `Authorization` header, presigned URLs with their expiry and signed headers, browser
 * POST uploads with their policy), evaluates the signer's generated IAM statements for the
 * request, applies each bucket's CORS rule, answers refusals with S3's XML errors, and reports each
 * object created or removed as the S3 event record AWS sends.
 *
 * @example
 * const s3 = await startLocalS3({ account, identities, denyUnidentified: true, port: 0, onObjectEvent });
 * const { uploads } = await s3.createBuckets([{ name: 'uploads', bucketName: 'shop-dev-uploads' }]);
 * // a function's presigned PUT: http://127.0.0.1:<port>/shop-dev-uploads/<key>?X-Amz-Signature=…
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const host = options.host ?? '127.0.0.1';
  const engine = await startObjectEngine(options.account.region);
  const declared = new Map<string, LocalBucketInput>(); // by deployed name
  const sequencer = sequencerClock();
  let front = '';
  const scope: SignatureScope = {
    region: options.account.region,
    keyOwner: (accessKeyId) => keyOwner(accessKeyId, options),
    now: () => new Date(),
  };

  async function serve(req: IncomingMessage, res: ServerResponse, ids: Ids): Promise<void> {
    const method = req.method ?? 'GET';
    const address = parseAddress(req.url ?? '/');
    if (!address)
      return answerError(res, method, ids, s3Failure(400, 'InvalidURI', "Couldn't parse the specified URI."));
    const bucket = declared.get(address.bucket);
    const cors = corsHeaders(bucket?.cors, req.headers, method);
    if (method === 'OPTIONS') {
      const answer = preflight(bucket?.cors, req.headers, address.key ? 'OBJECT' : 'BUCKET');
      if ('status' in answer) return answerError(res, method, ids, answer);
      res.writeHead(200, { ...answer.headers, ...idHeaders(ids), 'content-length': 0 });
      return void res.end();
    }
    if (method === 'POST' && !address.key && String(req.headers['content-type']).startsWith('multipart/form-data')) {
      return postUpload(req, res, address, ids, cors);
    }
    const operation = s3Operation(method, address, req.headers);
    const caller = await authenticate(req, method, address);
    if ('status' in caller) return drainThen(req, () => answerError(res, method, ids, caller, cors));
    const refusal = refuse(caller, operation.checks, operation.name, address);
    if (refusal) return drainThen(req, () => answerError(res, method, ids, refusal, cors));
    if (!operation.served) {
      return drainThen(req, () =>
        answerError(
          res,
          method,
          ids,
          s3Failure(
            501,
            'NotImplemented',
            `${NOT_IMPLEMENTED} (${operation.name} is not served by Gantry's local S3, fauxqs 1.9.2)`,
          ),
          cors,
        ),
      );
    }
    if (Number(req.headers['content-length'] ?? 0) > ENGINE_BODY_LIMIT) {
      return drainThen(req, () => answerError(res, method, ids, tooLargeForEngine(), cors));
    }
    const existedBefore = operation.name === 'DeleteObject' ? engine.object(address.bucket, address.key) : undefined;
    const reply = await forward(req, method, address, caller, operation.name);
    if ('code' in reply) return answerError(res, method, ids, reply, cors);
    if (
      reply.status === 404 &&
      (operation.name === 'GetObject' || operation.name === 'HeadObject') &&
      engine.hasBucket(address.bucket)
    ) {
      reply.body.resume();
      // S3 tells a missing key only to callers who may list it; the others get 403.
      const mayList = !caller.identity || !deniedMessage(caller.identity, [listCheck(address)], options.account);
      return answerError(
        res,
        method,
        ids,
        mayList
          ? s3Failure(404, 'NoSuchKey', 'The specified key does not exist.', { Key: address.key })
          : accessDenied(),
        cors,
      );
    }
    const headers: OutgoingHttpHeaders = {
      ...withoutHopByHop(reply.headers),
      ...(operation.name === 'GetObject' && reply.status < 300 && caller.accessKeyId ? overrides(address.query) : {}),
      ...cors,
      ...idHeaders(ids),
    };
    res.writeHead(reply.status, headers);
    reply.body.pipe(res);
    const eventName = EVENT_OF[operation.name];
    if (eventName && reply.status < 300 && (eventName !== 'ObjectRemoved:Delete' || existedBefore)) {
      notify(eventName, address.bucket, address.key, caller, req, ids);
    }
  }

  /** Who signed the request (verified), or no one; a failure is S3's answer to a bad signature. */
  async function authenticate(req: IncomingMessage, method: string, address: S3Address): Promise<S3Caller | S3Failure> {
    if (!isSigned(address, req.headers))
      return { accessKeyId: undefined, identity: undefined, payloadHash: 'UNSIGNED-PAYLOAD' };
    return verifySignature(method, address, req.headers, scope);
  }

  /** IAM's refusal of the caller for these checks, as S3 words it; undefined when allowed. */
  function refuse(caller: S3Caller, checks: Check[], operation: string, address: S3Address): S3Failure | undefined {
    // Unsigned or the shell's key: allowed unless the run denies callers without a function identity.
    if (!caller.identity && options.denyUnidentified) return accessDenied();
    if (operation !== 'ListBuckets' && operation !== 'CreateBucket' && !engine.hasBucket(address.bucket)) {
      return s3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: address.bucket });
    }
    if (!caller.identity) return undefined;
    for (const check of checks) {
      const message = deniedMessage(caller.identity, [check], options.account);
      // S3 quotes the resource in its access-denied message.
      if (message)
        return accessDenied(message.replace(`on resource: ${check.resource} `, `on resource: "${check.resource}" `));
    }
    return undefined;
  }

  /** The request to the engine, its body streamed through the checks of its hashes and checksums. */
  async function forward(
    req: IncomingMessage,
    method: string,
    address: S3Address,
    caller: S3Caller,
    operationName: string,
  ): Promise<Awaited<ReturnType<ObjectEngine['request']>> | S3Failure> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'authorization' || name === 'host' || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers.host = new URL(front).host; // fauxqs writes it into Location; an IP keeps its path-style routing
    if (method !== 'PUT' && method !== 'POST') {
      req.resume();
      return engine.request({ method, url: req.url ?? '/', headers });
    }
    const promises = payloadPromises(caller.payloadHash, req.headers, address.query);
    let mismatch: S3Failure | undefined;
    let body: Readable = req;
    if (hasPromises(promises)) {
      const check = payloadCheck(promises);
      check.on('error', (error) => {
        if (error instanceof PayloadMismatchError) mismatch = error.failure;
      });
      body = req.pipe(check);
    }
    try {
      if (writesDirectly(operationName, req.headers, address)) {
        // A plain PutObject, written to the store as fauxqs's own handler writes it (its type, its
        // x-amz-meta-* metadata, the ETag back) without a second HTTP layer: Fastify's inject
        // collects the body once more, which cost ≈ 15% of a 10 MB upload (bench/s3-upload.mjs).
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        if (mismatch) return mismatch;
        const stored = engine.putObject(
          address.bucket,
          address.key,
          Buffer.concat(chunks),
          String(req.headers['content-type'] ?? 'application/octet-stream'),
          objectMetadata(Object.entries(req.headers)),
        );
        return { status: 200, headers: { etag: stored.etag, 'content-length': '0' }, body: Readable.from([]) };
      }
      const reply = await engine.request({ method, url: req.url ?? '/', headers, body });
      if (!mismatch) return reply;
      reply.body.resume();
    } catch (error) {
      if (!mismatch) throw error;
    }
    return mismatch;
  }

  async function postUpload(
    req: IncomingMessage,
    res: ServerResponse,
    address: S3Address,
    ids: Ids,
    cors: Record<string, string>,
  ): Promise<void> {
    if (!engine.hasBucket(address.bucket)) {
      return drainThen(req, () =>
        answerError(
          res,
          'POST',
          ids,
          s3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: address.bucket }),
          cors,
        ),
      );
    }
    const upload = await readPostUpload(req, address.bucket, scope, ENGINE_BODY_LIMIT);
    if ('status' in upload) return answerError(res, 'POST', ids, upload, cors);
    const caller: S3Caller = {
      accessKeyId: upload.signer?.accessKeyId,
      identity: upload.signer?.owner.identity,
      payloadHash: 'UNSIGNED-PAYLOAD',
    };
    const key = { ...address, key: upload.key };
    const refusal = refuse(caller, s3Operation('PUT', key, {}).checks, 'PostObject', key);
    if (refusal) return answerError(res, 'POST', ids, refusal, cors);
    const stored = engine.putObject(address.bucket, upload.key, upload.body, upload.contentType, upload.metadata);
    const location = `${front}/${address.bucket}/${encodeKey(upload.key)}`;
    const headers = { ...cors, ...idHeaders(ids), etag: stored.etag, location };
    if (upload.successRedirect) {
      const target = new URL(upload.successRedirect);
      target.searchParams.set('bucket', address.bucket);
      target.searchParams.set('key', upload.key);
      target.searchParams.set('etag', stored.etag);
      res.writeHead(303, { ...headers, location: target.href, 'content-length': 0 });
      res.end();
    } else if (upload.successStatus === 201) {
      const xml =
        `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${escapeXml(location)}</Location>` +
        `<Bucket>${escapeXml(address.bucket)}</Bucket><Key>${escapeXml(upload.key)}</Key><ETag>${escapeXml(stored.etag)}</ETag></PostResponse>`;
      res.writeHead(201, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
      res.end(xml);
    } else {
      res.writeHead(upload.successStatus, { ...headers, 'content-length': 0 });
      res.end();
    }
    notify('ObjectCreated:Post', address.bucket, upload.key, caller, req, ids);
  }

  /** After the object is stored: the event record, for a declared bucket, outside the request's path. */
  function notify(
    eventName: S3EventName,
    bucketName: string,
    key: string,
    caller: S3Caller,
    req: IncomingMessage,
    ids: Ids,
  ) {
    const bucket = declared.get(bucketName);
    if (!bucket || !options.onObjectEvent) return;
    const stored = eventName.startsWith('ObjectCreated:') ? engine.object(bucketName, key) : undefined;
    const change: S3ObjectChange = {
      eventName,
      bucketName,
      key,
      ...(stored ? { size: stored.contentLength, eTag: stored.etag } : {}),
      sequencer: sequencer(),
      principalId: principalId(caller, options.account),
      sourceIPAddress: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      requestId: ids.requestId,
      hostId: ids.hostId,
      time: new Date(),
    };
    const record = s3EventRecord(change, {
      region: options.account.region,
      partition: options.account.partition,
      configurationId: `gantry-${bucket.name}`,
      ownerPrincipalId: ownerPrincipalId(options.account),
    });
    const onObjectEvent = options.onObjectEvent;
    setImmediate(() => {
      try {
        onObjectEvent({ bucket: bucket.name, record, change });
      } catch (error) {
        console.error(`gantry: the local S3 could not deliver ${eventName} of '${key}': ${stackOf(error)}`);
      }
    });
  }

  // The request boundary: whatever a request holds, it gets an answer and the endpoint keeps serving.
  // Bodies stream through in chunks of up to 1 MiB rather than 64 KiB: a 10 MB upload then crosses
  // the two streams to the engine in fewer pieces (bench/s3-upload.mjs: 0.81–0.89× of fauxqs alone
  // with the default, 0.92–0.96× with this).
  const server = createServer({ highWaterMark: 1024 * 1024 }, (req, res) => {
    const ids = newIds();
    serve(req, res, ids).catch((error: unknown) => {
      console.error(
        `gantry: the local S3 endpoint failed on ${req.method} ${req.url} (answered 500): ${stackOf(error)}`,
      );
      answerError(
        res,
        req.method ?? 'GET',
        ids,
        s3Failure(500, 'InternalError', 'We encountered an internal error. Please try again.'),
      );
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => resolve());
    });
  } catch (error) {
    await engine.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  front = `http://${host}:${port}`;

  return {
    url: front,
    async createBuckets(buckets) {
      const created: Record<string, LocalBucket> = {};
      for (const bucket of buckets) {
        engine.createBucket(bucket.bucketName);
        declared.set(bucket.bucketName, bucket);
        created[bucket.name] = { bucketName: bucket.bucketName, arn: bucketArn(bucket.bucketName) };
      }
      return created;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.stop();
    },
  };
}

/** The owner of an access key: a function (with its secret), the shell, or no one. */
function keyOwner(accessKeyId: string, options: LocalS3Options): KeyOwner | undefined {
  const identity = options.identities.get(accessKeyId);
  if (identity) {
    if (identity.secretAccessKey !== undefined) return { secretAccessKey: identity.secretAccessKey, identity };
    console.error(
      `gantry: the local S3 has no secret for ${identity.functionName}'s access key; its requests are refused`,
    );
    return undefined;
  }
  const shell = options.shellCredentials;
  return shell && shell.accessKeyId === accessKeyId
    ? { secretAccessKey: shell.secretAccessKey, identity: undefined }
    : undefined;
}

/**
 * The response headers a signed GetObject may set by query (`response-content-disposition` and its
 * five siblings), as S3 sets them: how a presigned download is saved under a file name. fauxqs
 * ignores them; S3 refuses them on an unsigned request, and this front sets them on signed ones only.
 */
const OVERRIDES = [
  'content-type',
  'content-language',
  'expires',
  'cache-control',
  'content-disposition',
  'content-encoding',
];
function overrides(query: S3Address['query']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of OVERRIDES) {
    const value = query[`response-${name}`];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** A PutObject the front can store itself: not a copy, a part of a multipart upload or an aws-chunked body. */
function writesDirectly(operationName: string, headers: IncomingMessage['headers'], address: S3Address): boolean {
  return (
    operationName === 'PutObject' &&
    headers['x-amz-copy-source'] === undefined &&
    !String(headers['content-encoding'] ?? '').includes('aws-chunked') &&
    address.query.partNumber === undefined &&
    address.query.uploadId === undefined
  );
}

/** ListBucket of the key itself: what S3 asks before telling a caller that a key does not exist. */
const listCheck = (address: S3Address): Check => ({
  action: 's3:ListBucket',
  resource: bucketArn(address.bucket),
  context: new Map([['s3:prefix', [address.key]]]),
});

const tooLargeForEngine = () =>
  s3Failure(
    400,
    'EntityTooLarge',
    `Your proposed upload exceeds the maximum allowed size (Gantry's local S3 keeps objects of at most ${ENGINE_BODY_LIMIT} bytes per request; use a multipart upload)`,
    {
      MaxSizeAllowed: ENGINE_BODY_LIMIT,
    },
  );

function answerError(
  res: ServerResponse,
  method: string,
  ids: Ids,
  failure: S3Failure,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return void res.end();
  const xml = method === 'HEAD' ? '' : errorXml(failure, ids);
  res.writeHead(failure.status, {
    ...extra,
    ...idHeaders(ids),
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
  });
  res.end(xml);
}

/** Answers once the request's body has been read to its end, so the client reads the answer. */
function drainThen(req: IncomingMessage, answer: () => void): void {
  if (req.readableEnded) {
    answer();
    return;
  }
  req.once('end', answer);
  req.resume();
}

const idHeaders = (ids: Ids) => ({ 'x-amz-request-id': ids.requestId, 'x-amz-id-2': ids.hostId });

const newIds = (): Ids => ({
  requestId: randomBytes(8).toString('hex').toUpperCase(),
  hostId: randomBytes(48).toString('base64'),
});

function withoutHopByHop(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/**
 * S3's sequencers: hexadecimal, growing with each event of the endpoint (time, then a counter),
 * the same width every time, so that comparing two of one key as strings orders them.
 */
function sequencerClock(): () => string {
  let counter = 0;
  return () => {
    counter = (counter + 1) % 0x1000000;
    return `${Date.now().toString(16).padStart(12, '0')}${counter.toString(16).padStart(6, '0')}`.toUpperCase();
  };
}

const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');
