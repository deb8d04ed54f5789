import type { MetricUnit } from './metric-rules.js';

/**
 * Every metric the kit writes by itself, with its unit and dimensions: the one place that says what
 * a Gantry function emits (alarms, the dashboard and the price line read it). The namespace is the
 * service and stage (`kitMetricsNamespace`: `tasks-app/prod`); every metric has one dimension, the
 * HTTP API route key (`route`, e.g. `POST /notes`) or the Manifest's function name (`function`).
 * Dimension values are fixed when the service is built: never a user, request or record id.
 *
 * The status classes and failed runs are written on every invocation (0 or 1), so their Average is
 * a rate and their Sum a count; a route's request count is `Latency`'s SampleCount (a separate
 * count metric would add 48 bytes to every request line for the same number). `ColdStart` is
 * written on the first invocation of each execution environment only. The stage is in the
 * namespace rather than a dimension: every alarm and dashboard is per stage, and the line is 17
 * bytes shorter (the request line with its metrics stays under 512 bytes: bench/metrics.mjs).
 */
export const KIT_METRICS = {
  http: {
    dimensions: ['route'],
    metrics: [
      { name: 'Latency', unit: 'Milliseconds' },
      { name: '4xx', unit: 'Count' },
      { name: '5xx', unit: 'Count' },
    ],
  },
  /** Queue, table change and object batches. */
  batch: {
    dimensions: ['function'],
    metrics: [
      { name: 'Records', unit: 'Count' },
      { name: 'FailedRecords', unit: 'Count' },
    ],
  },
  scheduled: {
    dimensions: ['function'],
    metrics: [
      { name: 'Runs', unit: 'Count' },
      { name: 'FailedRuns', unit: 'Count' },
    ],
  },
  /** Added to the kind's own metrics, with its dimensions, on a cold start. */
  coldStart: { name: 'ColdStart', unit: 'None' },
} as const satisfies Record<
  string,
  | { dimensions: readonly string[]; metrics: readonly { name: string; unit: MetricUnit }[] }
  | { name: string; unit: MetricUnit }
>;

export type KitMetricKind = 'http' | 'batch' | 'scheduled';

/** The namespace of a stage's metrics, the kit's and the functions' own: `<service>/<stage>`. */
export function kitMetricsNamespace(service: string, stage: string): string {
  return `${service}/${stage}`;
}

/** How many custom metrics (name × dimension values) the kit writes for one route or function. */
export function kitMetricCount(kind: KitMetricKind): number {
  return KIT_METRICS[kind].metrics.length + 1; // + ColdStart
}
