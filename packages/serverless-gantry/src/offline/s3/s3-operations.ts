import type { RequestContext } from '../iam/condition.js';
import type { Check } from '../iam/request-checks.js';
import { queryValue, type S3Address } from './s3-request.js';

/** What an S3 request is: its operation, the IAM checks S3 makes for it, and what the front does with it. */
export interface S3Operation {
  name: string;
  checks: Check[];
  /** Served by the engine (fauxqs); false: answered NotImplemented. */
  served: boolean;
}

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

// Query parameters that name a subresource: each makes the request another operation (tagging,
// ACLs, versions, ...), none of which fauxqs 1.9.2 serves, except the multipart ones handled below.
const SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/**
 * The operation of a path-style S3 request and the checks IAM makes for it (AWS: "Actions,
 * resources, and condition keys for Amazon S3"): object actions on `arn:aws:s3:::<bucket>/<key>`,
 * bucket actions on the bucket, ListBucket with `s3:prefix`, `s3:delimiter` and `s3:max-keys`,
 * CopyObject as PutObject on the target and GetObject on the source.
 */
export function s3Operation(method: string, address: S3Address, headers: Record<string, unknown>): S3Operation {
  const { bucket, key, query } = address;
  const subresource = Object.keys(query).find((name) => SUBRESOURCES.has(name));
  const object = (action: string) => [{ action, resource: objectArn(bucket, key) }];
  const onBucket = (action: string, context?: RequestContext) => [
    { action, resource: bucketArn(bucket), ...(context ? { context } : {}) },
  ];
  const served = (name: string, checks: Check[]): S3Operation => ({ name, checks, served: true });
  const notServed = (name: string, checks: Check[] = []): S3Operation => ({ name, checks, served: false });

  if (!bucket)
    return method === 'GET'
      ? served('ListBuckets', [{ action: 's3:ListAllMyBuckets', resource: '*' }])
      : notServed(method);
  if (!key) {
    if (subresource) return notServed(`${method} ?${subresource}`, onBucket(`s3:${method}Bucket`));
    switch (method) {
      case 'GET':
        return served(
          queryValue(query, 'list-type') === '2' ? 'ListObjectsV2' : 'ListObjects',
          onBucket('s3:ListBucket', listContext(query)),
        );
      case 'HEAD':
        return served('HeadBucket', onBucket('s3:ListBucket'));
      case 'PUT':
        return served('CreateBucket', onBucket('s3:CreateBucket'));
      case 'DELETE':
        return served('DeleteBucket', onBucket('s3:DeleteBucket'));
      default:
        return notServed(method);
    }
  }
  const uploadId = queryValue(query, 'uploadId');
  const copySource = typeof headers['x-amz-copy-source'] === 'string' ? headers['x-amz-copy-source'] : undefined;
  switch (method) {
    case 'PUT':
      if (uploadId !== undefined && subresource === 'uploadId' && queryValue(query, 'partNumber') !== undefined) {
        return copySource
          ? notServed('UploadPartCopy', object('s3:PutObject'))
          : served('UploadPart', object('s3:PutObject'));
      }
      if (subresource) return notServed(`PUT ?${subresource}`, object('s3:PutObject'));
      return copySource
        ? served('CopyObject', [...object('s3:PutObject'), ...copySourceChecks(copySource)])
        : served('PutObject', object('s3:PutObject'));
    case 'GET':
      if (uploadId !== undefined) return notServed('ListParts', object('s3:ListMultipartUploadParts'));
      return subresource
        ? notServed(`GET ?${subresource}`, object('s3:GetObject'))
        : served('GetObject', object('s3:GetObject'));
    case 'HEAD':
      return subresource
        ? notServed(`HEAD ?${subresource}`, object('s3:GetObject'))
        : served('HeadObject', object('s3:GetObject'));
    case 'DELETE':
      if (uploadId !== undefined) return served('AbortMultipartUpload', object('s3:AbortMultipartUpload'));
      return subresource
        ? notServed(`DELETE ?${subresource}`, object('s3:DeleteObject'))
        : served('DeleteObject', object('s3:DeleteObject'));
    case 'POST':
      if ('uploads' in query) return served('CreateMultipartUpload', object('s3:PutObject'));
      if (uploadId !== undefined) return served('CompleteMultipartUpload', object('s3:PutObject'));
      return notServed(subresource ? `POST ?${subresource}` : 'POST', object('s3:PutObject'));
    default:
      return notServed(method);
  }
}

/** ListBucket's condition keys: absent (not unknown) when the request leaves the parameter out. */
function listContext(query: S3Address['query']): RequestContext {
  const given = (name: string) => {
    const value = queryValue(query, name);
    return value === undefined ? undefined : [value];
  };
  return new Map([
    ['s3:prefix', given('prefix')],
    ['s3:delimiter', given('delimiter')],
    ['s3:max-keys', given('max-keys')],
  ]);
}

/** `x-amz-copy-source: /<bucket>/<key>[?versionId=…]` (URL-encoded): GetObject on the source. */
function copySourceChecks(copySource: string): Check[] {
  const [path = ''] = copySource.split('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, '');
  } catch {
    decoded = path;
  }
  const slash = decoded.indexOf('/');
  return slash === -1
    ? []
    : [{ action: 's3:GetObject', resource: objectArn(decoded.slice(0, slash), decoded.slice(slash + 1)) }];
}
