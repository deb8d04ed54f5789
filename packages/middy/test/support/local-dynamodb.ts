import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableDefinition } from '@gantry/decorators';

// dynalite ships no types; it is a real DynamoDB implementation on LevelDB (in memory here).
const dynalite = createRequire(import.meta.url)('dynalite') as (options: { createTableMs: number }) => {
  listen(port: number, host: string, callback: () => void): void;
  address(): AddressInfo;
  close(callback: () => void): void;
};

/** A real local DynamoDB on 127.0.0.1 (a free port), with clients pointed at it. */
export async function startLocalDynamoDB() {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    documents,
    /** Creates a table from its Gantry definition, under `name`. */
    async createTable(table: TableDefinition, name: string) {
      const keys = [
        table.partitionKey,
        table.sortKey,
        ...Object.values(table.indexes ?? {}).flatMap((i) => [i.partitionKey, i.sortKey]),
      ];
      const attributes = new Map(keys.filter((k) => k !== undefined).map((k) => [k.name, k.type]));
      const keySchema = (pk: { name: string }, sk?: { name: string }) => [
        { AttributeName: pk.name, KeyType: 'HASH' as const },
        ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
      ];
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
            AttributeName,
            AttributeType,
          })),
          KeySchema: keySchema(table.partitionKey, table.sortKey),
          ...(table.indexes
            ? {
                GlobalSecondaryIndexes: Object.entries(table.indexes).map(([IndexName, index]) => ({
                  IndexName,
                  KeySchema: keySchema(index.partitionKey, index.sortKey),
                  Projection: { ProjectionType: 'ALL' as const },
                })),
              }
            : {}),
        }),
      );
    },
    stop: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}
