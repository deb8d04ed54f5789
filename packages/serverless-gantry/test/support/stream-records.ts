import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type ShardIteratorType,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';

/** A DynamoDB Streams client on a local run's endpoint, signing with the given access key. */
export function streamsClient(endpoint: string, accessKeyId = 'my-shell') {
  return new DynamoDBStreamsClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId, secretAccessKey: 'x' },
  });
}

/** The stream's one shard id. */
export async function shardOf(client: DynamoDBStreamsClient, streamArn: string): Promise<string> {
  const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const shardId = StreamDescription?.Shards?.[0]?.ShardId;
  if (!shardId) throw new Error(`no shard in ${streamArn}`);
  return shardId;
}

/** A shard iterator of the stream's shard. */
export async function iteratorOf(
  client: DynamoDBStreamsClient,
  streamArn: string,
  type: ShardIteratorType,
  sequence?: string,
): Promise<string> {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: await shardOf(client, streamArn),
      ShardIteratorType: type,
      ...(sequence ? { SequenceNumber: sequence } : {}),
    }),
  );
  if (!ShardIterator) throw new Error('no shard iterator');
  return ShardIterator;
}

/** Every record from the iterator on, reading until a read returns none. */
export async function readAll(client: DynamoDBStreamsClient, iterator: string): Promise<StreamRecord[]> {
  const records: StreamRecord[] = [];
  let next: string | undefined = iterator;
  while (next) {
    const page: GetRecordsCommandOutput = await client.send(new GetRecordsCommand({ ShardIterator: next }));
    records.push(...(page.Records ?? []));
    if ((page.Records ?? []).length === 0) break;
    next = page.NextShardIterator;
  }
  return records;
}

/** The records written after `since` (a LATEST iterator taken before the writes). */
export const recordsSince = (client: DynamoDBStreamsClient, since: string) => readAll(client, since);
