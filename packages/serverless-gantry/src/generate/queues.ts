import { DEAD_LETTER_RETENTION } from '../discover/events.js';
import type { ManifestQueue } from '../manifest.js';
import { deadLetterLogicalId, queueLogicalId, queueOutputId } from './names.js';

/**
 * The `AWS::SQS::Queue` of a Manifest queue and its dead-letter queue: encrypted at rest with
 * SQS-managed keys (or, with `compliance`, the stage's KMS key: `kmsKey` is its ARN), the redrive
 * policy pointing at the dead-letter queue, which keeps messages as long as SQS allows (14 days) so
 * a failure can be looked at, and takes them from this queue only (CT.SQS.PR.1: a dead-letter queue
 * says which queues may use it).
 */
export function queueResources(queue: ManifestQueue, kmsKey?: unknown): Record<string, Record<string, unknown>> {
  const fifo = queue.fifo ? { FifoQueue: true } : {};
  const encryption = kmsKey !== undefined ? { KmsMasterKeyId: kmsKey } : { SqsManagedSseEnabled: true };
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
        ...encryption,
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
        ...encryption,
        // The source queue's ARN from its name: a GetAtt would make the two queues depend on each other.
        RedriveAllowPolicy: {
          redrivePermission: 'byQueue',
          sourceQueueArns: [
            { 'Fn::Sub': `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${queue.queueName}` },
          ],
        },
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
