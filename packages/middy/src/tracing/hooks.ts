/**
 * What the kit does when tracing is on, set by `@gantry/middy/tracing` (the generated entry of a
 * function with tracing imports it first). Nothing here loads a tracer: with tracing off, no
 * function's bundle holds the tracer, and these are two `undefined` checks per invocation.
 */
export interface TracingHooks {
  /** Starts the invocation's subsegment with its ids as annotations; returns what ends it. */
  startInvocation(invocation: {
    requestId: string | undefined;
    apiRequestId?: string | undefined;
    coldStart: boolean;
  }): () => void;
  /** Records an AWS SDK v3 client's calls as subsegments. */
  captureClient<T>(client: T): T;
}

let hooks: TracingHooks | undefined;

export function setTracingHooks(next: TracingHooks | undefined): void {
  hooks = next;
}

export function tracingHooks(): TracingHooks | undefined {
  return hooks;
}

/** The X-Ray trace id Lambda gives the invocation (`Root=1-…`), for the log line; set only with tracing. */
export function traceId(): string | undefined {
  if (!hooks) return undefined;
  const header = process.env._X_AMZN_TRACE_ID;
  return header?.match(/Root=([^;]+)/)?.[1];
}
