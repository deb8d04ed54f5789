import { ACCOUNT_THROTTLE, type Throttle, type ThrottleSettings } from './throttle.js';

/** The slice of a compiled CloudFormation template this pass reads and changes. */
export interface CompiledTemplate {
  Resources: Record<string, { Type?: string; DependsOn?: string | string[]; Properties?: Record<string, unknown> }>;
}

export interface TemplateSettings {
  /** HTTP API default route throttling; `undefined`: none below the account's quota. */
  throttle: ThrottleSettings['throttle'];
  /** The account's quota in the stage's Region, written when there is no throttle (default 10,000 / 5,000). */
  account?: Throttle;
  /** The generated routes (`throttleSettings`); each gets explicit route settings. */
  routes?: ThrottleSettings['routes'];
  /**
   * Per-route metrics (`DetailedMetricsEnabled`), which the stage's dashboard reads; API Gateway
   * bills them as custom metrics, so only stages with a dashboard get them. Always written out.
   */
  detailedMetrics?: boolean;
}

/**
 * What Gantry changes in the template osls compiled, before it is written: the HTTP API stage's
 * throttling (osls has no setting for it), and no DependsOn that a Ref, Fn::GetAtt or Fn::Sub of the
 * same resource already implies. osls adds those for every function (its role, when given by
 * logical ID) and every route (its integration); CloudFormation orders by the reference anyway, so
 * dropping them changes nothing deployed, and cfn-lint (W3005) and emulators that validate
 * templates strictly stop refusing them. Changes the template in place.
 *
 * Throttling is always written out, never left unset: API Gateway keeps a stage's or a route's
 * throttle when an update leaves the setting out, so "no limit" is the account's quota written as
 * the limit (what the stage has anyway), and every generated route gets its own settings (its
 * declared throttle, else the stage's), so removing a route's throttle in code removes it deployed.
 */
export function finishTemplate(template: CompiledTemplate, settings: TemplateSettings): void {
  for (const resource of Object.values(template.Resources)) {
    if (resource.DependsOn === undefined) continue;
    const referenced = references(resource.Properties);
    const kept = [resource.DependsOn].flat().filter((id) => !referenced.has(id));
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }
  const stage = template.Resources.HttpApiStage;
  if (stage?.Type !== 'AWS::ApiGatewayV2::Stage') return;
  stage.Properties ??= {};
  const properties = stage.Properties;
  const stageDefault = settings.throttle ?? settings.account ?? ACCOUNT_THROTTLE;
  const written = properties.DefaultRouteSettings as Record<string, unknown> | undefined;
  // osls writes `provider.httpApi.metrics` there; the dashboard's stages need them on.
  const detailedMetrics = settings.detailedMetrics === true || written?.DetailedMetricsEnabled === true;
  properties.DefaultRouteSettings = {
    ...written,
    ...(detailedMetrics ? { DetailedMetricsEnabled: true } : {}),
    ...routeSettings(stageDefault),
  };
  const byKey = new Map((settings.routes ?? []).map((route) => [route.key, route.throttle ?? stageDefault]));
  // API Gateway refuses settings for a route key that does not exist yet: the stage waits for those routes.
  const routeIds = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route' && byKey.has(String(r.Properties?.RouteKey)))
    .map(([id, r]) => ({ id, key: String(r.Properties?.RouteKey) }));
  if (routeIds.length === 0) return;
  properties.RouteSettings = {
    ...(properties.RouteSettings as Record<string, unknown> | undefined),
    ...Object.fromEntries(
      routeIds.map(({ key }) => [key, routeSettings(byKey.get(key) ?? stageDefault, detailedMetrics)]),
    ),
  };
  stage.DependsOn = [...new Set([...[stage.DependsOn ?? []].flat(), ...routeIds.map(({ id }) => id)])];
}

function routeSettings(throttle: Throttle, detailedMetrics = false) {
  // A route's own settings stand in for the stage's default: they carry the metrics setting too.
  return {
    ...(detailedMetrics ? { DetailedMetricsEnabled: true } : {}),
    ThrottlingBurstLimit: throttle.burst,
    ThrottlingRateLimit: throttle.rate,
  };
}

/** Logical IDs a value refers to through Ref, Fn::GetAtt or Fn::Sub. */
function references(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) references(item, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner) ? inner[0] : String(inner).split('.')[0];
        if (typeof target === 'string') found.add(target);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const [, name = ''] of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) found.add(name.split('.')[0] ?? name);
        if (Array.isArray(inner)) references(inner[1], found);
      }
      if (key !== 'Fn::Sub') references(inner, found);
    }
  }
  return found;
}
