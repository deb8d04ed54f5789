import { AWS_LIMITS } from './aws-limits.js';
import type { Evaluated, LimitLoad, RouteLoad } from './capacity-report.js';

/**
 * Every limit with where the load puts it and the request rate that reaches it: the estimate is
 * linear in the routes' rates (events given by option stay), so a quantity at `scale` is
 * `base + scale × (at − base)` and reaches its limit at `(limit − base) / (at − base)` × rps.
 */
export function limitsOf(at: Evaluated, base: Evaluated): LimitLoad[] {
  const rps = at.assumptions.rps;
  const limits: LimitLoad[] = [];
  const add = (limit: string, capacity: number, unit: string, now: number, then: number, answer: string) => {
    const slope = now - then;
    let reachedAtRps: number | null;
    if (then > capacity) reachedAtRps = 0;
    else if (slope <= 0 || rps === 0) reachedAtRps = now > capacity ? 0 : null;
    else reachedAtRps = ((capacity - then) / slope) * rps;
    limits.push({ limit, capacity, unit, atThisLoad: now, reachedAtRps, answer });
  };

  const gateway = '429 Too Many Requests from API Gateway';
  const stageRoutes = at.routes.filter((r) => r.throttle.from === 'stage');
  const busiest = stageRoutes.reduce<RouteLoad | undefined>(
    (top, r) => (!top || r.requestsPerSecond > top.requestsPerSecond ? r : top),
    undefined,
  );
  if (busiest) {
    add(
      `HTTP API stage throttle, each route (busiest: ${busiest.key})`,
      busiest.throttle.rate,
      'requests/s',
      busiest.requestsPerSecond,
      0,
      gateway,
    );
  }
  for (const route of at.routes.filter((r) => r.throttle.from === 'route')) {
    add(`HTTP API throttle of ${route.key}`, route.throttle.rate, 'requests/s', route.requestsPerSecond, 0, gateway);
  }
  add(
    'HTTP API account quota (every API of the account in the Region)',
    at.assumptions.apiQuota.rate,
    'requests/s',
    at.assumptions.rps,
    0,
    gateway,
  );

  const lambdaAnswer =
    'Lambda throttles: a route answers 5xx (API Gateway does not pass on 429); queue and change events wait and are retried';
  add(
    'Lambda concurrency, unreserved pool',
    at.concurrency.unreservedPool,
    'concurrent',
    at.concurrency.unreservedNeeded,
    base.concurrency.unreservedNeeded,
    lambdaAnswer,
  );
  for (const fn of at.functions.filter((f) => f.reservedConcurrency !== undefined)) {
    const before = base.functions.find((f) => f.name === fn.name)?.concurrency ?? 0;
    add(
      `Lambda reserved concurrency of ${fn.name}`,
      fn.reservedConcurrency ?? 0,
      'concurrent',
      fn.concurrency,
      before,
      lambdaAnswer,
    );
  }

  const dynamoAnswer = 'DynamoDB throttles: after the SDK retries, the route answers 500; consumers retry the batch';
  const { dynamodb } = AWS_LIMITS;
  for (const table of at.tables) {
    const then = base.tables.find((t) => t.name === table.name);
    const thenReads = then?.readUnitsPerSecond ?? 0;
    const thenWrites = then?.writeUnitsPerSecond ?? 0;
    if (table.readUnitsPerSecond > 0) {
      add(
        `DynamoDB ${table.name}: reads a new table serves at once`,
        dynamodb.newTableReadUnits,
        'RRU/s',
        table.readUnitsPerSecond,
        thenReads,
        dynamoAnswer,
      );
      add(
        `DynamoDB ${table.name}: reads per table (quota)`,
        dynamodb.tableReadUnits,
        'RRU/s',
        table.readUnitsPerSecond,
        thenReads,
        dynamoAnswer,
      );
    }
    if (table.writeUnitsPerSecond > 0) {
      add(
        `DynamoDB ${table.name}: writes a new table serves at once`,
        dynamodb.newTableWriteUnits,
        'WRU/s',
        table.writeUnitsPerSecond,
        thenWrites,
        dynamoAnswer,
      );
      add(
        `DynamoDB ${table.name}: writes per table (quota)`,
        dynamodb.tableWriteUnits,
        'WRU/s',
        table.writeUnitsPerSecond,
        thenWrites,
        dynamoAnswer,
      );
    }
    // A key whose values are few: assume one value takes all of its traffic.
    for (const key of table.keys.filter((k) => k.spread === 'few-values')) {
      const name = `DynamoDB ${table.name}${key.index ? ` index ${key.index}` : ''}: one '${key.partitionKey}' value`;
      if (key.readUnitsPerSecond > 0)
        add(
          `${name}, reads`,
          dynamodb.partitionReadUnits,
          'RRU/s',
          key.readUnitsPerSecond,
          key.index ? 0 : thenReads,
          dynamoAnswer,
        );
      if (key.writeUnitsPerSecond > 0)
        add(
          `${name}, writes`,
          dynamodb.partitionWriteUnits,
          'WRU/s',
          key.writeUnitsPerSecond,
          thenWrites,
          dynamoAnswer,
        );
    }
  }

  for (const queue of at.queues.filter((q) => q.fifo)) {
    const then = base.queues.find((q) => q.name === queue.name)?.messagesPerSecond ?? 0;
    add(
      `SQS FIFO ${queue.name}: sends per second`,
      AWS_LIMITS.sqs.fifoCallsPerSecond,
      'messages/s',
      queue.messagesPerSecond,
      then,
      'SQS throttles the sender: its route answers 500 (turn on high throughput mode, or send in batches)',
    );
  }

  return limits.sort((a, b) => (a.reachedAtRps ?? Infinity) - (b.reachedAtRps ?? Infinity));
}
