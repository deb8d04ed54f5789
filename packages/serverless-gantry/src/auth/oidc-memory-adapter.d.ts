// oidc-provider's own in-memory adapter (no types published for it; the package has no exports map,
// so the file is importable). local-issuer.ts names it explicitly instead of taking the default.
declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  import type { AdapterFactory } from 'oidc-provider';
  export function createMemoryAdapter(clockTolerance?: number): AdapterFactory;
}
