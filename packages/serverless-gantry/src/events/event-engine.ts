import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { scheduleName } from '../generate/names.js';
import type { Manifest, ManifestScheduleTrigger } from '../manifest.js';
import { type LocalEventSourcesData, localCredentials } from '../offline/run/local-run.js';
import type { EventLog, Invoke, InvokeOutcome } from './invoke.js';
import { type ObjectNotice, startObjectNotifier } from './object-notifier.js';
import { type QueuePoller, startQueuePoller } from './queue-poller.js';
import { type ScheduleClock, type ScheduleDeclaration, startScheduleRunner } from './schedule-runner.js';
import { type StreamPoller, startStreamPoller } from './stream-poller.js';

export interface EventEngineOptions {
  manifest: Manifest;
  sources: LocalEventSourcesData;
  invoke: Invoke;
  /** Fire schedules on the local clock (`custom.gantry.offline.schedules`, default true). */
  schedules: boolean;
  log: EventLog;
  clock?: ScheduleClock | undefined;
  /** Where the local S3 reports objects created and removed (`LocalRun.onObjectEvent`). */
  objectEvents?: ((listener: (notice: ObjectNotice) => void) => void) | undefined;
  /** Delays of Lambda's retries of a failed asynchronous invocation (default one and two minutes). */
  asyncRetryDelaysMs?: readonly number[] | undefined;
}

export interface EventEngine {
  /** Runs a scheduled function now, with its schedule's event. */
  fire(functionName: string, scheduleName?: string): Promise<InvokeOutcome>;
  /** Resolves once no queue holds a message (visible or in flight), every stream is read and nothing runs. */
  drained(options?: { timeoutMs?: number }): Promise<void>;
  /** The next time each schedule fires. */
  nextSchedules(): { functionName: string; name: string; at: Date }[];
  stop(): Promise<void>;
}

/**
 * The local event sources of a service, from its Manifest: a poller per queue consumer and per
 * table-change consumer (each reading as the consumer's own role, with Lambda's event source mapping
 * semantics), and the schedules on the local clock. One engine serves `sls offline` and
 * `serverless-gantry/testing`; only `invoke` differs.
 */
export async function startEventEngine(options: EventEngineOptions): Promise<EventEngine> {
  const { manifest, sources, invoke, log } = options;
  const queuePollers: QueuePoller[] = [];
  const streamPollers: StreamPoller[] = [];
  const clients: SQSClient[] = [];
  for (const fn of manifest.functions) {
    for (const trigger of fn.triggers) {
      if (trigger.type === 'queue') {
        const queue = manifest.queues.find((q) => q.name === trigger.queue);
        const local = sources.queues[trigger.queue];
        if (!queue || !local) continue;
        queuePollers.push(
          startQueuePoller({
            functionName: fn.name,
            queue: { url: local.url, arn: local.arn, fifo: queue.fifo },
            endpoint: sources.endpoints.sqs,
            credentials: localCredentials(fn.name),
            region: sources.region,
            batchSize: trigger.batchSize,
            maxBatchingWindowMs: trigger.maxBatchingWindow * 1000,
            ...(trigger.maxConcurrency !== undefined ? { maxConcurrency: trigger.maxConcurrency } : {}),
            invoke,
            log,
          }),
        );
      } else if (trigger.type === 'change') {
        const streamArn = sources.streams[trigger.table];
        if (!streamArn) continue;
        const onFailure = trigger.onFailure ? sources.queues[trigger.onFailure] : undefined;
        // Lambda sends the record of a batch it gives up with the function's own role.
        let sendToOnFailure: ((body: string) => Promise<void>) | undefined;
        if (onFailure) {
          const client = new SQSClient({
            endpoint: sources.endpoints.sqs,
            region: sources.region,
            credentials: localCredentials(fn.name),
          });
          clients.push(client);
          sendToOnFailure = async (body) => {
            await client.send(new SendMessageCommand({ QueueUrl: onFailure.url, MessageBody: body }));
          };
        }
        streamPollers.push(
          startStreamPoller({
            functionName: fn.name,
            streamArn,
            endpoint: sources.endpoints.dynamodb,
            credentials: localCredentials(fn.name),
            region: sources.region,
            batchSize: trigger.batchSize,
            startingPosition: trigger.startingPosition,
            retries: trigger.retries,
            reportBatchItemFailures: true,
            sendToOnFailure,
            invoke,
            log,
          }),
        );
      }
    }
  }
  // S3 notifications: object events of the local S3, to the functions they trigger.
  const objects = startObjectNotifier({ manifest, invoke, log, retryDelaysMs: options.asyncRetryDelaysMs });
  options.objectEvents?.((notice) => objects.notify(notice));
  // A LATEST stream poller reads from when it has its iterator: writes before that are not its.
  await Promise.all(streamPollers.map((p) => p.ready));
  const schedules = startScheduleRunner({
    schedules: scheduleDeclarations(manifest),
    invoke,
    enabled: options.schedules,
    log,
    clock: options.clock,
    account: sources.account,
  });

  return {
    fire: (functionName, name) => schedules.fire(functionName, name),
    nextSchedules: () => schedules.next(),
    async drained({ timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      // Two quiet looks in a row: a consumer may send to another queue, or write a table whose
      // changes another consumer reads, between one poller's check and the next's.
      let quiet = 0;
      while (quiet < 2) {
        const idle = await Promise.all([...queuePollers, ...streamPollers].map((p) => p.idle()));
        quiet = idle.every(Boolean) && objects.idle() ? quiet + 1 : 0;
        if (quiet >= 2) return;
        if (Date.now() > deadline) {
          throw new Error(
            `events not drained after ${timeoutMs} ms: a consumer keeps failing, or keeps producing work`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      schedules.stop();
      objects.stop();
      await Promise.all([...queuePollers, ...streamPollers].map((p) => p.stop()));
      for (const client of clients) client.destroy();
    },
  };
}

/** The Manifest's schedules as the runner takes them, named as deployed (`<service>-<stage>-<fn>[-n]`). */
export function scheduleDeclarations(manifest: Manifest): ScheduleDeclaration[] {
  return manifest.functions.flatMap((fn) =>
    fn.triggers
      .filter((t): t is ManifestScheduleTrigger => t.type === 'schedule')
      .map((trigger, index) => ({
        functionName: fn.name,
        name: scheduleName(manifest.service, manifest.stage, fn.name, index),
        expression: trigger.expression,
        timezone: trigger.timezone,
        input: trigger.input,
      })),
  );
}
