import type { Check } from '../iam/request-checks.js';
import type { LocalAccount } from '../iam/resolve-arns.js';
import { localQueueArn, parseQueueArn, parseQueueUrl } from './queue-addresses.js';

/** Every action of SQS's API (2012-11-05), as `X-Amz-Target: AmazonSQS.<Action>` names it. */
export const SQS_ACTIONS = new Set([
  'AddPermission',
  'CancelMessageMoveTask',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'CreateQueue',
  'DeleteMessage',
  'DeleteMessageBatch',
  'DeleteQueue',
  'GetQueueAttributes',
  'GetQueueUrl',
  'ListDeadLetterSourceQueues',
  'ListMessageMoveTasks',
  'ListQueueTags',
  'ListQueues',
  'PurgeQueue',
  'ReceiveMessage',
  'RemovePermission',
  'SendMessage',
  'SendMessageBatch',
  'SetQueueAttributes',
  'StartMessageMoveTask',
  'TagQueue',
  'UntagQueue',
]);

// IAM has no batch actions: each batch call is authorized as its single action.
const AUTHORIZED_AS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/**
 * The IAM checks for an SQS JSON-protocol request: `sqs:<Action>` (batch calls as their single
 * action) on the ARN of the queue its `QueueUrl` names, of the queue CreateQueue or GetQueueUrl
 * would name, or of a move task's source; account-wide calls (ListQueues) on the account's
 * `arn:aws:sqs:<region>:<account>:`, which SQS names in its denial and which `Resource: "*"`
 * matches. CreateQueue with tags also needs `sqs:TagQueue`, as on AWS.
 */
export function queueChecks(action: string, body: Record<string, unknown>, at: LocalAccount): Check[] {
  const iamAction = `sqs:${(Object.hasOwn(AUTHORIZED_AS, action) && AUTHORIZED_AS[action]) || action}`;
  const resource = resourceOf(body, at);
  const checks = [{ action: iamAction, resource }];
  if (action === 'CreateQueue' && isNonEmptyObject(body.tags)) checks.push({ action: 'sqs:TagQueue', resource });
  return checks;
}

function resourceOf(body: Record<string, unknown>, at: LocalAccount): string {
  if (typeof body.QueueUrl === 'string') {
    const queue = parseQueueUrl(body.QueueUrl);
    return queue ? localQueueArn(queue.queueName, at, queue.accountId) : localQueueArn('', at);
  }
  if (typeof body.QueueName === 'string') {
    const owner = typeof body.QueueOwnerAWSAccountId === 'string' ? body.QueueOwnerAWSAccountId : at.accountId;
    return localQueueArn(body.QueueName, at, owner);
  }
  if (typeof body.SourceArn === 'string' && parseQueueArn(body.SourceArn)) return body.SourceArn;
  return localQueueArn('', at);
}

const isNonEmptyObject = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.keys(value as object).length > 0;
