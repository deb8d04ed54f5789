import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { scheduleName, schedulerRoleLogicalId } from '../generate/names.js';
import type { AwsClients, Credentials } from './aws-clients.js';
import { queueAttributes } from './check-events.js';
import type { RoleResource } from './check-role.js';
import type { Expected } from './expected.js';
import type { DeployedSchedule } from './scheduler-api.js';

/** A deployed queue of the service: a Manifest queue, or the dead-letter queue of one. */
export interface RehearsalQueue {
  /** The declared name (`jobs`); for a dead-letter queue, the declared name of the queue it serves. */
  name: string;
  queueName: string;
  url: string;
  arn: string;
  fifo: boolean;
  deadLetter: boolean;
}

export interface RehearsalStream {
  /** The table's declared name. */
  table: string;
  tableName: string;
  arn: string;
}

export interface SchedulerRole {
  /** The function key whose schedules use it. */
  fn: string;
  roleName: string;
  credentials: Credentials;
}

/** The event sources as deployed, read before IAM enforcement (with the rehearsal's own credentials). */
export interface EventSources {
  queues: RehearsalQueue[];
  streams: RehearsalStream[];
  /** Per function key, its deployed schedules (Scheduler's own view, its target input included). */
  schedules: Map<string, DeployedSchedule[]>;
  schedulerRoles: SchedulerRole[];
}

/**
 * Reads every queue (dead-letter queues too), table stream and schedule of the service from the
 * emulator, and assumes each scheduler role: all before IAM enforcement is on (moto's AssumeRole
 * fails for a role trusted by a service once it is; the Scheduler reads are unsigned).
 */
export async function readEventSources(aws: AwsClients, expected: Expected): Promise<EventSources> {
  const { manifest } = expected;
  const queues: RehearsalQueue[] = [];
  for (const queue of manifest.queues) {
    const found = await queueAttributes(aws, queue.queueName);
    queues.push({ ...common(queue.name, queue.queueName, found, queue.fifo), deadLetter: false });
    if (queue.deadLetter) {
      const dead = await queueAttributes(aws, queue.deadLetter.queueName);
      queues.push({ ...common(queue.name, queue.deadLetter.queueName, dead, queue.fifo), deadLetter: true });
    }
  }
  const streams: RehearsalStream[] = [];
  for (const table of manifest.tables.filter((t) => t.stream)) {
    const found = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: table.tableName }))).Table;
    if (found?.LatestStreamArn)
      streams.push({ table: table.name, tableName: table.tableName, arn: found.LatestStreamArn });
  }
  const schedules = new Map<string, DeployedSchedule[]>();
  const schedulerRoles: SchedulerRole[] = [];
  for (const fn of manifest.functions) {
    const count = fn.triggers.filter((t) => t.type === 'schedule').length;
    if (count === 0) continue;
    const names = Array.from({ length: count }, (_, index) =>
      scheduleName(manifest.service, manifest.stage, fn.name, index),
    );
    schedules.set(fn.name, await Promise.all(names.map((name) => aws.scheduler.getSchedule(name))));
    const role = expected.fragment.resources[schedulerRoleLogicalId(fn.name)] as unknown as RoleResource | undefined;
    if (!role) continue;
    const { RoleName } = role.Properties;
    const arn = (await aws.iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn;
    const assumed = await aws.sts.send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: `gantry-rehearsal-${fn.name}-schedule`.slice(0, 64) }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${arn} returned no credentials`);
    schedulerRoles.push({
      fn: fn.name,
      roleName: RoleName,
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken ?? '',
      },
    });
  }
  return { queues, streams, schedules, schedulerRoles };
}

function common(
  name: string,
  queueName: string,
  found: Record<string, string | undefined> & { url: string },
  fifo: boolean,
) {
  if (!found.QueueArn) throw new Error(`queue ${queueName} has no QueueArn`);
  return { name, queueName, url: found.url, arn: found.QueueArn, fifo };
}
