// Node 20 has no `Symbol.metadata`. TypeScript's own decorator emit only creates `context.metadata`
// when the symbol exists, and esbuild falls back to `Symbol.for("Symbol.metadata")`. Defining it
// to that same registered symbol makes both compilers (and a future native one) agree.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

export const metadataSymbol: symbol = (Symbol as unknown as { metadata: symbol }).metadata;
