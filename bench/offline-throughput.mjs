// Benchmark: a route that reads DynamoDB under 10 connections for 10 s. Gantry's local run (embedded
// DynamoDB, IAM enforced) against plain serverless-offline + dynalite without it, and a plain
// node:http server doing the same read (the ceiling). Reports req/s, p50/p99 latency, errors,
// RSS of the server process after the run, and time to ready. Loopback only, bounded in time.
//
//   node bench/offline-throughput.mjs [seconds] [connections]
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';

const [seconds = 10, connections = 10] = process.argv.slice(2).map(Number);
const here = import.meta.dirname;
const require = createRequire(join(here, '..', 'package.json'));
const SLS = join(require.resolve('serverless/package.json'), '..', 'bin', 'serverless.js');
const env = { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1', AWS_REGION: 'us-east-1', LOG_LEVEL: 'warn' };

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

function start(command, args, options) {
  const started = performance.now();
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  // The output is kept until the server is ready; after that only reloads are counted, so the
  // benchmark process (which also runs the load generator) does not pay for a server's logging.
  let output = '';
  let ready = false;
  let reloads = 0;
  const read = (chunk) => {
    const text = String(chunk);
    reloads += text.split('gantry: reloaded').length - 1;
    if (!ready) output += text;
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      // Gantry's `Ready:` (serverless-offline's own "Server ready" is hidden under Gantry), or the baselines'.
      if (/Server ready|^Ready: /m.test(output)) {
        clearInterval(timer);
        ready = true;
        resolve({ child, readyMs: performance.now() - started, reloads: () => reloads });
      } else if (child.exitCode !== null || performance.now() - started > 120_000) {
        clearInterval(timer);
        reject(new Error(`did not start:\n${output}`));
      }
    }, 20);
  });
}

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** A dynalite of its own (a child process), with the table and the note, for the baselines. */
async function standaloneDynamo(table) {
  const port = await freePort();
  const dynalitePath = require.resolve('dynalite');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(dynalitePath)})({createTableMs:0}).listen(${port},'127.0.0.1',()=>console.log('Server ready'))`,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const url = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  await DynamoDBDocumentClient.from(client).send(
    new PutCommand({
      TableName: table,
      Item: { id: 'n1', text: 'Buy milk, eggs and bread before the shop closes at eight.' },
    }),
  );
  client.destroy();
  return { url, child };
}

async function load(url) {
  const first = await fetch(url); // one request first, as a developer's first click would be
  if (first.status !== 200) throw new Error(`${url} answered ${first.status}: ${await first.text()}`);
  const result = await autocannon({ url, connections, duration: seconds });
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

const results = [];
let edits;

/**
 * RSS over 1,000 requests with 20 edits of the handler module in between (each edit waits for
 * Gantry's reload): what a developer's session does to the local run's memory.
 */
async function editsPhase(run, url) {
  const file = join(here, 'offline', 'gantry', 'src', 'notes.ts');
  const original = readFileSync(file, 'utf8');
  const before = rssMb(run.child.pid);
  try {
    for (let edit = 1; edit <= 20; edit++) {
      const reloads = run.reloads();
      writeFileSync(file, `${original}\n// edit ${edit}\n`);
      const deadline = Date.now() + 30_000;
      while (run.reloads() === reloads && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 50; i++) await fetch(url).then((res) => res.arrayBuffer());
    }
  } finally {
    writeFileSync(file, original);
  }
  const after = rssMb(run.child.pid);
  return { before, after, growth: (after - before) / before };
}

/** Gantry's local run of `dir`: loads it, records it, and (for the default run) the edits phase. */
async function gantry(name, dir, withEdits) {
  const httpPort = await freePort();
  const run = await start(
    process.execPath,
    [SLS, 'offline', '--httpPort', String(httpPort), '--lambdaPort', String(await freePort())],
    { cwd: dir, env },
  );
  const r = await load(`http://127.0.0.1:${httpPort}/notes/n1`);
  results.push({ name, ...r, rss: rssMb(run.child.pid), ready: run.readyMs, note: 'RSS includes its DynamoDB' });
  if (withEdits) edits = await editsPhase(run, `http://127.0.0.1:${httpPort}/notes/n1`);
  await stop(run.child);
}

{
  // The same service with `offline.apiGateway: false`: what the front costs.
  const dir = join(here, '.work', 'gantry-no-front');
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(here, 'offline', 'gantry'), dir, {
    recursive: true,
    filter: (src) => !/[\\/]\.(esbuild|gantry|serverless)/.test(src),
  });
  const yml = readFileSync(join(dir, 'serverless.yml'), 'utf8');
  writeFileSync(join(dir, 'serverless.yml'), yml.replace('    offline:\n', '    offline:\n      apiGateway: false\n'));
  await gantry('Gantry local run without the front (offline.apiGateway: false)', dir, false);
}
await gantry(
  'Gantry local run (API Gateway front, embedded DynamoDB, IAM enforced)',
  join(here, 'offline', 'gantry'),
  true,
);

/** A baseline against its own dynalite: starts both, loads, records, stops both. */
async function baseline(name, launch) {
  const dynamo = await standaloneDynamo('bench-plain-notes');
  const { run, url } = await launch(dynamo.url);
  const r = await load(url);
  results.push({ name, ...r, rss: rssMb(run.child.pid), ready: run.readyMs, note: 'dynalite is a separate process' });
  await stop(run.child);
  await stop(dynamo.child);
}
const credentials = { AWS_ACCESS_KEY_ID: 'b', AWS_SECRET_ACCESS_KEY: 'b' };

await baseline('plain serverless-offline + dynalite', async (dynamoUrl) => {
  const httpPort = await freePort();
  const args = [SLS, 'offline', '--httpPort', String(httpPort), '--lambdaPort', String(await freePort())];
  const run = await start(process.execPath, args, {
    cwd: join(here, 'offline', 'plain'),
    env: { ...env, ...credentials, BENCH_DYNAMODB_URL: dynamoUrl },
  });
  return { run, url: `http://127.0.0.1:${httpPort}/notes/n1` };
});
await baseline('plain node:http + dynalite (ceiling)', async (dynamoUrl) => {
  const port = await freePort();
  const run = await start(process.execPath, [join(here, 'offline', 'node-http.mjs')], {
    cwd: here,
    env: {
      ...env,
      ...credentials,
      PORT: String(port),
      TABLE: 'bench-plain-notes',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
      NODE_NO_WARNINGS: '1',
    },
  });
  return { run, url: `http://127.0.0.1:${port}/notes/n1` };
});

const plain = results.find((r) => r.name.startsWith('plain serverless-offline'));
console.log(`${connections} connections, ${seconds} s each, ${new Date().toISOString()}, Node ${process.version}\n`);
console.log('| server | req/s | ÷ plain offline | p50 | p99 | requests | errors | RSS after | ready in |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.name} | ${Math.round(r.rps)} | ${(r.rps / plain.rps).toFixed(2)} | ${r.p50} ms | ${r.p99} ms | ${r.requests} | ${r.errors} | ${Math.round(r.rss)} MB (${r.note}) | ${(r.ready / 1000).toFixed(1)} s |`,
  );
}
console.log(
  `\nGantry local run, 1,000 requests with 20 edits in between: RSS ${Math.round(edits.before)} MB → ${Math.round(edits.after)} MB (${(edits.growth * 100).toFixed(1)}%)`,
);
