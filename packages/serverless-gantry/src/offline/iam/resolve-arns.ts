/** Where a local run pretends to be: intrinsics in generated policies resolve against this. */
export interface LocalAccount {
  partition: string;
  region: string;
  accountId: string;
}

/**
 * Resolves the CloudFormation intrinsics the plugin writes into policies (`Fn::GetAtt [Table, Arn]`,
 * `Fn::Sub` with `${AWS::...}` and `${Table.Arn}`, `Ref`, `Fn::Join`) to the ARNs of a local run.
 * Anything it cannot resolve (e.g. a user's reference to a bucket) becomes a string that matches
 * no request, so local runs deny rather than allow what they cannot see.
 */
export function resolveLocal(value: unknown, tableNames: Record<string, string>, at: LocalAccount): unknown {
  const recurse = (v: unknown) => resolveLocal(v, tableNames, at);
  if (Array.isArray(value)) return value.map(recurse);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return attribute === 'Arn' ? tableArn(id, tableNames, at) : unresolved(`${id}.${attribute}`);
  }
  if ('Ref' in object)
    return pseudo(String(object.Ref), at) ?? tableNames[String(object.Ref)] ?? unresolved(String(object.Ref));
  if ('Fn::Sub' in object && typeof object['Fn::Sub'] === 'string') {
    return object['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const [id = '', attribute] = name.split('.');
      if (attribute === 'Arn') return tableArn(id, tableNames, at);
      return pseudo(id, at) ?? tableNames[id] ?? unresolved(name);
    });
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(recurse).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, recurse(v)]));
}

export const localTableArn = (tableName: string, at: LocalAccount) =>
  `arn:${at.partition}:dynamodb:${at.region}:${at.accountId}:table/${tableName}`;

function tableArn(logicalId: string, tableNames: Record<string, string>, at: LocalAccount): string {
  const name = tableNames[logicalId];
  return name ? localTableArn(name, at) : unresolved(`${logicalId}.Arn`);
}

function pseudo(name: string, at: LocalAccount): string | undefined {
  return {
    'AWS::Partition': at.partition,
    'AWS::Region': at.region,
    'AWS::AccountId': at.accountId,
    'AWS::URLSuffix': 'amazonaws.com',
  }[name];
}

const unresolved = (what: string) => `unresolved-locally:${what}`;
