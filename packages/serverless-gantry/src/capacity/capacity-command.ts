import type { StageOptions } from '../config.js';
import { GantryError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import { type CapacityLoad, capacityReport } from './capacity-model.js';
import { capacityText } from './capacity-text.js';
import { readPriceTable, US_EAST_1_PRICES } from './prices.js';

/** Requests per second when `--rps` is not given. */
export const DEFAULT_RPS = 10;

/** `sls gantry capacity`'s options (osls passes each as a string, or a list for `multiple`). */
export interface CapacityCommandOptions {
  rps?: string;
  'duration-ms'?: string;
  route?: string | string[];
  queue?: string | string[];
  reads?: string;
  writes?: string;
  'account-concurrency'?: string;
  prices?: string;
  json?: boolean;
}

export const CAPACITY_OPTIONS = {
  rps: { usage: `Requests per second to the HTTP API, all routes together (default ${DEFAULT_RPS})`, type: 'string' },
  'duration-ms': {
    usage: 'Milliseconds each function runs per request or record (default: a tenth of its timeout)',
    type: 'string',
  },
  route: { usage: 'One route\'s rate, out of --rps: --route "GET /tasks/{id}=300" (repeatable)', type: 'multiple' },
  queue: {
    usage: "A queue's messages per second: --queue jobs=50 (repeatable; default: what its senders send)",
    type: 'multiple',
  },
  reads: { usage: 'DynamoDB read units per read use of a table, per request (default 1)', type: 'string' },
  writes: { usage: 'DynamoDB write units per write use of a table, per request (default 1)', type: 'string' },
  'account-concurrency': { usage: "The account's Lambda concurrency quota (default 1000)", type: 'string' },
  prices: { usage: 'A JSON price table for your Region (shape: --json\'s "prices")', type: 'string' },
  json: { usage: 'Print the estimate as JSON on stdout, nothing else', type: 'boolean' },
} as const;

/** The part of `serverless.service` the estimate reads: provider defaults and hand-written functions. */
export interface ServiceSettings {
  provider: { memorySize?: unknown; timeout?: unknown; architecture?: unknown };
  functions?: Record<string, unknown> | null;
}

/**
 * `sls gantry capacity --stage S [--rps N] …`: the stage's capacity and monthly cost at a load, as
 * text or JSON. Option mistakes are all reported at once, each with the option and the fix.
 */
export async function capacityCommand(
  built: { manifest: Manifest; options: StageOptions },
  service: ServiceSettings,
  serviceDir: string,
  cli: CapacityCommandOptions,
): Promise<string> {
  const { load, problems } = parseLoad(built.manifest, cli);
  if (problems.length > 0) {
    throw new GantryError(
      `gantry capacity: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`,
    );
  }
  const prices = cli.prices ? await readPriceTable(cli.prices, serviceDir) : US_EAST_1_PRICES;
  const generated = new Set(built.manifest.functions.map((f) => f.name));
  const otherReservedConcurrency = Object.entries(service.functions ?? {})
    .filter(([name]) => !generated.has(name))
    .reduce(
      (sum, [, fn]) => sum + numberOr((fn as { reservedConcurrency?: unknown } | null)?.reservedConcurrency, 0),
      0,
    );
  const { memorySize, timeout, architecture } = service.provider;
  const report = capacityReport({
    manifest: built.manifest,
    options: built.options,
    provider: {
      memorySize: numberOr(memorySize, undefined),
      timeout: numberOr(timeout, undefined),
      architecture: architecture === 'arm64' ? 'arm64' : 'x86_64',
    },
    otherReservedConcurrency,
    prices,
    load,
  });
  return cli.json ? `${JSON.stringify({ ...report, prices }, null, 2)}\n` : capacityText(report);
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** The load the options describe, and every problem with them. */
export function parseLoad(manifest: Manifest, cli: CapacityCommandOptions): { load: CapacityLoad; problems: string[] } {
  const problems: string[] = [];
  const number = (option: string, raw: string | undefined, rule: (n: number) => boolean, example: string) => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !rule(n)) {
      problems.push(`--${option} '${raw}' ${example}`);
      return undefined;
    }
    return n;
  };
  const rps = number('rps', cli.rps, (n) => n >= 0, 'must be requests per second, 0 or more: e.g. --rps 1000');
  const durationMs = number(
    'duration-ms',
    cli['duration-ms'],
    (n) => n > 0,
    'must be milliseconds above 0: e.g. --duration-ms 50',
  );
  const reads = number('reads', cli.reads, (n) => n >= 0, 'must be read units per read use, 0 or more: e.g. --reads 2');
  const writes = number(
    'writes',
    cli.writes,
    (n) => n >= 0,
    'must be write units per write use, 0 or more: e.g. --writes 1',
  );
  const account = number(
    'account-concurrency',
    cli['account-concurrency'],
    (n) => Number.isInteger(n) && n >= 1,
    "must be the account's concurrency quota, a whole number: e.g. --account-concurrency 3000",
  );

  const pairs = (option: 'route' | 'queue', names: string[], example: string) => {
    const out: Record<string, number> = {};
    for (const raw of [cli[option] ?? []].flat()) {
      const cut = String(raw).lastIndexOf('=');
      const name = String(raw).slice(0, cut).trim();
      const value = Number(String(raw).slice(cut + 1));
      if (
        cut < 0 ||
        String(raw)
          .slice(cut + 1)
          .trim() === '' ||
        !Number.isFinite(value) ||
        value < 0
      ) {
        problems.push(`--${option} '${raw}' must be NAME=RATE with a rate of 0 or more: e.g. --${option} ${example}`);
      } else if (!names.includes(name)) {
        problems.push(
          `--${option} '${raw}': '${name}' is not a ${option} of this service; give one of: ${names.join(', ') || `it has no ${option}s`}.`,
        );
      } else out[name] = value;
    }
    return out;
  };
  const routeKeys = manifest.functions.flatMap((f) => f.routes.map((r) => `${r.method} ${r.path}`));
  const routeRates = pairs('route', routeKeys, `"${routeKeys[0] ?? 'GET /items'}=100"`);
  const queueRates = pairs(
    'queue',
    manifest.queues.map((q) => q.name),
    `${manifest.queues[0]?.name ?? 'jobs'}=50`,
  );

  const given = Object.values(routeRates).reduce((sum, r) => sum + r, 0);
  if (rps !== undefined && given > rps) {
    problems.push(
      `--route rates add up to ${given} requests/s, more than --rps ${rps}: raise --rps to at least ${given}, or leave it out.`,
    );
  }
  const load: CapacityLoad = {
    rps: rps ?? (Object.keys(routeRates).length > 0 ? given : DEFAULT_RPS),
    routeRates,
    queueRates,
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(reads !== undefined ? { readUnitsPerUse: reads } : {}),
    ...(writes !== undefined ? { writeUnitsPerUse: writes } : {}),
    ...(account !== undefined ? { accountConcurrency: account } : {}),
  };
  return { load, problems };
}
