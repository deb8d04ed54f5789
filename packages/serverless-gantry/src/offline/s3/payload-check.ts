import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { type S3Failure, s3Failure } from './s3-errors.js';

/** What a body must hash to, from the request's signed payload hash, Content-MD5 and checksum. */
export interface PayloadPromises {
  /** `x-amz-content-sha256` when it is a hash (not `UNSIGNED-PAYLOAD` or a streaming mode). */
  sha256Hex?: string;
  contentMd5?: string;
  /** `x-amz-checksum-<algorithm>` (header, or query of a presigned URL), base64. */
  checksum?: { algorithm: 'crc32' | 'sha1' | 'sha256'; value: string };
}

/** A body that did not hash to what its request promised; the stream fails with it. */
export class PayloadMismatchError extends Error {
  override name = 'PayloadMismatchError';
  constructor(readonly failure: S3Failure) {
    super(failure.message);
  }
}

/**
 * What S3 checks a body against, from the request: a hex `x-amz-content-sha256`, `Content-MD5`,
 * and one `x-amz-checksum-crc32|sha1|sha256`. Checksums of aws-chunked bodies (sent in a trailer,
 * over the decoded data) and CRC32C/CRC64NVME (no maintained implementation here) are not checked.
 */
export function payloadPromises(
  payloadHash: string,
  headers: Record<string, string | string[] | undefined>,
  query: Record<string, string | string[]>,
): PayloadPromises {
  const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const chunked =
    payloadHash.startsWith('STREAMING-') || String(headers['content-encoding'] ?? '').includes('aws-chunked');
  const promises: PayloadPromises = {};
  if (/^[0-9a-f]{64}$/.test(payloadHash)) promises.sha256Hex = payloadHash;
  const md5 = one(headers['content-md5']);
  if (md5 !== undefined && !chunked) promises.contentMd5 = md5;
  for (const algorithm of ['crc32', 'sha1', 'sha256'] as const) {
    const value = one(headers[`x-amz-checksum-${algorithm}`]) ?? one(query[`x-amz-checksum-${algorithm}`]);
    if (value !== undefined && !chunked) {
      promises.checksum = { algorithm, value };
      break;
    }
  }
  return promises;
}

export const hasPromises = (promises: PayloadPromises) =>
  promises.sha256Hex !== undefined || promises.contentMd5 !== undefined || promises.checksum !== undefined;

/**
 * Passes a body through unchanged while hashing it, and fails at its end, before the last byte
 * reaches the store, when it does not match: the object is then never written.
 */
export function payloadCheck(promises: PayloadPromises): Transform {
  const sha256 = promises.sha256Hex !== undefined ? createHash('sha256') : undefined;
  const md5 = promises.contentMd5 !== undefined ? createHash('md5') : undefined;
  const algorithm = promises.checksum?.algorithm;
  const digest: Hash | undefined =
    algorithm === 'sha1' ? createHash('sha1') : algorithm === 'sha256' ? createHash('sha256') : undefined;
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      sha256?.update(chunk);
      md5?.update(chunk);
      digest?.update(chunk);
      if (algorithm === 'crc32') crc = crc32(chunk, crc);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      done(mismatchOf(promises, { sha256, md5, digest, crc }));
    },
  });
}

function mismatchOf(
  promises: PayloadPromises,
  computed: { sha256: Hash | undefined; md5: Hash | undefined; digest: Hash | undefined; crc: number },
): PayloadMismatchError | null {
  if (computed.sha256 && promises.sha256Hex !== undefined) {
    const actual = computed.sha256.digest('hex');
    if (actual !== promises.sha256Hex) {
      return new PayloadMismatchError(
        s3Failure(
          400,
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          {
            ClientComputedContentSHA256: promises.sha256Hex,
            S3ComputedContentSHA256: actual,
          },
        ),
      );
    }
  }
  if (computed.md5 && promises.contentMd5 !== undefined && computed.md5.digest('base64') !== promises.contentMd5) {
    return new PayloadMismatchError(
      s3Failure(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.'),
    );
  }
  const checksum = promises.checksum;
  if (checksum) {
    const actual =
      checksum.algorithm === 'crc32' ? crc32Base64(computed.crc) : (computed.digest?.digest('base64') ?? '');
    if (actual !== checksum.value) {
      return new PayloadMismatchError(
        s3Failure(
          400,
          'BadDigest',
          `The ${checksum.algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        ),
      );
    }
  }
  return null;
}

/** A CRC32 as S3 writes it: its four bytes, big-endian, in base64. */
function crc32Base64(crc: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString('base64');
}
