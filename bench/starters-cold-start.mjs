// Benchmark: the starters' real functions, as `sls package` ships them. Each template is copied to
// bench/.work/starters/ (as `sls create` would), packaged for stage dev, and each function's bundle
// is taken out of its zip: its size, and its cold init (fresh process until the module is loaded and
// `handler` defined, median of N runs) against bundles holding only the DynamoDB document client,
// built and measured in the same run, bundled as serverless-esbuild does (minified CommonJS for
// node22, AWS SDK external since the runtime provides it). Two baselines: the client made at load
// (bench/kit/cold/dynamodb-only.ts, the usual way), and made on the first request
// (dynamodb-only-lazy.ts), as the kit's table client does: the kit's functions leave creating the
// client (≈ 5 ms) to their first request, so against the first they look free at init, and only the
// second shows what they add to a cold request.
//
//   node bench/starters-cold-start.mjs [runs]     (default 20)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundleForLambda } from './lambda-bundle.mjs';
import { runtimes, WORK } from './runtimes.mjs';

const runs = Number(process.argv[2] ?? 20);
const root = join(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
const SLS = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
const out = join(WORK, 'starters');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** label → bundle file */
const bundles = new Map();

const BASELINE = 'DynamoDB document client alone, made at load (baseline)';
const LAZY_BASELINE = 'DynamoDB document client alone, made on first request';
for (const [label, name] of [
  [BASELINE, 'dynamodb-only'],
  [LAZY_BASELINE, 'dynamodb-only-lazy'],
]) {
  const outfile = join(out, `${name}.js`);
  await bundleForLambda(join(import.meta.dirname, 'kit', 'cold', `${name}.ts`), outfile);
  bundles.set(label, outfile);
}

const skip = new Set(['node_modules', '.serverless', '.esbuild', '.gantry']);
for (const template of readdirSync(join(root, 'templates'))) {
  const dir = join(out, template);
  cpSync(join(root, 'templates', template), dir, { recursive: true, filter: (src) => !skip.has(src.split('/').pop()) });
  const packaged = spawnSync(process.execPath, [SLS, 'package', '--stage', 'dev'], { cwd: dir, encoding: 'utf8' });
  if (packaged.status !== 0) throw new Error(`sls package in ${dir} failed:\n${packaged.stdout}${packaged.stderr}`);
  for (const zip of readdirSync(join(dir, '.serverless')).filter((file) => file.endsWith('.zip'))) {
    const fn = zip.slice(0, -'.zip'.length);
    const entry = execFileSync('zipinfo', ['-1', join(dir, '.serverless', zip)], { encoding: 'utf8' })
      .split('\n')
      .find((file) => file.endsWith('.js'));
    if (!entry) throw new Error(`no .js in ${zip}`);
    const file = join(out, `${template}-${fn}.js`);
    writeFileSync(file, execFileSync('unzip', ['-p', join(dir, '.serverless', zip), entry]));
    bundles.set(`${template} › ${fn}`, file);
  }
}

// Two measures per fresh process. "init": from process start (performance.timeOrigin) until the
// module is loaded and `handler` exists, the whole cold start. "over the SDK": the same process
// first loads the DynamoDB client packages (which every bundle here leaves to the Lambda runtime),
// then times only the bundle's own load (printed in wall and CPU time; the tables use CPU time, as
// wall time on this shared machine also counts waiting for a core). The function's init minus the
// baseline's is exactly that load minus the baseline's, and measuring only those few milliseconds
// keeps it readable on this shared machine, where two whole start-ups (hundreds of ms, waiting for
// a core) differ by tens of ms from one run to the next.
const probe = `
  require('@aws-sdk/client-dynamodb');
  require('@aws-sdk/lib-dynamodb');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m = require(process.argv[1]);
  if (typeof m.handler !== 'function') throw new Error('no handler');
  const load = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  process.stdout.write([performance.now(), load, (cpu.user + cpu.system) / 1000].join(' '));
`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

console.log(`${runs} runs each, medians, ${new Date().toISOString()}\n`);
for (const runtime of runtimes()) {
  console.log(`### ${runtime.label}\n`);
  console.log(
    '| function | bundle (minified) | init (process start → handler ready) | bundle load after the SDK (CPU) | over the client made at load | over the client made on first request |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  const times = new Map([...bundles.keys()].map((label) => [label, { init: [], cpu: [] }]));
  // Round-robin, so that a busy moment on the shared machine spreads over every bundle.
  for (let i = 0; i < runs; i++) {
    for (const [label, file] of bundles) {
      const [init, , cpu] = execFileSync(runtime.bin, ['-e', probe, file], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' },
      })
        .split(' ')
        .map(Number);
      const samples = times.get(label);
      samples.init.push(init);
      samples.cpu.push(cpu);
    }
  }
  // Differences in CPU time: on this shared machine wall time also counts waiting for a core.
  const base = median(times.get(BASELINE).cpu);
  const lazyBase = median(times.get(LAZY_BASELINE).cpu);
  const ms = (value) => `${value.toFixed(1)} ms`;
  const signed = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} ms`;
  for (const [label, file] of bundles) {
    const { init, cpu } = times.get(label);
    console.log(
      `| ${label} | ${kb(statSync(file).size)} | ${ms(median(init))} | ${ms(median(cpu))} | ${signed(median(cpu) - base)} | ${signed(median(cpu) - lazyBase)} |`,
    );
  }
  console.log('');
}
