import { existsSync, realpathSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { buildApp } from 'fauxqs';
import { GantryError } from '../../errors.js';

/** An answer of the object engine: status, headers and its body as a stream (never buffered here). */
export interface EngineReply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Readable;
}

/** A stored object, as the front needs it for events and for telling 404 from 403. */
export interface StoredObject {
  contentLength: number;
  etag: string;
}

/** The buckets and objects of a local run: fauxqs's S3, in-process, reached only through this. */
export interface ObjectEngine {
  /** One path-style S3 request, its body streamed in and its answer streamed out. */
  request(options: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: Readable;
  }): Promise<EngineReply>;
  hasBucket(bucketName: string): boolean;
  createBucket(bucketName: string): void;
  object(bucketName: string, key: string): StoredObject | undefined;
  /** Writes a whole object (a browser POST upload, whose body the front has read and checked). */
  putObject(
    bucketName: string,
    key: string,
    body: Buffer,
    contentType: string,
    metadata: Record<string, string>,
  ): StoredObject;
  stop(): Promise<void>;
}

/** The bytes fauxqs 1.9.2 takes in one request (its Fastify `bodyLimit`): 11 MiB. */
export const ENGINE_BODY_LIMIT = 11 * 1_048_576;

interface FauxqsS3Store {
  hasBucket(name: string): boolean;
  createBucket(name: string): void;
  buckets: Map<string, Map<string, { contentLength: number; etag: string }>>;
  putObject(
    bucket: string,
    key: string,
    body: Buffer,
    contentType: string,
    metadata: Record<string, string>,
  ): { contentLength: number; etag: string };
}

/**
 * Starts fauxqs's S3 as the store of the local S3: buckets, objects, listing, multipart uploads. It
 * runs in-process without a port of its own (its `startFauxqs` listens on every interface, which
 * would put the objects in reach without the front's signature and IAM checks), reached through
 * Fastify's `inject` with bodies and answers as streams. Its store is kept at hand for what its
 * API does not give: whether an object exists, its size and ETag for events, and writing a
 * browser POST upload (fauxqs has no POST Object).
 */
export async function startObjectEngine(region: string): Promise<ObjectEngine> {
  const { S3Store } = await fauxqsS3();
  const s3Store = new S3Store() as FauxqsS3Store;
  const app = buildApp({
    logger: false,
    defaultRegion: region,
    stores: { s3Store } as unknown as NonNullable<NonNullable<Parameters<typeof buildApp>[0]>['stores']>,
  });
  await app.ready();
  return {
    async request({ method, url, headers, body }) {
      const reply = await app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(body ? { payload: body } : {}),
        payloadAsStream: true,
      });
      return { status: reply.statusCode, headers: reply.headers, body: reply.stream() };
    },
    hasBucket: (bucketName) => s3Store.hasBucket(bucketName),
    createBucket: (bucketName) => s3Store.createBucket(bucketName),
    object(bucketName, key) {
      const stored = s3Store.buckets.get(bucketName)?.get(key);
      return stored ? { contentLength: stored.contentLength, etag: stored.etag } : undefined;
    },
    putObject(bucketName, key, body, contentType, metadata) {
      const stored = s3Store.putObject(bucketName, key, body, contentType, metadata);
      return { contentLength: stored.contentLength, etag: stored.etag };
    },
    stop: () => app.close(),
  };
}

/**
 * fauxqs's S3 store class, which its package does not export: loaded from its files, resolved the
 * way Node resolves `fauxqs` from here (real path, so it is the very module its `buildApp` uses).
 */
async function fauxqsS3(): Promise<{ S3Store: new () => unknown }> {
  const candidates = createRequire(import.meta.url).resolve.paths('fauxqs') ?? [];
  const root = candidates.map((dir) => join(dir, 'fauxqs')).find((dir) => existsSync(join(dir, 'package.json')));
  if (!root) throw new GantryError("Gantry's local S3 needs the fauxqs package, which is not installed");
  const dist = pathToFileURL(join(realpathSync(root), 'dist', '/')).href;
  const module = (await import(new URL('s3/s3Store.js', dist).href)) as { S3Store: new () => unknown };
  return { S3Store: module.S3Store };
}
