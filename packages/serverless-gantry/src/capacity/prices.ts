import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { GantryBuildError } from '../errors.js';

/**
 * One step of a volume-tiered price: `usd` per unit until the month's cumulative quantity reaches
 * `upTo` (in the same unit: GB-seconds, million requests, GB); the last tier has no `upTo`.
 */
const tier = z.strictObject({ upTo: z.number().positive().optional(), usd: z.number().min(0) });
const tiers = z
  .array(tier)
  .min(1)
  .refine((list) => list.every((t, i) => (i === list.length - 1) === (t.upTo === undefined)), {
    message: 'every tier but the last needs upTo, and the last has none',
  })
  .refine((list) => list.every((t, i) => i === 0 || (t.upTo ?? Infinity) > (list[i - 1]?.upTo ?? 0)), {
    message: 'upTo must grow from tier to tier',
  });
const source = z.url();

/** The prices `sls gantry capacity` multiplies by; `--prices FILE` gives another (same shape, JSON). */
export const priceTableSchema = z.strictObject({
  /** The Region these prices are for. */
  region: z.string().min(1),
  currency: z.literal('USD'),
  /** When the prices were read from the sources (YYYY-MM or YYYY-MM-DD). */
  asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'write a date as YYYY-MM or YYYY-MM-DD'),
  /** How they were obtained, and what to check. */
  note: z.string().optional(),
  lambda: z.strictObject({
    source,
    requestsPerMillion: z.number().min(0),
    /** Per GB-second of duration (memory in GB × seconds), by architecture; tiers per month and Region. */
    gbSecond: z.strictObject({ x86_64: tiers, arm64: tiers }),
  }),
  httpApi: z.strictObject({
    source,
    /** Per million requests (each up to 512 KB); tiers in million requests per month. */
    requestsPerMillion: tiers,
  }),
  dynamodb: z.strictObject({
    source,
    /** On-demand, Standard table class. */
    readRequestUnitsPerMillion: z.number().min(0),
    writeRequestUnitsPerMillion: z.number().min(0),
  }),
  cloudWatchLogs: z.strictObject({
    source,
    /** Lambda's logs (vended logs, Standard class), per GB ingested; tiers in GB per month. */
    lambdaIngestionPerGb: tiers,
    /** Other logs (the HTTP API's access log), per GB ingested. */
    ingestionPerGb: z.number().min(0),
  }),
  sqs: z.strictObject({
    source,
    standardRequestsPerMillion: z.number().min(0),
    fifoRequestsPerMillion: z.number().min(0),
  }),
  scheduler: z.strictObject({ source, invocationsPerMillion: z.number().min(0) }),
  /** What watching a stage costs (alarms, metrics, dashboard, the alarm topic's key); optional in --prices files. */
  cloudWatch: z
    .strictObject({
      source,
      /** Per metric an alarm reads (a metric-math alarm pays for each), standard resolution, a month. */
      alarmMetricMonth: z.number().min(0),
      /** The same at high resolution (10 s or 30 s periods). */
      highResolutionAlarmMetricMonth: z.number().min(0),
      compositeAlarmMonth: z.number().min(0),
      /** Custom metrics (EMF, and API Gateway's detailed per-route metrics), per metric a month; tiers in metrics. */
      customMetricMonth: tiers,
      /** Per dashboard a month (an account's first three are free). */
      dashboardMonth: z.number().min(0),
      /** A customer-managed KMS key a month (the alarm topic's), before request charges. */
      kmsKeyMonth: z.number().min(0),
    })
    .optional(),
});

export type PriceTable = z.infer<typeof priceTableSchema>;
export type PriceTier = z.infer<typeof tier>;

/**
 * us-east-1 (N. Virginia), on-demand list prices before free tiers. Taken from AWS's public price
 * pages (the `source` of each service) as they stood in June 2025, the latest the author knew; not
 * re-read online when this table was written. Check the pages and update the numbers and `asOf`
 * (or pass `sls gantry capacity --prices FILE` with a table of this shape for another Region).
 */
export const US_EAST_1_PRICES: PriceTable = {
  region: 'us-east-1',
  currency: 'USD',
  asOf: '2025-06',
  note: "AWS's public price pages as of June 2025 (not re-checked online when written); list prices before free tiers.",
  lambda: {
    source: 'https://aws.amazon.com/lambda/pricing/',
    requestsPerMillion: 0.2,
    gbSecond: {
      x86_64: [
        { upTo: 6_000_000_000, usd: 0.0000166667 },
        { upTo: 15_000_000_000, usd: 0.000015 },
        { usd: 0.0000133334 },
      ],
      arm64: [
        { upTo: 7_500_000_000, usd: 0.0000133334 },
        { upTo: 18_750_000_000, usd: 0.0000120001 },
        { usd: 0.0000106667 },
      ],
    },
  },
  httpApi: {
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    requestsPerMillion: [{ upTo: 300, usd: 1.0 }, { usd: 0.9 }],
  },
  dynamodb: {
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    readRequestUnitsPerMillion: 0.125,
    writeRequestUnitsPerMillion: 0.625,
  },
  cloudWatchLogs: {
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    lambdaIngestionPerGb: [
      { upTo: 10_240, usd: 0.5 },
      { upTo: 30_720, usd: 0.25 },
      { upTo: 51_200, usd: 0.1 },
      { usd: 0.05 },
    ],
    ingestionPerGb: 0.5,
  },
  sqs: {
    source: 'https://aws.amazon.com/sqs/pricing/',
    standardRequestsPerMillion: 0.4,
    fifoRequestsPerMillion: 0.5,
  },
  scheduler: {
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    invocationsPerMillion: 1.0,
  },
  // https://aws.amazon.com/cloudwatch/pricing/ (Alarms, Metrics, Dashboards) and
  // https://aws.amazon.com/kms/pricing/, as of June 2025 like the rest (not re-checked online).
  cloudWatch: {
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    alarmMetricMonth: 0.1,
    highResolutionAlarmMetricMonth: 0.3,
    compositeAlarmMonth: 0.5,
    customMetricMonth: [
      { upTo: 10_000, usd: 0.3 },
      { upTo: 250_000, usd: 0.1 },
      { upTo: 1_000_000, usd: 0.05 },
      { usd: 0.02 },
    ],
    dashboardMonth: 3.0,
    kmsKeyMonth: 1.0,
  },
};

/** Reads `--prices FILE` (JSON, relative to the service); every problem names the file and key and the fix. */
export async function readPriceTable(file: string, serviceDir: string): Promise<PriceTable> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(resolve(serviceDir, file), 'utf8'));
  } catch (error) {
    throw new GantryBuildError(
      [
        `${file}: cannot read it as JSON (${(error as Error).message}); give --prices a JSON file shaped like the built-in table (sls gantry capacity --json prints it under "prices").`,
      ],
      { cause: error },
    );
  }
  const parsed = priceTableSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new GantryBuildError(
    parsed.error.issues.map((issue) => {
      const key = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
      return `${file} › ${key.replace(/^\./, '') || '(top level)'}: ${issue.message}; fix it to match the built-in table (sls gantry capacity --json prints it under "prices").`;
    }),
  );
}
