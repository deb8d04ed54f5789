// Benchmark: a save under `sls offline`, from the save to the new code being served, and what
// happens to the requests meanwhile. Gantry's local run beside plain serverless-esbuild +
// serverless-offline (the same routes written by hand), in the same run:
//
// - bench/reload/gantry and bench/reload/plain: three functions; the edited module's two routes
//   wait 25 ms per request (as on a DynamoDB call), so with a request every 50 ms one is in flight
//   about half the time; src/version.ts (imported by both routes' module) is the file saved.
// - the tasks-app template (11 functions), whose page module (src/web/page.ts) is saved: GET /.
//
// Each service is copied to bench/.work/ and its file saved atomically, as editors do.
// - idle: one request at a time (the next 20 ms after the last answer) until the new code answers.
// - a request every 50 ms: an open-loop client sends whatever the others are doing (so requests in
//   flight during the reload are seen); edit → served is the first answer from the new code.
// Every request is bounded (30 s: longer counts as hung). Failed: any answer other than 200 with
// the expected content (serverless-offline answers its timeout as a 200 with an error body), a
// connection error, or hung. Edit → served is counted from the end of the save.
//
//   node bench/reload.mjs [edits per phase = 5]
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { WORK } from './runtimes.mjs';

const [edits = 5] = process.argv.slice(2).map(Number);
const here = import.meta.dirname;
const root = join(here, '..');
const require = createRequire(join(root, 'package.json'));
const SLS = join(require.resolve('serverless/package.json'), '..', 'bin', 'serverless.js');
const env = { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1' };
const HUNG_MS = 30_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const versionModule = {
  route: '/notes/version',
  file: 'src/version.ts',
  edit: (_original, marker) => `export const version: string = '${marker}';\n`,
  read: (text) => {
    try {
      return JSON.parse(text).version;
    } catch {
      return undefined;
    }
  },
};
const servers = [
  { name: 'gantry', label: 'Gantry local run', source: join(here, 'reload', 'gantry'), ...versionModule },
  { name: 'plain', label: 'plain serverless-offline', source: join(here, 'reload', 'plain'), ...versionModule },
  {
    name: 'tasks-app',
    label: 'Gantry: tasks-app template',
    source: join(root, 'templates', 'tasks-app'),
    route: '/',
    file: 'src/web/page.ts',
    edit: (original, marker) => original.replace('<title>Tasks</title>', `<title>Tasks ${marker}</title>`),
    read: (text) => /<title>Tasks ?([^<]*)<\/title>/.exec(text)?.[1],
  },
];

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function startOffline(dir, route) {
  const [http, lambda] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [SLS, 'offline', '--host', '127.0.0.1', '--httpPort', String(http), '--lambdaPort', String(lambda)],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c) => {
    output += c;
  });
  child.stderr.on('data', (c) => {
    output += c;
  });
  const started = performance.now();
  const url = `http://127.0.0.1:${http}`;
  // Ready once the route answers.
  for (;;) {
    if (child.exitCode !== null || performance.now() - started > 180_000) throw new Error(`did not start:\n${output}`);
    const ok = await fetch(`${url}${route}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(100);
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return { url, stop, output: () => output };
}

/** One request, bounded; never throws. `marker`: which code answered (undefined: not the page expected). */
async function call(server, url) {
  const sent = performance.now();
  try {
    const response = await fetch(`${url}${server.route}`, { signal: AbortSignal.timeout(HUNG_MS) });
    const text = await response.text();
    return {
      sent,
      ms: performance.now() - sent,
      at: performance.now(),
      status: response.status,
      marker: server.read(text),
      text,
    };
  } catch (error) {
    const hung = error?.name === 'TimeoutError';
    return {
      sent,
      ms: performance.now() - sent,
      at: performance.now(),
      status: hung ? 'hung' : 'error',
      text: String(error),
    };
  }
}

/** Saves as editors do: write aside, rename over. Returns the moment the save is done. */
function save(dir, server, marker) {
  const file = join(dir, server.file);
  server.original ??= readFileSync(file, 'utf8');
  writeFileSync(`${file}.saving`, server.edit(server.original, marker));
  renameSync(`${file}.saving`, file);
  return performance.now();
}

async function idlePhase(server, run, dir) {
  const served = [];
  const results = [];
  for (let i = 1; i <= edits; i++) {
    const marker = `${server.name}-idle-${i}`;
    const saved = save(dir, server, marker);
    for (;;) {
      const r = await call(server, run.url);
      results.push(r);
      if (r.marker === marker) {
        served.push(r.at - saved);
        break;
      }
      if (performance.now() - saved > 60_000) {
        served.push(Number.POSITIVE_INFINITY);
        break;
      }
      await sleep(20);
    }
    await sleep(1500); // let the machine settle between edits
  }
  return { served, results };
}

async function trafficPhase(server, run, dir) {
  const results = [];
  const pending = [];
  let sending = true;
  const client = (async () => {
    while (sending) {
      pending.push(call(server, run.url).then((r) => results.push(r)));
      await sleep(50);
    }
  })();
  await sleep(1000);
  const served = [];
  for (let i = 1; i <= edits; i++) {
    const marker = `${server.name}-traffic-${i}`;
    const saved = save(dir, server, marker);
    for (;;) {
      const hit = results.find((r) => r.marker === marker);
      if (hit) {
        served.push(hit.at - saved);
        break;
      }
      if (performance.now() - saved > 60_000) {
        served.push(Number.POSITIVE_INFINITY);
        break;
      }
      await sleep(5);
    }
    await sleep(2000);
  }
  sending = false;
  await client;
  await Promise.all(pending);
  return { served, results };
}

function summary(server, phase, { served, results }) {
  const failed = results.filter((r) => r.status !== 200 || r.marker === undefined);
  const fmt = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'never');
  return {
    server: server.label,
    phase,
    'edit → served (median)': fmt(median(served)),
    'edit → served (slowest)': fmt(Math.max(...served)),
    requests: results.length,
    failed: failed.length,
    hung: results.filter((r) => r.status === 'hung').length,
    'slowest request': fmt(Math.max(...results.map((r) => r.ms))),
    'failed with': [...new Set(failed.map((r) => `${r.status} ${r.text.slice(0, 50)}`))].join(' | '),
  };
}

const rows = [];
for (const server of servers) {
  const dir = join(WORK, 'reload', server.name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(server.source, dir, {
    recursive: true,
    filter: (path) => !/[\\/](node_modules|\.esbuild|\.gantry|\.serverless)$/.test(path),
  });
  const run = await startOffline(dir, server.route);
  try {
    rows.push(summary(server, 'idle', await idlePhase(server, run, dir)));
    rows.push(summary(server, 'a request every 50 ms', await trafficPhase(server, run, dir)));
  } finally {
    await run.stop();
    if (process.env.BENCH_RELOAD_OUTPUT) console.log(run.output());
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`node bench/reload.mjs ${edits}: ${edits} saves per phase`);
console.table(rows);
