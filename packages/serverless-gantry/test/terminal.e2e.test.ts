import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OfflineRun, startOffline } from './support/offline.js';

// What a person reads in the terminal of `sls offline`: the start, then one line per request; and
// with --verbose, everything, the kit's JSON log lines in full. The faults fixture (a handler that
// throws, one that is fine), started both ways at once.
const cwd = fileURLToPath(new URL('./fixtures/faults/', import.meta.url));
let quiet: OfflineRun;
let verbose: OfflineRun;

beforeAll(async () => {
  [quiet, verbose] = await Promise.all([startOffline(cwd), startOffline(cwd, ['--verbose'])]);
});
afterAll(async () => {
  await Promise.all([quiet?.stop(), verbose?.stop()]);
});

/** The lines the run prints while `act` runs, and after until there are `count` (or a minute passed). */
async function linesDuring(run: OfflineRun, act: () => Promise<unknown>, count: number): Promise<string[]> {
  const before = run.output().length;
  await act();
  const printed = () => run.output().slice(before).split('\n').filter(Boolean);
  for (const deadline = Date.now() + 60_000; printed().length < count && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return printed();
}

const get = async (run: OfflineRun, path: string) => {
  const response = await fetch(`${run.url}${path}`);
  await response.text();
  return response.status;
};

describe('sls offline, as a person reads it', () => {
  it("starts with Gantry's lines only, and ends with its table: no URL on a port not to be called, no warning", () => {
    const start = quiet
      .output()
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('gantry: downloading Node')); // first run only
    const port = new URL(quiet.url).port;

    expect(start[0]).toBe('Ready: fixture-faults, stage dev (eu-west-1)');
    expect(start).toContainEqual(`API (API Gateway's HTTP rules): ${quiet.url}/`);
    const header = start.findIndex((line) => /^METHOD +URL +FUNCTION +USES$/.test(line));
    expect(header).toBeGreaterThan(0);
    // The table is last: a row for each route, on the front's port.
    expect(start.slice(header + 1).every((line) => line.includes(`${quiet.url}/`))).toBe(true);
    expect(start.slice(header + 1)).toContainEqual(
      expect.stringMatching(new RegExp(`^GET +${quiet.url}/faults/ok +faults-ok`)),
    );
    // Every URL printed is one to use: the API's port, or a line that says what listens there.
    for (const line of start) {
      for (const [url] of line.matchAll(/http:\/\/127\.0\.0\.1:(\d+)\S*/g)) {
        if (!url.includes(`:${port}`)) expect(line).toMatch(/^(DynamoDB|SQS) \(local, IAM enforced\): /);
      }
    }
    expect(quiet.output()).not.toMatch(/Server ready|2015-03-31|┌|Function names exposed|Offline \[http for lambda\]/);
    expect(quiet.output()).not.toMatch(/warning/i);
  });

  it('prints one line per request: method, path, status, duration, function, and cold start on the first', async () => {
    const lines = await linesDuring(
      quiet,
      async () => {
        expect(await get(quiet, '/faults/ok')).toBe(200);
        expect(await get(quiet, '/faults/ok?again=1')).toBe(200);
      },
      2,
    );

    expect(lines).toEqual([
      expect.stringMatching(/^GET \/faults\/ok 200 \d+(\.\d+)? ms faults-ok \(cold start\)$/),
      expect.stringMatching(/^GET \/faults\/ok 200 \d+(\.\d+)? ms faults-ok$/),
    ]);
  });

  it('prints a line for what API Gateway answers itself too: a route the service does not have, a limit', async () => {
    const lines = await linesDuring(
      quiet,
      async () => {
        expect(await get(quiet, '/no/such/route?x=1')).toBe(404);
        const response = await fetch(`${quiet.url}/faults/ok`, { headers: { 'x-big': 'y'.repeat(11_000) } });
        await response.text();
        expect(response.status).toBe(431);
      },
      2,
    );

    expect(lines).toEqual([
      expect.stringMatching(/^GET \/no\/such\/route 404 \d+ ms \(API Gateway: Not Found\)$/),
      expect.stringMatching(/^GET \/faults\/ok 431 \d+ ms \(API Gateway: Request Header Fields Too Large\)$/),
    ]);
  });

  it("prints a handler's error with its request id and its stack in the TypeScript source, then the request's line", async () => {
    const before = quiet.output().length;
    expect(await get(quiet, '/faults/throw')).toBe(500);
    await quiet.waitFor(/^GET \/faults\/throw 500 .*$/m);

    const lines = quiet.output().slice(before).split('\n');
    expect(lines[0]).toMatch(/^ERROR unhandled error \(request [0-9a-f-]{36}\)$/);
    expect(lines[1]).toBe('Error: database password is hunter2');
    expect(lines[2]).toMatch(/^ {4}at \S*throws \(.*\/src\/faults\.ts:12:\d+\)$/);
    expect(lines.filter((line) => /^GET /.test(line))).toEqual([
      expect.stringMatching(/^GET \/faults\/throw 500 \d+(\.\d+)? ms faults-throws \(cold start\)$/),
    ]);
  });

  it("with --verbose: the kit's JSON log line in full, and serverless-offline's own lines, its routes box labelled", async () => {
    const output = verbose.output();
    const internal = /Server ready: http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    expect(output).toContain(`serverless-offline's routes below list its internal port ${internal}, behind Gantry's`);
    // Gantry's own lines still come last, with the front's URLs only.
    expect(output.indexOf('Ready: fixture-faults')).toBeGreaterThan(output.indexOf('Server ready'));
    expect(output.slice(output.indexOf('Ready: fixture-faults'))).not.toContain(`:${internal}`);

    expect(await get(verbose, '/faults/ok')).toBe(200);
    const [line] = await verbose.waitFor(/^\{"level":"info".*"msg":"request".*\}$/m);
    expect(JSON.parse(line)).toEqual({
      level: 'info',
      // No `time`: a line with metrics has it once, as _aws.Timestamp.
      msg: 'request',
      requestId: expect.any(String),
      method: 'GET',
      path: '/faults/ok',
      route: 'GET /faults/ok',
      apiRequestId: expect.any(String),
      status: 200,
      durationMs: expect.any(Number),
      coldStart: true,
      // The request's metrics, in CloudWatch's Embedded Metric Format (KIT_METRICS in @gantry/middy).
      Latency: expect.any(Number),
      '4xx': 0,
      '5xx': 0,
      ColdStart: 1,
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'fixture-faults/dev',
            Dimensions: [['route']],
            Metrics: [
              { Name: 'Latency', Unit: 'Milliseconds' },
              { Name: '4xx', Unit: 'Count' },
              { Name: '5xx', Unit: 'Count' },
              { Name: 'ColdStart' }, // unit None, EMF's default
            ],
          },
        ],
      },
    });
    await verbose.waitFor(/\(λ: faults-ok\) RequestId: /);
  });

  it('stops on Ctrl-C with exit code 0, saying nothing more', async () => {
    const before = quiet.output().length;
    quiet.kill('SIGINT');
    expect(await quiet.exited).toBe(0);
    expect(quiet.output().slice(before).trim()).toBe('');
  });
});
