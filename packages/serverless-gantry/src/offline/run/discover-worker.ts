import { parentPort, workerData } from 'node:worker_threads';
import { type BuildInput, buildService } from '../../build-service.js';
import { isGantryError } from '../../errors.js';

// Discovery again, while `sls offline` runs, on a thread that ends afterwards: every run imports
// fresh copies of the handler modules, and a short-lived thread takes them with it (memory stays flat).
const port = parentPort;
if (!port) throw new Error('discover-worker runs as a worker thread');
try {
  const { manifest, fragment } = await buildService(workerData as BuildInput);
  port.postMessage({ type: 'built', manifest, fragment });
} catch (error) {
  port.postMessage({
    type: 'failed',
    message: error instanceof Error ? error.message : String(error),
    problems: isGantryError(error) ? (error as { problems?: string[] }).problems : undefined,
  });
}
