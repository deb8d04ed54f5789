export {
  BucketAccessDeniedError,
  type BucketUse,
  bucketLevelsAllowing,
  isBucketAccessDeniedError,
} from './bucket-access-error.js';
export {
  type BucketClient,
  type BucketClientOptions,
  bucketClient,
  type PresignDownloadOptions,
  type PresignPutOptions,
  type PresignUploadOptions,
  type StoredObject,
} from './bucket-client.js';
export { s3Client } from './client.js';
export { DEFAULT_EXPIRES_IN, MAX_EXPIRES_IN, MAX_KEY_BYTES, MAX_SINGLE_UPLOAD_BYTES } from './object-limits.js';
