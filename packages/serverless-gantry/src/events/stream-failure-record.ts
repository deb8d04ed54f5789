import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';

/** Why Lambda gave a batch up: its retries were used, or its records expired first (retries −1). */
export type StreamFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface StreamFailureInput {
  functionArn: string;
  streamArn: string;
  shardId: string;
  /** The records given up, in order. */
  records: StreamRecord[];
  condition: StreamFailureCondition;
  /** Invocations of the batch, the first included. */
  invocations: number;
  /** The last invocation's request id. */
  requestId: string;
  /** The last invocation threw or timed out (`functionError: Unhandled`); false when it returned failures. */
  functionError: boolean;
}

/**
 * The invocation record Lambda sends to a DynamoDB event source mapping's on-failure destination
 * when it gives a batch up: not the records, but where they are in the stream (`DDBStreamBatchInfo`),
 * with the request's and response's context.
 */
export function streamFailureRecord(input: StreamFailureInput) {
  const first = input.records[0]?.dynamodb;
  const last = input.records.at(-1)?.dynamodb;
  return {
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.invocations,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(input.functionError ? { functionError: 'Unhandled' } : {}),
    },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: first?.SequenceNumber,
      endSequenceNumber: last?.SequenceNumber,
      approximateArrivalOfFirstRecord: toSeconds(first?.ApproximateCreationDateTime),
      approximateArrivalOfLastRecord: toSeconds(last?.ApproximateCreationDateTime),
      batchSize: input.records.length,
      streamArn: input.streamArn,
    },
  };
}

// Lambda writes the arrival times to the second: 2019-11-14T00:13:19Z.
const toSeconds = (date: Date | undefined) => (date ? `${date.toISOString().slice(0, 19)}Z` : undefined);
