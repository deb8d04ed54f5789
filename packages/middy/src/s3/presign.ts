import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { attachmentDisposition } from './content-disposition.js';

/**
 * The headers a presigned PUT signs besides `host`: S3 then refuses an upload of another type or
 * size. The presigner leaves content-type unsigned unless told, and neither is an `x-amz-` header,
 * so neither is moved into the query string, where it would be a value the caller could not change
 * but also one the browser never sends.
 */
const PINNED_PUT_HEADERS = new Set(['content-type', 'content-length']);

/**
 * A browser form upload (S3's POST Object) of exactly one key, its type and size range in the
 * signed policy: S3 refuses another key, type or size.
 */
export function presignedPost(
  client: S3Client,
  bucketName: string,
  key: string,
  upload: { contentType: string; minBytes: number; maxBytes: number; expiresIn: number },
): Promise<PresignedPost> {
  return createPresignedPost(client, {
    Bucket: bucketName,
    Key: key,
    // Each field becomes an exact-match condition of the policy (the key too), next to the range.
    Conditions: [['content-length-range', upload.minBytes, upload.maxBytes]],
    Fields: { 'Content-Type': upload.contentType },
    Expires: upload.expiresIn,
  });
}

/** A PUT URL for one key whose signature covers its content type and length. */
export function presignedPut(
  client: S3Client,
  bucketName: string,
  key: string,
  upload: { contentType: string; contentLength: number; expiresIn: number },
): Promise<string> {
  return getSignedUrl(
    client,
    new PutObjectCommand({
      Bucket: bucketName,
      Key: key,
      ContentType: upload.contentType,
      ContentLength: upload.contentLength,
    }),
    { expiresIn: upload.expiresIn, signableHeaders: PINNED_PUT_HEADERS },
  );
}

/** A GET URL for one key; with a filename, S3 answers it as an attachment saved under that name. */
export function presignedGet(
  client: S3Client,
  bucketName: string,
  key: string,
  download: { expiresIn: number; filename?: string },
): Promise<string> {
  return getSignedUrl(
    client,
    new GetObjectCommand({
      Bucket: bucketName,
      Key: key,
      ...(download.filename !== undefined
        ? { ResponseContentDisposition: attachmentDisposition(download.filename) }
        : {}),
    }),
    { expiresIn: download.expiresIn },
  );
}
