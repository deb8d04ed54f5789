// Init cost of Powertools Metrics: its module and one Metrics instance, as a handler makes it.
import { Metrics } from '@aws-lambda-powertools/metrics';

const metrics = new Metrics({ namespace: 'tasks-app/prod', defaultDimensions: { route: 'POST /notes' } });
export async function handler() {
  metrics.addMetric('Latency', 'Milliseconds', 1);
  return metrics.serializeMetrics();
}
