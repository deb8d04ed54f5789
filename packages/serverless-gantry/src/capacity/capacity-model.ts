import { accessReads, accessWrites } from '@gantry/decorators';
import type { StageOptions } from '../config.js';
import { GantryError } from '../errors.js';
import { accountThrottle } from '../generate/throttle.js';
import type { Manifest, ManifestFunction } from '../manifest.js';
import { AWS_LIMITS } from './aws-limits.js';
import { limitsOf } from './capacity-limits.js';
import type {
  CapacityInput,
  CapacityLoad,
  CapacityReport,
  Evaluated,
  FunctionLoad,
  KeyLoad,
  RouteLoad,
  TableLoad,
} from './capacity-report.js';
import { keySpread } from './key-design.js';
import { accessLineBytes, batchLineBytes, platformBytes, requestLineBytes, scheduledLineBytes } from './log-bytes.js';
import { HOURS_PER_MONTH, monthlyCost } from './monthly-cost.js';
import { recordRates } from './record-rates.js';

export type * from './capacity-report.js';

/** osls's defaults for a function that sets neither (nor the provider). */
export const OSLS_DEFAULTS = { memoryMb: 1024, timeoutSeconds: 6 } as const;
/**
 * Without `durationMs`, a function is assumed to run a tenth of its timeout per request or record:
 * pessimistic for a typical API call (tens of ms), so the estimate errs towards more concurrency
 * and cost. Measured durations (CloudWatch's Duration metric) should replace it.
 */
export const DEFAULT_TIMEOUT_SHARE = 0.1;

/**
 * The capacity of one stage at a load: per function, table and queue, the limits in the order they
 * are reached, and a month's cost. Pure: the Manifest, the stage's options and the load in, numbers
 * out. The model (docs/scale.md): each request or record runs its function for `durationMs`; each
 * use of a table costs `readUnitsPerUse` / `writeUnitsPerUse` per request or record, a write as much
 * again for each of the table's indexes; each item written is one change record; each send use
 * sends one message; queue and change consumers get full batches.
 */
export function capacityReport(input: CapacityInput): CapacityReport {
  const at = evaluate(input, 1);
  const base = evaluate(input, 0);
  return { ...at, limits: limitsOf(at, base) };
}

/** Everything but the limits, with every route's rate multiplied by `scale` (events' own rates kept). */
function evaluate(input: CapacityInput, scale: number): Evaluated {
  const { manifest, options, load } = input;
  const notes: string[] = [];
  const reads = load.readUnitsPerUse ?? 1;
  const writes = load.writeUnitsPerUse ?? 1;
  const accountConcurrency = load.accountConcurrency ?? AWS_LIMITS.lambda.accountConcurrency;
  const architecture = input.provider?.architecture ?? 'x86_64';

  const routes = routeLoads(manifest, options, load).map((r) => ({
    ...r,
    requestsPerSecond: r.requestsPerSecond * scale,
  }));
  const rps = routes.reduce((sum, r) => sum + r.requestsPerSecond, 0);

  const { http, scheduled, records, queueMessages, itemWrites, settled } = recordRates(
    manifest,
    routes,
    load.queueRates,
  );
  if (!settled) {
    notes.push(
      'A function writes a table whose changes run it again (directly or through a queue): its rate grows without bound in this model; the numbers stop after 20 rounds.',
    );
  }

  const functions: FunctionLoad[] = manifest.functions.map((fn) => {
    const memoryMb =
      fn.config.memory ?? options.defaults.memory ?? input.provider?.memorySize ?? OSLS_DEFAULTS.memoryMb;
    const timeoutSeconds =
      fn.config.timeout ?? options.defaults.timeout ?? input.provider?.timeout ?? OSLS_DEFAULTS.timeoutSeconds;
    const durationMs = load.durationMs ?? timeoutSeconds * 1000 * DEFAULT_TIMEOUT_SHARE;
    const recordsPerSecond = records.get(fn.name) ?? 0;
    let invocationsPerSecond = (http.get(fn.name) ?? 0) + (scheduled.get(fn.name) ?? 0);
    for (const trigger of fn.triggers) {
      if (trigger.type === 'queue') invocationsPerSecond += (queueMessages.get(trigger.queue) ?? 0) / trigger.batchSize;
      if (trigger.type === 'change') invocationsPerSecond += (itemWrites.get(trigger.table) ?? 0) / trigger.batchSize;
    }
    return {
      name: fn.name,
      runsOn: runsOn(fn),
      memoryMb,
      timeoutSeconds,
      durationMs,
      recordsPerSecond,
      invocationsPerSecond,
      concurrency: (recordsPerSecond * durationMs) / 1000,
      ...(fn.config.reservedConcurrency !== undefined ? { reservedConcurrency: fn.config.reservedConcurrency } : {}),
    };
  });

  const reserved =
    functions.reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0) + (input.otherReservedConcurrency ?? 0);
  const concurrency = {
    account: accountConcurrency,
    reserved,
    unreservedPool: accountConcurrency - reserved,
    unreservedNeeded: functions
      .filter((f) => f.reservedConcurrency === undefined)
      .reduce((sum, f) => sum + f.concurrency, 0),
    total: functions.reduce((sum, f) => sum + f.concurrency, 0),
  };
  if (scale === 1 && concurrency.unreservedPool < AWS_LIMITS.lambda.minUnreserved) {
    notes.push(
      `Reserved concurrency (${reserved}) leaves ${concurrency.unreservedPool} of the account's ${accountConcurrency} unreserved; Lambda refuses to leave fewer than ${AWS_LIMITS.lambda.minUnreserved}, so the deploy would fail: lower @fn({ reservedConcurrency }) or raise the account's quota.`,
    );
  }

  const tables: TableLoad[] = manifest.tables.map((table) => {
    let readUnits = 0;
    let writeUnits = 0;
    for (const fn of manifest.functions) {
      const r = records.get(fn.name) ?? 0;
      for (const use of fn.uses.filter((u) => u.table === table.name)) {
        if (accessReads(use.access)) readUnits += r * reads;
        if (accessWrites(use.access)) writeUnits += r * writes;
      }
    }
    const keyLoad = (partitionKey: typeof table.partitionKey, readUnitsPerSecond: number, index?: string): KeyLoad => ({
      ...(index ? { index } : {}),
      partitionKey: partitionKey.name,
      ...keySpread(partitionKey),
      readUnitsPerSecond,
      writeUnitsPerSecond: writeUnits,
      hotAbove: {
        reads: share(AWS_LIMITS.dynamodb.partitionReadUnits, readUnitsPerSecond),
        writes: share(AWS_LIMITS.dynamodb.partitionWriteUnits, writeUnits),
      },
    });
    return {
      name: table.name,
      readUnitsPerSecond: readUnits,
      writeUnitsPerSecond: writeUnits,
      itemWritesPerSecond: itemWrites.get(table.name) ?? 0,
      keys: [
        keyLoad(table.partitionKey, readUnits),
        ...table.indexes.map((index) => keyLoad(index.partitionKey, 0, index.name)),
      ],
    };
  });

  const queues = manifest.queues.map((queue) => ({
    name: queue.name,
    fifo: queue.fifo,
    messagesPerSecond: queueMessages.get(queue.name) ?? 0,
    from: load.queueRates?.[queue.name] !== undefined ? ('option' as const) : ('functions' as const),
  }));
  if (scale === 1 && load.rps > 0 && routes.length === 0) {
    notes.push(`The service has no routes: --rps ${load.rps} reaches nothing; only its events are counted.`);
  }
  for (const queue of queues) {
    if (scale === 1 && queue.messagesPerSecond === 0) {
      notes.push(
        `Queue '${queue.name}' gets no messages in this estimate (no function that sends to it runs): give its rate with --queue ${queue.name}=<messages per second>.`,
      );
    }
  }
  for (const fn of manifest.functions) {
    for (const trigger of fn.triggers) {
      if (scale === 1 && trigger.type === 'schedule' && trigger.expression.startsWith('at(')) {
        notes.push(`${fn.name}: ${trigger.expression} runs once, so it is not counted in a month.`);
      }
    }
  }

  const usage = {
    architecture,
    lambdaInvocationsPerSecond: functions.reduce((sum, f) => sum + f.invocationsPerSecond, 0),
    lambdaGbSecondsPerSecond: functions.reduce((sum, f) => sum + (f.concurrency * f.memoryMb) / 1024, 0),
    httpRequestsPerSecond: rps,
    readUnitsPerSecond: tables.reduce((sum, t) => sum + t.readUnitsPerSecond, 0),
    writeUnitsPerSecond: tables.reduce((sum, t) => sum + t.writeUnitsPerSecond * t.keys.length, 0),
    lambdaLogBytesPerSecond: lambdaLogBytes(input, routes, functions),
    accessLogBytesPerSecond: options.accessLog
      ? routes.reduce((sum, r) => sum + r.requestsPerSecond * accessLineBytes(r.key), 0)
      : 0,
    sqsStandardRequestsPerSecond: sqsRequests(manifest, queueMessages, false),
    sqsFifoRequestsPerSecond: sqsRequests(manifest, queueMessages, true),
    scheduledInvocationsPerSecond: [...scheduled.values()].reduce((sum, r) => sum + r, 0),
  };
  const cost = monthlyCost(usage, input.prices);
  if (scale === 1 && input.prices.region !== options.region) {
    notes.push(
      `Prices are ${input.prices.region}'s and this stage deploys to ${options.region}: pass --prices FILE with ${options.region}'s (same shape as --json's "prices").`,
    );
  }

  return {
    service: manifest.service,
    stage: options.stage,
    region: options.region,
    assumptions: {
      rps,
      durationMs: load.durationMs ?? null,
      timeoutShare: DEFAULT_TIMEOUT_SHARE,
      readUnitsPerUse: reads,
      writeUnitsPerUse: writes,
      accountConcurrency,
      apiQuota: accountThrottle(options.region),
      architecture,
      hoursPerMonth: HOURS_PER_MONTH,
    },
    routes,
    functions,
    concurrency,
    tables,
    queues,
    cost: {
      ...cost,
      currency: 'USD',
      pricesAsOf: input.prices.asOf,
      pricesRegion: input.prices.region,
    },
    notes,
  };
}

/** Each route's requests per second: the given ones, the rest of `rps` evenly over the others. */
function routeLoads(
  manifest: Manifest,
  options: Pick<StageOptions, 'throttle' | 'region'>,
  load: CapacityLoad,
): RouteLoad[] {
  const all = manifest.functions.flatMap((fn) =>
    fn.routes.map((route) => ({ fn, route, key: `${route.method} ${route.path}` })),
  );
  const given = load.routeRates ?? {};
  for (const key of Object.keys(given)) {
    if (!all.some((r) => r.key === key)) {
      throw new GantryError(
        `gantry capacity: --route '${key}' is not a route of this service; give one of: ${all.map((r) => r.key).join(', ')}.`,
      );
    }
  }
  const givenTotal = Object.values(given).reduce((sum, r) => sum + r, 0);
  const rest = all.filter((r) => given[r.key] === undefined);
  const each = rest.length > 0 ? Math.max(0, load.rps - givenTotal) / rest.length : 0;
  return all.map(({ fn, route, key }) => ({
    key,
    function: fn.name,
    requestsPerSecond: given[key] ?? each,
    throttle: route.throttle
      ? { ...route.throttle, from: 'route' as const }
      : options.throttle
        ? { ...options.throttle, from: 'stage' as const }
        : { ...accountThrottle(options.region), from: 'account' as const },
  }));
}

function runsOn(fn: ManifestFunction): string[] {
  return [
    ...fn.routes.map((r) => `${r.method} ${r.path}`),
    ...fn.triggers.map((t) =>
      t.type === 'queue'
        ? `queue ${t.queue}`
        : t.type === 'change'
          ? `changes of ${t.table}`
          : t.type === 'object'
            ? `objects ${t.events} in ${t.bucket}`
            : `schedule ${t.expression}`,
    ),
  ];
}

const share = (limit: number, rate: number) => (rate <= limit ? 1 : limit / rate);

/** Lambda's platform lines per invocation, and the kit's line per request, batch or scheduled run. */
function lambdaLogBytes(input: CapacityInput, routes: RouteLoad[], functions: FunctionLoad[]): number {
  const { service, stage } = input.options;
  // The kit's metrics namespace (KIT_METRICS in @gantry/middy); its lines name functions as the Manifest does.
  const namespace = `${service}/${stage}`;
  let sum = routes.reduce(
    (total, r) => total + r.requestsPerSecond * (platformBytes() + requestLineBytes(r.key, namespace)),
    0,
  );
  for (const fn of input.manifest.functions) {
    const load = functions.find((f) => f.name === fn.name);
    if (!load || fn.routes.length > 0) continue;
    const line = fn.triggers.some((t) => t.type === 'schedule')
      ? scheduledLineBytes(fn.name, namespace)
      : batchLineBytes(fn.name, namespace);
    sum += load.invocationsPerSecond * (platformBytes() + line);
  }
  return sum;
}

/**
 * SQS requests per second: one SendMessage per message, and the consumer's ReceiveMessage and
 * DeleteMessageBatch once per batch (Lambda receives up to 10 messages a call).
 */
function sqsRequests(manifest: Manifest, queueMessages: Map<string, number>, fifo: boolean): number {
  let sum = 0;
  for (const queue of manifest.queues.filter((q) => q.fifo === fifo)) {
    const messages = queueMessages.get(queue.name) ?? 0;
    const consumer = manifest.functions
      .flatMap((fn) => fn.triggers)
      .find((t) => t.type === 'queue' && t.queue === queue.name);
    const perCall = consumer?.type === 'queue' ? Math.min(consumer.batchSize, 10) : undefined;
    sum += messages * (1 + (perCall ? 2 / perCall : 0));
  }
  return sum;
}
