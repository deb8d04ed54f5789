import type { StageOptions } from '../config.js';
import type { Manifest } from '../manifest.js';

/**
 * API Gateway's default throttling quota per account and Region, shared by every API there
 * (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html). Service Quotas can raise it.
 */
export const ACCOUNT_THROTTLE = { rate: 10_000, burst: 5_000 } as const;

/** Regions whose default quota is 2,500 requests/s, burst 1,250 (the same page). */
const LOWER_QUOTA_REGIONS = new Set([
  'af-south-1',
  'eu-south-1',
  'ap-southeast-3',
  'me-central-1',
  'ap-south-2',
  'ap-southeast-4',
  'eu-south-2',
  'eu-central-2',
  'il-central-1',
  'ca-west-1',
  'ap-southeast-5',
  'ap-southeast-7',
  'mx-central-1',
]);

/** The account's default throttling quota in a Region: what "no stage-wide limit" is written as. */
export function accountThrottle(region: string): Throttle {
  return LOWER_QUOTA_REGIONS.has(region) ? { rate: 2_500, burst: 1_250 } : { ...ACCOUNT_THROTTLE };
}

export interface Throttle {
  rate: number;
  burst: number;
}

/** The limits one stage's HTTP API gets: its default for each route, and each generated route's own. */
export interface ThrottleSettings {
  /** The stage's default route throttling; `undefined`: none below the account's quota. */
  throttle: Throttle | undefined;
  /** The account's default quota in the stage's Region (`accountThrottle`). */
  account: Throttle;
  /** Every generated route by route key (`GET /notes/{id}`), with its own throttle when it declares one. */
  routes: { key: string; throttle?: Throttle }[];
}

export function throttleSettings(
  options: Pick<StageOptions, 'throttle' | 'region'>,
  manifest: Manifest,
): ThrottleSettings {
  return {
    throttle: options.throttle,
    account: accountThrottle(options.region),
    routes: manifest.functions.flatMap((fn) =>
      fn.routes.map((route) => ({
        key: `${route.method} ${route.path}`,
        ...(route.throttle ? { throttle: route.throttle } : {}),
      })),
    ),
  };
}

/**
 * What `sls package` says about the stage's limits: the default every route gets, and the routes
 * that declare their own. API Gateway applies the stage's default to each route separately.
 */
export function throttleSummary(stage: string, settings: ThrottleSettings): string[] {
  const perSecond = (t: Throttle) =>
    `${t.rate.toLocaleString('en-US')} requests/s, burst ${t.burst.toLocaleString('en-US')}`;
  const lines = [
    settings.throttle
      ? `gantry: stage ${stage} throttles each route at ${perSecond(settings.throttle)} (custom.gantry.throttle, or the default of stages that are not production stages)`
      : `gantry: stage ${stage} has no stage-wide throttle: each route may take the account's ${perSecond(settings.account)}, shared by every API of the account in the region`,
  ];
  for (const route of settings.routes) {
    if (route.throttle) lines.push(`gantry:   ${route.key}: ${perSecond(route.throttle)} (its own throttle)`);
  }
  return lines;
}
