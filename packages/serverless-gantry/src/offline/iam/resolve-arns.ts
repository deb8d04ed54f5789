/** Where a local run pretends to be: intrinsics in generated policies resolve against this. */
export interface LocalAccount {
  partition: string;
  region: string;
  accountId: string;
}

/**
 * What a local run knows of each resource the template declares, by logical ID: the value of its
 * `Ref` (a table's name, a queue's URL) and of its `Fn::GetAtt` attributes (`Arn`, a table's
 * `StreamArn`, a queue's `QueueName`), as CloudFormation would resolve them for this run.
 */
export type LocalResources = Record<string, { Ref: string } & Record<string, string>>;

/** A table's local resource entry: its name, ARN and, when it has a stream, the stream's ARN. */
export function localTableResource(tableName: string, at: LocalAccount, streamArn?: string): LocalResources[string] {
  return { Ref: tableName, Arn: localTableArn(tableName, at), ...(streamArn ? { StreamArn: streamArn } : {}) };
}

/**
 * Resolves the CloudFormation intrinsics the plugin writes into policies (`Fn::GetAtt [Id, Attr]`,
 * `Fn::Sub` with `${AWS::...}`, `${Id}` and `${Id.Attr}`, `Ref`, `Fn::Join`) to the values of a local
 * run. Anything it cannot resolve (e.g. a user's reference to a bucket) becomes a string that matches
 * no request, so local runs deny rather than allow what they cannot see.
 */
export function resolveLocal(value: unknown, resources: LocalResources, at: LocalAccount): unknown {
  const recurse = (v: unknown) => resolveLocal(v, resources, at);
  if (Array.isArray(value)) return value.map(recurse);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return attributeOf(id, attribute, resources);
  }
  if ('Ref' in object) return reference(String(object.Ref), resources, at);
  if ('Fn::Sub' in object && typeof object['Fn::Sub'] === 'string') {
    return object['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const [id = '', attribute] = name.split('.');
      return attribute ? attributeOf(id, attribute, resources) : reference(id, resources, at);
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

function attributeOf(logicalId: string, attribute: string, resources: LocalResources): string {
  const resource = Object.hasOwn(resources, logicalId) ? resources[logicalId] : undefined;
  const value = resource && Object.hasOwn(resource, attribute) ? resource[attribute] : undefined;
  return value ?? unresolved(`${logicalId}.${attribute}`);
}

function reference(name: string, resources: LocalResources, at: LocalAccount): string {
  return pseudo(name, at) ?? (Object.hasOwn(resources, name) ? resources[name]?.Ref : undefined) ?? unresolved(name);
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
