/** A request to the local S3, path-style: `/<bucket>/<key>?<query>`. */
export interface S3Address {
  /** The path as sent (still percent-encoded): what SigV4 signs for S3. */
  rawPath: string;
  bucket: string;
  /** The decoded key; empty on bucket-level requests. */
  key: string;
  /** The decoded query; a name given twice holds a list. */
  query: Record<string, string | string[]>;
}

/**
 * Where a request goes, or undefined when its path does not decode. The query is split by hand:
 * SigV4 signs each name and value as sent, and URLSearchParams would turn a literal `+` into a
 * space (S3 keeps it).
 */
export function parseAddress(url: string): S3Address | undefined {
  const mark = url.indexOf('?');
  const rawPath = mark === -1 ? url : url.slice(0, mark);
  const search = mark === -1 ? '' : url.slice(mark + 1);
  try {
    const [bucket = '', ...rest] = rawPath.replace(/^\//, '').split('/');
    const query: Record<string, string | string[]> = {};
    for (const pair of search.split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
      const value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1));
      const before = query[name];
      query[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
    }
    return { rawPath, bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join('/')), query };
  } catch {
    return undefined; // a malformed %-escape
  }
}

/** One value of a query parameter (the first, if it is given twice). */
export function queryValue(query: S3Address['query'], name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * An object's user metadata as S3 keeps it: the `x-amz-meta-*` headers of a PUT (or fields of a
 * browser POST upload), the prefix taken off; a header sent twice keeps its first value.
 */
export function objectMetadata(entries: Iterable<[string, string | string[] | undefined]>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? (value[0] ?? '') : value;
  }
  return metadata;
}
