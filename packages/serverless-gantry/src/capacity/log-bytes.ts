import { ACCESS_LOG_FORMAT } from '../generate/service.js';

// Bytes each invocation and request writes to CloudWatch Logs, from the lines themselves: Lambda's
// platform lines (text format, as AWS documents them), the kit's one JSON line per request or batch
// (the shape @gantry/middy writes; test/capacity.test.ts runs the kit and compares), and the HTTP API
// access log line of the stage's own format. Numbers in them are typical widths; a function's own
// console output comes on top.

const REQUEST_ID = '6bc28136-2c1e-4c4e-b021-0ce6b2e64ab0';
const TIME = 1_767_225_600_000;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** START, END and REPORT, which Lambda writes for every invocation (text log format, warm). */
export const PLATFORM_LINES = [
  `START RequestId: ${REQUEST_ID} Version: $LATEST\n`,
  `END RequestId: ${REQUEST_ID}\n`,
  `REPORT RequestId: ${REQUEST_ID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 88 MB\t\n`,
];

/** Lambda's platform lines of one invocation. */
export const platformBytes = (): number => PLATFORM_LINES.reduce((sum, line) => sum + bytes(line), 0);

/** A request's path for a route's path: each parameter a 36-character id (a UUID). */
export const samplePath = (routePath: string): string => routePath.replace(/\{[^}]*\}/g, REQUEST_ID);

/**
 * The kit's metrics block in a warm line (KIT_METRICS in @gantry/middy: namespace
 * `<service>/<stage>`, one dimension), after the line's own fields, as its EMF writer adds it.
 */
const emf = (namespace: string, dimension: string, metrics: [string, string, number][]) => ({
  ...Object.fromEntries(metrics.map(([name, , value]) => [name, value])),
  _aws: {
    Timestamp: TIME,
    CloudWatchMetrics: [
      { Namespace: namespace, Dimensions: [[dimension]], Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })) },
    ],
  },
});

/** The kit's request line for a route (`GET /notes/{id}`): `{"level":"info",…,"msg":"request",…}`. */
export function requestLineBytes(routeKey: string, namespace: string): number {
  const [method, routePath = '/'] = routeKey.split(' ');
  return bytes(
    `{"level":"info",${JSON.stringify({
      msg: 'request',
      requestId: REQUEST_ID,
      apiRequestId: 'Jp4fChxxIAMEaZQ=',
      method,
      path: samplePath(routePath),
      route: routeKey,
      status: 200,
      durationMs: 12.34,
      coldStart: false,
      ...emf(namespace, 'route', [
        ['Latency', 'Milliseconds', 12.34],
        ['4xx', 'Count', 0],
        ['5xx', 'Count', 0],
      ]),
    }).slice(1)}\n`,
  );
}

/** The kit's line per batch of a queue or change consumer, named by its function's name in the Manifest. */
export function batchLineBytes(functionName: string, namespace: string): number {
  return bytes(
    `{"level":"info",${JSON.stringify({
      msg: 'batch',
      requestId: REQUEST_ID,
      function: functionName,
      records: 10,
      failed: 0,
      durationMs: 12.34,
      coldStart: false,
      ...emf(namespace, 'function', [
        ['Records', 'Count', 10],
        ['FailedRecords', 'Count', 0],
      ]),
    }).slice(1)}\n`,
  );
}

/** The kit's line per run of a scheduled function. */
export function scheduledLineBytes(functionName: string, namespace: string): number {
  return bytes(
    `{"level":"info",${JSON.stringify({
      msg: 'scheduled',
      requestId: REQUEST_ID,
      function: functionName,
      durationMs: 12.34,
      coldStart: false,
      ...emf(namespace, 'function', [
        ['Runs', 'Count', 1],
        ['FailedRuns', 'Count', 0],
      ]),
    }).slice(1)}\n`,
  );
}

// Typical values of the access log's context variables (API Gateway writes '-' for an empty one).
const ACCESS_VALUES: Record<string, string> = {
  '$context.requestId': 'Jp4fChxxIAMEaZQ=',
  '$context.identity.sourceIp': '203.0.113.90',
  '$context.requestTime': '27/Nov/2026:15:00:00 +0000',
  '$context.status': '200',
  '$context.responseLatency': '35',
  '$context.integrationLatency': '33',
  '$context.integrationStatus': '200',
  '$context.integrationErrorMessage': '-',
  '$context.protocol': 'HTTP/1.1',
  '$context.responseLength': '312',
};

/** One line of the stage's access log (ACCESS_LOG_FORMAT) for a request to `routeKey`. */
export function accessLineBytes(routeKey: string): number {
  const line = ACCESS_LOG_FORMAT.replace(/\$context\.[A-Za-z.]+/g, (variable) =>
    variable === '$context.routeKey' ? routeKey : (ACCESS_VALUES[variable] ?? '-'),
  );
  return bytes(`${line}\n`);
}
