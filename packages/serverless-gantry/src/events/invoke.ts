/**
 * How a local event source runs a function: the event in, the outcome out, exactly one per call.
 * `sls offline` invokes through its function pool, `serverless-gantry/testing` through the
 * function's own thread (both on function-thread.ts). Event sources never see which.
 */
export type Invoke = (functionName: string, event: unknown) => Promise<InvokeOutcome>;

export type InvokeOutcome =
  /** The handler returned (its value, JSON as Lambda would serialise it). */
  | { type: 'result'; result: unknown }
  /** The handler threw, or its init failed: Lambda's error payload. */
  | { type: 'error'; error: { errorType: string; errorMessage: string } }
  /** It ran past its timeout. */
  | { type: 'timeout' };

/** What an event source logs: one line each, for the terminal or a test's logs. */
export interface EventLog {
  notice(line: string): void;
  warning(line: string): void;
}
