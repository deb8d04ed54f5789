// Discovery as `sls` runs it: Node itself imports the discovery bundle (vitest would evaluate its
// own transformed copy, whose call sites the bundle's source maps do not describe). Runs the built
// plugin (dist/) on a service and prints JSON: the Manifest's tables and queues, where each table or
// queue that a function names was declared, or the build problems.
// Usage: node discover-in-node.mjs <servicePath> <outDir> <handler glob>...
import { isQueue, isTable, readClassMetadata } from '@gantry/decorators';
import { buildManifest } from '../../dist/discover/build-manifest.js';
import { loadHandlerModules } from '../../dist/discover/load-modules.js';
import { GantryBuildError } from '../../dist/errors.js';

const [servicePath, outDir, ...handlers] = process.argv.slice(2);
const modules = await loadHandlerModules({ servicePath, outDir, handlers });
const origins = {};
for (const mod of modules) {
  for (const value of Object.values(mod.exports)) {
    for (const record of Object.values(readClassMetadata(value)?.methods ?? {})) {
      const named = [
        ...record.uses.map((use) => use.resource),
        ...record.triggers.flatMap((t) => [t.queue, t.table, t.options.onFailure]),
      ];
      for (const def of named.filter((v) => isTable(v) || isQueue(v))) {
        origins[`${isTable(def) ? 'table' : 'queue'} ${def.name}`] = mod.declaredIn?.(def);
      }
    }
  }
}
try {
  const manifest = buildManifest(modules, { service: 'orders', stage: 'dev' });
  const names = (list) => list.map((item) => item.name).sort();
  console.log(JSON.stringify({ tables: names(manifest.tables), queues: names(manifest.queues), origins }));
} catch (error) {
  if (!(error instanceof GantryBuildError)) throw error;
  console.log(JSON.stringify({ problems: error.problems, origins }));
}
