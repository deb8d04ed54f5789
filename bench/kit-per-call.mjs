// Benchmark: per-call cost of the HTTP kit against a raw handler, bare @middy/core and the official
// Middy stack (http-json-body-parser + validator + http-cors + http-error-handler), success and
// error paths, 100k in-process calls with a realistic payload 2.0 event; medians of 5 rounds.
//
//   node bench/kit-per-call.mjs [calls] [rounds]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { runtimes, WORK } from './runtimes.mjs';

const [calls = '100000', rounds = '5'] = process.argv.slice(2);
const here = import.meta.dirname;
const bundle = join(WORK, 'kit', 'handlers.mjs');
await build({
  entryPoints: [join(here, 'kit', 'handlers.ts')],
  outfile: bundle,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@aws-sdk/*'],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});

const fmt = (us) => `${us.toFixed(2)} µs`;
console.log(`${calls} calls × ${rounds} rounds (median), ${new Date().toISOString()}\n`);
for (const runtime of runtimes()) {
  const out = execFileSync(runtime.bin, [join(here, 'kit', 'per-call-worker.mjs'), bundle, calls, rounds], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'], // the official error handler logs every error to stderr
    maxBuffer: 64 * 1024 * 1024,
  });
  const { results } = JSON.parse(out);
  console.log(`### ${runtime.label}\n`);
  console.log('| handler | success | ÷ official | error | ÷ official |');
  console.log('|---|---:|---:|---:|---:|');
  const names = {
    raw: 'raw handler',
    core: 'bare @middy/core',
    official: 'official stack',
    officialQuiet: 'official stack, error logging off',
    kit: 'Gantry kit',
    kitQuiet: 'Gantry kit, no request log line',
  };
  for (const [key, label] of Object.entries(names)) {
    const r = results[key];
    const ratio = (a, b) => (a / b).toFixed(2);
    console.log(
      `| ${label} | ${fmt(r.success)} | ${ratio(r.success, results.official.success)} | ${fmt(r.error)} | ${ratio(r.error, results.official.error)} |`,
    );
  }
  console.log('');
}
