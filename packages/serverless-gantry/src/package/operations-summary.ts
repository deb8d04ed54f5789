import { tieredPrice } from '../capacity/monthly-cost.js';
import { type PriceTable, US_EAST_1_PRICES } from '../capacity/prices.js';
import type { OperationsFragment } from '../generate/service.js';
import type { Manifest } from '../manifest.js';

/**
 * Custom metrics the kit (@gantry/middy) writes per route and per event-driven function: its
 * `kitMetricCount` (packages/middy/src/metrics/kit-metrics.ts: Latency, 4xx, 5xx +
 * ColdStart per route; Records, FailedRecords or Runs, FailedRuns + ColdStart per function). The
 * plugin cannot import the kit at run time (it is not a dependency of the plugin);
 * test/operations-summary.test.ts keeps these equal to the kit's.
 */
export const KIT_METRICS_PER = { route: 4, eventFunction: 3 } as const;

/** API Gateway's detailed metrics per route: Count, 4xx, 5xx, Latency, IntegrationLatency, DataProcessed. */
export const DETAILED_METRICS_PER_ROUTE = 6;

export interface OperationsCost {
  alarms: number;
  /** Metrics the alarms read (what CloudWatch charges standard alarms by). */
  alarmMetrics: number;
  composite: number;
  dashboards: number;
  kmsKeys: number;
  kitMetrics: number;
  routeMetrics: number;
  /** USD a month, list prices. */
  usd: { alarms: number; composite: number; dashboards: number; kmsKeys: number; metrics: number; total: number };
}

/** What watching the stage costs a month at list prices: alarms, composite alarm, dashboard, key, custom metrics. */
export function operationsCost(
  manifest: Manifest,
  operations: OperationsFragment,
  prices: PriceTable = US_EAST_1_PRICES,
): OperationsCost {
  const cloudWatch = prices.cloudWatch ?? US_EAST_1_PRICES.cloudWatch;
  if (!cloudWatch) throw new Error('the built-in price table has CloudWatch prices');
  const routes = manifest.functions.reduce((sum, fn) => sum + fn.routes.length, 0);
  const eventFunctions = manifest.functions.filter((fn) => fn.routes.length === 0 && fn.triggers.length > 0).length;
  const alarmMetrics = operations.alarms.reduce((sum, alarm) => sum + alarm.metricCount, 0);
  const composite = operations.serviceAlarm ? 1 : 0;
  const dashboards = operations.dashboard ? 1 : 0;
  const kmsKeys = operations.topic === 'generated' ? 1 : 0;
  const kitMetrics = routes * KIT_METRICS_PER.route + eventFunctions * KIT_METRICS_PER.eventFunction;
  const routeMetrics = operations.detailedRouteMetrics ? routes * DETAILED_METRICS_PER_ROUTE : 0;
  const metricsUsd = tieredPrice(kitMetrics + routeMetrics, cloudWatch.customMetricMonth);
  const usd = {
    alarms: alarmMetrics * cloudWatch.alarmMetricMonth,
    composite: composite * cloudWatch.compositeAlarmMonth,
    dashboards: dashboards * cloudWatch.dashboardMonth,
    kmsKeys: kmsKeys * cloudWatch.kmsKeyMonth,
    metrics: metricsUsd,
    total: 0,
  };
  usd.total = usd.alarms + usd.composite + usd.dashboards + usd.kmsKeys + usd.metrics;
  return {
    alarms: operations.alarms.length,
    alarmMetrics,
    composite,
    dashboards,
    kmsKeys,
    kitMetrics,
    routeMetrics,
    usd,
  };
}

/** What `sls package` says about the stage's alarms, dashboard and custom metrics, and their price. */
export function operationsSummary(
  stage: string,
  manifest: Manifest,
  operations: OperationsFragment,
  prices: PriceTable = US_EAST_1_PRICES,
): string[] {
  const cost = operationsCost(manifest, operations, prices);
  const money = (usd: number) => `$${usd.toFixed(2)}`;
  const at = `${prices.region} list prices of ${prices.asOf}`;
  const lines: string[] = [];
  if (cost.alarms > 0) {
    const notify =
      operations.topic === 'given'
        ? 'the given topic'
        : operations.emails.length === 0
          ? 'its own topic (no subscription: set custom.gantry.alarms.notify.email)'
          : `its own topic (${operations.emails.length} e-mail subscription${operations.emails.length === 1 ? '' : 's'})`;
    lines.push(
      `gantry: stage ${stage} gets ${cost.alarms} alarms reading ${cost.alarmMetrics} metrics (${money(cost.usd.alarms)}) and one composite alarm (${money(cost.usd.composite)}) that notifies ${notify}${cost.kmsKeys ? `, encrypted with a key of its own (${money(cost.usd.kmsKeys)})` : ''}`,
    );
  } else {
    lines.push(`gantry: stage ${stage} has no alarms (custom.gantry.alarms; on by default on production stages)`);
  }
  if (cost.dashboards) {
    lines.push(
      `gantry: stage ${stage} gets the dashboard ${operations.dashboard} (${money(cost.usd.dashboards)}; an account's first three are free)${cost.routeMetrics ? ` and the HTTP API's per-route metrics (${cost.routeMetrics} custom metrics)` : ''}`,
    );
  }
  lines.push(
    `gantry: custom metrics: ${cost.kitMetrics} from the kit (per route ${KIT_METRICS_PER.route}, per event-driven function ${KIT_METRICS_PER.eventFunction})${cost.routeMetrics ? ` + ${cost.routeMetrics} per-route API metrics` : ''}, ${money(cost.usd.metrics)}; your own metrics come on top`,
  );
  lines.push(`gantry: watching stage ${stage} costs ${money(cost.usd.total)} a month at ${at}`);
  return lines;
}
