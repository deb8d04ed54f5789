import type { StageOptions } from '../config.js';
import type { Manifest } from '../manifest.js';
import type { KeySpread } from './key-design.js';
import type { CostLine } from './monthly-cost.js';
import type { PriceTable } from './prices.js';

// The shapes of `sls gantry capacity`: what goes in (a Manifest, a stage, a load) and the report
// that comes out (printed as text, or as JSON with --json: a public interface, change it by adding).

/** The traffic to estimate for. */
export interface CapacityLoad {
  /** Requests per second to the HTTP API, all routes together. */
  rps: number;
  /** Requests per second of particular routes (`GET /notes/{id}`), out of `rps`; the rest is spread evenly. */
  routeRates?: Record<string, number>;
  /** Messages per second of queues by declared name, instead of what the functions send. */
  queueRates?: Record<string, number>;
  /** Milliseconds a function runs per request or record; default `DEFAULT_TIMEOUT_SHARE` of its timeout. */
  durationMs?: number;
  /** DynamoDB read units per read use of a table, per request or record (default 1). */
  readUnitsPerUse?: number;
  /** DynamoDB write units per write use, per request or record (default 1); indexes add as many each. */
  writeUnitsPerUse?: number;
  /** The account's concurrency quota in the Region (default 1,000). */
  accountConcurrency?: number;
}

export interface CapacityInput {
  manifest: Manifest;
  options: Pick<StageOptions, 'service' | 'stage' | 'region' | 'throttle' | 'accessLog' | 'defaults'>;
  /** osls's provider-level settings, which apply where neither the function nor custom.gantry.defaults sets one. */
  provider?: {
    memorySize?: number | undefined;
    timeout?: number | undefined;
    architecture?: 'x86_64' | 'arm64' | undefined;
  };
  /** Concurrency reserved by functions written by hand in serverless.yml. */
  otherReservedConcurrency?: number;
  prices: PriceTable;
  load: CapacityLoad;
}

export interface RouteLoad {
  key: string;
  function: string;
  requestsPerSecond: number;
  /** The limit API Gateway applies to the route, and where it comes from. */
  throttle: { rate: number; burst: number; from: 'route' | 'stage' | 'account' };
}

export interface FunctionLoad {
  name: string;
  /** What runs it: route keys, `queue <name>`, `changes of <table>`, `schedule <expression>`. */
  runsOn: string[];
  memoryMb: number;
  timeoutSeconds: number;
  durationMs: number;
  /** Requests, messages, change records or scheduled runs per second. */
  recordsPerSecond: number;
  invocationsPerSecond: number;
  /** recordsPerSecond × durationMs / 1000: environments busy at once. */
  concurrency: number;
  reservedConcurrency?: number;
}

export interface KeyLoad {
  /** The index, or absent for the table's own key. */
  index?: string;
  partitionKey: string;
  spread: KeySpread;
  reason: string;
  /** Read units per second that may reach this key (the table's reads are not attributed to indexes). */
  readUnitsPerSecond: number;
  writeUnitsPerSecond: number;
  /** The share of this key's traffic one value may take before its partition throttles (1 = all of it). */
  hotAbove: { reads: number; writes: number };
}

export interface TableLoad {
  name: string;
  readUnitsPerSecond: number;
  /** Write units of the table itself; each index takes as many again (billed too). */
  writeUnitsPerSecond: number;
  /** Items written per second (stream records, when it has a stream). */
  itemWritesPerSecond: number;
  keys: KeyLoad[];
}

export interface LimitLoad {
  /** What limits, e.g. `Lambda concurrency (unreserved pool)`. */
  limit: string;
  /** The limit's value and unit. */
  capacity: number;
  unit: string;
  /** Where the estimate is at this load. */
  atThisLoad: number;
  /** The total request rate at which it is reached as all request rates grow together; null: never. */
  reachedAtRps: number | null;
  /** What the caller sees when it is passed. */
  answer: string;
}

export interface CapacityReport {
  service: string;
  stage: string;
  region: string;
  assumptions: {
    rps: number;
    durationMs: number | null;
    timeoutShare: number;
    readUnitsPerUse: number;
    writeUnitsPerUse: number;
    accountConcurrency: number;
    /** API Gateway's default quota in the stage's Region, every API of the account together. */
    apiQuota: { rate: number; burst: number };
    architecture: 'x86_64' | 'arm64';
    hoursPerMonth: number;
  };
  routes: RouteLoad[];
  functions: FunctionLoad[];
  concurrency: { account: number; reserved: number; unreservedPool: number; unreservedNeeded: number; total: number };
  tables: TableLoad[];
  queues: { name: string; fifo: boolean; messagesPerSecond: number; from: 'functions' | 'option' }[];
  /** Every limit, the first reached first. */
  limits: LimitLoad[];
  cost: { lines: CostLine[]; totalUsd: number; currency: 'USD'; pricesAsOf: string; pricesRegion: string };
  notes: string[];
}

/** The report before its limits: one evaluation of the model at one load. */
export type Evaluated = Omit<CapacityReport, 'limits'>;
