import { Worker } from 'node:worker_threads';
import { GantryBuildError } from '../errors.js';
import type { LocalRun, LocalRunOptions } from './local-run.js';

type Reply =
  | { type: 'ready'; endpoint: string; environment: LocalRun['environment'] }
  | { type: 'failed'; message: string; problems?: string[] }
  | { type: 'swept'; id: number; count: number }
  | { type: 'stopped'; id: number };

/** `startLocalRun` on a worker thread (see local-run-worker.ts), with the same interface. */
export function startLocalRunInThread(options: LocalRunOptions): Promise<LocalRun> {
  const worker = new Worker(new URL('./local-run-worker.js', import.meta.url), { workerData: options });
  let next = 0;
  const pending = new Map<number, (reply: Reply) => void>();
  const ask = (type: 'sweep' | 'stop') =>
    new Promise<Reply>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      worker.postMessage({ type, id });
    });

  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (reply: Reply) => {
      if (reply.type === 'ready') {
        resolve({
          endpoint: reply.endpoint,
          environment: reply.environment,
          sweepExpired: async () => ((await ask('sweep')) as { count: number }).count,
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
