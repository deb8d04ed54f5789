import type { S3EventRecord } from 'aws-lambda';

/**
 * A notification record as S3 sends it to Lambda, shaped as AWS's documented example (the "Event
 * message structure" page of the S3 guide; the Lambda console's `s3-put` test event): `key` as S3
 * writes it, form-encoded. A removal carries no size or eTag; `versionId` only on a versioned bucket.
 */
export function s3Record(
  eventName: string,
  encodedKey: string,
  object: { size?: number; eTag?: string; versionId?: string } = {},
): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-12-07T10:15:30.123Z',
    eventName,
    userIdentity: { principalId: 'AWS:AROAEXAMPLE:svc-dev-presign' },
    requestParameters: { sourceIPAddress: '203.0.113.9' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'svc-dev-thumbnails-make',
      bucket: {
        name: 'svc-dev-uploads',
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: 'arn:aws:s3:::svc-dev-uploads',
      },
      object: { key: encodedKey, ...object, sequencer: '0055AED6DCD90281E5' } as S3EventRecord['s3']['object'],
    },
  };
}
