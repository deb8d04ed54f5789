import type { ManifestFunction, ManifestTable } from '../../src/manifest.js';

/** A Manifest function with no routes, uses or triggers unless given: for local-run tests. */
export const manifestFunction = (name: string, extra: Partial<ManifestFunction> = {}): ManifestFunction => ({
  name,
  class: name,
  export: name,
  method: 'run',
  source: `src/${name}.ts`,
  routes: [],
  uses: [],
  config: {},
  schemas: {},
  sends: [],
  triggers: [],
  ...extra,
});

/** A Manifest table of service `shop`, stage `dev`, keyed by `id` (a string). */
export const manifestTable = (name: string, extra: Partial<ManifestTable> = {}): ManifestTable => ({
  name,
  tableName: `shop-dev-${name}`,
  envVar: `GANTRY_TABLE_${name.toUpperCase()}`,
  partitionKey: { name: 'id', type: 'S' },
  indexes: [],
  source: 'src/tables.ts',
  ...extra,
});
