import { Worker } from 'node:worker_threads';
import { GantryBuildError } from '../../errors.js';
import type { LocalObjectEvent } from '../s3/local-s3.js';
import type { LocalRun, LocalRunOptions, UpdateSummary } from './local-run.js';

type Reply =
  | { type: 'ready'; endpoint: string; environment: LocalRun['environment']; events: LocalRun['events'] }
  | { type: 'failed'; message: string; problems?: string[] }
  | { type: 'swept'; id: number; count: number }
  | { type: 'updated'; id: number; summary?: UpdateSummary; events?: LocalRun['events']; error?: string }
  | { type: 'stopped'; id: number }
  | { type: 'object-event'; event: LocalObjectEvent };

/**
 * `startLocalRun` on a worker thread (see local-run-worker.ts), with the same interface. If the
 * thread dies after it is ready, `onFailure` is called once with a one-line reason; calls to the run
 * then fail at once and `stop()` returns at once: nothing ever waits on a dead thread.
 */
export function startLocalRunInThread(
  options: LocalRunOptions,
  onFailure: (reason: string) => void = () => undefined,
): Promise<LocalRun> {
  const worker = new Worker(new URL('./local-run-worker.js', import.meta.url), { workerData: options });
  let next = 0;
  let gone: string | undefined; // why the thread is no longer there
  let stopping = false;
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  const objectListeners: ((event: LocalObjectEvent) => void)[] = [];
  const ask = (type: 'sweep' | 'stop' | 'update', payload: object = {}) =>
    new Promise<Reply>((resolve, reject) => {
      if (gone) return reject(new Error(`the local DynamoDB is not running (${gone})`));
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...payload, type, id });
    });
  const lost = (reason: string) => {
    if (gone) return;
    gone = reason;
    for (const { reject } of pending.values()) reject(new Error(`the local DynamoDB is not running (${reason})`));
    pending.clear();
  };

  return new Promise((resolve, reject) => {
    let started = false;
    const fail = (reason: string) => {
      const first = !gone;
      lost(reason);
      if (!started) reject(new Error(`the local DynamoDB failed to start: ${reason}`));
      else if (first && !stopping) onFailure(reason);
    };
    worker.on('error', (error) => fail(firstLine(error)));
    worker.on('exit', (code) => fail(`its thread exited with code ${code}`));
    worker.on('message', (reply: Reply) => {
      if (reply.type === 'object-event') {
        for (const listener of objectListeners) listener(reply.event);
      } else if (reply.type === 'ready') {
        started = true;
        const run: LocalRun = {
          endpoint: reply.endpoint,
          environment: reply.environment,
          events: reply.events,
          sweepExpired: async (options) => ((await ask('sweep', { options })) as { count: number }).count,
          update: async (manifest, fragment) => {
            const reply = (await ask('update', { manifest, fragment })) as {
              summary?: UpdateSummary;
              events?: LocalRun['events'];
              error?: string;
            };
            if (!reply.summary || !reply.events) throw new Error(reply.error ?? 'update failed');
            run.events = reply.events;
            return reply.summary;
          },
          onObjectEvent: (listener) => {
            objectListeners.push(listener);
          },
          stop: async () => {
            stopping = true;
            if (!gone) await ask('stop').catch(() => undefined); // answered, or rejected when the thread dies
            await worker.terminate();
          },
        };
        resolve(run);
      } else if (reply.type === 'failed') {
        started = false;
        lost(reply.message);
        void worker.terminate();
        reject(reply.problems ? new GantryBuildError(reply.problems) : new Error(reply.message));
      } else {
        pending.get(reply.id)?.resolve(reply);
        pending.delete(reply.id);
      }
    });
  });
}

const firstLine = (error: Error) => `${error.name}: ${error.message}`.split('\n')[0] as string;
