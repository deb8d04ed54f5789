/**
 * Checks one log line against CloudWatch's Embedded Metric Format specification, as CloudWatch
 * reads it: a line it would drop (its metrics lost, silently) gets its problems listed; a valid
 * one gives its datapoints. Local runs (the testing helper, `sls offline`) run it on every line a
 * function prints. Hand-written: the npm registry has EMF writers (aws-embedded-metrics, Powertools
 * Metrics) but no validator of a line, and the rules are a page long:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * Written apart from the kit's writer (packages/middy/src/metrics), so it also checks the kit.
 */

/** CloudWatch's units (MetricDatum.Unit). */
const UNITS = new Set([
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
]);
const MAX_DIMENSIONS = 30;
const MAX_METRICS = 100;
const MAX_VALUES = 100;
const MAX_NAME = 255;
const MAX_DIMENSION_VALUE = 1024;
/** PutMetricData's window, which EMF's timestamps share: two weeks back, two hours ahead. */
const MAX_AGE_MS = 14 * 24 * 3600 * 1000;
const MAX_AHEAD_MS = 2 * 3600 * 1000;

export interface MetricDatapoint {
  namespace: string;
  name: string;
  /** `None` when the line gives no unit, as CloudWatch stores it. */
  unit: string;
  value: number | number[];
  dimensions: Record<string, string>;
  /** 1: high resolution; 60: standard. */
  resolution: 1 | 60;
  timestamp: number;
}

export interface EmfCheck {
  /** The line is a JSON object with an `_aws` member: CloudWatch reads it as EMF. */
  emf: boolean;
  /** Why CloudWatch would drop it; empty when it is valid. */
  problems: string[];
  /** One per metric and dimension set, when valid. */
  datapoints: MetricDatapoint[];
}

const NOT_EMF: EmfCheck = { emf: false, problems: [], datapoints: [] };
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isName = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME;

export function checkEmf(line: string, now = Date.now()): EmfCheck {
  const text = line.trim();
  if (!text.startsWith('{') || !text.includes('"_aws"')) return NOT_EMF;
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return NOT_EMF;
  }
  if (!isObject(root) || !('_aws' in root)) return NOT_EMF;
  const problems: string[] = [];
  const datapoints: MetricDatapoint[] = [];
  const aws = root._aws;
  if (!isObject(aws)) return { emf: true, problems: ['_aws must be an object'], datapoints };
  const timestamp = aws.Timestamp;
  if (typeof timestamp !== 'number' || !Number.isInteger(timestamp)) {
    problems.push(`_aws.Timestamp must be a number of milliseconds since the epoch, got ${JSON.stringify(timestamp)}`);
  } else if (timestamp < now - MAX_AGE_MS || timestamp > now + MAX_AHEAD_MS) {
    problems.push(`_aws.Timestamp ${timestamp} is more than 14 days before or 2 hours after now`);
  }
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) {
    problems.push('_aws.CloudWatchMetrics must be an array of metric directives');
    return { emf: true, problems, datapoints };
  }
  directives.forEach((directive, d) => {
    const at = `_aws.CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) {
      problems.push(`${at} must be an object`);
      return;
    }
    const namespace = directive.Namespace;
    if (!isName(namespace)) problems.push(`${at}.Namespace must be a string of 1 to ${MAX_NAME} characters`);
    const sets = directive.Dimensions;
    const dimensionSets: string[][] = [];
    if (!Array.isArray(sets)) problems.push(`${at}.Dimensions must be an array of dimension sets`);
    else
      sets.forEach((set, s) => {
        if (!Array.isArray(set)) {
          problems.push(`${at}.Dimensions[${s}] must be an array of dimension names`);
          return;
        }
        if (set.length > MAX_DIMENSIONS) {
          problems.push(`${at}.Dimensions[${s}] has ${set.length} dimensions; at most ${MAX_DIMENSIONS}`);
        }
        for (const key of set) {
          const value = typeof key === 'string' ? root[key] : undefined;
          if (!isName(key)) problems.push(`${at}.Dimensions[${s}]: ${JSON.stringify(key)} is not a dimension name`);
          else if (typeof value !== 'string' || value.length === 0 || value.length > MAX_DIMENSION_VALUE) {
            problems.push(
              `dimension ${key} needs a string value of 1 to ${MAX_DIMENSION_VALUE} characters at the root, got ${JSON.stringify(value)}`,
            );
          }
        }
        dimensionSets.push(set as string[]);
      });
    const metrics = directive.Metrics;
    if (!Array.isArray(metrics)) {
      problems.push(`${at}.Metrics must be an array of metric definitions`);
      return;
    }
    if (metrics.length > MAX_METRICS)
      problems.push(`${at}.Metrics has ${metrics.length} metrics; at most ${MAX_METRICS}`);
    metrics.forEach((metric, m) => {
      const where = `${at}.Metrics[${m}]`;
      if (!isObject(metric) || !isName(metric.Name)) {
        problems.push(`${where}.Name must be a string of 1 to ${MAX_NAME} characters`);
        return;
      }
      const { Name: name, Unit: unit, StorageResolution: resolution } = metric;
      if (unit !== undefined && !UNITS.has(unit as string)) {
        problems.push(`metric ${name}: unit ${JSON.stringify(unit)} is not one of CloudWatch's units`);
      }
      if (resolution !== undefined && resolution !== 1 && resolution !== 60) {
        problems.push(`metric ${name}: StorageResolution must be 1 or 60, got ${JSON.stringify(resolution)}`);
      }
      const value = root[name];
      const valid =
        typeof value === 'number' ||
        (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number'));
      if (!valid) {
        problems.push(`metric ${name} needs a number or an array of numbers at the root, got ${JSON.stringify(value)}`);
      } else if (Array.isArray(value) && value.length > MAX_VALUES) {
        problems.push(`metric ${name} has ${value.length} values; at most ${MAX_VALUES}`);
      }
      // A directive without dimension sets publishes its metrics with no dimensions.
      for (const set of dimensionSets.length > 0 ? dimensionSets : [[]]) {
        datapoints.push({
          namespace: namespace as string,
          name,
          unit: (unit as string | undefined) ?? 'None',
          value: value as number | number[],
          dimensions: Object.fromEntries(set.map((key) => [key, root[key] as string])),
          resolution: resolution === 1 ? 1 : 60,
          timestamp: timestamp as number,
        });
      }
    });
  });
  return problems.length > 0 ? { emf: true, problems, datapoints: [] } : { emf: true, problems, datapoints };
}
