/** S3's longest key: 1,024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;
/** The longest a SigV4 presigned URL or form may be valid: 7 days. */
export const MAX_EXPIRES_IN = 7 * 24 * 60 * 60;
/** The most one PUT or POST may carry (larger objects need a multipart upload): 5 GiB. */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;
/** A presigned URL's validity unless given: long enough to start an upload, short enough to leak little. */
export const DEFAULT_EXPIRES_IN = 300;

/** A MIME type, `type/subtype` in HTTP's token characters (RFC 9110), then parameters in printable ASCII. */
const CONTENT_TYPE = /^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+([ \t]*;[ -~]*)?$/;
/** A UTF-16 half with no partner: it has no UTF-8 form, so S3 would store U+FFFD in its place. */
const LONE_SURROGATE = /\p{Cs}/u;

const shown = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);

/** A key S3 accepts: 1 to 1,024 bytes of UTF-8. */
export function checkedKey(where: string, key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(
      `${where}: a key must be a non-empty string; got ${typeof key === 'string' ? 'an empty one' : typeof key}.`,
    );
  }
  if (LONE_SURROGATE.test(key)) {
    throw new TypeError(`${where}: the key ${shown(key)} holds a lone UTF-16 surrogate, which has no UTF-8 form.`);
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new RangeError(`${where}: a key may be at most ${MAX_KEY_BYTES} bytes of UTF-8; ${shown(key)} is ${bytes}.`);
  }
  return key;
}

/** Seconds a presigned URL is valid: a whole number from 1 to 604,800 (7 days, SigV4's maximum). */
export function checkedExpiresIn(where: string, seconds: number | undefined): number {
  const value = seconds ?? DEFAULT_EXPIRES_IN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_EXPIRES_IN) {
    throw new RangeError(
      `${where}: expiresIn must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN} (7 days, the most a SigV4 signature allows); got ${value}.`,
    );
  }
  return value;
}

/** A content type to pin an upload to or store an object with. */
export function checkedContentType(where: string, type: unknown): string {
  if (typeof type !== 'string' || !CONTENT_TYPE.test(type)) {
    throw new TypeError(
      `${where}: contentType must be a MIME type such as 'image/png' or 'text/plain; charset=utf-8'; got ${typeof type === 'string' ? shown(type) : typeof type}.`,
    );
  }
  return type;
}

/** A byte count of one upload: a whole number from `min` to 5 GiB. */
export function checkedBytes(where: string, name: string, bytes: number, min: number): number {
  if (!Number.isInteger(bytes) || bytes < min || bytes > MAX_SINGLE_UPLOAD_BYTES) {
    throw new RangeError(
      `${where}: ${name} must be a whole number of bytes from ${min} to ${MAX_SINGLE_UPLOAD_BYTES} (5 GiB, the most one upload request may carry); got ${bytes}.`,
    );
  }
  return bytes;
}
