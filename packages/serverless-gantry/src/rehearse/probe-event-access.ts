import { randomUUID } from 'node:crypto';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { ManifestFunction } from '../manifest.js';
import { type AwsClients, emulatorClients } from './aws-clients.js';
import { type Check, fail, pass } from './check.js';
import type { Deployed } from './check-least-privilege.js';
import type { Emulator } from './emulator.js';
import type { EventSources, RehearsalQueue } from './event-sources.js';

/** What the probes need that only the rehearsal's own credentials can make: a shard and an iterator per stream. */
export interface ProbeSeeds {
  streams: Map<string, { shardId: string | undefined; iterator: string | undefined }>;
}

const PROBE_BODY = JSON.stringify({ gantry: 'rehearsal probe' });
const NO_MESSAGE = 'gantry-rehearsal-no-message';

/**
 * Before enforcement, with the rehearsal's credentials: one probe message in every queue (so a
 * consumer's receive, change-visibility and delete act on a real message), and a shard iterator on
 * every stream (so GetRecords can be tried by roles that may not make one).
 */
export async function seedProbes(aws: AwsClients, sources: EventSources): Promise<ProbeSeeds> {
  for (const queue of sources.queues) await aws.sqs.send(new SendMessageCommand(probeMessage(queue)));
  const streams: ProbeSeeds['streams'] = new Map();
  for (const stream of sources.streams) {
    const described = await aws.dynamodbStreams.send(new DescribeStreamCommand({ StreamArn: stream.arn }));
    const shardId = described.StreamDescription?.Shards?.[0]?.ShardId;
    const iterator = shardId
      ? (
          await aws.dynamodbStreams.send(
            new GetShardIteratorCommand({ StreamArn: stream.arn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
          )
        ).ShardIterator
      : undefined;
    streams.set(stream.table, { shardId, iterator });
  }
  return { streams };
}

function probeMessage(queue: RehearsalQueue) {
  return {
    QueueUrl: queue.url,
    MessageBody: PROBE_BODY,
    ...(queue.fifo ? { MessageGroupId: 'gantry-rehearsal-probe', MessageDeduplicationId: randomUUID() } : {}),
  };
}

/**
 * With each function's own role (IAM enforced by moto's engine): on every queue of the service,
 * dead-letter queues included, SendMessage is allowed exactly where the function sends (`@uses(Q,
 * 'send')`, or its change consumer's on-failure queue), and ReceiveMessage, GetQueueAttributes,
 * ChangeMessageVisibility and DeleteMessage exactly on the queue it consumes; on every table stream,
 * DescribeStream, GetShardIterator and GetRecords exactly where it consumes the table's changes.
 * With each scheduler role: lambda:InvokeFunction (InvocationType DryRun: checked, not run) on its
 * own function only.
 */
export async function probeEventAccess(
  deployed: Deployed[],
  sources: EventSources,
  seeds: ProbeSeeds,
  at: { emulator: Emulator; region: string },
): Promise<Check[]> {
  const checks: Check[] = [];
  for (const each of deployed) {
    const { sqs, dynamodbStreams } = emulatorClients(at.emulator.endpoint, at.region, each.credentials);
    for (const queue of sources.queues) {
      const sends = !queue.deadLetter && sendsTo(each.fn).has(queue.name);
      const consumes = !queue.deadLetter && each.fn.triggers.some((t) => t.type === 'queue' && t.queue === queue.name);
      let handle: string | undefined;
      const QueueUrl = queue.url;
      // IAM is checked before the receipt handle: a role that may not act is denied whatever handle
      // it gives. One that may, but received no message (another took it), gets ReceiptHandleIsInvalid
      // for the placeholder: past IAM, which is what is probed.
      const withReceipt = (call: (ReceiptHandle: string) => Promise<unknown>) => () =>
        handle
          ? call(handle)
          : call(NO_MESSAGE).catch((error: Error) => {
              if (error.name !== 'ReceiptHandleIsInvalid') throw error;
            });
      const attempts: [string, boolean, () => Promise<unknown>][] = [
        ['sqs:SendMessage', sends, () => sqs.send(new SendMessageCommand(probeMessage(queue)))],
        [
          'sqs:ReceiveMessage',
          consumes,
          async () => {
            const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
            handle = received.Messages?.[0]?.ReceiptHandle;
          },
        ],
        [
          'sqs:GetQueueAttributes',
          consumes,
          () => sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })),
        ],
        [
          'sqs:ChangeMessageVisibility',
          consumes,
          withReceipt((ReceiptHandle) =>
            sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 0 })),
          ),
        ],
        [
          'sqs:DeleteMessage',
          consumes,
          withReceipt((ReceiptHandle) => sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle }))),
        ],
      ];
      for (const [action, allowed, run] of attempts) {
        checks.push(await attempt(`role of ${each.name}: ${action} on ${queue.queueName}`, allowed, run));
      }
    }
    for (const stream of sources.streams) {
      const reads = each.fn.triggers.some((t) => t.type === 'change' && t.table === stream.table);
      const seed = seeds.streams.get(stream.table);
      const StreamArn = stream.arn;
      const attempts: [string, () => Promise<unknown>][] = [
        ['dynamodb:DescribeStream', () => dynamodbStreams.send(new DescribeStreamCommand({ StreamArn }))],
        [
          'dynamodb:GetShardIterator',
          () =>
            dynamodbStreams.send(
              new GetShardIteratorCommand({ StreamArn, ShardId: seed?.shardId, ShardIteratorType: 'TRIM_HORIZON' }),
            ),
        ],
        ['dynamodb:GetRecords', () => dynamodbStreams.send(new GetRecordsCommand({ ShardIterator: seed?.iterator }))],
      ];
      for (const [action, run] of attempts) {
        checks.push(await attempt(`role of ${each.name}: ${action} on the stream of ${stream.tableName}`, reads, run));
      }
    }
  }
  for (const role of sources.schedulerRoles) {
    const { lambda } = emulatorClients(at.emulator.endpoint, at.region, role.credentials);
    for (const each of deployed) {
      checks.push(
        await attempt(
          `scheduler role ${role.roleName}: lambda:InvokeFunction on ${each.name}`,
          each.fn.name === role.fn,
          () => lambda.send(new InvokeCommand({ FunctionName: each.name, InvocationType: 'DryRun' })),
        ),
      );
    }
  }
  return checks;
}

/** Queues a function may send to: those it `@uses(Q, 'send')`, and its change consumers' on-failure queues. */
function sendsTo(fn: ManifestFunction): Set<string> {
  const queues = new Set(fn.sends);
  for (const trigger of fn.triggers) if (trigger.type === 'change' && trigger.onFailure) queues.add(trigger.onFailure);
  return queues;
}

/** One call that must be allowed or denied: anything but success or AWS's AccessDenied fails the check. */
async function attempt(label: string, allowed: boolean, run: () => Promise<unknown>): Promise<Check> {
  const name = `${label} ${allowed ? 'allowed' : 'denied'}`;
  const outcome = await run().then(
    () => 'allowed',
    (error: Error) =>
      error.name === 'AccessDenied' || error.name === 'AccessDeniedException'
        ? 'denied'
        : `${error.name}: ${error.message}`,
  );
  return outcome === (allowed ? 'allowed' : 'denied') ? pass(name) : fail(name, outcome);
}
