import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, consumes, get, queue, schedule } from '@gantry/decorators';
import { httpHandler, queueHandler, scheduledHandler } from '@gantry/middy';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityCommand, parseLoad } from '../src/capacity/capacity-command.js';
import { type CapacityInput, capacityReport } from '../src/capacity/capacity-model.js';
import { capacityText } from '../src/capacity/capacity-text.js';
import { keySpread } from '../src/capacity/key-design.js';
import {
  accessLineBytes,
  batchLineBytes,
  platformBytes,
  requestLineBytes,
  samplePath,
  scheduledLineBytes,
} from '../src/capacity/log-bytes.js';
import { SECONDS_PER_MONTH, tieredPrice } from '../src/capacity/monthly-cost.js';
import { US_EAST_1_PRICES } from '../src/capacity/prices.js';
import { scheduleRate } from '../src/capacity/schedule-rate.js';
import { resolveStageOptions } from '../src/config.js';
import { ACCESS_LOG_FORMAT } from '../src/generate/service.js';
import type { Manifest, ManifestFunction, ManifestTable } from '../src/manifest.js';

// A month is 730 hours: 730 × 3,600 = 2,628,000 seconds.
const MONTH = 2_628_000;

function fn(name: string, overrides: Partial<ManifestFunction>): ManifestFunction {
  return {
    name,
    class: 'C',
    export: 'C',
    method: name,
    source: 'src/c.ts',
    routes: [],
    uses: [],
    config: {},
    schemas: {},
    sends: [],
    triggers: [],
    ...overrides,
  };
}
const table = (name: string, partitionKey: string, indexes: ManifestTable['indexes'] = []): ManifestTable => ({
  name,
  tableName: `shop-prod-${name}`,
  envVar: `GANTRY_TABLE_${name.toUpperCase()}`,
  partitionKey: { name: partitionKey, type: 'S' },
  indexes,
  source: 'src/tables.ts',
});
const stage = (name: string, config: unknown = {}) =>
  resolveStageOptions(config, { service: 'shop', stage: name, region: 'us-east-1' });
// Prices of logs and access logs set to 0 where an example checks the rest by hand (logs have their own test).
const noLogPrices = {
  ...US_EAST_1_PRICES,
  cloudWatchLogs: { ...US_EAST_1_PRICES.cloudWatchLogs, lambdaIngestionPerGb: [{ usd: 0 }], ingestionPerGb: 0 },
};
const cost = (report: ReturnType<typeof capacityReport>, item: string) =>
  report.cost.lines.find((line) => line.item.startsWith(item))?.usd;

// Two routes, one table with an index on a status: the numbers below are worked out by hand.
const shop: Manifest = {
  service: 'shop',
  stage: 'prod',
  functions: [
    fn('orders-read', {
      routes: [{ method: 'GET', path: '/orders/{id}', pathParameters: ['id'] }],
      uses: [{ table: 'orders', access: 'read' }],
      config: { memory: 1024, timeout: 10 },
    }),
    fn('orders-create', {
      routes: [{ method: 'POST', path: '/orders', pathParameters: [] }],
      uses: [{ table: 'orders', access: 'write' }],
    }),
  ],
  tables: [table('orders', 'customer', [{ name: 'byStatus', partitionKey: { name: 'status', type: 'S' } }])],
  queues: [],
};
const shopInput = (load: CapacityInput['load']): CapacityInput => ({
  manifest: shop,
  options: stage('prod', { defaults: { memory: 256, timeout: 5 }, accessLog: false }),
  prices: noLogPrices,
  load,
});

describe('capacityReport: an API of two routes, worked out by hand', () => {
  const report = capacityReport(shopInput({ rps: 100 }));

  it('spreads the requests evenly and gives each function the concurrency rate × duration', () => {
    // 100 requests/s over 2 routes: 50 each. Durations: a tenth of the timeout.
    expect(report.routes.map((r) => [r.key, r.requestsPerSecond, r.throttle.from])).toEqual([
      ['GET /orders/{id}', 50, 'account'],
      ['POST /orders', 50, 'account'],
    ]);
    // orders-read: its own 1024 MB and 10 s → 1,000 ms; 50/s × 1 s = 50 concurrent.
    // orders-create: custom.gantry.defaults 256 MB and 5 s → 500 ms; 50/s × 0.5 s = 25 concurrent.
    expect(
      report.functions.map((f) => [f.name, f.memoryMb, f.durationMs, f.invocationsPerSecond, f.concurrency]),
    ).toEqual([
      ['orders-read', 1024, 1000, 50, 50],
      ['orders-create', 256, 500, 50, 25],
    ]);
    expect(report.concurrency).toEqual({
      account: 1000,
      reserved: 0,
      unreservedPool: 1000,
      unreservedNeeded: 75,
      total: 75,
    });
  });

  it("charges a read unit per read use and a write unit per write use, and as much again for each index's write", () => {
    // reads: 50 requests/s × 1 read use × 1 unit = 50; writes: 50 × 1 × 1 = 50 on the table, 50 on byStatus.
    expect(report.tables[0]).toMatchObject({ name: 'orders', readUnitsPerSecond: 50, writeUnitsPerSecond: 50 });
    expect(report.tables[0]?.keys.map((k) => [k.index, k.partitionKey, k.spread])).toEqual([
      [undefined, 'customer', 'spread'],
      ['byStatus', 'status', 'few-values'],
    ]);
  });

  it('orders the limits by the request rate that reaches each', () => {
    expect(report.limits.filter((l) => l.reachedAtRps !== null).map((l) => [l.limit, l.reachedAtRps])).toEqual([
      // 75 concurrent at 100 requests/s: 1,000 at 100 × 1,000 / 75 = 1,333.3…
      ['Lambda concurrency, unreserved pool', expect.closeTo((100 * 1000) / 75, 9)],
      // One status value takes all 50 writes/s of byStatus: 1,000 at 100 × 1,000 / 50 = 2,000.
      ["DynamoDB orders index byStatus: one 'status' value, writes", 2000],
      // A new on-demand table serves 4,000 writes/s: 100 × 4,000 / 50 = 8,000.
      ['DynamoDB orders: writes a new table serves at once', 8000],
      ['HTTP API account quota (every API of the account in the Region)', 10000],
      // 12,000 reads/s: 100 × 12,000 / 50 = 24,000.
      ['DynamoDB orders: reads a new table serves at once', 24000],
      ['DynamoDB orders: reads per table (quota)', 80000],
      ['DynamoDB orders: writes per table (quota)', 80000],
    ]);
  });

  it("prices a month at us-east-1's list prices", () => {
    // Lambda requests: 100/s × 2,628,000 s = 262.8 million × $0.20 = $52.56.
    expect(cost(report, 'Lambda requests')).toBeCloseTo(52.56, 6);
    // GB-seconds: (50 × 1 s × 1 GB) + (50 × 0.5 s × 0.25 GB) = 56.25 per second;
    // × 2,628,000 = 147,825,000 GB-s × $0.0000166667 (first tier) = $2,463.755…
    expect(cost(report, 'Lambda duration')).toBeCloseTo(147_825_000 * 0.0000166667, 6);
    // HTTP API: 262.8 million, within the first 300 million, × $1.00 = $262.80.
    expect(cost(report, 'HTTP API')).toBeCloseTo(262.8, 6);
    // Reads: 50/s × 2,628,000 = 131.4 million × $0.125 = $16.425.
    expect(cost(report, 'DynamoDB reads')).toBeCloseTo(16.425, 6);
    // Writes: (50 + 50)/s × 2,628,000 = 262.8 million × $0.625 = $164.25.
    expect(cost(report, 'DynamoDB writes')).toBeCloseTo(164.25, 6);
    expect(report.cost.totalUsd).toBeCloseTo(52.56 + 147_825_000 * 0.0000166667 + 262.8 + 16.425 + 164.25, 6);
    expect(MONTH).toBe(SECONDS_PER_MONTH);
  });

  it('takes a measured duration, units per use, a route rate and the account quota from the load', () => {
    const custom = capacityReport(
      shopInput({
        rps: 100,
        routeRates: { 'POST /orders': 10 },
        durationMs: 40,
        readUnitsPerUse: 2,
        writeUnitsPerUse: 3,
        accountConcurrency: 400,
      }),
    );
    // GET takes the other 90/s. Concurrency: 90 × 0.04 = 3.6 and 10 × 0.04 = 0.4.
    expect(custom.functions.map((f) => [f.recordsPerSecond, f.concurrency])).toEqual([
      [90, expect.closeTo(3.6, 9)],
      [10, expect.closeTo(0.4, 9)],
    ]);
    // Reads 90 × 2 = 180; writes 10 × 3 = 30 (and 30 on the index).
    expect(custom.tables[0]).toMatchObject({ readUnitsPerSecond: 180, writeUnitsPerSecond: 30 });
    // The pool is 400: 4 concurrent at 100/s reach it at 100 × 400 / 4 = 10,000.
    expect(custom.limits.find((l) => l.limit === 'Lambda concurrency, unreserved pool')?.reachedAtRps).toBeCloseTo(
      10_000,
      6,
    );
  });
});

// A route that sends to a queue, a consumer that writes the table whose changes run a counter with
// reserved concurrency, and an hourly schedule: events follow from what the functions do.
const jobs: Manifest = {
  service: 'shop',
  stage: 'dev',
  functions: [
    fn('api-create', {
      routes: [{ method: 'POST', path: '/tasks', pathParameters: [] }],
      uses: [{ table: 'tasks', access: 'write' }],
      sends: ['jobs'],
    }),
    fn('work', {
      uses: [{ table: 'tasks', access: 'readwrite' }],
      triggers: [{ type: 'queue', queue: 'jobs', batchSize: 10, maxBatchingWindow: 0 }],
    }),
    fn('count', {
      uses: [{ table: 'counts', access: 'write' }],
      config: { reservedConcurrency: 5 },
      triggers: [{ type: 'change', table: 'tasks', batchSize: 100, startingPosition: 'LATEST', retries: -1 }],
    }),
    fn('nightly', {
      uses: [{ table: 'counts', access: 'read' }],
      triggers: [{ type: 'schedule', expression: 'rate(1 hour)' }],
    }),
  ],
  tables: [{ ...table('tasks', 'owner'), stream: 'NEW_AND_OLD_IMAGES' }, table('counts', 'list')],
  queues: [
    {
      name: 'jobs',
      queueName: 'shop-dev-jobs',
      envVar: 'GANTRY_QUEUE_JOBS',
      fifo: false,
      visibilityTimeout: 36,
      retentionPeriod: 345_600,
      source: 'src/queues.ts',
    },
  ],
};
const jobsInput = (load: CapacityInput['load']): CapacityInput => ({
  manifest: jobs,
  options: stage('dev'),
  prices: noLogPrices,
  load: { durationMs: 100, ...load },
});

describe('capacityReport: queues, table changes and schedules, worked out by hand', () => {
  const report = capacityReport(jobsInput({ rps: 20 }));
  const byName = (name: string) => report.functions.find((f) => f.name === name);

  it('derives each event rate from the functions that cause it', () => {
    // 20 requests/s send 20 messages/s; the consumer gets them 10 a batch: 2 invocations/s.
    expect(report.queues).toEqual([{ name: 'jobs', fifo: false, messagesPerSecond: 20, from: 'functions' }]);
    expect(byName('work')).toMatchObject({ recordsPerSecond: 20, invocationsPerSecond: 2, concurrency: 2 });
    // tasks is written by the route (20/s) and the consumer (20/s): 40 change records/s, 100 a batch.
    expect(report.tables.find((t) => t.name === 'tasks')).toMatchObject({
      itemWritesPerSecond: 40,
      readUnitsPerSecond: 20,
      writeUnitsPerSecond: 40,
    });
    expect(byName('count')).toMatchObject({ recordsPerSecond: 40, invocationsPerSecond: 0.4, concurrency: 4 });
    // rate(1 hour): 730 runs in 730 hours, 1/3,600 per second.
    expect(byName('nightly')?.invocationsPerSecond).toBeCloseTo(1 / 3600, 12);
  });

  it("reaches the counter's reserved concurrency first, then the stage's throttle, then the tables' warm writes", () => {
    expect(report.limits.slice(0, 4).map((l) => [l.limit, l.reachedAtRps])).toEqual([
      // 4 of 5 at 20 requests/s: 5 at 20 × 5 / 4 = 25.
      ['Lambda reserved concurrency of count', 25],
      // dev's default: 100/s on each route; POST /tasks takes all 20.
      ['HTTP API stage throttle, each route (busiest: POST /tasks)', 100],
      // 40 writes/s each at 20 requests/s; a new table's 4,000 at 20 × 4,000 / 40 = 2,000.
      ['DynamoDB tasks: writes a new table serves at once', 2000],
      ['DynamoDB counts: writes a new table serves at once', 2000],
    ]);
    // Pool 1,000 − 5 reserved = 995. Unreserved: 2 (route) + 2 (work) + the schedule's 0.1 s per 3,600 s;
    // only the first two grow with requests: (995 − 0.1/3,600) / 4 × 20.
    expect(report.limits.find((l) => l.limit === 'Lambda concurrency, unreserved pool')?.reachedAtRps).toBeCloseTo(
      ((995 - 0.1 / 3600) / 4) * 20,
      6,
    );
  });

  it('keeps a queue rate given as an option fixed while the requests grow', () => {
    const given = capacityReport(jobsInput({ rps: 20, queueRates: { jobs: 30 } }));
    // 30 messages/s whatever the requests: tasks gets 20 + 30 = 50 writes/s, count 5 concurrent, its limit now.
    expect(given.queues[0]).toMatchObject({ messagesPerSecond: 30, from: 'option' });
    expect(given.functions.find((f) => f.name === 'count')?.concurrency).toBeCloseTo(5, 9);
    // Without requests count still has 30 × 0.1 = 3; each 20 requests/s add 2: 5 at 20 requests/s.
    expect(given.limits[0]).toMatchObject({ limit: 'Lambda reserved concurrency of count', reachedAtRps: 20 });
  });

  it('prices the queue and the schedule', () => {
    // SQS: a send per message, and a receive and a delete per batch of 10: 20 × (1 + 2/10) = 24/s;
    // × 2,628,000 = 63.072 million × $0.40 = $25.2288.
    expect(cost(report, 'SQS')).toBeCloseTo(25.2288, 6);
    // 730 runs = 0.00073 million × $1.00.
    expect(cost(report, 'EventBridge Scheduler')).toBeCloseTo(0.00073, 9);
    // Lambda requests: 20 + 2 + 0.4 + 1/3,600 per second × 2,628,000 = 58,545,130 → × $0.20 per million.
    expect(cost(report, 'Lambda requests')).toBeCloseTo(((22.4 + 1 / 3600) * MONTH * 0.2) / 1e6, 9);
  });

  it("uses the quota of the stage's Region for the HTTP API", () => {
    const jakarta = capacityReport({
      ...jobsInput({ rps: 20 }),
      options: resolveStageOptions({}, { service: 'shop', stage: 'prod', region: 'ap-southeast-3' }),
    });
    expect(jakarta.routes[0]?.throttle).toEqual({ rate: 2500, burst: 1250, from: 'account' });
    expect(jakarta.limits.find((l) => l.limit.startsWith('HTTP API account quota'))?.reachedAtRps).toBe(2500);
  });

  it('says what it could not count', () => {
    const idle = capacityReport({ ...jobsInput({ rps: 0 }), options: stage('dev', {}) });
    expect(idle.notes).toContain(
      "Queue 'jobs' gets no messages in this estimate (no function that sends to it runs): give its rate with --queue jobs=<messages per second>.",
    );
    const elsewhere = capacityReport({ ...jobsInput({ rps: 1 }), options: { ...stage('dev'), region: 'eu-west-1' } });
    expect(elsewhere.notes.join('\n')).toMatch(
      /Prices are us-east-1's and this stage deploys to eu-west-1: pass --prices FILE/,
    );
  });
});

describe('capacityReport: what the model cannot bound', () => {
  it('stops a function whose writes run it again after 20 rounds, and says so', () => {
    const loop: Manifest = {
      ...jobs,
      functions: [
        fn('api', {
          routes: [{ method: 'POST', path: '/tasks', pathParameters: [] }],
          uses: [{ table: 'tasks', access: 'write' }],
        }),
        fn('echo', {
          uses: [{ table: 'tasks', access: 'write' }],
          triggers: [{ type: 'change', table: 'tasks', batchSize: 100, startingPosition: 'LATEST', retries: -1 }],
        }),
      ],
      queues: [],
    };
    const report = capacityReport({ ...jobsInput({ rps: 1 }), manifest: loop });
    expect(report.notes).toContain(
      'A function writes a table whose changes run it again (directly or through a queue): its rate grows without bound in this model; the numbers stop after 20 rounds.',
    );
  });

  it('says that a service without routes takes no requests', () => {
    const events = { ...jobs, functions: jobs.functions.filter((f) => f.routes.length === 0) };
    const report = capacityReport({ ...jobsInput({ rps: 5, queueRates: { jobs: 1 } }), manifest: events });
    expect(report.notes).toContain('The service has no routes: --rps 5 reaches nothing; only its events are counted.');
    expect(report.functions.find((f) => f.name === 'work')?.recordsPerSecond).toBe(1);
  });
});

describe('monthly cost over volume tiers', () => {
  it('prices each tier at its own rate', () => {
    // x86_64 GB-seconds: 6 billion × $0.0000166667 + 9 billion × $0.000015 + 1 billion × $0.0000133334.
    expect(tieredPrice(16e9, US_EAST_1_PRICES.lambda.gbSecond.x86_64)).toBeCloseTo(100_000.2 + 135_000 + 13_333.4, 4);
    // HTTP API: 400 million = 300 × $1.00 + 100 × $0.90 = $390.
    expect(tieredPrice(400, US_EAST_1_PRICES.httpApi.requestsPerMillion)).toBeCloseTo(390, 9);
    expect(tieredPrice(0, US_EAST_1_PRICES.httpApi.requestsPerMillion)).toBe(0);
  });

  it('counts a schedule by its fire times in the month, and a one-time schedule as none', () => {
    // Every weekday at 12:00 UTC in the 730 hours from Thursday 2026-01-01 00:00 to Saturday
    // 2026-01-31 10:00: Jan 1–2 and four full weeks, 2 + 4 × 5 = 22 runs.
    expect(scheduleRate('cron(0 12 ? * MON-FRI *)') * MONTH).toBeCloseTo(22, 9);
    expect(scheduleRate('rate(5 minutes)') * MONTH).toBeCloseTo(730 * 12, 9);
    expect(scheduleRate('at(2026-01-02T00:00:00)')).toBe(0);
  });
});

describe('log bytes: measured from the lines the kit and Lambda write', () => {
  const requestId = '0d7b2f5a-8c1e-4f3b-9a6d-2e4c1b0a9f87';
  const context = {
    awsRequestId: requestId,
    functionName: 'shop-prod-jobs-work',
    getRemainingTimeInMillis: () => 30_000,
  } as unknown as Context;

  it("Lambda's START, END and REPORT lines", () => {
    // 'START RequestId: ' 17 + 36 + ' Version: $LATEST' 17 + newline = 71; 'END RequestId: ' 15 + 36 + 1 = 52;
    // 'REPORT RequestId: ' 18 + 36 + '\tDuration: 12.34 ms' 19 + '\tBilled Duration: 13 ms' 23
    //   + '\tMemory Size: 512 MB' 20 + '\tMax Memory Used: 88 MB' 23 + '\t\n' 2 = 141.
    expect(platformBytes()).toBe(71 + 52 + 141);
  });

  it("the kit's request line, as httpHandler writes it", async () => {
    @api('/orders')
    class Orders {
      @get('/{id}')
      static read() {
        return { ok: true };
      }
    }
    const written: string[] = [];
    const handler = httpHandler(Orders, 'read', {
      metrics: { namespace: 'shop/prod' },
      logger: { write: (line) => written.push(line) },
    });
    await handler(
      {
        version: '2.0',
        routeKey: 'GET /orders/{id}',
        rawPath: '/',
        headers: {},
        requestContext: { http: { method: 'GET' } },
      } as never,
      context,
    );
    written.length = 0; // the first line, a cold start's, also carries the ColdStart metric
    await handler(
      {
        version: '2.0',
        routeKey: 'GET /orders/{id}',
        rawPath: samplePath('/orders/{id}'),
        rawQueryString: '',
        headers: { host: 'api.example.com' },
        pathParameters: { id: samplePath('{id}') },
        requestContext: {
          http: { method: 'GET', path: samplePath('/orders/{id}') },
          requestId: 'Jp4fChxxIAMEaZQ=',
          routeKey: 'GET /orders/{id}',
        },
        isBase64Encoded: false,
      } as never,
      context,
    );
    const measured = Buffer.byteLength(written.join(''));
    // Only the widths of durationMs and Latency differ (12.34 in the model); the path holds a 36-character id in both.
    expect(Math.abs(measured - requestLineBytes('GET /orders/{id}', 'shop/prod'))).toBeLessThanOrEqual(6);
  });

  it("the kit's batch and scheduled lines, as queueHandler and scheduledHandler write them", async () => {
    const Jobs = queue('jobs');
    class Work {
      @consumes(Jobs)
      static work() {}

      @schedule('rate(1 hour)')
      static nightly() {}
    }
    const written: string[] = [];
    const logger = { write: (line: string) => written.push(line) };
    const event = {
      Records: [
        {
          messageId: 'm1',
          body: '{}',
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1767225600000' },
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:shop-prod-jobs',
        },
      ],
    } as unknown as SQSEvent;
    const metrics = { namespace: 'shop/prod' };
    // Each handler's second invocation: a warm line, without the ColdStart metric.
    const consume = queueHandler(Work, 'work', { logger, metrics });
    await consume(event, context);
    written.length = 0;
    await consume(event, context);
    const batch = Buffer.byteLength(written.splice(0).join(''));
    const run = scheduledHandler(Work, 'nightly', { logger, metrics });
    await run({}, context);
    written.length = 0;
    await run({}, context);
    const scheduled = Buffer.byteLength(written.join(''));
    // The model's batch line says records 10; this one 1: one byte less, and durationMs's width
    // (the model's 12.34 is 5 characters; a method that does nothing may print 0, 1 character).
    // Records' value too: 10 in the model, 1 here.
    expect(Math.abs(batch - batchLineBytes('shop-prod-jobs-work', 'shop/prod'))).toBeLessThanOrEqual(6);
    expect(Math.abs(scheduled - scheduledLineBytes('shop-prod-jobs-work', 'shop/prod'))).toBeLessThanOrEqual(4);
  });

  it("the HTTP API access log line, in the stage's own format", () => {
    const fields = JSON.parse(ACCESS_LOG_FORMAT) as Record<string, string>;
    const values: Record<string, string> = {
      requestId: 'Jp4fChxxIAMEaZQ=',
      sourceIp: '203.0.113.90',
      requestTime: '27/Nov/2026:15:00:00 +0000',
      routeKey: 'GET /orders/{id}',
      status: '200',
      responseLatency: '35',
      integrationLatency: '33',
      integrationStatus: '200',
      integrationError: '-',
      protocol: 'HTTP/1.1',
      responseLength: '312',
    };
    expect(Object.keys(fields)).toEqual(Object.keys(values));
    expect(accessLineBytes('GET /orders/{id}')).toBe(Buffer.byteLength(`${JSON.stringify(values)}\n`));
  });

  it('prices the logs: each request writes the platform lines, its kit line and, on production stages, an access line', () => {
    const report = capacityReport({
      ...shopInput({ rps: 100 }),
      prices: US_EAST_1_PRICES,
      options: stage('prod', { accessLog: true }),
    });
    const perSecond =
      50 * (platformBytes() + requestLineBytes('GET /orders/{id}', 'shop/prod')) +
      50 * (platformBytes() + requestLineBytes('POST /orders', 'shop/prod'));
    const gb = (bytes: number) => (bytes * MONTH) / 1024 ** 3;
    // Well within the first 10 TB: $0.50 per GB, and $0.50 per GB of access log.
    expect(cost(report, "CloudWatch Logs, functions'")).toBeCloseTo(gb(perSecond) * 0.5, 6);
    const access = 50 * accessLineBytes('GET /orders/{id}') + 50 * accessLineBytes('POST /orders');
    expect(cost(report, 'CloudWatch Logs, HTTP API')).toBeCloseTo(gb(access) * 0.5, 6);
  });
});

describe('hot keys from the declared key design', () => {
  it.each([
    ['status', 'few-values'],
    ['isActive', 'few-values'],
    ['date', 'few-values'],
    ['pk', 'generic'],
    ['GSI1PK', 'generic'],
    ['owner', 'spread'],
    ['ownerList', 'spread'],
    ['id', 'spread'],
  ])("'%s' → %s", (name, spread) => {
    expect(keySpread({ name, type: 'S' }).spread).toBe(spread);
  });

  it('gives the share one value may take before its partition throttles', () => {
    // 8,000 writes/s on 'customer': one value throttles past 1,000 / 8,000 = 12.5% of them.
    const busy = capacityReport({ ...shopInput({ rps: 16_000, durationMs: 10 }) });
    expect(busy.tables[0]?.keys[0]?.hotAbove).toEqual({ reads: 3000 / 8000, writes: 1000 / 8000 });
  });
});

describe('sls gantry capacity: options and output', () => {
  // Made when the tests run, not when the file is collected: a filtered run (-t) that skips them
  // would otherwise leave it in the temp folder (skipped suites run no afterAll).
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-capacity-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const built = { manifest: shop, options: stage('prod') };
  const service = {
    provider: { memorySize: 2048, architecture: 'arm64' },
    functions: { legacy: { reservedConcurrency: 50 } },
  };

  it('reports every option mistake at once, each with the option and an example', () => {
    const { problems } = parseLoad(shop, {
      rps: 'many',
      'duration-ms': '0',
      route: ['GET /nope=5', 'POST /orders'],
      queue: 'jobs=3',
      'account-concurrency': '1.5',
    });
    expect(problems).toEqual([
      "--rps 'many' must be requests per second, 0 or more: e.g. --rps 1000",
      "--duration-ms '0' must be milliseconds above 0: e.g. --duration-ms 50",
      "--account-concurrency '1.5' must be the account's concurrency quota, a whole number: e.g. --account-concurrency 3000",
      "--route 'GET /nope=5': 'GET /nope' is not a route of this service; give one of: GET /orders/{id}, POST /orders.",
      `--route 'POST /orders' must be NAME=RATE with a rate of 0 or more: e.g. --route "GET /orders/{id}=100"`,
      "--queue 'jobs=3': 'jobs' is not a queue of this service; give one of: it has no queues.",
    ]);
    expect(parseLoad(shop, { rps: '10', route: 'POST /orders=30' }).problems).toEqual([
      '--route rates add up to 30 requests/s, more than --rps 10: raise --rps to at least 30, or leave it out.',
    ]);
    expect(parseLoad(shop, {}).load.rps).toBe(10);
    expect(parseLoad(shop, { route: 'POST /orders=30' }).load.rps).toBe(30);
  });

  it('prints JSON with the provider settings, hand-written functions and the price table used', async () => {
    const out = JSON.parse(await capacityCommand(built, service, dir, { rps: '100', json: true }));
    // provider.memorySize applies where neither @fn nor custom.gantry.defaults sets memory.
    expect(out.functions.map((f: { memoryMb: number }) => f.memoryMb)).toEqual([1024, 2048]);
    expect(out.assumptions).toMatchObject({ rps: 100, architecture: 'arm64', hoursPerMonth: 730 });
    expect(out.concurrency).toMatchObject({ reserved: 50, unreservedPool: 950 });
    expect(out.prices).toEqual(US_EAST_1_PRICES);
    expect(out.cost.lines[1].item).toBe('Lambda duration (arm64)');
  });

  it('prints text that names the first limit and the total', async () => {
    const text = await capacityCommand(built, service, dir, { rps: '100' });
    expect(text).toMatch(/^gantry capacity: shop, stage prod \(us-east-1\), at 100 requests\/s/);
    expect(text).toContain('  1. Lambda concurrency, unreserved pool:');
    expect(text).toMatch(/ {2}Total +\$[\d,]+\.\d\d/);
    expect(capacityText(capacityReport(shopInput({ rps: 100 })))).toContain('index byStatus: status');
  });

  it('reads a price table for another Region, and names the file and key of each mistake', async () => {
    const good = join(dir, 'eu.json');
    writeFileSync(good, JSON.stringify({ ...US_EAST_1_PRICES, region: 'eu-west-1', asOf: '2026-01-15' }));
    const out = JSON.parse(await capacityCommand(built, service, dir, { json: true, prices: 'eu.json' }));
    expect(out.cost).toMatchObject({ pricesRegion: 'eu-west-1', pricesAsOf: '2026-01-15' });

    const bad = join(dir, 'bad.json');
    const { lambda, ...rest } = US_EAST_1_PRICES;
    writeFileSync(bad, JSON.stringify({ ...rest, lambda: { ...lambda, requestsPerMillion: 'cheap' }, asOf: 'June' }));
    await expect(capacityCommand(built, service, dir, { prices: 'bad.json' })).rejects.toThrow(
      /bad\.json › asOf: write a date as YYYY-MM or YYYY-MM-DD; fix it[\s\S]*bad\.json › lambda\.requestsPerMillion: Invalid input: expected number, received string/,
    );
    await expect(capacityCommand(built, service, dir, { prices: 'missing.json' })).rejects.toThrow(
      /missing\.json: cannot read it as JSON/,
    );
  });
});
