// Benchmark: the starters' real functions, as `sls package` ships them. Each template is copied to
// bench/.work/starters/ (as `sls create` would), packaged for stage dev, and each function's bundle
// is taken out of its zip: its size, and its cold init (fresh process until the module is loaded and
// `handler` defined, median of N runs) against a bundle holding only the DynamoDB document client,
// built and measured in the same run (bench/kit/cold/dynamodb-only.ts, bundled as serverless-esbuild
// does: minified CommonJS for node22, AWS SDK external since the runtime provides it).
//
//   node bench/starters-cold-start.mjs [runs]     (default 20)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
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

const baseline = join(out, 'dynamodb-only.js');
await build({
  entryPoints: [join(import.meta.dirname, 'kit', 'cold', 'dynamodb-only.ts')],
  outfile: baseline,
  bundle: true,
  minify: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external: ['@aws-sdk/*'],
  logLevel: 'error',
});
bundles.set('DynamoDB document client alone (baseline)', baseline);

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

// From process start until the module is loaded and `handler` exists: wall time (performance.now(),
// from performance.timeOrigin) and the process's CPU time (user + system). On this shared machine a
// process often waits for a core, which wall time counts and CPU time does not: CPU time is what the
// targets are read from, wall time is shown for reference.
const probe = `const m = require(process.argv[1]); if (typeof m.handler !== 'function') throw new Error('no handler'); const cpu = process.cpuUsage(); process.stdout.write(performance.now() + ' ' + (cpu.user + cpu.system) / 1000);`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

console.log(`${runs} runs each, medians, ${new Date().toISOString()}\n`);
for (const runtime of runtimes()) {
  console.log(`### ${runtime.label}\n`);
  console.log(
    '| function | bundle (minified) | init CPU time | over DynamoDB client alone | init wall time | over DynamoDB client alone |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  const times = new Map([...bundles.keys()].map((label) => [label, { wall: [], cpu: [] }]));
  // Round-robin, so that a busy moment on the shared machine spreads over every bundle.
  for (let i = 0; i < runs; i++) {
    for (const [label, file] of bundles) {
      const [wall, cpu] = execFileSync(runtime.bin, ['-e', probe, file], {
        encoding: 'utf8',
        env: { ...process.env, AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' },
      })
        .split(' ')
        .map(Number);
      times.get(label).wall.push(wall);
      times.get(label).cpu.push(cpu);
    }
  }
  const base = times.get('DynamoDB document client alone (baseline)');
  const ms = (value) => `${value.toFixed(1)} ms`;
  for (const [label, file] of bundles) {
    const { wall, cpu } = times.get(label);
    const [c, w] = [median(cpu), median(wall)];
    console.log(
      `| ${label} | ${kb(statSync(file).size)} | ${ms(c)} | ${ms(c - median(base.cpu))} | ${ms(w)} | ${ms(w - median(base.wall))} |`,
    );
  }
  console.log('');
}
