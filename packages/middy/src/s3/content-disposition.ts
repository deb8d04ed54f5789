/** What `filename="…"` may hold as it is: printable ASCII without `"`, `\` and `%`. */
const PLAIN = /^[\x20-\x21\x23-\x24\x26-\x5b\x5d-\x7e]+$/;
const NOT_PLAIN = /[^\x20-\x21\x23-\x24\x26-\x5b\x5d-\x7e]/gu;

/**
 * `attachment; filename="…"` for a download to be saved under `filename`. A name that is not plain
 * ASCII gets RFC 6266's `filename*` (RFC 8187: UTF-8, percent-encoded), which browsers prefer,
 * after an ASCII `filename` for those that do not read it (each other character as `_`; `%`
 * too, which some browsers would decode). Hand-written: the maintained `content-disposition`
 * package is not a dependency of the kit, and the kit needs only this one case of it.
 */
export function attachmentDisposition(filename: string): string {
  if (PLAIN.test(filename)) return `attachment; filename="${filename}"`;
  return `attachment; filename="${filename.replace(NOT_PLAIN, '_')}"; filename*=UTF-8''${rfc8187(filename)}`;
}

/** encodeURIComponent leaves `'()*` as they are; RFC 8187's attr-char does not allow them. */
const rfc8187 = (value: string) =>
  encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
