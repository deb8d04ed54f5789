import type { Manifest, ManifestObjectTrigger } from '../manifest.js';
import type { EventLog, Invoke } from './invoke.js';
import { type S3EventRecord, withConfigurationId } from './s3-event.js';

/** An object created or removed in a local bucket, as the local S3 endpoint reports it (plain data). */
export interface ObjectNotice {
  /** The bucket's declared name. */
  bucket: string;
  record: S3EventRecord;
  /** The object's key as written (the record's is URL-encoded). */
  change: { key: string };
}

export interface ObjectNotifier {
  /** Delivers a notice to every function whose `@onObjectCreated`/`@onObjectRemoved` matches it. */
  notify(notice: ObjectNotice): void;
  /** True when no delivery runs or waits for a retry. */
  idle(): boolean;
  stop(): void;
}

/**
 * Lambda's asynchronous invocation (how S3 invokes a function): after a failed attempt it retries
 * twice, about one and two minutes later; then the event is dropped (no on-failure destination is
 * generated). Tests may pass shorter delays.
 */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/**
 * S3 event notifications for a local run: each matching subscription gets the record alone
 * (`{ Records: [record] }`, one record per event as S3 sends them), its `configurationId` naming the
 * subscription, invoked without waiting (S3 invokes asynchronously), retried as Lambda retries
 * asynchronous invocations. Filters are S3's: the key starts with `prefix` and ends with `suffix`.
 */
export function startObjectNotifier(options: {
  manifest: Manifest;
  invoke: Invoke;
  log: EventLog;
  retryDelaysMs?: readonly number[] | undefined;
}): ObjectNotifier {
  const { invoke, log } = options;
  const retryDelays = options.retryDelaysMs ?? ASYNC_RETRY_DELAYS_MS;
  const subscriptions = options.manifest.functions.flatMap((fn) =>
    fn.triggers
      .filter((trigger): trigger is ManifestObjectTrigger => trigger.type === 'object')
      .map((trigger, index) => ({ functionName: fn.name, trigger, configurationId: `${fn.name}-${index}` })),
  );
  let pending = 0;
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();

  const deliver = async (functionName: string, event: { Records: S3EventRecord[] }, attempt: number) => {
    const outcome = await invoke(functionName, event);
    if (outcome.type === 'result' || stopped) return;
    const why = outcome.type === 'timeout' ? 'timed out' : `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
    const delay = retryDelays[attempt];
    if (delay === undefined) {
      log.warning(
        `${functionName} failed on ${event.Records[0]?.s3.object.key} (${why}); given up after ${attempt + 1} attempts, as Lambda gives up an asynchronous event`,
      );
      return;
    }
    log.warning(
      `${functionName} failed on ${event.Records[0]?.s3.object.key} (${why}); retried in ${delay / 1000} s, as Lambda retries an asynchronous event`,
    );
    pending++;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void deliver(functionName, event, attempt + 1).finally(() => pending--);
    }, delay);
    timers.add(timer);
  };

  return {
    notify(notice) {
      if (stopped) return;
      const created = notice.record.eventName.startsWith('ObjectCreated:');
      for (const { functionName, trigger, configurationId } of subscriptions) {
        if (trigger.bucket !== notice.bucket || (trigger.events === 'created') !== created) continue;
        const { key } = notice.change;
        if (!key.startsWith(trigger.prefix ?? '') || !key.endsWith(trigger.suffix ?? '')) continue;
        pending++;
        const event = { Records: [withConfigurationId(notice.record, configurationId)] };
        void deliver(functionName, event, 0).finally(() => pending--);
      }
    },
    idle: () => pending === 0,
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
