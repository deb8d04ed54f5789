/** The slice of a compiled CloudFormation template this pass reads and changes. */
export interface CompiledTemplate {
  Resources: Record<string, { Type?: string; DependsOn?: string | string[]; Properties?: Record<string, unknown> }>;
}

export interface TemplateSettings {
  /** HTTP API default route throttling. */
  throttle: { rate: number; burst: number };
}

/**
 * What Gantry changes in the template osls compiled, before it is written: the HTTP API stage's
 * default route throttling (osls has no setting for it), and no DependsOn that a Ref, Fn::GetAtt or
 * Fn::Sub of the same resource already implies. osls adds those for every function (its role, when
 * given by logical ID) and every route (its integration); CloudFormation orders by the reference
 * anyway, so dropping them changes nothing deployed, and cfn-lint (W3005) and emulators that
 * validate templates strictly stop refusing them. Changes the template in place.
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
  if (stage?.Type === 'AWS::ApiGatewayV2::Stage') {
    stage.Properties ??= {};
    const properties = stage.Properties;
    properties.DefaultRouteSettings = {
      ...(properties.DefaultRouteSettings as Record<string, unknown> | undefined),
      ThrottlingBurstLimit: settings.throttle.burst,
      ThrottlingRateLimit: settings.throttle.rate,
    };
  }
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
