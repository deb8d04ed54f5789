import type { LocalAccount } from '../iam/resolve-arns.js';

/** A queue's ARN in the local run's account: `arn:aws:sqs:<region>:<account>:<queueName>`. */
export const localQueueArn = (queueName: string, at: LocalAccount, accountId = at.accountId) =>
  `arn:${at.partition}:sqs:${at.region}:${accountId}:${queueName}`;

/**
 * The account and name of a queue URL, from its path (`/<account>/<queueName>`), whatever its host:
 * SQS reads the path, and SDKs send it in the body while calling their configured endpoint.
 */
export function parseQueueUrl(queueUrl: string): { accountId: string; queueName: string } | undefined {
  if (!URL.canParse(queueUrl)) return undefined;
  const segments = new URL(queueUrl).pathname.split('/').filter(Boolean);
  const [accountId, queueName] = segments;
  return segments.length === 2 && accountId && queueName ? { accountId, queueName } : undefined;
}

/** The account and name of an SQS queue ARN, undefined for anything else. */
export function parseQueueArn(arn: string): { accountId: string; queueName: string } | undefined {
  const [prefix, , service, , accountId, queueName, ...rest] = arn.split(':');
  return prefix === 'arn' && service === 'sqs' && accountId && queueName && rest.length === 0
    ? { accountId, queueName }
    : undefined;
}
