import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';

const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:svc-dev-jobs';

/** A real-shaped SQS record as Lambda's event source mapping delivers it. */
export function sqsRecord(id: string, body: string, fifo?: { groupId: string; sequence: string }): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795791600000',
      SenderId: 'AROAEXAMPLE:svc-dev-create',
      ApproximateFirstReceiveTimestamp: '1795791600100',
      ...(fifo
        ? { SequenceNumber: fifo.sequence, MessageGroupId: fifo.groupId, MessageDeduplicationId: `dedup-${id}` }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: '0123456789abcdef0123456789abcdef',
    eventSource: 'aws:sqs',
    eventSourceARN: fifo ? `${QUEUE_ARN}.fifo` : QUEUE_ARN,
    awsRegion: 'eu-west-1',
  };
}

/** A real-shaped DynamoDB stream record (NEW_AND_OLD_IMAGES). */
export function streamRecord(
  sequence: string,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  images: { keys: Record<string, unknown>; old?: Record<string, unknown>; new?: Record<string, unknown> },
  ttl = false,
): DynamoDBRecord {
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: 1795791600,
      Keys: images.keys as never,
      ...(images.new ? { NewImage: images.new as never } : {}),
      ...(images.old ? { OldImage: images.old as never } : {}),
      SequenceNumber: sequence,
      SizeBytes: 64,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/svc-dev-tasks/stream/2026-12-07T00:00:00.000',
    ...(ttl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
  };
}
