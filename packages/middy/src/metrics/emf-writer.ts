import { KIT_METRICS, type KitMetricKind, kitMetricsNamespace } from './kit-metrics.js';
import { checkDimensions, checkMetric, EMF_LIMITS, MetricsError, type MetricUnit } from './metric-rules.js';

/**
 * CloudWatch Embedded Metric Format, written into the kit's own log line (one JSON line per
 * invocation, no second line, no API call). Hand-written rather than Powertools Metrics: measured
 * (bench/metrics.mjs, bench/RESULTS.md "Metrics"), Powertools' Metrics costs more at init (its
 * module and commons' environment service) and per call (a store, dimension sets and a
 * serialization pass per invocation), and it prints its own line, where the kit needs the block
 * inside its request line; the writer below only fills a directive made once at init.
 */

export interface MetricOptions {
  /**
   * Dimensions of this metric besides the kit's (the route or function). Keep their
   * values to a few known ones (a plan, a region): each combination is a custom metric CloudWatch
   * bills for; never a user or request id.
   */
  dimensions?: Record<string, string>;
  /** 1: high resolution (per second); 60 (default): standard. */
  resolution?: 1 | 60;
}

/** A function's own metrics, written in its invocation's log line with the kit's. */
export interface Metrics {
  /**
   * Adds a value; adding the same metric again in one invocation adds another value (at most 100).
   * Throws MetricsError for what CloudWatch would drop: a unit it does not know, a value that is not
   * a finite number, more than 30 dimensions, a name over 255 characters or one the kit's line uses.
   *
   * @example
   * request.metrics.add('TasksCreated', 'Count', 1);
   * request.metrics.add('ItemsPerOrder', 'Count', order.items.length, { dimensions: { plan: 'pro' } });
   */
  add(name: string, unit: MetricUnit, value: number, options?: MetricOptions): void;
}

export interface MetricsSettings {
  /**
   * Where the metrics go (default: `<service>/<stage>` from `GANTRY_SERVICE` and `GANTRY_STAGE`,
   * which serverless-gantry sets).
   */
  namespace: string;
}

/**
 * The settings from the environment serverless-gantry gives every function at build time, or
 * undefined outside a Gantry service (no metrics are written then; `add` still checks its input).
 */
export function metricsSettings(given?: MetricsSettings | false): MetricsSettings | undefined {
  if (given === false) return undefined;
  if (given) return given;
  const service = process.env.GANTRY_SERVICE;
  const stage = process.env.GANTRY_STAGE;
  return service && stage ? { namespace: kitMetricsNamespace(service, stage) } : undefined;
}

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: MetricUnit; StorageResolution?: 1 }[];
}

/** One invocation's metrics: the function's own, then the kit's at the end, as log line fields. */
export interface InvocationMetrics extends Metrics {
  /**
   * The fields to add to the invocation's log line: `_aws`, the metrics' values and the
   * function's own dimensions. The line must already hold the kind's dimension (`route` or
   * `function`) with `dimensionValue`.
   */
  fields(kitValues: readonly number[], coldStart: boolean): Record<string, unknown>;
}

/**
 * Made once per handler (at init): the kind's directive is built here, so an invocation without
 * metrics of its own only stamps the time and the values.
 */
export function emfWriter(kind: KitMetricKind, settings: MetricsSettings | undefined) {
  const spec = KIT_METRICS[kind];
  const base: string[] = [...spec.dimensions];
  const kitNames = new Set<string>([...spec.metrics.map((m) => m.name), KIT_METRICS.coldStart.name]);
  const kitDefinitions = spec.metrics.map((m) => ({ Name: m.name, Unit: m.unit }) as Directive['Metrics'][number]);
  // Its unit is None, EMF's default, so the directive leaves it out: the cold line is the longest
  // the kit writes, and these 15 bytes keep it within 512 (bench/metrics.mjs).
  const coldDefinition = { Name: KIT_METRICS.coldStart.name } as Directive['Metrics'][number];
  const namespace = settings?.namespace ?? '';
  const warm: Directive = { Namespace: namespace, Dimensions: [base], Metrics: kitDefinitions };
  const cold: Directive = { Namespace: namespace, Dimensions: [base], Metrics: [...kitDefinitions, coldDefinition] };

  return {
    start(): InvocationMetrics {
      // The function's own metrics, by the names of their extra dimensions ('' for none).
      let own: Map<string, Directive> | undefined;
      let values: Record<string, number | number[]> | undefined;
      let units: Map<string, MetricUnit> | undefined;
      let dimensions: Record<string, string> | undefined;
      return {
        add(name, unit, value, options = {}) {
          checkMetric(name, unit, value);
          const extra = options.dimensions ?? {};
          checkDimensions(name, extra, base.length);
          if (kitNames.has(name) || base.includes(name)) {
            throw new MetricsError(`metric ${name}: the kit writes a metric or dimension of that name; choose another`);
          }
          units ??= new Map();
          values ??= {};
          dimensions ??= {};
          const known = units.get(name);
          if (known !== undefined && known !== unit) {
            throw new MetricsError(`metric ${name}: added as ${known} before, now as ${unit}; one metric has one unit`);
          }
          for (const [key, dimension] of Object.entries(extra)) {
            if (units.has(key) || key === name) {
              throw new MetricsError(`metric ${name}: dimension ${key} has the name of a metric`);
            }
            const set = dimensions[key];
            if (set !== undefined && set !== dimension) {
              throw new MetricsError(
                `metric ${name}: dimension ${key} is "${set}" for another metric of this invocation; one line holds one value per dimension`,
              );
            }
            dimensions[key] = dimension;
          }
          if (dimensions[name] !== undefined) {
            throw new MetricsError(`metric ${name}: a dimension of this invocation has that name`);
          }
          const previous = values[name];
          if (previous === undefined) {
            values[name] = value;
            units.set(name, unit);
            own ??= new Map();
            const key = Object.keys(extra).sort().join('\0');
            let directive = own.get(key);
            if (!directive) {
              directive = {
                Namespace: namespace,
                Dimensions: [[...base, ...key.split('\0').filter(Boolean)]],
                Metrics: [],
              };
              own.set(key, directive);
            }
            const limit = key === '' ? EMF_LIMITS.metrics - kitDefinitions.length - 1 : EMF_LIMITS.metrics;
            if (directive.Metrics.length >= limit) {
              throw new MetricsError(
                `metric ${name}: over ${EMF_LIMITS.metrics} metrics with the same dimensions in one invocation`,
              );
            }
            directive.Metrics.push({
              Name: name,
              Unit: unit,
              ...(options.resolution === 1 ? { StorageResolution: 1 } : {}),
            });
          } else {
            const list = Array.isArray(previous) ? previous : [previous];
            if (list.length >= EMF_LIMITS.values) {
              throw new MetricsError(`metric ${name}: over ${EMF_LIMITS.values} values in one invocation`);
            }
            list.push(value);
            values[name] = list;
          }
        },
        fields(kitValues, coldStart) {
          if (!settings) return {};
          const fields: Record<string, unknown> = {};
          for (let i = 0; i < kitDefinitions.length; i++) fields[kitDefinitions[i]?.Name as string] = kitValues[i];
          if (coldStart) fields[coldDefinition.Name] = 1;
          const kit = coldStart ? cold : warm;
          if (!own) {
            fields._aws = { Timestamp: Date.now(), CloudWatchMetrics: [kit] };
            return fields;
          }
          const directives: Directive[] = [];
          const together = own.get('');
          directives.push(together ? { ...kit, Metrics: [...kit.Metrics, ...together.Metrics] } : kit);
          for (const [key, directive] of own) if (key !== '') directives.push(directive);
          Object.assign(fields, dimensions, values);
          fields._aws = { Timestamp: Date.now(), CloudWatchMetrics: directives };
          return fields;
        },
      };
    },
  };
}
