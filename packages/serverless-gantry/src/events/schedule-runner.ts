/**
 * Fires scheduled functions on the local clock as EventBridge Scheduler fires them when deployed:
 * at each time the expression gives, in UTC or the declared time zone, with the event Scheduler
 * delivers to a Lambda target, and with Lambda's retries when the function fails.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { GantryBuildError, GantryError } from '../errors.js';
import type { EventLog, Invoke, InvokeOutcome } from './invoke.js';
import { nextFireTime, scheduleProblems } from './schedule-expression.js';

/** One schedule, as the Manifest declares it. */
export interface ScheduleDeclaration {
  /** The function the schedule invokes. */
  functionName: string;
  /** The schedule's name (its ARN ends in `schedule/default/<name>`). */
  name: string;
  /** `rate(...)`, `cron(...)` or `at(...)`, valid for `scheduleProblems`. */
  expression: string;
  /** IANA time zone of cron and at expressions; UTC when absent. */
  timezone?: string | undefined;
  /** The target's Input as a JSON value: the event the function receives. */
  input?: unknown;
}

/** A timer of the runner's clock; Node's `Timeout` is one. */
export interface ScheduleTimer {
  unref(): unknown;
}

/** Time as the runner sees it: the real clock by default, a fake one in tests. */
export interface ScheduleClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): ScheduleTimer;
  clearTimeout(timer: ScheduleTimer): void;
}

export interface ScheduleRunnerOptions {
  schedules: readonly ScheduleDeclaration[];
  invoke: Invoke;
  /** Whether schedules fire on their own; `fire()` works either way. */
  enabled: boolean;
  log: EventLog;
  clock?: ScheduleClock | undefined;
  /** Where the schedules' ARNs point (`<aws.scheduler.schedule-arn>`); a local account by default. */
  account?: { partition: string; region: string; accountId: string } | undefined;
}

export interface ScheduleRunner {
  /**
   * Runs a scheduled function now with its schedule's event and returns the outcome, as
   * `sls gantry invoke` does; `scheduleName` picks the schedule when the function has several.
   */
  fire(functionName: string, scheduleName?: string): Promise<InvokeOutcome>;
  /** The next time each schedule fires, earliest first; empty when schedules are not enabled. */
  next(): { functionName: string; name: string; at: Date }[];
  /** Clears every timer; invocations already running finish, but nothing fires or retries after. */
  stop(): void;
}

/**
 * Starts firing the schedules on the clock (when `enabled`) and returns the runner's controls.
 * Throws `GantryBuildError` when a schedule's expression, time zone or input is invalid.
 *
 * @example
 * const runner = startScheduleRunner({
 *   schedules: [{ functionName: 'reports-nightly', name: 'nightly', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Berlin' }],
 *   invoke,
 *   enabled: true,
 *   log: { notice: console.log, warning: console.warn },
 * });
 * console.table(runner.next());
 * // later
 * runner.stop();
 */
export function startScheduleRunner(options: ScheduleRunnerOptions): ScheduleRunner {
  const { invoke, log } = options;
  const clock = options.clock ?? systemClock;
  const account = options.account ?? { partition: 'aws', region: 'us-east-1', accountId: '000000000000' };
  const problems = options.schedules.flatMap((schedule) =>
    declarationProblems(schedule).map((problem) => `schedule ${schedule.name} (${schedule.functionName}): ${problem}`),
  );
  if (problems.length > 0) throw new GantryBuildError(problems);

  // A rate schedule without a StartDate "starts invoking immediately" (schedule-types.html), so
  // local rates count from the runner's start, which stands for the deployment.
  const startedAt = clock.now();
  const pending = options.schedules.map((schedule) => ({ schedule, dueAt: undefined as number | undefined }));
  const timers = new Set<ScheduleTimer>();
  let stopped = false;

  const nextAfter = (schedule: ScheduleDeclaration, afterMs: number) =>
    nextFireTime(schedule.expression, new Date(afterMs), {
      timezone: schedule.timezone,
      start: new Date(startedAt),
    })?.getTime();

  const setTimer = (callback: () => void, delayMs: number) => {
    if (stopped) return;
    const timer = clock.setTimeout(() => {
      timers.delete(timer);
      if (!stopped) callback();
    }, delayMs);
    // A local schedule never keeps the process alive on its own.
    timer.unref();
    timers.add(timer);
  };

  // setTimeout takes at most 2^31-1 ms (about 24.8 days) and fires at once beyond it, so a long
  // wait is taken in steps, each one checking the clock again.
  const arm = (entry: (typeof pending)[number]) => {
    const { dueAt } = entry;
    if (dueAt === undefined) return;
    setTimer(() => wake(entry), Math.min(Math.max(dueAt - clock.now(), 0), MAX_TIMER_DELAY_MS));
  };

  const wake = (entry: (typeof pending)[number]) => {
    const now = clock.now();
    if (entry.dueAt === undefined) return;
    if (now < entry.dueAt) {
      arm(entry);
      return;
    }
    deliver(entry.schedule, entry.dueAt);
    // After a late wake (a sleeping laptop), the missed times are not replayed one after another.
    entry.dueAt = nextAfter(entry.schedule, Math.max(now, entry.dueAt));
    arm(entry);
  };

  // Scheduler invokes a Lambda target asynchronously ("Invoke a Lambda function on a schedule",
  // docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html): the invocation succeeds
  // once Lambda queues the event, so Scheduler's own RetryPolicy never sees the function's error.
  // Lambda then retries a function error or timeout twice, one minute after the first attempt and
  // two minutes after the second, and drops the event unless an on-failure destination or DLQ
  // takes it ("How Lambda handles errors and retries with asynchronous invocation",
  // docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
  const deliver = (schedule: ScheduleDeclaration, scheduledAt: number) => {
    const payload = eventPayload(schedule, scheduledAt, account);
    const attempt = (attemptNumber: number) => {
      // Each attempt deserialises the payload afresh, as Lambda does, so one attempt's changes to
      // the event never reach the next. Started in a promise, so even a throwing invoke is caught.
      Promise.resolve()
        .then(() => invoke(schedule.functionName, JSON.parse(payload)))
        .then(
          (outcome) => {
            const what = `schedule ${schedule.name} → ${schedule.functionName}`;
            const retry = attemptNumber > 1 ? ` (Lambda's retry ${attemptNumber - 1})` : '';
            if (outcome.type === 'result') {
              log.notice(`${what}: fired for ${scheduledTime(scheduledAt)}${retry}`);
              return;
            }
            const retryIn = ASYNC_RETRY_DELAYS_MS[attemptNumber - 1];
            if (stopped) {
              log.warning(`${what}: ${describeFailure(outcome)}${retry}`);
            } else if (retryIn === undefined) {
              log.warning(
                `${what}: ${describeFailure(outcome)}${retry}; Lambda drops the event after its ${ASYNC_RETRY_DELAYS_MS.length} asynchronous retries`,
              );
            } else {
              log.warning(`${what}: ${describeFailure(outcome)}${retry}; Lambda retries it in ${retryIn / 60_000} min`);
              setTimer(() => attempt(attemptNumber + 1), retryIn);
            }
          },
          // The Invoke contract gives one outcome per call; a rejection is a local fault, and left
          // unhandled it would end the whole `sls offline` process.
          (error: unknown) =>
            log.warning(
              `schedule ${schedule.name} → ${schedule.functionName}: could not be invoked locally: ${error instanceof Error ? error.message : String(error)}`,
            ),
        );
    };
    attempt(1);
  };

  if (options.enabled) {
    for (const entry of pending) {
      entry.dueAt = nextAfter(entry.schedule, startedAt - 1);
      if (entry.dueAt === undefined) {
        log.notice(
          `schedule ${entry.schedule.name} → ${entry.schedule.functionName}: ${entry.schedule.expression} has no time left to fire`,
        );
      }
      arm(entry);
    }
  }

  return {
    async fire(functionName, scheduleName) {
      const schedule = pickSchedule(options.schedules, functionName, scheduleName);
      const payload = eventPayload(schedule, clock.now(), account);
      return invoke(functionName, JSON.parse(payload));
    },
    next() {
      return pending
        .filter((entry) => entry.dueAt !== undefined && !stopped)
        .map(({ schedule, dueAt }) => ({
          functionName: schedule.functionName,
          name: schedule.name,
          at: new Date(dueAt ?? 0),
        }))
        .sort((a, b) => a.at.getTime() - b.at.getTime());
    },
    stop() {
      stopped = true;
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
    },
  };
}

const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Lambda's default asynchronous retries: the waits before the second and the third attempt. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

const systemClock: ScheduleClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

function declarationProblems(schedule: ScheduleDeclaration): string[] {
  const problems = scheduleProblems(schedule.expression, schedule.timezone);
  if (schedule.input !== undefined && typeof JSON.stringify(schedule.input) !== 'string') {
    problems.push('its input is not a JSON value (Scheduler delivers JSON text to a Lambda target)');
  }
  return problems;
}

/**
 * The JSON text Scheduler hands Lambda. A templated Lambda target delivers its Input, with the
 * context attributes (`<aws.scheduler.scheduled-time>` and the others) replaced in the text
 * ("Adding context attributes", docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
 * Without an Input, AWS says only that Scheduler "delivers a default notification to the target"
 * (API_Target, Input) and documents no content for it; Lambda gives a function invoked without a
 * payload `{}`, and that is what arrives here. Lambda's retries re-deliver the same text, so the
 * execution id and attempt number (Scheduler's own attempts, not Lambda's) stay the same.
 */
function eventPayload(
  schedule: ScheduleDeclaration,
  scheduledAt: number,
  account: { partition: string; region: string; accountId: string },
): string {
  if (schedule.input === undefined) return '{}';
  const attributes: Record<string, string> = {
    'schedule-arn': `arn:${account.partition}:scheduler:${account.region}:${account.accountId}:schedule/default/${schedule.name}`,
    'scheduled-time': scheduledTime(scheduledAt),
    'execution-id': randomBytes(8).toString('hex'),
    'attempt-number': '1',
  };
  return JSON.stringify(schedule.input).replace(
    /<aws\.scheduler\.([a-z-]+)>/g,
    (keyword, name: string) => attributes[name] ?? keyword,
  );
}

/** Scheduler's time format in context attributes: `2022-03-22T18:59:43Z`, no milliseconds. */
function scheduledTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function describeFailure(outcome: Exclude<InvokeOutcome, { type: 'result' }>): string {
  return outcome.type === 'timeout'
    ? 'the function timed out'
    : `the function failed (${outcome.error.errorType}: ${outcome.error.errorMessage})`;
}

function pickSchedule(
  schedules: readonly ScheduleDeclaration[],
  functionName: string,
  scheduleName: string | undefined,
): ScheduleDeclaration {
  const own = schedules.filter((schedule) => schedule.functionName === functionName);
  if (own.length === 0) {
    const names = [...new Set(schedules.map((schedule) => schedule.functionName))];
    throw new GantryError(
      names.length === 0
        ? `"${functionName}" is not a scheduled function: this service has no schedules`
        : `"${functionName}" is not a scheduled function; the scheduled functions are ${names.join(', ')}`,
    );
  }
  if (scheduleName !== undefined) {
    const named = own.find((schedule) => schedule.name === scheduleName);
    if (named) return named;
    throw new GantryError(
      `"${functionName}" has no schedule named "${scheduleName}"; its schedules are ${own.map((s) => s.name).join(', ')}`,
    );
  }
  const [only, ...others] = own;
  if (only === undefined || others.length > 0) {
    throw new GantryError(
      `"${functionName}" has ${own.length} schedules (${own.map((s) => s.name).join(', ')}); name the one whose event to send`,
    );
  }
  return only;
}
