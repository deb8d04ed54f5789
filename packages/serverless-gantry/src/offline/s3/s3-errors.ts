/**
 * An S3 error the front answers itself: status, code, message and the elements S3 adds for that
 * code (`Key`, `BucketName`, `AWSAccessKeyId`, `ProposedSize`, ...), in S3's order of the body.
 */
export interface S3Failure {
  status: number;
  code: string;
  message: string;
  details?: Record<string, string | number>;
}

export const s3Failure = (
  status: number,
  code: string,
  message: string,
  details?: Record<string, string | number>,
): S3Failure => ({ status, code, message, ...(details ? { details } : {}) });

/** `<Error><Code/><Message/>…<RequestId/><HostId/></Error>`, as S3 writes every error. */
export function errorXml(failure: S3Failure, ids: { requestId: string; hostId: string }): string {
  const details = Object.entries(failure.details ?? {})
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${failure.code}</Code>` +
    `<Message>${escapeXml(failure.message)}</Message>${details}` +
    `<RequestId>${ids.requestId}</RequestId><HostId>${ids.hostId}</HostId></Error>`
  );
}

export const escapeXml = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');

// S3's own wording, measured against S3 and its documentation ("Error responses").
export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
export const UNKNOWN_ACCESS_KEY = 'The AWS Access Key Id you provided does not exist in our records.';
export const NOT_IMPLEMENTED = 'A header you provided implies functionality that is not implemented';

export const accessDenied = (message = 'Access Denied', details?: Record<string, string | number>) =>
  s3Failure(403, 'AccessDenied', message, details);
