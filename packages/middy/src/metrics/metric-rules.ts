/**
 * What CloudWatch accepts in an Embedded Metric Format line, checked where a function adds a
 * metric, so the kit never writes a line CloudWatch would drop (it drops the whole line's metrics,
 * the request's own with them). Limits from the EMF specification:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

/** CloudWatch's units (MetricDatum.Unit). */
export const METRIC_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

export type MetricUnit = (typeof METRIC_UNITS)[number];

export const EMF_LIMITS = {
  /** Dimensions in one dimension set. */
  dimensions: 30,
  /** Metrics in one directive. */
  metrics: 100,
  /** Values of one metric in one line. */
  values: 100,
  /** Characters of a metric or dimension name. */
  nameLength: 255,
  /** Characters of a dimension value. */
  dimensionValueLength: 1024,
} as const;

/** A metric the function cannot write as it asked: the message names the metric and the rule. */
export class MetricsError extends Error {
  override name = 'MetricsError';
}

export function isMetricsError(error: unknown): error is MetricsError {
  return error instanceof Error && error.name === 'MetricsError';
}

const UNITS = new Set<string>(METRIC_UNITS);

/** Fields the kit's log lines use: a metric or dimension of the same name would overwrite them. */
export const RESERVED_KEYS = new Set([
  '_aws',
  'level',
  'time',
  'msg',
  'requestId',
  'apiRequestId',
  'traceId',
  'method',
  'path',
  'route',
  'status',
  'durationMs',
  'coldStart',
  'function',
  'records',
  'failed',
  'error',
  'stage',
]);

export function checkMetric(name: string, unit: string, value: number): void {
  checkName('metric', name);
  if (!UNITS.has(unit)) {
    throw new MetricsError(
      `metric ${name}: unit "${unit}" is not one of CloudWatch's units (${METRIC_UNITS.join(', ')})`,
    );
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MetricsError(`metric ${name}: the value must be a finite number, got ${String(value)}`);
  }
}

export function checkDimensions(metric: string, dimensions: Record<string, string>, baseCount: number): void {
  const names = Object.keys(dimensions);
  if (names.length + baseCount > EMF_LIMITS.dimensions) {
    throw new MetricsError(
      `metric ${metric}: ${names.length + baseCount} dimensions (${baseCount} the kit's), CloudWatch takes at most ${EMF_LIMITS.dimensions} in a set`,
    );
  }
  for (const name of names) {
    checkName('dimension', name);
    const value = dimensions[name];
    if (typeof value !== 'string' || value.length === 0 || value.length > EMF_LIMITS.dimensionValueLength) {
      throw new MetricsError(
        `metric ${metric}: dimension ${name} must be a non-empty string of at most ${EMF_LIMITS.dimensionValueLength} characters, got ${JSON.stringify(value)}`,
      );
    }
  }
}

function checkName(kind: 'metric' | 'dimension', name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > EMF_LIMITS.nameLength) {
    throw new MetricsError(`${kind} name ${JSON.stringify(name)} must have 1 to ${EMF_LIMITS.nameLength} characters`);
  }
  if (RESERVED_KEYS.has(name)) {
    throw new MetricsError(`${kind} name ${name} is a field of the kit's log line; choose another name`);
  }
}
