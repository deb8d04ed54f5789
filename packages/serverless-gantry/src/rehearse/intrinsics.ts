/** What the generated policies refer to, as the deployed stack resolves it. */
export interface StackValues {
  partition: string;
  region: string;
  accountId: string;
  /** `Fn::GetAtt [<logical id>, Arn]` of the stack's resources that policies name (the tables). */
  arns: Record<string, string>;
  /** `Ref <logical id>` of the stack's resources: their physical IDs (a user pool's id). */
  refs?: Record<string, string>;
  /** Other `Fn::GetAtt`s, keyed `<logical id>.<attribute>` (the HTTP API's ApiEndpoint). */
  attributes?: Record<string, string>;
}

/**
 * Resolves the intrinsic functions Gantry's generated policies use (Ref of pseudo parameters,
 * Fn::GetAtt …Arn, Fn::Sub, Fn::Join), so the expected policy compares with the deployed one.
 * Written by hand: a dozen lines for the few functions Gantry emits; anything else is left as
 * `<unresolved …>`, which then fails the comparison visibly.
 */
export function resolveIntrinsics(value: unknown, at: StackValues): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, at));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [fn, arg] = entries[0] ?? [];
  if (entries.length === 1 && fn === 'Ref') return reference(String(arg), at) ?? `<unresolved Ref ${String(arg)}>`;
  if (entries.length === 1 && fn === 'Fn::GetAtt') {
    const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
    return attributeOf(String(id), String(attribute), at) ?? `<unresolved GetAtt ${String(id)}.${String(attribute)}>`;
  }
  if (entries.length === 1 && fn === 'Fn::Sub' && typeof arg === 'string') {
    return arg.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
      const [id, attribute] = name.split('.');
      const value = attribute ? attributeOf(String(id), attribute, at) : reference(name, at);
      return value ?? `<unresolved Sub ${name}>`;
    });
  }
  if (entries.length === 1 && fn === 'Fn::Join' && Array.isArray(arg)) {
    const [separator, parts] = arg as [string, unknown[]];
    return parts.map((part) => resolveIntrinsics(part, at)).join(separator);
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveIntrinsics(item, at)]));
}

function reference(name: string, at: StackValues): string | undefined {
  return pseudo(name, at) ?? at.refs?.[name];
}

function attributeOf(id: string, attribute: string, at: StackValues): string | undefined {
  return (attribute === 'Arn' ? at.arns[id] : undefined) ?? at.attributes?.[`${id}.${attribute}`];
}

function pseudo(name: string, at: StackValues): string | undefined {
  return { 'AWS::Partition': at.partition, 'AWS::Region': at.region, 'AWS::AccountId': at.accountId }[name];
}
