// Benchmark: `sls gantry rehearse --stage <stage>` of the root service (tasks-app), per stage: the
// whole rehearsal and each step (deploy, checks, update, update checks, info, remove), as the
// rehearsal itself reports them on its `steps (s):` line, plus the wall time of the command.
//
//   node bench/rehearse-time.mjs              stages dev and prod, one run each
//   node bench/rehearse-time.mjs dev --runs 3
//
// Needs `pnpm install` (builds the packages) and moto with its server extras (`pip install 'moto[server]'`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const SLS = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
const stages = args.filter((a, i) => !a.startsWith('--') && i !== runsAt + 1);
if (stages.length === 0) stages.push('dev', 'prod');

console.log('| stage | run | wall (s) | checks | deploy | checks | update | update checks | info | remove | total |');
console.log('| ----- | --: | -------: | -----: | -----: | -----: | -----: | ------------: | ---: | -----: | ----: |');
for (const stage of stages) {
  for (let run = 1; run <= runs; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [SLS, 'gantry', 'rehearse', '--stage', stage], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1' },
    });
    const wall = ((performance.now() - started) / 1000).toFixed(1);
    const out = result.stdout + result.stderr;
    const summary = out.match(/checks hold[^\n]*/)?.[0] ?? 'no summary';
    const held = out.match(/: (\d+ of \d+) checks hold/)?.[1] ?? '?';
    const steps = Object.fromEntries(
      [...(out.match(/steps \(s\): ([^\n]*)/)?.[1] ?? '').matchAll(/([a-z ]+?) ([\d.]+)(?:, |$)/g)].map(([, k, v]) => [
        k.trim(),
        v,
      ]),
    );
    const cell = (k) => steps[k] ?? '–';
    console.log(
      `| ${stage} | ${run} | ${wall} | ${held} | ${cell('deploy')} | ${cell('checks')} | ${cell('update')} | ${cell('update checks')} | ${cell('info')} | ${cell('remove')} | ${cell('total')} |`,
    );
    if (result.status !== 0)
      console.error(`rehearsal of ${stage} failed (exit ${result.status}): ${summary}\n${out.slice(-2000)}`);
  }
}
