import {
  type BucketDefinition,
  isQueue,
  isTable,
  type MethodMetadata,
  type QueueDefinition,
  queueEnvVar,
  type TableDefinition,
} from '@gantry/decorators';
import { scheduleProblems } from '../events/schedule-expression.js';
import { deployedQueueName } from '../generate/names.js';
import type { ManifestFunction, ManifestQueue, ManifestTrigger } from '../manifest.js';
import { objectTrigger } from './buckets.js';

// Every limit below is AWS's (SQS CreateQueue, Lambda CreateEventSourceMapping, EventBridge
// Scheduler CreateSchedule): what passes here, CloudFormation accepts.
const SQS_DEFAULT_VISIBILITY = 30;
const SQS_DEFAULT_RETENTION = 345_600;
const DLQ_RETENTION = 1_209_600;
const LAMBDA_DEFAULT_TIMEOUT = 6; // osls's, when neither @fn nor custom.gantry.defaults sets one
const SCHEDULE_INPUT_LIMIT = 8192;

/** Where a declaration was written, for messages: `src/jobs.ts › Jobs.work`. */
type Where = string;

/** The triggers a method declares, checked; queues, tables and buckets they name are reported through `found`. */
export function methodTriggers(
  record: MethodMetadata,
  where: Where,
  problems: string[],
  found: { queue(def: QueueDefinition): void; table(def: TableDefinition): void; bucket(def: BucketDefinition): void },
): { triggers: ManifestTrigger[]; sends: string[] } {
  const sends = new Set<string>();
  for (const use of record.uses) {
    if (isQueue(use.resource)) {
      found.queue(use.resource);
      if (use.access === 'send') sends.add(use.resource.name);
    }
  }
  const triggers: ManifestTrigger[] = [];
  for (const trigger of record.triggers) {
    if (trigger.type === 'queue') {
      if (!isQueue(trigger.queue)) continue; // reported by the decorator
      found.queue(trigger.queue);
      const { batchSize = 10, maxBatchingWindow = 0, maxConcurrency } = trigger.options;
      checkWhole(
        `@consumes(${trigger.queue.name}, { batchSize: ${batchSize} })`,
        batchSize,
        1,
        10_000,
        where,
        problems,
      );
      checkWhole(
        `@consumes(${trigger.queue.name}, { maxBatchingWindow: ${maxBatchingWindow} })`,
        maxBatchingWindow,
        0,
        300,
        where,
        problems,
      );
      if (maxConcurrency !== undefined) {
        checkWhole(
          `@consumes(${trigger.queue.name}, { maxConcurrency: ${maxConcurrency} })`,
          maxConcurrency,
          2,
          1000,
          where,
          problems,
        );
      }
      if (trigger.queue.fifo && batchSize > 10) {
        problems.push(
          `${where}: @consumes(${trigger.queue.name}, { batchSize: ${batchSize} }): a FIFO queue delivers at most 10 messages per batch (Lambda); set batchSize to 10 or less.`,
        );
      } else if (batchSize > 10 && maxBatchingWindow < 1) {
        problems.push(
          `${where}: @consumes(${trigger.queue.name}, { batchSize: ${batchSize} }): more than 10 messages per batch needs a batching window (Lambda); add maxBatchingWindow of at least 1 second, or set batchSize to 10 or less.`,
        );
      }
      if (trigger.queue.fifo && maxBatchingWindow > 0) {
        problems.push(
          `${where}: @consumes(${trigger.queue.name}, { maxBatchingWindow: ${maxBatchingWindow} }): Lambda has no batching window for FIFO queues; remove maxBatchingWindow.`,
        );
      }
      triggers.push({
        type: 'queue',
        queue: trigger.queue.name,
        batchSize,
        maxBatchingWindow,
        ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
      });
    } else if (trigger.type === 'schedule') {
      const expression = String(trigger.expression);
      const { timezone, input } = trigger.options;
      for (const problem of scheduleProblems(expression, timezone)) problems.push(`${where}: @schedule: ${problem}`);
      const text = input === undefined ? undefined : JSON.stringify(input);
      if (input !== undefined && (text === undefined || text.length > SCHEDULE_INPUT_LIMIT)) {
        problems.push(
          `${where}: @schedule('${expression}', { input }): the input must be JSON of at most ${SCHEDULE_INPUT_LIMIT} characters (EventBridge Scheduler); pass a smaller value and read the rest in the function.`,
        );
      }
      triggers.push({
        type: 'schedule',
        expression,
        ...(timezone !== undefined ? { timezone } : {}),
        ...(input !== undefined ? { input } : {}),
      });
    } else if (trigger.type === 'object') {
      const object = objectTrigger(trigger, found.bucket);
      if (object) triggers.push(object); // else reported by the decorator
    } else {
      if (!isTable(trigger.table)) continue; // reported by the decorator
      found.table(trigger.table);
      const { batchSize = 100, startingPosition = 'LATEST', retries = -1, onFailure } = trigger.options;
      const name = trigger.table.name;
      checkWhole(`@onChange(${name}, { batchSize: ${batchSize} })`, batchSize, 1, 10_000, where, problems);
      checkWhole(`@onChange(${name}, { retries: ${retries} })`, retries, -1, 10_000, where, problems);
      if (startingPosition !== 'LATEST' && startingPosition !== 'TRIM_HORIZON') {
        problems.push(
          `${where}: @onChange(${name}, { startingPosition: '${String(startingPosition)}' }) must be 'LATEST' (new changes) or 'TRIM_HORIZON' (the oldest kept).`,
        );
      }
      if (onFailure !== undefined && !isQueue(onFailure)) {
        problems.push(
          `${where}: @onChange(${name}, { onFailure }) must be a queue made by queue('name'); check its import.`,
        );
      } else if (onFailure?.fifo) {
        problems.push(
          `${where}: @onChange(${name}, { onFailure: ${onFailure.name} }): Lambda sends failed batches to standard queues only; use a queue without fifo.`,
        );
      }
      if (onFailure && isQueue(onFailure)) found.queue(onFailure);
      triggers.push({
        type: 'change',
        table: name,
        batchSize,
        startingPosition,
        retries,
        ...(onFailure && isQueue(onFailure) ? { onFailure: onFailure.name } : {}),
      });
    }
  }
  checkTriggerMix(record, triggers, where, problems);
  return { triggers, sends: [...sends] };
}

// One function, one kind of work: its generated handler is the kit's for routes, a queue, a table's
// changes or schedules, and each shapes the event and the answer differently.
function checkTriggerMix(record: MethodMetadata, triggers: ManifestTrigger[], where: Where, problems: string[]): void {
  const kinds = new Set(triggers.map((t) => t.type));
  if (record.routes.length > 0 && kinds.size > 0) {
    problems.push(
      `${where}: a method is either served by routes or run by events (${[...kinds].map(describeKind).join(', ')}); move the event work into a method of its own.`,
    );
  } else if (kinds.size > 1) {
    problems.push(
      `${where}: a method runs on one kind of event, but this one has ${[...kinds].map(describeKind).join(' and ')}; give each its own method.`,
    );
  }
  for (const kind of ['queue', 'change'] as const) {
    if (triggers.filter((t) => t.type === kind).length > 1) {
      problems.push(
        `${where}: ${describeKind(kind)} appears twice on one method; a function consumes one ${kind === 'queue' ? 'queue' : "table's changes"}: give each its own method.`,
      );
    }
  }
}

const describeKind = (kind: ManifestTrigger['type']) =>
  ({ queue: '@consumes', schedule: '@schedule', change: '@onChange', object: '@onObjectCreated/@onObjectRemoved' })[
    kind
  ];

function checkWhole(what: string, value: number, min: number, max: number, where: Where, problems: string[]): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${where}: ${what} must be a whole number from ${min} to ${max}.`);
  }
}

/** Problems that need the whole service: a queue consumed twice, a visibility timeout shorter than a consumer's. */
export function checkQueueConsumers(functions: ManifestFunction[], queues: ManifestQueue[], problems: string[]): void {
  for (const queue of queues) {
    const consumers = functions.filter((fn) => fn.triggers.some((t) => t.type === 'queue' && t.queue === queue.name));
    if (consumers.length > 1) {
      problems.push(
        `${at(consumers[1] as ManifestFunction)}: queue '${queue.name}' is already consumed by ${at(consumers[0] as ManifestFunction)}; SQS would hand each message to one of them at random: consume it in one method, or declare a queue for each.`,
      );
    }
  }
}

const at = (fn: ManifestFunction) => `${fn.source} › ${fn.class}.${fn.method}`;

/**
 * The Manifest entry of a queue, with defaults drawn from its consumers: the visibility timeout is
 * six times the longest consumer's timeout plus its batching window (AWS's advice), at least SQS's 30 s.
 */
export function manifestQueue(
  def: QueueDefinition,
  source: string,
  context: { service: string; stage: string; defaults?: { timeout?: number | undefined } },
  functions: ManifestFunction[],
  problems: string[],
): ManifestQueue {
  const where = `${source} › queue '${def.name}'`;
  const consumers = functions.flatMap((fn) =>
    fn.triggers.flatMap((t) =>
      t.type === 'queue' && t.queue === def.name
        ? [
            {
              fn,
              timeout: fn.config.timeout ?? context.defaults?.timeout ?? LAMBDA_DEFAULT_TIMEOUT,
              window: t.maxBatchingWindow,
            },
          ]
        : [],
    ),
  );
  const needed = Math.max(0, ...consumers.map((c) => 6 * c.timeout + c.window));
  const visibilityTimeout = def.visibilityTimeout ?? Math.min(43_200, Math.max(SQS_DEFAULT_VISIBILITY, needed));
  checkWhole(
    `queue('${def.name}', { visibilityTimeout: ${def.visibilityTimeout} })`,
    visibilityTimeout,
    0,
    43_200,
    where,
    problems,
  );
  for (const consumer of consumers) {
    if (visibilityTimeout < consumer.timeout) {
      problems.push(
        `${at(consumer.fn)}: its timeout (${consumer.timeout} s) is longer than queue '${def.name}''s visibility timeout (${visibilityTimeout} s), and AWS refuses such a trigger at deploy; raise visibilityTimeout to at least ${6 * consumer.timeout + consumer.window} (six times the timeout plus the batching window), or leave it out for that default.`,
      );
    }
  }
  const retentionPeriod = def.retentionPeriod ?? SQS_DEFAULT_RETENTION;
  checkWhole(
    `queue('${def.name}', { retentionPeriod: ${def.retentionPeriod} })`,
    retentionPeriod,
    60,
    1_209_600,
    where,
    problems,
  );
  if (def.contentBasedDeduplication && !def.fifo) {
    problems.push(`${where}: contentBasedDeduplication applies to FIFO queues only; add fifo: true, or remove it.`);
  }
  const queueName = deployedQueueName(context.service, context.stage, def.name, def.fifo === true);
  let deadLetter: ManifestQueue['deadLetter'];
  if (def.deadLetter) {
    const { maxReceiveCount } = def.deadLetter;
    checkWhole(
      `queue('${def.name}', { deadLetter: { maxReceiveCount: ${maxReceiveCount} } })`,
      maxReceiveCount,
      1,
      1000,
      where,
      problems,
    );
    deadLetter = {
      maxReceiveCount,
      queueName: deployedQueueName(context.service, context.stage, `${def.name}-dlq`, def.fifo === true),
    };
  }
  return {
    name: def.name,
    queueName,
    envVar: queueEnvVar(def),
    fifo: def.fifo === true,
    visibilityTimeout,
    retentionPeriod,
    ...(def.fifo && def.contentBasedDeduplication !== undefined
      ? { contentBasedDeduplication: def.contentBasedDeduplication }
      : {}),
    ...(deadLetter ? { deadLetter } : {}),
    source,
  };
}

/** Kept as long as SQS allows, so a failed message can be looked at for two weeks. */
export const DEAD_LETTER_RETENTION = DLQ_RETENTION;
