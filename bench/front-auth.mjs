// Benchmark: what the front's JWT check adds per request (keys cached: the local JWKS is parsed
// once, each request costs one RS256 verification). The same front, on a child process of its own,
// in front of a trivial node:http upstream (so the check is not hidden behind serverless-offline),
// once with a public route and once with the same route behind a JWT authorizer and a valid token.
// Also the check alone, in-process. Loopback only, bounded in time.
//
//   node bench/front-auth.mjs [seconds] [connections] [rounds]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';

const [seconds = 5, connections = 10, rounds = 3] = process.argv.slice(2).map(Number);
const dist = join(import.meta.dirname, '..', 'packages', 'serverless-gantry', 'dist');
const authorizer = {
  name: 'users',
  issuerUrl: 'https://issuer.example.com',
  audience: ['web-client'],
  identitySource: '$request.header.Authorization',
};

// The child: an upstream that answers 200 {"ok":true}, and the front before it.
const server = (withAuth) => `
  const { createServer } = await import('node:http');
  const { startApiGatewayFront } = await import(${JSON.stringify(join(dist, 'offline/http/api-gateway-front.js'))});
  const { jwtCheck } = await import(${JSON.stringify(join(dist, 'auth/jwt-check.js'))});
  const keys = JSON.parse(process.env.BENCH_KEYS);
  const upstream = createServer((req, res) => { req.resume(); res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const route = { method: 'GET', path: '/me'${withAuth ? ", authorizer: { authorizer: 'users' }" : ''} };
  const front = await startApiGatewayFront({
    host: '127.0.0.1', port: 0, upstream: { host: '127.0.0.1', port: upstream.address().port },
    routes: { functions: [{ routes: [route] }] },
    checkJwt: jwtCheck([${JSON.stringify(authorizer)}], keys),
  });
  console.log('PORT ' + front.port);
`;

async function startServer(withAuth, keys) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', server(withAuth)], {
    env: { ...process.env, BENCH_KEYS: JSON.stringify(keys.verifying) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /PORT (\d+)/.exec(out);
      if (found) resolve(Number(found[1]));
    });
    child.once('exit', (code) => reject(new Error(`the front exited (${code})`)));
  });
  return { child, port };
}

const { localKeys } = await import(join(dist, 'auth/local-keys.js'));
const { mintAccessToken } = await import(join(dist, 'auth/mint-token.js'));
const { jwtCheck } = await import(join(dist, 'auth/jwt-check.js'));
const keys = await localKeys(join(import.meta.dirname, '.work', 'front-auth'));
const token = await mintAccessToken(authorizer, keys.signing, { sub: 'ann', scope: 'a b' });
const headers = { authorization: `Bearer ${token}` };

// The check alone, in this process.
const check = jwtCheck([authorizer], keys.verifying);
const request = { headers, query: new URLSearchParams() };
for (let i = 0; i < 500; i++) await check({ authorizer: 'users' }, request);
const calls = 5000;
const t0 = performance.now();
for (let i = 0; i < calls; i++) await check({ authorizer: 'users' }, request);
const checkUs = ((performance.now() - t0) * 1000) / calls;

const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
const runs = { plain: [], auth: [] };
for (let round = 0; round < rounds; round++) {
  for (const kind of ['plain', 'auth']) {
    const { child, port } = await startServer(kind === 'auth', keys);
    const url = `http://127.0.0.1:${port}/me`;
    await autocannon({ url, connections, duration: 1, headers }); // warm-up
    const result = await autocannon({ url, connections, duration: seconds, headers });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    runs[kind].push({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
    child.kill('SIGINT');
  }
}
const row = (kind) => ({
  rps: median(runs[kind].map((r) => r.rps)),
  p50: median(runs[kind].map((r) => r.p50)),
  p99: median(runs[kind].map((r) => r.p99)),
});
const plain = row('plain');
const auth = row('auth');
// The front is one event loop: the time it spends per request is 1 / its throughput.
const addedMs = 1000 / auth.rps - 1000 / plain.rps;
console.log(`front, public route:      ${plain.rps.toFixed(0)} req/s, p50 ${plain.p50} ms, p99 ${plain.p99} ms`);
console.log(`front, JWT authorizer:    ${auth.rps.toFixed(0)} req/s, p50 ${auth.p50} ms, p99 ${auth.p99} ms`);
console.log(`ratio (auth ÷ public req/s): ${(auth.rps / plain.rps).toFixed(3)}`);
console.log(`added per request (1/rps difference): ${addedMs.toFixed(3)} ms`);
console.log(`the check alone, in-process: ${checkUs.toFixed(1)} µs per request (${calls} calls)`);
