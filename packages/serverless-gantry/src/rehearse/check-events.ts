import { type EventSourceMappingConfiguration, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_RETENTION } from '../discover/events.js';
import {
  deadLetterLogicalId,
  oslsFunctionStem,
  queueLogicalId,
  scheduleName,
  schedulerRoleLogicalId,
  tableLogicalId,
} from '../generate/names.js';
import type { ManifestFunction, ManifestQueue, ManifestScheduleTrigger } from '../manifest.js';
import type { AwsClients } from './aws-clients.js';
import { type Check, expectEqual, fail, probe } from './check.js';
import { checkRole, type RoleResource } from './check-role.js';
import type { Expected } from './expected.js';
import type { StackValues } from './intrinsics.js';

/** The settings SQS reports for a queue (GetQueueAttributes `All`), by its name. */
export async function queueAttributes(aws: AwsClients, queueName: string) {
  const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const { Attributes } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  return { url: QueueUrl ?? '', ...(Attributes ?? {}) } as Record<string, string | undefined> & { url: string };
}

/**
 * Each Manifest queue as SQS holds it: FIFO or not, visibility timeout, retention, encryption at
 * rest, its redrive policy (the dead-letter queue's ARN, maxReceiveCount), and the dead-letter queue
 * itself. Their ARNs go into `at`, for the policies and mappings that name them.
 */
export async function checkQueues(aws: AwsClients, expected: Expected, at: StackValues): Promise<Check[]> {
  const checks: Check[] = [];
  for (const queue of expected.manifest.queues) {
    checks.push(...(await probe(`queue ${queue.queueName}`, () => checkQueue(aws, queue, at))));
  }
  return checks;
}

async function checkQueue(aws: AwsClients, queue: ManifestQueue, at: StackValues): Promise<Check[]> {
  const label = `queue ${queue.queueName}`;
  const found = await queueAttributes(aws, queue.queueName);
  if (found.QueueArn) at.arns[queueLogicalId(queue.name)] = found.QueueArn;
  const redrive = found.RedrivePolicy ? (JSON.parse(found.RedrivePolicy) as Record<string, unknown>) : undefined;
  const checks = [
    expectEqual(`${label}: FIFO`, found.FifoQueue === 'true', queue.fifo),
    expectEqual(`${label}: visibility timeout`, Number(found.VisibilityTimeout), queue.visibilityTimeout),
    expectEqual(`${label}: retention`, Number(found.MessageRetentionPeriod), queue.retentionPeriod),
    expectEqual(`${label}: encrypted at rest (SQS-managed keys)`, found.SqsManagedSseEnabled, 'true'),
  ];
  if (queue.fifo) {
    checks.push(
      expectEqual(
        `${label}: content-based deduplication`,
        found.ContentBasedDeduplication === 'true',
        queue.contentBasedDeduplication ?? false,
      ),
    );
  }
  if (!queue.deadLetter) {
    checks.push(expectEqual(`${label}: no dead-letter queue`, redrive ?? null, null));
    return checks;
  }
  const { maxReceiveCount, queueName } = queue.deadLetter;
  const dead = await queueAttributes(aws, queueName);
  if (dead.QueueArn) at.arns[deadLetterLogicalId(queue.name)] = dead.QueueArn;
  const deadLabel = `dead-letter queue ${queueName}`;
  checks.push(
    expectEqual(
      `${label}: redrive to ${queueName} after ${maxReceiveCount} receives`,
      { deadLetterTargetArn: redrive?.deadLetterTargetArn, maxReceiveCount: Number(redrive?.maxReceiveCount) },
      { deadLetterTargetArn: dead.QueueArn, maxReceiveCount },
    ),
    expectEqual(`${deadLabel}: FIFO`, dead.FifoQueue === 'true', queue.fifo),
    expectEqual(`${deadLabel}: retention`, Number(dead.MessageRetentionPeriod), DEAD_LETTER_RETENTION),
    expectEqual(`${deadLabel}: encrypted at rest (SQS-managed keys)`, dead.SqsManagedSseEnabled, 'true'),
    expectEqual(`${deadLabel}: no redrive of its own`, dead.RedrivePolicy ?? null, null),
  );
  return checks;
}

/** What a mapping must say, in the form Lambda's ListEventSourceMappings reports it. */
interface ExpectedMapping {
  label: string;
  source: string | undefined;
  settings: Record<string, unknown>;
}

/**
 * Each `@consumes` and `@onChange` is an event source mapping of its function and of nothing else:
 * the right source (the queue's ARN, the table's stream ARN), batch size, batching window,
 * maximum concurrency, partial batch failures reported (`ReportBatchItemFailures`), enabled; for a
 * stream also the starting position, the retries and the on-failure queue. And no function has a
 * mapping it does not declare.
 */
export async function checkEventSourceMappings(aws: AwsClients, expected: Expected, at: StackValues): Promise<Check[]> {
  const consumers = expected.manifest.functions.filter((f) =>
    f.triggers.some((t) => t.type === 'queue' || t.type === 'change'),
  );
  if (consumers.length === 0 && expected.manifest.queues.length === 0) return [];
  return probe('event source mappings', async () => {
    const all: EventSourceMappingConfiguration[] = [];
    let Marker: string | undefined;
    do {
      const page = await aws.lambda.send(new ListEventSourceMappingsCommand({ ...(Marker ? { Marker } : {}) }));
      all.push(...(page.EventSourceMappings ?? []));
      Marker = page.NextMarker;
    } while (Marker);
    const checks: Check[] = [];
    for (const fn of expected.manifest.functions) {
      const name = functionName(expected, fn);
      const arn = at.arns[`${oslsFunctionStem(fn.name)}LambdaFunction`];
      const mine = all.filter((m) => m.FunctionArn === arn || m.FunctionArn?.endsWith(`:function:${name}`));
      const wanted = mappingsOf(fn, expected, at);
      if (wanted.length === 0 && mine.length === 0) continue;
      checks.push(
        expectEqual(
          `function ${name}: ${wanted.length} event source mapping${wanted.length === 1 ? '' : 's'}`,
          mine.map((m) => m.EventSourceArn).sort(),
          wanted.map((w) => w.source ?? '<unknown source>').sort(),
        ),
      );
      for (const want of wanted) {
        const found = mine.find((m) => m.EventSourceArn === want.source);
        const label = `mapping ${want.label} → ${name}`;
        if (!found) {
          checks.push(fail(label, `missing (no mapping from ${want.source ?? 'its source'})`));
          continue;
        }
        checks.push(
          expectEqual(
            `${label}: ${Object.entries(want.settings)
              .map(([key, value]) => `${key} ${Array.isArray(value) ? value.join(',') : String(value)}`)
              .join(', ')}`,
            mappingSettings(found, want.settings),
            want.settings,
          ),
        );
      }
    }
    return checks;
  });
}

function mappingsOf(fn: ManifestFunction, expected: Expected, at: StackValues): ExpectedMapping[] {
  const queueArn = (name: string) => at.arns[queueLogicalId(name)];
  return fn.triggers.flatMap((trigger): ExpectedMapping[] => {
    if (trigger.type === 'queue') {
      const queue = expected.manifest.queues.find((q) => q.name === trigger.queue);
      return [
        {
          label: `queue ${queue?.queueName ?? trigger.queue}`,
          source: queueArn(trigger.queue),
          settings: {
            state: 'Enabled',
            batch: trigger.batchSize,
            window: trigger.maxBatchingWindow,
            'max concurrency': trigger.maxConcurrency ?? 'unset',
            responses: ['ReportBatchItemFailures'],
          },
        },
      ];
    }
    if (trigger.type === 'change') {
      const table = expected.manifest.tables.find((t) => t.name === trigger.table);
      const onFailure = trigger.onFailure ? queueArn(trigger.onFailure) : undefined;
      return [
        {
          label: `stream of ${table?.tableName ?? trigger.table}`,
          source: at.attributes?.[`${tableLogicalId(trigger.table)}.StreamArn`],
          settings: {
            state: 'Enabled',
            batch: trigger.batchSize,
            start: trigger.startingPosition,
            retries: trigger.retries,
            'on failure': trigger.onFailure ? (onFailure ?? `<queue ${trigger.onFailure}>`) : 'none',
            responses: ['ReportBatchItemFailures'],
          },
        },
      ];
    }
    return [];
  });
}

/** The deployed mapping in the shape of the expected settings (only the keys asked for). */
function mappingSettings(found: EventSourceMappingConfiguration, wanted: Record<string, unknown>) {
  const all: Record<string, unknown> = {
    state: found.State,
    batch: found.BatchSize,
    window: found.MaximumBatchingWindowInSeconds ?? 0,
    'max concurrency': found.ScalingConfig?.MaximumConcurrency ?? 'unset',
    responses: found.FunctionResponseTypes ?? [],
    start: found.StartingPosition,
    retries: found.MaximumRetryAttempts,
    'on failure': found.DestinationConfig?.OnFailure?.Destination ?? 'none',
  };
  return Object.fromEntries(Object.keys(wanted).map((key) => [key, all[key]]));
}

/**
 * Each `@schedule` is an EventBridge Scheduler schedule: its expression and time zone (UTC when
 * none is declared), no flexible window, the input the function receives, the state the stage's
 * setting gives (production stages always ENABLED), the function as its target, invoked through the
 * function's scheduler role; that role trusted by Scheduler for this account only and allowed to
 * invoke that function alone. No other schedule targets the function.
 */
export async function checkSchedules(aws: AwsClients, expected: Expected, at: StackValues): Promise<Check[]> {
  const { service, stage } = expected.manifest;
  const scheduled = expected.manifest.functions.filter((f) => f.triggers.some((t) => t.type === 'schedule'));
  if (scheduled.length === 0) return [];
  const checks: Check[] = [];
  const listed = await probe('schedules', async () => {
    const deployed = await aws.scheduler.listSchedules(`${service}-${stage}-`);
    for (const fn of scheduled) checks.push(...(await checkFunctionSchedules(aws, expected, fn, at, deployed)));
    return [];
  });
  return [...listed, ...checks];
}

async function checkFunctionSchedules(
  aws: AwsClients,
  expected: Expected,
  fn: ManifestFunction,
  at: StackValues,
  deployed: { name: string; target: string | undefined }[],
): Promise<Check[]> {
  const { service, stage } = expected.manifest;
  const name = functionName(expected, fn);
  const functionArn = at.arns[`${oslsFunctionStem(fn.name)}LambdaFunction`];
  const role = expected.fragment.resources[schedulerRoleLogicalId(fn.name)] as unknown as RoleResource | undefined;
  if (!role) return [fail(`function ${name}: scheduler role`, `no generated role ${schedulerRoleLogicalId(fn.name)}`)];
  const roleName = role.Properties.RoleName;
  const checks: Check[] = [];
  const found = await checkRole(aws, `scheduler role ${roleName}`, role, at);
  checks.push(...found.checks);
  const schedules = fn.triggers.filter((t): t is ManifestScheduleTrigger => t.type === 'schedule');
  const names = schedules.map((_, index) => scheduleName(service, stage, fn.name, index));
  checks.push(
    expectEqual(
      `function ${name}: the schedules that target it`,
      deployed
        .filter((s) => s.target === functionArn)
        .map((s) => s.name)
        .sort(),
      [...names].sort(),
    ),
  );
  const state = expected.options.schedules ? 'ENABLED' : 'DISABLED';
  for (const [index, schedule] of schedules.entries()) {
    const scheduleLabel = `schedule ${names[index]}`;
    checks.push(
      ...(await probe(scheduleLabel, async () => {
        const s = await aws.scheduler.getSchedule(names[index] ?? '');
        return [
          expectEqual(
            `${scheduleLabel}: ${schedule.expression} in ${schedule.timezone ?? 'UTC'}, no flexible window`,
            {
              expression: s.ScheduleExpression,
              timezone: s.ScheduleExpressionTimezone ?? 'UTC',
              window: s.FlexibleTimeWindow?.Mode,
            },
            { expression: schedule.expression, timezone: schedule.timezone ?? 'UTC', window: 'OFF' },
          ),
          expectEqual(
            `${scheduleLabel}: ${state} (stage ${stage}${expected.options.production ? ', production' : ''})`,
            s.State,
            state,
          ),
          expectEqual(
            `${scheduleLabel}: invokes ${name} through ${roleName}`,
            { function: s.Target?.Arn, role: s.Target?.RoleArn },
            { function: functionArn, role: found.arn },
          ),
          expectEqual(`${scheduleLabel}: input`, parseJson(s.Target?.Input), schedule.input ?? {}),
        ];
      })),
    );
  }
  return checks;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const functionName = (expected: Expected, fn: ManifestFunction) =>
  (expected.fragment.functions[fn.name] as { name: string }).name;
