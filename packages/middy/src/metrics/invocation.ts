import type { InvocationMetrics } from './emf-writer.js';

/**
 * Where the request log middleware leaves the invocation's metrics on middy's per-request object,
 * for the request parser to hand them to the method as `request.metrics`.
 */
export const INVOCATION_METRICS = Symbol('gantry.invocation-metrics');

export type WithInvocationMetrics = { [INVOCATION_METRICS]?: InvocationMetrics };
