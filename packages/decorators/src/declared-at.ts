/**
 * Where a table or queue was declared: the position of the code that called `table()` / `queue()`,
 * as the JavaScript engine ran it (a bundle's file, line and column; the plugin maps it back to the
 * source file through the bundle's source map). The plugin uses it to refuse a consumer of another
 * service's table or queue.
 */
export interface DeclarationSite {
  /** A file URL (ES modules) or path (CommonJS) of the running code. */
  readonly file: string;
  /** 1-based, as V8 reports them. */
  readonly line: number;
  readonly column: number;
}

// A registered symbol, so a value made by one copy of this package is read by another.
const declaredAt: unique symbol = Symbol.for('gantry.declaredAt') as never;

/**
 * The caller of `declare` (the code that called `table()` or `queue()`), read from V8's structured
 * stack (`Error.captureStackTrace` with a `prepareStackTrace` that keeps the call sites): Node 20 has
 * no `util.getCallSites`, and a formatted stack string would depend on whatever else replaced
 * `Error.prepareStackTrace` in the process. Costs a few microseconds per declaration; engines
 * without the API record nothing.
 */
export function callerSite(declare: (...args: never[]) => unknown): DeclarationSite | undefined {
  if (typeof Error.captureStackTrace !== 'function') return undefined;
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_error, sites) => sites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, declare);
    // Read while our prepareStackTrace is in place: V8 builds `stack` on first access.
    const site = (holder.stack as NodeJS.CallSite[] | undefined)?.[0];
    const file = site?.getFileName();
    if (!site || !file) return undefined;
    return { file, line: site.getLineNumber() ?? 0, column: site.getColumnNumber() ?? 0 };
  } catch {
    return undefined; // never let bookkeeping break a declaration
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Attaches the site without changing the value's shape (not enumerable: JSON and spreads ignore it). */
export function markDeclared<T extends object>(value: T, site: DeclarationSite | undefined): T {
  if (site) Object.defineProperty(value, declaredAt, { value: Object.freeze(site) });
  return value;
}

/** Where a `table()` or `queue()` value was declared, when the engine could tell. */
export function declarationSite(value: unknown): DeclarationSite | undefined {
  return typeof value === 'object' && value !== null
    ? (value as { [declaredAt]?: DeclarationSite })[declaredAt]
    : undefined;
}
