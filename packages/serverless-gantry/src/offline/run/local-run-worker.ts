import { parentPort, workerData } from 'node:worker_threads';
import { isGantryError } from '../../errors.js';
import type { ServiceFragment } from '../../generate/service.js';
import type { Manifest } from '../../manifest.js';
import { type LocalRunOptions, startLocalRun } from './local-run.js';

// The local DynamoDB and its IAM endpoint, on a thread of their own: serverless-offline's HTTP
// server and handler workers keep the main thread's event loop, and the database gets a core.
const port = parentPort;
if (!port) throw new Error('local-run-worker runs as a worker thread');

try {
  // GANTRY_INTERNAL_TEST_ENDPOINT_FAILURE: for Gantry's own tests of a failing thread, not for users.
  const run = await startLocalRun(workerData as LocalRunOptions, {
    testFailureOn: process.env.GANTRY_INTERNAL_TEST_ENDPOINT_FAILURE,
  });
  port.on(
    'message',
    async (message: {
      type: 'sweep' | 'stop' | 'update';
      id: number;
      manifest: Manifest;
      fragment: ServiceFragment;
      options?: { now?: boolean };
    }) => {
      if (message.type === 'sweep')
        port.postMessage({
          type: 'swept',
          id: message.id,
          count: await run.sweepExpired(message.options).catch(() => 0),
        });
      if (message.type === 'update') {
        try {
          port.postMessage({
            type: 'updated',
            id: message.id,
            summary: await run.update(message.manifest, message.fragment),
            events: run.events,
          });
        } catch (error) {
          port.postMessage({ type: 'updated', id: message.id, error: String(error) });
        }
      }
      if (message.type === 'stop') {
        await run.stop().catch(() => undefined);
        port.postMessage({ type: 'stopped', id: message.id });
        port.close();
      }
    },
  );
  // Object events cross to the event engine's thread as they happen (plain data).
  run.onObjectEvent((event) => port.postMessage({ type: 'object-event', event }));
  port.postMessage({ type: 'ready', endpoint: run.endpoint, environment: run.environment, events: run.events });
} catch (error) {
  port.postMessage({
    type: 'failed',
    message: error instanceof Error ? error.message : String(error),
    problems: isGantryError(error) ? (error as { problems?: string[] }).problems : undefined,
  });
}
