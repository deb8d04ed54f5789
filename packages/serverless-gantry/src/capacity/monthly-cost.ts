import type { PriceTable, PriceTier } from './prices.js';

/** Hours in a month, as AWS's pricing calculator counts them (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3_600;
const GIB = 1024 ** 3;

/** What a month at the estimated rates uses, before prices. */
export interface MonthlyUsage {
  architecture: 'x86_64' | 'arm64';
  lambdaInvocationsPerSecond: number;
  /** Memory in GB × seconds of duration, per second of the month. */
  lambdaGbSecondsPerSecond: number;
  httpRequestsPerSecond: number;
  readUnitsPerSecond: number;
  writeUnitsPerSecond: number;
  lambdaLogBytesPerSecond: number;
  accessLogBytesPerSecond: number;
  sqsStandardRequestsPerSecond: number;
  sqsFifoRequestsPerSecond: number;
  scheduledInvocationsPerSecond: number;
}

export interface CostLine {
  item: string;
  /** The month's quantity, in `unit`. */
  quantity: number;
  unit: string;
  usd: number;
}

/** The price of `quantity` units over volume tiers (each tier's `upTo` counts from the month's start). */
export function tieredPrice(quantity: number, tiers: PriceTier[]): number {
  let usd = 0;
  let from = 0;
  for (const tier of tiers) {
    const to = tier.upTo ?? Infinity;
    if (quantity <= from) break;
    usd += (Math.min(quantity, to) - from) * tier.usd;
    from = to;
  }
  return usd;
}

/** A month of `usage` at `prices`: one line per billed item, list prices before free tiers. */
export function monthlyCost(usage: MonthlyUsage, prices: PriceTable): { lines: CostLine[]; totalUsd: number } {
  const month = (perSecond: number) => perSecond * SECONDS_PER_MONTH;
  const millions = (perSecond: number) => month(perSecond) / 1e6;
  const gib = (bytesPerSecond: number) => month(bytesPerSecond) / GIB;
  const lines: CostLine[] = [
    {
      item: 'Lambda requests',
      quantity: millions(usage.lambdaInvocationsPerSecond),
      unit: 'million',
      usd: millions(usage.lambdaInvocationsPerSecond) * prices.lambda.requestsPerMillion,
    },
    {
      item: `Lambda duration (${usage.architecture})`,
      quantity: month(usage.lambdaGbSecondsPerSecond),
      unit: 'GB-s',
      usd: tieredPrice(month(usage.lambdaGbSecondsPerSecond), prices.lambda.gbSecond[usage.architecture]),
    },
    {
      item: 'HTTP API requests',
      quantity: millions(usage.httpRequestsPerSecond),
      unit: 'million',
      usd: tieredPrice(millions(usage.httpRequestsPerSecond), prices.httpApi.requestsPerMillion),
    },
    {
      item: 'DynamoDB reads (on demand)',
      quantity: millions(usage.readUnitsPerSecond),
      unit: 'million RRU',
      usd: millions(usage.readUnitsPerSecond) * prices.dynamodb.readRequestUnitsPerMillion,
    },
    {
      item: 'DynamoDB writes (on demand)',
      quantity: millions(usage.writeUnitsPerSecond),
      unit: 'million WRU',
      usd: millions(usage.writeUnitsPerSecond) * prices.dynamodb.writeRequestUnitsPerMillion,
    },
    {
      item: "CloudWatch Logs, functions' logs",
      quantity: gib(usage.lambdaLogBytesPerSecond),
      unit: 'GB',
      usd: tieredPrice(gib(usage.lambdaLogBytesPerSecond), prices.cloudWatchLogs.lambdaIngestionPerGb),
    },
    {
      item: 'CloudWatch Logs, HTTP API access log',
      quantity: gib(usage.accessLogBytesPerSecond),
      unit: 'GB',
      usd: gib(usage.accessLogBytesPerSecond) * prices.cloudWatchLogs.ingestionPerGb,
    },
    {
      item: 'SQS requests',
      quantity: millions(usage.sqsStandardRequestsPerSecond + usage.sqsFifoRequestsPerSecond),
      unit: 'million',
      usd:
        millions(usage.sqsStandardRequestsPerSecond) * prices.sqs.standardRequestsPerMillion +
        millions(usage.sqsFifoRequestsPerSecond) * prices.sqs.fifoRequestsPerMillion,
    },
    {
      item: 'EventBridge Scheduler invocations',
      quantity: millions(usage.scheduledInvocationsPerSecond),
      unit: 'million',
      usd: millions(usage.scheduledInvocationsPerSecond) * prices.scheduler.invocationsPerMillion,
    },
  ];
  return { lines, totalUsd: lines.reduce((sum, line) => sum + line.usd, 0) };
}
