// Benchmark: what a service's test pays to get its API and DynamoDB up. serverless-gantry/testing's
// startLocalService (discovery, embedded DynamoDB with IAM, entries bundled) and its first request
// (a function's cold start on its own thread), against the baseline measured in the same run: the
// real `sls offline` of the same service, from start to its "Ready:" line, and its first
// request. The tasks-app template; medians.
//
//   node bench/testing-start.mjs [runs]
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const service = fileURLToPath(new URL('../templates/tasks-app/', import.meta.url));
const require = createRequire(import.meta.url);
const { startLocalService } = await import(require.resolve('serverless-gantry/testing'));
const slsBin = require.resolve('serverless/bin/serverless.js');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const create = (title) => ({ body: { title } });

async function helperRun() {
  const started = performance.now();
  const local = await startLocalService({ servicePath: service });
  const ready = performance.now();
  const token = await local.token({ sub: 'bench' });
  const response = await local.request('POST', '/lists/bench-list-1/tasks', {
    ...create('first'),
    headers: { authorization: `Bearer ${token}` },
  });
  const answered = performance.now();
  await local.stop();
  if (response.status !== 201) throw new Error(`helper: ${response.status}`);
  return { start: ready - started, first: answered - ready };
}

// The task routes need a signed-in user: a token the local run accepts, made once (not timed).
const offlineToken = spawnSync(process.execPath, [slsBin, 'gantry', 'token', '--sub', 'bench'], {
  cwd: service,
  env: { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1' },
  encoding: 'utf8',
}).stdout.trim();

async function offlineRun(port) {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [slsBin, 'offline', '--host', '127.0.0.1', '--httpPort', String(port), '--lambdaPort', String(port + 1)],
    {
      cwd: service,
      env: { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const seen = (chunk) => {
      output += chunk;
      if (/^Ready: /m.test(output)) resolve(performance.now()); // Gantry's first line once serving
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', () => reject(new Error(`sls offline exited:\n${output}`)));
  });
  const readyAt = await ready;
  // The front answers once serverless-offline is up; retry until it does.
  let response;
  for (;;) {
    response = await fetch(`http://127.0.0.1:${port}/lists/bench-list-1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${offlineToken}` },
      body: JSON.stringify({ title: 'first' }),
    }).catch(() => undefined);
    if (response && response.status !== 502) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const answered = performance.now();
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
  if (response.status !== 201) throw new Error(`offline: ${response.status}`);
  return { start: readyAt - started, first: answered - readyAt };
}

const helper = [];
const offline = [];
for (let i = 0; i < runs; i++) {
  helper.push(await helperRun());
  offline.push(await offlineRun(4100 + i * 2));
}
const row = (name, list) => {
  const start = median(list.map((r) => r.start));
  const first = median(list.map((r) => r.first));
  return { name, start, first, total: start + first };
};
const h = row('serverless-gantry/testing', helper);
const o = row('sls offline (baseline)', offline);
console.log(`tasks-app, ${runs} runs each, medians (ms), ${root}`);
for (const r of [h, o]) {
  console.log(
    `${r.name.padEnd(28)} start ${r.start.toFixed(0).padStart(6)}  first request ${r.first.toFixed(0).padStart(6)}  total ${r.total.toFixed(0).padStart(6)}`,
  );
}
console.log(
  `ratio (testing helper ÷ sls offline): start ${(h.start / o.start).toFixed(3)}, to first answer ${(h.total / o.total).toFixed(3)}`,
);
