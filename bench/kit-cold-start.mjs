// Benchmark: cold init (fresh process to handler ready, 20 runs, median) and minified bundle size
// of a typical CRUD function with the kit, against the DynamoDB client alone and the official
// Middy stack with its validator compiling JSON Schema at start-up. Bundled like a Lambda function
// (esbuild, minified, CommonJS, AWS SDK external: the runtime provides it).
//
//   node bench/kit-cold-start.mjs [runs]
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForLambda } from './lambda-bundle.mjs';
import { runtimes, WORK } from './runtimes.mjs';

const runs = Number(process.argv[2] ?? 20);
const here = join(import.meta.dirname, 'kit', 'cold');
const out = join(WORK, 'cold');
const bundles = {
  empty: 'no imports (Node start-up)',
  'dynamodb-only': 'DynamoDB document client alone',
  'kit-crud': 'kit + zod validation + table client',
  'kit-crud-zod-mini': 'kit + zod/mini validation + table client',
  'kit-crud-valibot': 'kit + valibot validation + table client',
  'official-crud': 'official stack + Ajv compile + DynamoDB client',
};

async function bundle(name, external) {
  const outfile = await bundleForLambda(join(here, `${name}.ts`), join(out, `${name}.cjs`), external);
  return { outfile, bytes: statSync(outfile).size };
}

const built = {};
for (const name of Object.keys(bundles)) built[name] = await bundle(name);
const kitOnly = await bundle('kit-only', ['@aws-sdk/*', '@middy/core', '@gantry/decorators', 'zod']);
const kitWithRuntime = await bundle('kit-only', ['@aws-sdk/*', 'zod']);

// Time from process start (performance.timeOrigin) until the module is loaded and `handler` exists.
const probe = `const m = require(process.argv[1]); if (typeof m.handler !== 'function') throw new Error('no handler'); process.stdout.write(String(performance.now()));`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

console.log(`${runs} runs each, medians, ${new Date().toISOString()}\n`);
console.log(
  `Kit's own code, minified (dependencies external): ${kb(kitOnly.bytes)}; with @middy/core and @gantry/decorators: ${kb(kitWithRuntime.bytes)}\n`,
);
for (const runtime of runtimes()) {
  console.log(`### ${runtime.label}\n`);
  console.log('| function | bundle | init (process start → handler ready) | over DynamoDB client alone |');
  console.log('|---|---:|---:|---:|');
  const init = {};
  for (const name of Object.keys(bundles)) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const ms = execFileSync(runtime.bin, ['-e', probe, built[name].outfile], {
        encoding: 'utf8',
        env: { ...process.env, AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' },
      });
      times.push(Number(ms));
    }
    init[name] = median(times);
  }
  for (const [name, label] of Object.entries(bundles)) {
    const over = name === 'empty' ? '' : `${(init[name] - init['dynamodb-only']).toFixed(1)} ms`;
    console.log(`| ${label} | ${kb(built[name].bytes)} | ${init[name].toFixed(1)} ms | ${over} |`);
  }
  console.log('');
}
