// The kit's hand-written EMF writer as the request log uses it per request (its module, not the
// package root, so the cold-start bundle holds the writer alone).
import { emfWriter } from '../../packages/middy/src/metrics/emf-writer.js';

const writer = emfWriter('http', { namespace: 'tasks-app/prod' });
const render = (fields: Record<string, unknown>) =>
  `{"level":"info","time":${Date.now()},${JSON.stringify(fields).slice(1)}\n`;

export function emfFieldsHandWritten() {
  const durationMs = 1.23;
  return render({
    msg: 'request',
    requestId: 'b3c4d5e6-0000-4000-8000-000000000000',
    apiRequestId: 'JkX4qjCpFiAEMqQ=',
    method: 'POST',
    path: '/notes',
    route: 'POST /notes',
    status: 201,
    durationMs,
    coldStart: false,
    ...writer.start().fields([durationMs, 0, 0], false),
  });
}
