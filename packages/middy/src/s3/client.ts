import { S3Client } from '@aws-sdk/client-s3';
import { tracingHooks } from '../tracing/hooks.js';

let shared: S3Client | undefined;

/**
 * The container's one S3 client, made on first use so functions that never touch a bucket never
 * pay for it. Honours `AWS_ENDPOINT_URL_S3` (local runs) like any SDK client; with an endpoint set,
 * buckets are addressed by path (`http://localhost:4569/<bucket>/<key>`): a local endpoint has no
 * `<bucket>.` host names.
 */
export function s3Client(): S3Client {
  shared ??= captured(
    new S3Client({
      forcePathStyle: endpointOverridden(),
      // By default the SDK signs a CRC32 of the body into a presigned PUT URL, and at signing time
      // there is no body: every real upload would then fail S3's check (aws-sdk-js-v3 #6994).
      // Without it, S3 still verifies each `put` by the SHA-256 the SDK signs (x-amz-content-sha256).
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
  );
  return shared;
}

/** Whether the SDK will send S3 calls to an endpoint set in the environment (as the SDK reads it). */
const endpointOverridden = () =>
  process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== 'true' &&
  Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);

// With tracing on, each call is a subsegment of the invocation's trace.
const captured = (client: S3Client) => tracingHooks()?.captureClient(client) ?? client;
