// The handlers and line builders the metrics benchmark calls: the kit with its metrics on and off,
// and the request line's metrics written three ways (none; the kit's hand-written EMF writer;
// Powertools Metrics' serializeMetrics merged into the line), so the choice is measured.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { api, post } from '@gantry/decorators';
import { created, type HttpRequest, httpHandler } from '@gantry/middy';

const settings = { namespace: 'tasks-app/prod' };

@api('/notes')
class NotesApi {
  @post('/')
  static create(request: HttpRequest) {
    return created({ id: 'n1', ...(request.body as object) }, '/notes/n1');
  }

  @post('/')
  static createCounted(request: HttpRequest) {
    request.metrics.add('NotesCreated', 'Count', 1);
    return created({ id: 'n1', ...(request.body as object) }, '/notes/n1');
  }
}

let last = '';
const write = (line: string) => {
  last = line;
};
/** The last line a kit handler wrote (for its size). */
export const lastLine = () => last;

export const kitMetricsOff = httpHandler(NotesApi, 'create', { metrics: false, logger: { write } });
export const kitMetricsOn = httpHandler(NotesApi, 'create', { metrics: settings, logger: { write } });
export const kitMetricsOnWithOwn = httpHandler(NotesApi, 'createCounted', { metrics: settings, logger: { write } });

// The request line alone, as the kit's logger renders it, with each way of adding its metrics.
const entry = (durationMs: number) => ({
  msg: 'request',
  requestId: 'b3c4d5e6-0000-4000-8000-000000000000',
  apiRequestId: 'JkX4qjCpFiAEMqQ=',
  method: 'POST',
  path: '/notes',
  route: 'POST /notes',
  status: 201,
  durationMs,
  coldStart: false,
});
const render = (fields: Record<string, unknown>) =>
  `{"level":"info","time":${Date.now()},${JSON.stringify(fields).slice(1)}\n`;

export const lineWithoutMetrics = () => render(entry(1.23));

/** What the kit's request log does per request: the hand-written writer's fields. */
export { emfFieldsHandWritten } from './hand-written.js';

const powertools = new Metrics({
  namespace: 'tasks-app/prod',
  defaultDimensions: { route: 'POST /notes' },
  singleMetric: false,
});
/** The same metrics through Powertools: three addMetric calls, serializeMetrics, clearMetrics. */
export function lineWithPowertools() {
  const durationMs = 1.23;
  powertools.addMetric('Latency', MetricUnit.Milliseconds, durationMs);
  powertools.addMetric('4xx', MetricUnit.Count, 0);
  powertools.addMetric('5xx', MetricUnit.Count, 0);
  const emf = powertools.serializeMetrics();
  powertools.clearMetrics();
  return render({ ...entry(durationMs), ...emf });
}
