#!/usr/bin/env node
// `npx sls gantry routes --json | npx gantry-client-routes > src/web/routes.json`: the route table a
// page needs, and nothing else of the Manifest (not its tables, nor its functions' environment).
import { text } from 'node:stream/consumers';
import { type ManifestRoutes, routesFromManifest } from '../route-table.js';

const input = await text(process.stdin);
try {
  const manifest = JSON.parse(input) as ManifestRoutes;
  if (!Array.isArray(manifest?.functions)) throw new Error('it has no "functions" list');
  process.stdout.write(`${JSON.stringify(routesFromManifest(manifest), null, 2)}\n`);
} catch (error) {
  process.stderr.write(
    `gantry-client-routes: stdin is not a Manifest (${error instanceof Error ? error.message : String(error)}); pipe \`sls gantry routes --json\` into it.\n`,
  );
  process.exitCode = 1;
}
