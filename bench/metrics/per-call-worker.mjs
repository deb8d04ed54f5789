// Runs in a child process (one Node version): the cost per call of the kit with metrics on and off
// and of each way of writing the request line's metrics, median µs of R rounds of N calls, as JSON.
import { pathToFileURL } from 'node:url';

const [bundle, calls = '100000', rounds = '5'] = process.argv.slice(2);
const m = await import(pathToFileURL(bundle).href);
const n = Number(calls);

const body = JSON.stringify({ text: 'Buy milk, eggs and bread before the shop closes at eight.' });
const event = {
  version: '2.0',
  routeKey: 'POST /notes',
  rawPath: '/notes',
  rawQueryString: '',
  headers: { 'content-type': 'application/json', host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
  requestContext: {
    http: { method: 'POST', path: '/notes', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'bench' },
    requestId: 'JkX4qjCpFiAEMqQ=',
    routeKey: 'POST /notes',
    stage: '$default',
  },
  body,
  isBase64Encoded: false,
};
const context = { awsRequestId: 'b3c4d5e6-0000-4000-8000-000000000000', getRemainingTimeInMillis: () => 30000 };

async function measure(call) {
  const perRound = [];
  for (let r = 0; r <= Number(rounds); r++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) await call();
    if (r > 0) perRound.push(((performance.now() - started) * 1000) / n); // round 0 warms up
  }
  return perRound.sort((a, b) => a - b)[Math.floor(perRound.length / 2)];
}

const results = {};
for (const name of ['kitMetricsOff', 'kitMetricsOn', 'kitMetricsOnWithOwn']) {
  const handler = m[name];
  const first = await handler({ ...event }, context);
  if (first.statusCode !== 201) throw new Error(`${name}: ${first.statusCode}`);
  const coldBytes = Buffer.byteLength(m.lastLine()); // the first line carries the ColdStart metric
  results[name] = {
    us: await measure(() => handler({ ...event }, context)),
    bytes: Buffer.byteLength(m.lastLine()),
    coldBytes,
  };
}
for (const name of ['lineWithoutMetrics', 'emfFieldsHandWritten', 'lineWithPowertools']) {
  const build = m[name];
  results[name] = { us: await measure(build), bytes: Buffer.byteLength(build()) };
}
process.stdout.write(`${JSON.stringify({ node: process.version, results })}\n`);
