import type { KeyAttribute } from '@gantry/decorators';
import type { ManifestIndex, ManifestTable } from '../manifest.js';

export interface TablePolicy {
  retain: boolean;
  pointInTimeRecovery: boolean;
  deletionProtection: boolean;
  /** `compliance`: the stage's KMS key (its ARN), else DynamoDB's default encryption (an AWS owned key). */
  kmsKey?: unknown;
}

/** The `AWS::DynamoDB::Table` of a Manifest table: on-demand billing, keys, GSIs, TTL, stream, protection. */
export function tableResource(table: ManifestTable, policy: TablePolicy) {
  const removal = policy.retain ? 'Retain' : 'Delete';
  return {
    Type: 'AWS::DynamoDB::Table',
    DeletionPolicy: removal,
    UpdateReplacePolicy: removal,
    Properties: {
      TableName: table.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributeDefinitions(table),
      KeySchema: keySchema(table.partitionKey, table.sortKey),
      ...(table.indexes.length > 0 ? { GlobalSecondaryIndexes: table.indexes.map(globalSecondaryIndex) } : {}),
      ...(table.ttl ? { TimeToLiveSpecification: { AttributeName: table.ttl, Enabled: true } } : {}),
      ...(table.stream ? { StreamSpecification: { StreamViewType: table.stream } } : {}),
      ...(policy.pointInTimeRecovery ? { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } } : {}),
      ...(policy.deletionProtection ? { DeletionProtectionEnabled: true } : {}),
      ...(policy.kmsKey !== undefined
        ? { SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: policy.kmsKey } as object }
        : {}),
    },
  };
}

/** Every key attribute of the table and its indexes, once each (DynamoDB rejects unused ones). */
export function attributeDefinitions(table: ManifestTable) {
  const keys = [table.partitionKey, table.sortKey, ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const byName = new Map<string, KeyAttribute>();
  for (const key of keys) if (key) byName.set(key.name, key);
  return [...byName.values()].map((k) => ({ AttributeName: k.name, AttributeType: k.type }));
}

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined) {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
  ];
}

function globalSecondaryIndex(index: ManifestIndex) {
  const projection = index.projection ?? 'all';
  return {
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection:
      projection === 'all'
        ? { ProjectionType: 'ALL' }
        : projection === 'keys'
          ? { ProjectionType: 'KEYS_ONLY' }
          : { ProjectionType: 'INCLUDE', NonKeyAttributes: projection },
  };
}
