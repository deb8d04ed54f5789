import type { LocalAccount } from '../iam/resolve-arns.js';
import { localQueueArn, parseQueueArn, parseQueueUrl } from './queue-addresses.js';
import type { QueueEngine } from './queue-engine.js';

/**
 * Where queues live for callers (the front's URLs, the local account's ARNs) and for the engine
 * (fauxqs's own URLs, and ARNs in its fixed account).
 */
export interface Addresses {
  account: LocalAccount;
  /** The front's base URL: queue URLs are `<front>/<account>/<queueName>`. */
  front: string;
  engine: Pick<QueueEngine, 'queueUrl' | 'arnPrefix'>;
}

type Body = Record<string, unknown>;

// A URL the engine has no queue for, so it answers QueueDoesNotExist (no other account has queues here).
const NO_SUCH_QUEUE = 'http://gantry-local-sqs/0/no-such-queue';

/** A queue's URL as callers get it: on the front, never on the engine. */
export const frontQueueUrl = (at: Addresses, queueName: string) => `${at.front}/${at.account.accountId}/${queueName}`;

/** A request as the engine takes it: its queue URL, and the ARNs in redrive policies, the engine's. */
export function toEngine(body: Body, at: Addresses): Body {
  const request = { ...body };
  if (typeof request.QueueUrl === 'string') {
    const queue = parseQueueUrl(request.QueueUrl);
    const own = queue?.accountId === at.account.accountId ? queue : undefined;
    request.QueueUrl = (own && at.engine.queueUrl(own.queueName)) ?? NO_SUCH_QUEUE;
  }
  if (isObject(request.Attributes))
    request.Attributes = redrivePolicies(request.Attributes, (arn) => engineArn(arn, at));
  return request;
}

/** An answer as callers get it: queue URLs on the front, ARNs in the local account. */
export function toFront(body: Body, at: Addresses): Body {
  const answer = { ...body };
  if (typeof answer.QueueUrl === 'string') answer.QueueUrl = frontUrlOf(answer.QueueUrl, at);
  if (Array.isArray(answer.QueueUrls)) {
    answer.QueueUrls = answer.QueueUrls.map((url) => (typeof url === 'string' ? frontUrlOf(url, at) : url));
  }
  if (isObject(answer.Attributes)) {
    const attributes = redrivePolicies(answer.Attributes, (arn) => localArn(arn, at));
    if (typeof attributes.QueueArn === 'string') attributes.QueueArn = localArn(attributes.QueueArn, at);
    answer.Attributes = attributes;
  }
  return answer;
}

function frontUrlOf(engineUrl: string, at: Addresses): string {
  const queue = parseQueueUrl(engineUrl);
  return queue ? frontQueueUrl(at, queue.queueName) : engineUrl;
}

function engineArn(arn: string, at: Addresses): string {
  const queue = parseQueueArn(arn);
  return queue?.accountId === at.account.accountId ? `${at.engine.arnPrefix}${queue.queueName}` : arn;
}

const localArn = (arn: string, at: Addresses) =>
  arn.startsWith(at.engine.arnPrefix) ? localQueueArn(arn.slice(at.engine.arnPrefix.length), at.account) : arn;

/** The queue attributes with the ARNs of `RedrivePolicy` and `RedriveAllowPolicy` (JSON strings) mapped. */
function redrivePolicies(attributes: Body, map: (arn: string) => string): Body {
  const result = { ...attributes };
  const redrive = parseJson(result.RedrivePolicy);
  if (redrive && typeof redrive.deadLetterTargetArn === 'string') {
    result.RedrivePolicy = JSON.stringify({ ...redrive, deadLetterTargetArn: map(redrive.deadLetterTargetArn) });
  }
  const allow = parseJson(result.RedriveAllowPolicy);
  if (allow && Array.isArray(allow.sourceQueueArns)) {
    const sourceQueueArns = allow.sourceQueueArns.map((arn) => (typeof arn === 'string' ? map(arn) : arn));
    result.RedriveAllowPolicy = JSON.stringify({ ...allow, sourceQueueArns });
  }
  return result;
}

function parseJson(value: unknown): Body | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined; // the engine answers a malformed policy as SQS would, or keeps it as given
  }
}

const isObject = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
