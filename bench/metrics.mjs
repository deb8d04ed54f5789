// Benchmark: the kit's metrics (CloudWatch Embedded Metric Format in the request line), issue #22.
// Per call (100k in-process calls, median of 5 rounds): the kit with metrics on and off, and the
// request line built without metrics, with the kit's hand-written EMF writer and with Powertools
// Metrics; the line's bytes. Cold init (a fresh process requiring the bundle, median of 20): the
// writer's module against Powertools Metrics', over a handler that imports nothing; and a kit route
// with tracing off against the same route with tracing on (its entry imports the kit's tracer), as
// Lambda runs it (AWS_EXECUTION_ENV set, so Powertools Tracer is on).
// Targets: ≤ 0.05 ms per call, ≤ 2 ms at init, ≤ 512 bytes for the request line with its metrics.
//
//   node bench/metrics.mjs [calls] [rounds] [coldRuns]
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleForLambda } from './lambda-bundle.mjs';
import { runtimes, WORK } from './runtimes.mjs';

const [calls = '100000', rounds = '5', coldRuns = '20'] = process.argv.slice(2);
const here = join(import.meta.dirname, 'metrics');
// Powertools is a dependency of the kit's package, not of the workspace root.
const nodePaths = [join(import.meta.dirname, '..', 'packages', 'middy', 'node_modules')];
const bundle = join(WORK, 'metrics', 'handlers.mjs');
await build({
  entryPoints: [join(here, 'handlers.ts')],
  outfile: bundle,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  nodePaths,
  external: ['@aws-sdk/*'],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
const cold = {};
for (const name of ['empty', 'hand-written', 'powertools', 'kit-untraced', 'kit-traced']) {
  const outfile = join(WORK, 'metrics', `${name}.cjs`);
  await build({
    entryPoints: [join(here, 'cold', `${name}.ts`)],
    outfile,
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    nodePaths,
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });
  cold[name] = { outfile, bytes: statSync(outfile).size };
}
void bundleForLambda; // the same settings as bench/lambda-bundle.mjs, plus nodePaths

// The module's own load and init, timed inside a fresh process: Node's start-up (tens of ms, and
// the noisiest part on a shared machine) is left out, so the difference is the module's alone.
const probe = `const t = performance.now(); const m = require(process.argv[1]); if (typeof m.handler !== 'function') throw new Error('no handler'); process.stdout.write(String(performance.now() - t));`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const labels = {
  kitMetricsOff: 'kit, metrics off',
  kitMetricsOn: 'kit, metrics on',
  kitMetricsOnWithOwn: "kit, metrics on + one of the method's own",
  lineWithoutMetrics: 'request line alone, no metrics',
  emfFieldsHandWritten: 'request line + metrics, hand-written writer',
  lineWithPowertools: 'request line + metrics, Powertools Metrics',
};

console.log(
  `${calls} calls × ${rounds} rounds (median); init ${coldRuns} runs (median); ${new Date().toISOString()}\n`,
);
for (const runtime of runtimes()) {
  const out = execFileSync(runtime.bin, [join(here, 'per-call-worker.mjs'), bundle, calls, rounds], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const { results } = JSON.parse(out);
  console.log(`### ${runtime.label}\n`);
  console.log('| per call | µs | over its baseline | line bytes (cold start line) |');
  console.log('|---|---:|---:|---:|');
  for (const [key, label] of Object.entries(labels)) {
    const baseline = key.startsWith('kit') ? results.kitMetricsOff.us : results.lineWithoutMetrics.us;
    const over =
      key === 'kitMetricsOff' || key === 'lineWithoutMetrics' ? '' : `+${(results[key].us - baseline).toFixed(2)} µs`;
    const cold = results[key].coldBytes === undefined ? '' : ` (${results[key].coldBytes})`;
    console.log(`| ${label} | ${results[key].us.toFixed(2)} | ${over} | ${results[key].bytes}${cold} |`);
  }
  // Round-robin, so a busy moment of the machine falls on every variant alike.
  const times = Object.fromEntries(Object.keys(cold).map((name) => [name, []]));
  for (let i = 0; i < Number(coldRuns); i++) {
    for (const name of Object.keys(cold)) {
      const ms = execFileSync(runtime.bin, ['-e', probe, cold[name].outfile], {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_REGION: 'us-east-1',
          NODE_NO_WARNINGS: '1',
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
          AWS_LAMBDA_FUNCTION_NAME: 'bench',
          GANTRY_SERVICE: 'tasks-app',
          GANTRY_STAGE: 'prod',
        },
      });
      times[name].push(Number(ms));
    }
  }
  const init = Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));
  console.log('\n| init | bundle | require → handler ready | over its baseline |');
  console.log('|---|---:|---:|---:|');
  for (const name of Object.keys(cold)) {
    const base = name === 'kit-traced' ? 'kit-untraced' : 'empty';
    const over = name === 'empty' ? '' : `+${(init[name] - init[base]).toFixed(2)} ms over ${base}`;
    console.log(`| ${name} | ${(cold[name].bytes / 1024).toFixed(1)} KB | ${init[name].toFixed(2)} ms | ${over} |`);
  }
  console.log('');
}
