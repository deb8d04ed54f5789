import { DEAD_LETTER_RETENTION } from '../discover/events.js';
import type { ManifestQueue } from '../manifest.js';
import { deadLetterLogicalId, queueLogicalId, queueOutputId } from './names.js';

/**
 * The `AWS::SQS::Queue` of a Manifest queue and its dead-letter queue: encrypted at rest with
 * SQS-managed keys, the redrive policy pointing at the dead-letter queue, which keeps messages as
 * long as SQS allows (14 days) so a failure can be looked at.
 */
export function queueResources(queue: ManifestQueue): Record<string, Record<string, unknown>> {
  const fifo = queue.fifo ? { FifoQueue: true } : {};
  const resources: Record<string, Record<string, unknown>> = {
    [queueLogicalId(queue.name)]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: queue.queueName,
        ...fifo,
        ...(queue.contentBasedDeduplication !== undefined
          ? { ContentBasedDeduplication: queue.contentBasedDeduplication }
          : {}),
        VisibilityTimeout: queue.visibilityTimeout,
        MessageRetentionPeriod: queue.retentionPeriod,
        SqsManagedSseEnabled: true,
        ...(queue.deadLetter
          ? {
              RedrivePolicy: {
                deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterLogicalId(queue.name), 'Arn'] },
                maxReceiveCount: queue.deadLetter.maxReceiveCount,
              },
            }
          : {}),
      },
    },
  };
  if (queue.deadLetter) {
    resources[deadLetterLogicalId(queue.name)] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: queue.deadLetter.queueName,
        ...fifo,
        MessageRetentionPeriod: DEAD_LETTER_RETENTION,
        SqsManagedSseEnabled: true,
      },
    };
  }
  return resources;
}

/** The queue's URL as a stack output: `JobsQueueUrl`. */
export function queueOutputs(queue: ManifestQueue): Record<string, Record<string, unknown>> {
  return {
    [queueOutputId(queue.name)]: { Description: `Queue '${queue.name}'`, Value: { Ref: queueLogicalId(queue.name) } },
  };
}

/** A queue's ARN in a template. */
export const queueArn = (queue: string) => ({ 'Fn::GetAtt': [queueLogicalId(queue), 'Arn'] });
