/**
 * AWS's default limits that decide where a Gantry service stops scaling, per account and Region
 * unless said otherwise. Most are quotas Service Quotas can raise; each names where AWS documents it.
 * API Gateway's quota, which depends on the Region, is `accountThrottle` (src/generate/throttle.ts).
 */
export const AWS_LIMITS = {
  lambda: {
    /** Concurrent executions of all functions together (lambda/latest/dg/gettingstarted-limits.html). */
    accountConcurrency: 1_000,
    /** Reserved concurrency must leave this much unreserved (lambda/latest/dg/configuration-concurrency.html). */
    minUnreserved: 100,
    /** Each function scales by this many environments every 10 seconds (lambda/latest/dg/scaling-behavior.html). */
    scalingPer10Seconds: 1_000,
  },
  dynamodb: {
    /** Per partition, so at most per partition key value (amazondynamodb/latest/developerguide/bp-partition-key-design.html). */
    partitionReadUnits: 3_000,
    partitionWriteUnits: 1_000,
    /** What a new on-demand table serves at once (its warm throughput; amazondynamodb/latest/developerguide/warm-throughput.html). */
    newTableReadUnits: 12_000,
    newTableWriteUnits: 4_000,
    /** The per-table on-demand maximum, an adjustable quota (amazondynamodb/latest/developerguide/ServiceQuotas.html). */
    tableReadUnits: 40_000,
    tableWriteUnits: 40_000,
  },
  sqs: {
    /** FIFO queues without high throughput mode: calls per second per action (a SendMessage is one message). */
    fifoCallsPerSecond: 300,
  },
} as const;
