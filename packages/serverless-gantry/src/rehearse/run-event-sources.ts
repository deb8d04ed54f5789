import { randomBytes } from 'node:crypto';
import {
  type _Record,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { InvokeOutcome } from '../events/invoke.js';
import { settleBatch } from '../events/queue-batch-response.js';
import { sqsRecord } from '../events/queue-event.js';
import { streamBatchResult } from '../events/stream-batch-response.js';
import { streamEventRecord } from '../events/stream-event.js';
import type { ManifestChangeTrigger, ManifestQueueTrigger } from '../manifest.js';
import { emulatorClients } from './aws-clients.js';
import { type Check, fail, note, pass, probe } from './check.js';
import type { Deployed, HandlerRun } from './check-least-privilege.js';
import type { Emulator } from './emulator.js';
import type { EventSources } from './event-sources.js';
import { NODE_PREFIX, RESULT_PREFIX } from './handler-result.js';
import type { DeployedSchedule } from './scheduler-api.js';

export interface EventRunContext {
  emulator: Emulator;
  region: string;
  /** Runs the function's deployed handler once with the event (check-least-privilege.ts's runHandler). */
  run: (each: Deployed, event: unknown) => Promise<HandlerRun>;
}

/**
 * Runs every function that events trigger once, its deployed bundle with its own role's
 * credentials (IAM enforced), with an event made of what the emulator holds, as Lambda would:
 * - a scheduled function with its schedule's deployed input, as Scheduler delivers it;
 * - a change consumer with its table's stream records, read (DescribeStream, GetShardIterator,
 *   GetRecords) with its role: the records the rehearsal's own writes left, from the oldest;
 * - a queue consumer with a batch received with its role (GetQueueAttributes, ReceiveMessage),
 *   then deleted with its role as far as its batch response says it is done. Consumers run in
 *   rounds, so one that sends on to another's queue feeds it.
 * Each must succeed as its event source reads success (no failed record, no failed message). A
 * consumer whose source holds nothing (nothing the rehearsal ran sent or wrote there) is not run,
 * and the report says so. Moto itself never invokes a function (no Docker), so this is the only run.
 */
export async function runEventSources(
  deployed: Deployed[],
  sources: EventSources,
  at: EventRunContext,
): Promise<Check[]> {
  const checks: Check[] = [];
  for (const each of deployed) {
    for (const schedule of sources.schedules.get(each.fn.name) ?? [])
      checks.push(...(await runSchedule(each, schedule, at)));
  }
  for (const each of deployed) {
    for (const trigger of each.fn.triggers) {
      if (trigger.type === 'change') checks.push(...(await runChangeConsumer(each, trigger, sources, at)));
    }
  }
  checks.push(...(await runQueueConsumers(deployed, sources, at)));
  return checks;
}

async function runSchedule(each: Deployed, schedule: DeployedSchedule, at: EventRunContext): Promise<Check[]> {
  const label = `function ${each.name}: schedule ${schedule.Name}'s event, with its role`;
  return probe(label, async () => {
    const event = JSON.parse(withContextAttributes(schedule.Target?.Input ?? '{}', schedule)) as unknown;
    const run = await at.run(each, event);
    if (run.wrongNode) return fail(label, run.wrongNode);
    const outcome = outcomeOf(run);
    return outcome.type === 'result'
      ? pass(`${label} → returned ${short(outcome.result)}`)
      : fail(label, describeFailure(outcome, run));
  });
}

/**
 * Scheduler replaces context attributes in a templated target's input (schedule-runner.ts does the
 * same locally): `<aws.scheduler.schedule-arn>`, `scheduled-time`, `execution-id`, `attempt-number`.
 */
function withContextAttributes(input: string, schedule: DeployedSchedule): string {
  const attributes: Record<string, string> = {
    'schedule-arn': schedule.Arn ?? '',
    'scheduled-time': new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    'execution-id': randomBytes(8).toString('hex'),
    'attempt-number': '1',
  };
  return input.replace(/<aws\.scheduler\.([a-z-]+)>/g, (keyword, name: string) => attributes[name] ?? keyword);
}

async function runChangeConsumer(
  each: Deployed,
  trigger: ManifestChangeTrigger,
  sources: EventSources,
  at: EventRunContext,
): Promise<Check[]> {
  const stream = sources.streams.find((s) => s.table === trigger.table);
  const label = `function ${each.name}: changes of ${stream?.tableName ?? trigger.table}, read from its stream with its role`;
  if (!stream) return [fail(label, `the table '${trigger.table}' has no stream`)];
  return probe(label, async () => {
    const { dynamodbStreams } = emulatorClients(at.emulator.endpoint, at.region, each.credentials);
    const described = await dynamodbStreams.send(new DescribeStreamCommand({ StreamArn: stream.arn }));
    const records: _Record[] = [];
    for (const shard of described.StreamDescription?.Shards ?? []) {
      const { ShardIterator } = await dynamodbStreams.send(
        new GetShardIteratorCommand({
          StreamArn: stream.arn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const page = await dynamodbStreams.send(new GetRecordsCommand({ ShardIterator, Limit: trigger.batchSize }));
      records.push(...(page.Records ?? []));
    }
    const batch = records.slice(0, trigger.batchSize);
    if (batch.length === 0) {
      return note(`function ${each.name}: not run on changes: the rehearsal wrote nothing to ${stream.tableName}`);
    }
    const run = await at.run(each, { Records: batch.map((r) => streamEventRecord(r, stream.arn)) });
    if (run.wrongNode) return fail(label, run.wrongNode);
    const outcome = outcomeOf(run);
    const result = streamBatchResult(
      outcome,
      batch.map((r) => r.dynamodb?.SequenceNumber ?? ''),
      true,
    );
    return result.type === 'success'
      ? pass(`${label} → ${batch.length} record${batch.length === 1 ? '' : 's'} done`)
      : fail(
          label,
          outcome.type === 'result'
            ? `${result.reason}; its log: ${lastLogLine(run.stdout)}`
            : describeFailure(outcome, run),
        );
  });
}

/** Queue consumers in rounds: each runs once on the first batch it receives; a round that runs none ends it. */
async function runQueueConsumers(deployed: Deployed[], sources: EventSources, at: EventRunContext): Promise<Check[]> {
  const checks: Check[] = [];
  let pending = deployed.flatMap((each) =>
    each.fn.triggers.filter((t): t is ManifestQueueTrigger => t.type === 'queue').map((trigger) => ({ each, trigger })),
  );
  for (let ran = true; ran && pending.length > 0; ) {
    ran = false;
    const next: typeof pending = [];
    for (const consumer of pending) {
      const result = await runQueueConsumer(consumer.each, consumer.trigger, sources, at);
      if (result === 'empty') next.push(consumer);
      else {
        checks.push(...result);
        ran = true;
      }
    }
    pending = next;
  }
  for (const { each, trigger } of pending) {
    const queue = sources.queues.find((q) => q.name === trigger.queue && !q.deadLetter);
    checks.push(
      note(`function ${each.name}: not run: no message reached ${queue?.queueName ?? trigger.queue} in the rehearsal`),
    );
  }
  return checks;
}

async function runQueueConsumer(
  each: Deployed,
  trigger: ManifestQueueTrigger,
  sources: EventSources,
  at: EventRunContext,
): Promise<Check[] | 'empty'> {
  const queue = sources.queues.find((q) => q.name === trigger.queue && !q.deadLetter);
  const label = `function ${each.name}: a batch from ${queue?.queueName ?? trigger.queue}, received and deleted with its role`;
  if (!queue) return [fail(label, `no queue '${trigger.queue}' deployed`)];
  const { sqs } = emulatorClients(at.emulator.endpoint, at.region, each.credentials);
  let messages: Message[];
  try {
    // As Lambda's poller: it reads the queue's settings, then receives up to a batch.
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }));
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: Math.min(trigger.batchSize, 10),
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    messages = received.Messages ?? [];
  } catch (error) {
    const e = error as Error;
    return [fail(label, `${e.name}: ${e.message}`)];
  }
  if (messages.length === 0) return 'empty';
  return probe(label, async () => {
    const records = messages.map((m) => sqsRecord(m, { arn: queue.arn, region: at.region }));
    const run = await at.run(each, { Records: records });
    if (run.wrongNode) return fail(label, run.wrongNode);
    const outcome = outcomeOf(run);
    const batch = records.map((r) => ({ messageId: r.messageId, group: r.attributes.MessageGroupId }));
    const settled = settleBatch(outcome, batch, queue.fifo);
    for (const id of settled.done) {
      const receiptHandle = records.find((r) => r.messageId === id)?.receiptHandle;
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: receiptHandle }));
    }
    if (settled.done.length === records.length) {
      return pass(`${label} → ${records.length} message${records.length === 1 ? '' : 's'} done`);
    }
    const why =
      outcome.type !== 'result'
        ? describeFailure(outcome, run)
        : (settled.malformed ?? `returned ${short(outcome.result)}; its log: ${lastLogLine(run.stdout)}`);
    return fail(label, `${records.length - settled.done.length} of ${records.length} not done: ${why}`);
  });
}

/** The handler's outcome as an event source reads it: what it returned, or that it threw. */
function outcomeOf(run: HandlerRun): InvokeOutcome {
  if (run.code === 0) return { type: 'result', result: run.result };
  // run-handler prints a throw as `{ error: <stack> }`: its first line says what went wrong.
  const error = (run.result as { error?: string } | undefined)?.error ?? run.stdout.slice(-600);
  return { type: 'error', error: { errorType: 'Error', errorMessage: error.split('\n')[0] ?? error } };
}

function describeFailure(outcome: InvokeOutcome, run: HandlerRun): string {
  if (outcome.type === 'error') return `threw ${outcome.error.errorMessage.slice(0, 600)}`;
  if (outcome.type === 'timeout') return 'timed out';
  return `exit ${run.code}: ${run.stdout.slice(-600)}`;
}

/** The handler's last log line (the kit logs why a record failed), shortened. */
function lastLogLine(stdout: string): string {
  const lines = stdout
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(RESULT_PREFIX) && !l.startsWith(NODE_PREFIX));
  return (lines.at(-1) ?? '(none)').slice(0, 400);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
