// Benchmark: cold starts under `sls offline`, for the root service (the tasks-app template).
// 1. Each function's first request after start, against the baseline measured in the same run: the
//    same bundle's init (require) in a fresh process of the Node the functions run on (Node 22, as
//    provider.runtime; `sls offline` runs them there too), the part of a cold start Lambda also
//    pays. Ratio per function, and the median.
// 2. A cold burst: 10 concurrent first requests to one function right after start: statuses and
//    the slowest (p99 of 10 is the slowest).
//
//   node bench/offline-cold.mjs
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runtimes } from './runtimes.mjs';

const root = join(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
const SLS = join(require.resolve('serverless/package.json'), '..', 'bin', 'serverless.js');
const env = { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1' };
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** The Lambda runtime's Node (the last of runtimes(): Node 22), else this machine's. */
const lambdaNode = runtimes().at(-1);

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function startOffline() {
  const [http, lambda] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [SLS, 'offline', '--host', '127.0.0.1', '--httpPort', String(http), '--lambdaPort', String(lambda)],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c) => {
    output += c;
  });
  child.stderr.on('data', (c) => {
    output += c;
  });
  while (!/Page: http/.test(output)) {
    if (child.exitCode !== null) throw new Error(`sls offline exited:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGINT');
    });
  return { url: `http://127.0.0.1:${http}`, stop };
}

async function timed(url, init) {
  const started = performance.now();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

// The task routes need a signed-in user: a token the local run accepts (as `sls gantry token` prints).
const token = spawnSync(process.execPath, [SLS, 'gantry', 'token', '--sub', 'bench'], {
  cwd: root,
  env,
  encoding: 'utf8',
}).stdout.trim();
const auth = { authorization: `Bearer ${token}` };
const json = (body, method = 'POST') => ({
  method,
  headers: { 'content-type': 'application/json', ...auth },
  body: JSON.stringify(body),
});
const listId = 'bench-cold-list';
const taskId = '7d1b3c1e-6a8e-4a57-9c43-2f0a6f7c1b2d';
// One request per function; answers other than 5xx are fine (a 404 still ran the function).
const routes = {
  'web-page': ['/', { method: 'GET' }],
  'tasks-api-list': [`/lists/${listId}/tasks`, { method: 'GET', headers: auth }],
  'tasks-api-create': [`/lists/${listId}/tasks`, json({ title: 'cold' })],
  'tasks-api-read': [`/tasks/${taskId}`, { method: 'GET', headers: auth }],
  'tasks-api-update': [`/tasks/${taskId}`, json({ title: 'x', version: 1 }, 'PATCH')],
  'tasks-api-remove': [`/tasks/${taskId}?version=1`, { method: 'DELETE', headers: auth }],
};

/** The bundle's init in a fresh process of the Lambda runtime's Node: median of 5 `require`s, timed inside the process. */
function initInFreshNode(fn) {
  const bundle = join(root, '.esbuild', '.build', '.gantry', 'entries', `${fn}.js`);
  const script = `const t = performance.now(); require(${JSON.stringify(bundle)}); process.stdout.write(String(performance.now() - t));`;
  const runs = Array.from({ length: 5 }, () => {
    const result = spawnSync(lambdaNode.bin, ['-e', script], { cwd: root, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`init of ${fn} failed: ${result.stderr}`);
    return Number(result.stdout);
  });
  return median(runs);
}

const first = await startOffline();
const cold = {};
try {
  for (const [fn, [path, init]] of Object.entries(routes)) cold[fn] = await timed(`${first.url}${path}`, init);
} finally {
  await first.stop();
}
const rows = Object.entries(cold).map(([fn, { ms, status }]) => {
  const init = initInFreshNode(fn);
  return { fn, status, ms, init, ratio: ms / init };
});
console.log(`first request under sls offline ÷ the same bundle’s init in a fresh process of ${lambdaNode.label}`);
for (const r of rows) {
  console.log(
    `${r.fn.padEnd(18)} ${String(r.status).padStart(3)}  first ${r.ms.toFixed(0).padStart(5)} ms  init ${r.init.toFixed(0).padStart(4)} ms  ratio ${r.ratio.toFixed(2)}`,
  );
}
console.log(`median ratio ${median(rows.map((r) => r.ratio)).toFixed(2)} (target ≤ 2)`);

const second = await startOffline();
try {
  const [path, init] = routes['tasks-api-create'];
  const burst = await Promise.all(Array.from({ length: 10 }, () => timed(`${second.url}${path}`, init)));
  const statuses = {};
  for (const r of burst) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const slowest = Math.max(...burst.map((r) => r.ms));
  console.log(
    `cold burst, 10 concurrent first requests to tasks-api-create: ${JSON.stringify(statuses)}, p50 ${median(burst.map((r) => r.ms)).toFixed(0)} ms, p99 (slowest) ${slowest.toFixed(0)} ms`,
  );
} finally {
  await second.stop();
}
