// Runs in a child process (one Node version): calls each handler N times in-process, sequentially,
// and prints the median µs per call of R rounds as JSON. stderr carries the official stack's logs.
import { pathToFileURL } from 'node:url';

const [bundle, calls = '100000', rounds = '5'] = process.argv.slice(2);
const handlers = await import(pathToFileURL(bundle).href);

const body = JSON.stringify({
  text: 'Buy milk, eggs and bread before the shop closes at eight.',
  tags: ['home', 'errands'],
});
const event = (payload) => ({
  version: '2.0',
  routeKey: 'POST /notes',
  rawPath: '/notes',
  rawQueryString: '',
  headers: {
    accept: 'application/json',
    'accept-encoding': 'gzip, deflate, br',
    'content-length': String(payload.length),
    'content-type': 'application/json',
    host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    origin: 'https://app.example.com',
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
    'x-amzn-trace-id': 'Root=1-67a0c0de-0123456789abcdef01234567',
    'x-forwarded-for': '203.0.113.9',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    domainPrefix: 'abc123',
    http: { method: 'POST', path: '/notes', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'Mozilla/5.0' },
    requestId: 'JkX4qjCpFiAEMqQ=',
    routeKey: 'POST /notes',
    stage: '$default',
    time: '27/Nov/2026:15:00:00 +0000',
    timeEpoch: 1795791600000,
  },
  body: payload,
  isBase64Encoded: false,
});
const ok = event(body);
// Invalid in every stack: Ajv's default coerceTypes would turn a number into a string, so use an empty text.
const bad = event(JSON.stringify({ text: '' }));
const context = { awsRequestId: 'b3c4d5e6-0000-4000-8000-000000000000', getRemainingTimeInMillis: () => 30000 };

async function measure(handler, input, expected) {
  const first = await handler(structuredClone(input), context);
  if (first.statusCode !== expected) throw new Error(`expected ${expected}, got ${first.statusCode}: ${first.body}`);
  const perRound = [];
  for (let r = 0; r <= Number(rounds); r++) {
    const started = performance.now();
    // A fresh (shallow) event each call: the official body parser replaces event.body with the parsed one.
    for (let i = 0; i < Number(calls); i++) await handler({ ...input }, context);
    const us = ((performance.now() - started) * 1000) / Number(calls);
    if (r > 0) perRound.push(us); // round 0 warms up
  }
  return perRound.sort((a, b) => a - b)[Math.floor(perRound.length / 2)];
}

const results = {};
for (const name of ['raw', 'core', 'official', 'officialQuiet', 'kit', 'kitQuiet']) {
  results[name] = { success: await measure(handlers[name], ok, 201), error: await measure(handlers[name], bad, 400) };
}
process.stdout.write(`${JSON.stringify({ node: process.version, results })}\n`);
