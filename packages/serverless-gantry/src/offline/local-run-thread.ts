import { Worker } from 'node:worker_threads';
import { GantryBuildError } from '../errors.js';
import type { LocalRun, LocalRunOptions, UpdateSummary } from './local-run.js';

type Reply =
  | { type: 'ready'; endpoint: string; environment: LocalRun['environment'] }
  | { type: 'failed'; message: string; problems?: string[] }
  | { type: 'swept'; id: number; count: number }
  | { type: 'updated'; id: number; summary?: UpdateSummary; error?: string }
  | { type: 'stopped'; id: number };

/** `startLocalRun` on a worker thread (see local-run-worker.ts), with the same interface. */
export function startLocalRunInThread(options: LocalRunOptions): Promise<LocalRun> {
  const worker = new Worker(new URL('./local-run-worker.js', import.meta.url), { workerData: options });
  let next = 0;
  const pending = new Map<number, (reply: Reply) => void>();
  const ask = (type: 'sweep' | 'stop' | 'update', payload: object = {}) =>
    new Promise<Reply>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      worker.postMessage({ ...payload, type, id });
    });

  return new Promise((resolve, reject) => {
    let started = false;
    // Before it is ready, a crash fails the start; after, it is reported and sls offline carries on.
    worker.on('error', (error) => {
      if (!started) reject(error);
      else console.error(`gantry: the local DynamoDB thread failed: ${error.stack ?? error.message}`);
    });
    worker.on('message', (reply: Reply) => {
      if (reply.type === 'ready') {
        started = true;
        resolve({
          endpoint: reply.endpoint,
          environment: reply.environment,
          sweepExpired: async () => ((await ask('sweep')) as { count: number }).count,
          update: async (manifest, fragment) => {
            const reply = (await ask('update', { manifest, fragment })) as { summary?: UpdateSummary; error?: string };
            if (!reply.summary) throw new Error(reply.error ?? 'update failed');
            return reply.summary;
          },
          stop: async () => {
            await ask('stop');
            await worker.terminate();
          },
        });
      } else if (reply.type === 'failed') {
        void worker.terminate();
        reject(reply.problems ? new GantryBuildError(reply.problems) : new Error(reply.message));
      } else {
        pending.get(reply.id)?.(reply);
        pending.delete(reply.id);
      }
    });
  });
}
