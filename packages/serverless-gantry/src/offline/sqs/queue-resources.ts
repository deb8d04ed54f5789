import { deadLetterLogicalId, queueLogicalId } from '../../generate/names.js';
import type { ManifestQueue } from '../../manifest.js';
import type { LocalResources } from '../iam/resolve-arns.js';
import type { LocalQueue } from './local-sqs.js';

/**
 * The local run's queues as `resolveLocal` reads a template's references to them, by logical ID:
 * `Ref` is the queue's URL, `Fn::GetAtt` `Arn` and `QueueName` its ARN and name, as CloudFormation
 * gives them for an `AWS::SQS::Queue`; the dead-letter queue likewise.
 */
export function localQueueResources(queues: ManifestQueue[], created: Record<string, LocalQueue>): LocalResources {
  const resources: LocalResources = {};
  for (const queue of queues) {
    const local = created[queue.name];
    if (!local) continue;
    resources[queueLogicalId(queue.name)] = { Ref: local.url, Arn: local.arn, QueueName: queue.queueName };
    if (queue.deadLetter && local.deadLetter) {
      resources[deadLetterLogicalId(queue.name)] = {
        Ref: local.deadLetter.url,
        Arn: local.deadLetter.arn,
        QueueName: queue.deadLetter.queueName,
      };
    }
  }
  return resources;
}
