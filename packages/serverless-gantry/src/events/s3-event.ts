/** The object events S3 sends to a function, by the `eventName` of their record. */
export type S3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete';

/** One record of S3's event notification, version 2.1 (AWS: "Event message structure"). */
export interface S3EventRecord {
  eventVersion: '2.1';
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: S3EventName;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string };
  };
}

/** What happened to one object, as the local S3 endpoint saw it: the facts a record is made of. */
export interface S3ObjectChange {
  eventName: S3EventName;
  /** The deployed bucket name. */
  bucketName: string;
  /** The object key as stored (not encoded). */
  key: string;
  /** Bytes and ETag (with or without its quotes) of a created object; removals have neither. */
  size?: number;
  eTag?: string;
  versionId?: string;
  sequencer: string;
  /** Who made the request, as S3 names a principal (`AWS:<role id>:<session>`, `Anonymous`). */
  principalId: string;
  sourceIPAddress: string;
  requestId: string;
  hostId: string;
  time: Date;
}

/**
 * An S3 event record exactly as S3 sends it to Lambda: the key URL-encoded as S3 encodes it
 * (spaces as `+`, `/` kept), the ETag without its quotes, no size or ETag on removals, a
 * `versionId` only on versioned buckets.
 *
 * @example
 * const event = { Records: [s3EventRecord(change, { region: 'eu-west-1', configurationId: 'thumbnails', ownerId })] };
 */
export function s3EventRecord(
  change: S3ObjectChange,
  at: { region: string; configurationId: string; ownerPrincipalId: string; partition?: string },
): S3EventRecord {
  const created = change.eventName.startsWith('ObjectCreated:');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: at.region,
    eventTime: change.time.toISOString(),
    eventName: change.eventName,
    userIdentity: { principalId: change.principalId },
    requestParameters: { sourceIPAddress: change.sourceIPAddress },
    responseElements: { 'x-amz-request-id': change.requestId, 'x-amz-id-2': change.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: at.configurationId,
      bucket: {
        name: change.bucketName,
        ownerIdentity: { principalId: at.ownerPrincipalId },
        arn: `arn:${at.partition ?? 'aws'}:s3:::${change.bucketName}`,
      },
      object: {
        key: eventKey(change.key),
        ...(created && change.size !== undefined ? { size: change.size } : {}),
        ...(created && change.eTag !== undefined ? { eTag: change.eTag.replaceAll('"', '') } : {}),
        ...(change.versionId !== undefined ? { versionId: change.versionId } : {}),
        sequencer: change.sequencer,
      },
    },
  };
}

/**
 * A key as S3 writes it in event records: form URL encoding (every byte but letters, digits and
 * `.-*_` as `%XX` of its UTF-8, spaces as `+`) with `/` left as is: `photos/red flower.jpg` →
 * `photos/red+flower.jpg`. Hand-written: neither encodeURIComponent (it keeps `!'()~`, writes
 * spaces as `%20`) nor URLSearchParams (it encodes `/`) writes this form.
 */
export function eventKey(key: string): string {
  let encoded = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_/]/.test(c)) encoded += c;
    else if (c === ' ') encoded += '+';
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** The same record for another notification configuration (each subscription has its own ID). */
export const withConfigurationId = (record: S3EventRecord, configurationId: string): S3EventRecord => ({
  ...record,
  s3: { ...record.s3, configurationId },
});
