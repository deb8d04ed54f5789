import type { InvocationMetrics, Metrics } from './emf-writer.js';
import { MetricsError } from './metric-rules.js';

// Lambda runs one invocation at a time in an execution environment, so "the invocation running
// now" is one module-level value: set by the kit's handler when an invocation starts.
let current: InvocationMetrics | undefined;

export function setCurrentInvocation(metrics: InvocationMetrics | undefined): void {
  current = metrics;
}

/**
 * The running invocation's metrics, for methods that get no request object (queue and change
 * consumers, scheduled functions); written in the invocation's log line with the kit's. Route
 * methods can use it too, or `request.metrics`, the same object.
 *
 * @example
 * import { metrics } from '@gantry/middy';
 * metrics.add('JobsDone', 'Count', 1);
 */
export const metrics: Metrics = {
  add(name, unit, value, options) {
    if (!current) {
      throw new MetricsError(
        `metric ${name}: added outside an invocation of a kit handler (at module load, or after the invocation ended)`,
      );
    }
    current.add(name, unit, value, options);
  },
};
