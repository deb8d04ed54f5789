import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { PresignedPost } from '@aws-sdk/s3-presigned-post';
import { type BucketDefinition, bucketEnvVar } from '@gantry/decorators';
import { bucketDenial, type DeniedTarget, explainBucketDenial } from './bucket-access-error.js';
import { s3Client } from './client.js';
import { checkedBytes, checkedContentType, checkedExpiresIn, checkedKey } from './object-limits.js';
import { presignedGet, presignedPost, presignedPut } from './presign.js';

export interface BucketClientOptions {
  /** Defaults to the container's shared client. */
  client?: S3Client;
}

export interface PresignUploadOptions {
  /** The one content type the upload may have; S3 stores it and serves the object with it. */
  contentType: string;
  /** The largest file accepted, in bytes (at most 5 GiB, S3's limit for one request). */
  maxBytes: number;
  /** The smallest file accepted, in bytes (default 1: an empty file is refused). */
  minBytes?: number;
  /** Seconds the form may be sent (1 to 604,800, 7 days; default 300). */
  expiresIn?: number;
}

export interface PresignPutOptions {
  /** The content type the browser must send (`Content-Type` header), signed. */
  contentType: string;
  /** The exact size of the file in bytes (`file.size` in the browser), signed. */
  contentLength: number;
  /** Seconds the URL may be used (1 to 604,800, 7 days; default 300). */
  expiresIn?: number;
}

export interface PresignDownloadOptions {
  /** Seconds the URL may be used (1 to 604,800, 7 days; default 300). */
  expiresIn?: number;
  /** Serve the object as an attachment saved under this name (any Unicode), rather than shown inline. */
  filename?: string;
}

export interface StoredObject {
  body: Uint8Array;
  contentType: string;
  /** Bytes. */
  size: number;
  /** Without the quotes of the HTTP header, as object events carry it. */
  eTag: string;
  lastModified: Date;
}

export interface BucketClient {
  /** The bucket's deployed name (from `GANTRY_BUCKET_<NAME>`). */
  name(): string;
  /**
   * A form upload from the browser straight to S3, for exactly this key, this content type and at
   * most `maxBytes` (all in the signed policy: S3 refuses anything else). The browser posts
   * `multipart/form-data` to `url` with every field of `fields`, then the file as the last field,
   * `file`. Signed with the function's credentials: needs `@uses(Bucket, 'write')`, and lasts no
   * longer than they do (a few hours for a Lambda role), whatever `expiresIn` says.
   */
  presignUpload(key: string, options: PresignUploadOptions): Promise<PresignedPost>;
  /**
   * A URL to `PUT` exactly this key, whose signature covers `Content-Type` and `Content-Length`:
   * the browser sends the file as the body with that type, and S3 refuses another type or size.
   * Needs `@uses(Bucket, 'write')`. Prefer `presignUpload` when the size is not known exactly.
   */
  presignPut(key: string, options: PresignPutOptions): Promise<string>;
  /**
   * A URL to `GET` this key. With `filename`, S3 answers with `Content-Disposition: attachment`
   * (UTF-8 names per RFC 6266), so the browser saves it under that name. Needs `@uses(Bucket, 'read')`.
   */
  presignDownload(key: string, options?: PresignDownloadOptions): Promise<string>;
  /** Writes the object. Needs `@uses(Bucket, 'write')`. */
  put(key: string, body: Uint8Array | string, options: { contentType: string }): Promise<{ eTag: string }>;
  /**
   * Reads the object: undefined when there is no such key. Needs `@uses(Bucket, 'read')`; without
   * `'list'` as well, S3 answers a missing key with AccessDenied rather than NoSuchKey (it tells
   * nothing about other keys), so `get` throws a BucketAccessDeniedError that says so.
   */
  get(key: string): Promise<StoredObject | undefined>;
  /** `get`, the body decoded as UTF-8. */
  getText(key: string): Promise<string | undefined>;
  /** Deletes the object (no error when there is none). Needs `@uses(Bucket, 'delete')`. */
  delete(key: string): Promise<void>;
  /**
   * The keys under `prefix` (all keys without one), in S3's order (UTF-8 bytes), a page of
   * `pageSize` (1 to 1,000, default 1,000) per ListObjectsV2 call. Needs `@uses(Bucket, 'list')`.
   */
  list(options?: { prefix?: string; pageSize?: number }): AsyncIterable<string>;
}

/**
 * A client for one Gantry bucket, over the AWS SDK: the bucket name comes from the environment the
 * plugin sets for each function that `@uses` it; presigned uploads pin their key, type and size;
 * a refusal by the function's role becomes a BucketAccessDeniedError naming the `@uses` it needs.
 *
 * @example
 * const uploads = bucketClient(Uploads);
 * const { url, fields } = await uploads.presignUpload(`avatars/${userId}.png`, {
 *   contentType: 'image/png',
 *   maxBytes: 2_000_000,
 * });
 */
export function bucketClient(bucket: BucketDefinition, options: BucketClientOptions = {}): BucketClient {
  const client = () => options.client ?? s3Client();
  const envVar = bucketEnvVar(bucket);
  const bucketName = () => {
    const name = process.env[envVar];
    if (!name) {
      throw new Error(
        `Bucket '${bucket.name}': ${envVar} is not set. Declare @uses(${bucket.name}, ...) on the method, or set it when running outside Gantry.`,
      );
    }
    return name;
  };
  const where = (call: string) => `bucketClient(${bucket.name}).${call}`;
  /** Every S3 call goes through here: a denied one says which `@uses` level it needs. */
  const send = <R>(action: string, target: DeniedTarget, run: (name: string) => Promise<R>) => {
    const name = bucketName();
    return explainBucketDenial(bucket, name, action, target, () => run(name));
  };

  const get = async (key: string): Promise<StoredObject | undefined> => {
    checkedKey(where('get'), key);
    return send('s3:GetObject', { key }, async (Bucket) => {
      try {
        const out = await client().send(new GetObjectCommand({ Bucket, Key: key }));
        const body = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
        return {
          body,
          contentType: out.ContentType ?? 'binary/octet-stream', // S3's own default
          size: out.ContentLength ?? body.byteLength,
          eTag: unquoted(out.ETag),
          lastModified: out.LastModified ?? new Date(0),
        };
      } catch (error) {
        if (error instanceof Error && error.name === 'NoSuchKey') return undefined;
        throw error;
      }
    });
  };

  return {
    name: bucketName,

    async presignUpload(key, upload) {
      const call = where('presignUpload');
      const minBytes = checkedBytes(call, 'minBytes', upload.minBytes ?? 1, 0);
      return presignedPost(client(), bucketName(), checkedKey(call, key), {
        contentType: checkedContentType(call, upload.contentType),
        minBytes,
        maxBytes: checkedBytes(call, 'maxBytes', upload.maxBytes, Math.max(minBytes, 1)),
        expiresIn: checkedExpiresIn(call, upload.expiresIn),
      });
    },

    async presignPut(key, upload) {
      const call = where('presignPut');
      return presignedPut(client(), bucketName(), checkedKey(call, key), {
        contentType: checkedContentType(call, upload.contentType),
        contentLength: checkedBytes(call, 'contentLength', upload.contentLength, 0),
        expiresIn: checkedExpiresIn(call, upload.expiresIn),
      });
    },

    async presignDownload(key, download = {}) {
      const call = where('presignDownload');
      if (download.filename !== undefined && (typeof download.filename !== 'string' || download.filename === '')) {
        throw new TypeError(`${call}: filename must be a non-empty string.`);
      }
      return presignedGet(client(), bucketName(), checkedKey(call, key), {
        expiresIn: checkedExpiresIn(call, download.expiresIn),
        ...(download.filename !== undefined ? { filename: download.filename } : {}),
      });
    },

    async put(key, body, put) {
      const call = where('put');
      checkedKey(call, key);
      const ContentType = checkedContentType(call, put?.contentType);
      const out = await send('s3:PutObject', { key }, (Bucket) =>
        client().send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType })),
      );
      return { eTag: unquoted(out.ETag) };
    },

    get,

    async getText(key) {
      const object = await get(key);
      return object && new TextDecoder().decode(object.body);
    },

    async delete(key) {
      checkedKey(where('delete'), key);
      await send('s3:DeleteObject', { key }, (Bucket) => client().send(new DeleteObjectCommand({ Bucket, Key: key })));
    },

    async *list(listing = {}) {
      const prefix = listing.prefix ?? '';
      const pageSize = listing.pageSize ?? 1000;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
        throw new RangeError(`${where('list')}: pageSize must be a whole number from 1 to 1000; got ${pageSize}.`);
      }
      const Bucket = bucketName();
      const pages = paginateListObjectsV2(
        { client: client(), pageSize },
        { Bucket, ...(prefix ? { Prefix: prefix } : {}) },
      );
      try {
        for await (const page of pages) {
          for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
        }
      } catch (error) {
        throw bucketDenial(bucket, Bucket, 's3:ListBucket', { prefix }, error);
      }
    },
  };
}

/** S3 sends an ETag quoted, as HTTP does; notifications carry it bare. */
const unquoted = (eTag: string | undefined) => (eTag ?? '').replace(/^"|"$/g, '');
