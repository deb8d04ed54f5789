// Benchmark (issue 24): a 10 MB upload through a presigned PUT against Gantry's local S3 endpoint
// (SigV4 verification of the URL, the function's IAM statements, the body streamed through to
// fauxqs in-process, the event record) against the same upload straight to fauxqs on a loopback
// port of its own (no check at all). Round-robin, sample by sample, so both share the machine's
// state; a fresh presigned URL per upload, made outside the timed part. Medians and p90 (nearest
// rank); the ratio is Gantry's uploads per second over fauxqs's (target ≥ 0.9×).
//
//   node bench/s3-upload.mjs [runs=20] [megabytes=10]
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [runs = 20, megabytes = 10] = process.argv.slice(2).map(Number);
const WARM_UP = 3;
const here = import.meta.dirname;
const gantryRoot = join(
  createRequire(join(here, '..', 'package.json')).resolve('serverless-gantry/package.json'),
  '..',
);
// The S3 client, the presigner and fauxqs are the plugin's dependencies: loaded from its node_modules.
const fromPlugin = createRequire(join(gantryRoot, 'package.json'));
const { PutObjectCommand, S3Client } = await import(fromPlugin.resolve('@aws-sdk/client-s3'));
const { getSignedUrl } = await import(fromPlugin.resolve('@aws-sdk/s3-request-presigner'));
const { buildApp } = await import(join(gantryRoot, 'node_modules', 'fauxqs', 'dist', 'app.js'));
const { startLocalS3 } = await import(join(gantryRoot, 'dist', 'offline', 's3', 'local-s3.js'));

const region = 'eu-west-1';
const bucket = 'bench-uploads';
const credentials = { accessKeyId: 'gantry-local-bench', secretAccessKey: 'bench-secret' };
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

// Gantry's endpoint, with a function identity whose generated statement allows the upload.
let events = 0;
const gantry = await startLocalS3({
  account: { partition: 'aws', region, accountId: '000000000000' },
  identities: new Map([
    [
      credentials.accessKeyId,
      {
        functionName: 'bench',
        roleName: 'bench-dev-bench',
        statements: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: `arn:aws:s3:::${bucket}/*` }],
        secretAccessKey: credentials.secretAccessKey,
      },
    ],
  ]),
  denyUnidentified: true,
  port: 0,
  onObjectEvent: () => events++,
});
await gantry.createBuckets([{ name: 'uploads', bucketName: bucket }]);

// fauxqs alone, on loopback (its startFauxqs listens on every interface).
const fauxqs = buildApp({ logger: false, defaultRegion: region });
const fauxqsUrl = await fauxqs.listen({ port: 0, host: '127.0.0.1' });
await fetch(`${fauxqsUrl}/${bucket}`, { method: 'PUT' });

const client = (endpoint) =>
  new S3Client({ endpoint, region, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
const targets = [
  { name: 'gantry', client: client(gantry.url), times: [] },
  { name: 'fauxqs', client: client(fauxqsUrl), times: [] },
];
const body = Buffer.alloc(megabytes * 1_000_000, 7);

async function uploadOnce(target, i) {
  const url = await getSignedUrl(target.client, new PutObjectCommand({ Bucket: bucket, Key: `run-${i}.bin` }));
  const start = performance.now();
  const response = await fetch(url, { method: 'PUT', body });
  await response.arrayBuffer();
  const ms = performance.now() - start;
  if (response.status !== 200) throw new Error(`${target.name} answered ${response.status}`);
  return ms;
}

for (let i = 0; i < WARM_UP; i++) for (const target of targets) await uploadOnce(target, -1 - i);
const memoryBefore = process.memoryUsage();
for (let i = 0; i < runs; i++) {
  for (const target of targets) target.times.push(await uploadOnce(target, i));
}
const memoryAfter = process.memoryUsage();

const mb = (bytes) => `${(bytes / 1_000_000).toFixed(0)} MB`;
console.log(
  `${megabytes} MB through a presigned PUT, ${runs} runs each (after ${WARM_UP} warm-up), Node ${process.version}`,
);
for (const target of targets) {
  const median = percentile(target.times, 50);
  console.log(
    `  ${target.name.padEnd(7)} median ${median.toFixed(1)} ms (${((megabytes * 1000) / median).toFixed(0)} MB/s), p90 ${percentile(target.times, 90).toFixed(1)} ms`,
  );
}
const [g, f] = targets.map((t) => percentile(t.times, 50));
console.log(`  ratio   gantry/fauxqs throughput ${(f / g).toFixed(2)}× (target ≥ 0.9×)`);
console.log(`  events  ${events} ObjectCreated:Put records built (one per Gantry upload)`);
console.log(
  `  memory  rss ${mb(memoryBefore.rss)} → ${mb(memoryAfter.rss)}, array buffers ${mb(memoryBefore.arrayBuffers)} → ${mb(memoryAfter.arrayBuffers)} (both stores keep every object: ${runs} × ${megabytes} MB each)`,
);

for (const target of targets) target.client.destroy();
await gantry.stop();
await fauxqs.close();
