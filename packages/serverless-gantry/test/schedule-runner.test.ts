import { describe, expect, it } from 'vitest';
import { isGantryError } from '../src/errors.js';
import type { Invoke, InvokeOutcome } from '../src/events/invoke.js';
import {
  type ScheduleClock,
  type ScheduleDeclaration,
  type ScheduleRunnerOptions,
  type ScheduleTimer,
  startScheduleRunner,
} from '../src/events/schedule-runner.js';

const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Lets every pending promise callback run (the runner invokes and retries through promises). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface FakeTimer extends ScheduleTimer {
  unrefed: boolean;
  requestedDelay: number;
}

/**
 * Simulated time. Timers behave as Node's do: a delay over 2^31-1 ms or under 1 ms becomes 1 ms
 * (Node's TimeoutOverflowWarning), so a runner that hands setTimeout a long wait fires early here.
 */
class FakeClock implements ScheduleClock {
  readonly created: FakeTimer[] = [];
  readonly #due = new Map<FakeTimer, { at: number; callback: () => void }>();
  #now: number;

  constructor(iso: string) {
    this.#now = Date.parse(iso);
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): ScheduleTimer {
    const delay = delayMs > MAX_TIMER_DELAY_MS || delayMs < 1 ? 1 : delayMs;
    const timer: FakeTimer = {
      unrefed: false,
      requestedDelay: delayMs,
      unref() {
        timer.unrefed = true;
        return timer;
      },
    };
    this.created.push(timer);
    this.#due.set(timer, { at: this.#now + delay, callback });
    return timer;
  }

  clearTimeout(timer: ScheduleTimer): void {
    this.#due.delete(timer as FakeTimer);
  }

  get pending(): number {
    return this.#due.size;
  }

  /** Moves time forward, running each timer at its due time, in order. */
  async advanceTo(iso: string): Promise<void> {
    const target = Date.parse(iso);
    await settle();
    for (let step = 0; ; step += 1) {
      // A runner that re-arms without waiting would loop here forever: fail instead of hanging.
      if (step > 100_000) throw new Error('more than 100,000 timers ran: the runner is not waiting');
      const [timer, due] = [...this.#due].sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
      if (!timer || !due || due.at > target) break;
      this.#due.delete(timer);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
      await settle();
    }
    this.#now = target;
  }

  /** Jumps forward without running timers on the way, as a machine waking from sleep does. */
  async wakeAt(iso: string): Promise<void> {
    this.#now = Date.parse(iso);
    await this.advanceTo(iso);
  }
}

function setup(
  schedules: ScheduleDeclaration[],
  options: {
    now?: string;
    enabled?: boolean;
    outcome?: (functionName: string, event: unknown, call: number) => InvokeOutcome | Promise<InvokeOutcome>;
    account?: ScheduleRunnerOptions['account'];
  } = {},
) {
  const clock = new FakeClock(options.now ?? '2026-01-01T00:00:00Z');
  const calls: { functionName: string; event: unknown; at: string }[] = [];
  const log = { notice: [] as string[], warning: [] as string[] };
  const invoke: Invoke = async (functionName, event) => {
    calls.push({ functionName, event: structuredClone(event), at: new Date(clock.now()).toISOString() });
    return options.outcome ? options.outcome(functionName, event, calls.length) : { type: 'result', result: null };
  };
  const runner = startScheduleRunner({
    schedules,
    invoke,
    enabled: options.enabled ?? true,
    log: { notice: (line) => log.notice.push(line), warning: (line) => log.warning.push(line) },
    clock,
    account: options.account,
  });
  return { clock, calls, log, runner };
}

const nightly: ScheduleDeclaration = {
  functionName: 'reports-nightly',
  name: 'nightly',
  expression: 'cron(0 3 * * ? *)',
};

describe('startScheduleRunner fires each schedule at its times', () => {
  it('fires a cron schedule in its time zone, with its input as the event', async () => {
    const { clock, calls, runner } = setup(
      [{ ...nightly, expression: 'cron(0 9 ? * MON-FRI *)', timezone: 'Europe/Berlin', input: { report: 'daily' } }],
      { now: '2026-03-26T12:00:00Z' },
    );
    expect(runner.next()).toEqual([
      { functionName: 'reports-nightly', name: 'nightly', at: new Date('2026-03-27T08:00:00Z') },
    ]);

    await clock.advanceTo('2026-03-31T00:00:00Z');

    expect(calls).toEqual([
      { functionName: 'reports-nightly', event: { report: 'daily' }, at: '2026-03-27T08:00:00.000Z' }, // Fri, CET
      { functionName: 'reports-nightly', event: { report: 'daily' }, at: '2026-03-30T07:00:00.000Z' }, // Mon, CEST
    ]);
    expect(runner.next()[0]?.at).toEqual(new Date('2026-03-31T07:00:00Z'));
    runner.stop();
  });

  it('skips a local time the clocks skip', async () => {
    const { clock, calls, runner } = setup(
      [{ ...nightly, expression: 'cron(30 2 * * ? *)', timezone: 'Europe/Berlin' }],
      {
        now: '2026-03-28T00:00:00Z',
      },
    );

    await clock.advanceTo('2026-03-31T00:00:00Z');

    expect(calls.map((call) => call.at)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    runner.stop();
  });

  it('fires a rate schedule as it starts, then every period (a rate without StartDate starts at once)', async () => {
    const { clock, calls, runner } = setup([{ ...nightly, expression: 'rate(5 minutes)' }], {
      now: '2026-01-01T12:00:00Z',
    });

    await clock.advanceTo('2026-01-01T12:12:00Z');

    expect(calls.map((call) => call.at)).toEqual([
      '2026-01-01T12:00:00.001Z', // a zero delay is Node's 1 ms
      '2026-01-01T12:05:00.000Z',
      '2026-01-01T12:10:00.000Z',
    ]);
    runner.stop();
  });

  it('fires a one-time schedule once', async () => {
    const { clock, calls, runner } = setup([
      { ...nightly, expression: 'at(2026-01-02T09:30:00)', timezone: 'Asia/Kolkata' },
    ]);

    await clock.advanceTo('2026-01-10T00:00:00Z');

    expect(calls.map((call) => call.at)).toEqual(['2026-01-02T04:00:00.000Z']);
    expect(runner.next()).toEqual([]);
    runner.stop();
  });

  it('waits beyond setTimeout’s 2^31-1 ms limit in steps, then fires on time', async () => {
    const { clock, calls, runner } = setup([{ ...nightly, expression: 'at(2099-01-01T00:00:00)' }]);
    expect(clock.created.map((timer) => timer.requestedDelay)).toEqual([MAX_TIMER_DELAY_MS]);

    await clock.advanceTo('2098-12-31T23:59:59.999Z');
    expect(calls).toEqual([]);
    await clock.advanceTo('2099-01-01T00:00:00Z');

    expect(calls.map((call) => call.at)).toEqual(['2099-01-01T00:00:00.000Z']);
    expect(Math.max(...clock.created.map((timer) => timer.requestedDelay))).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    runner.stop();
  });

  it('fires once after a late wake, not once per missed time', async () => {
    const { clock, calls, runner } = setup([{ ...nightly, expression: 'rate(5 minutes)' }], {
      now: '2026-01-01T12:00:00Z',
    });
    await clock.advanceTo('2026-01-01T12:01:00Z');

    await clock.wakeAt('2026-01-01T13:02:00Z');

    expect(calls.map((call) => call.at)).toEqual(['2026-01-01T12:00:00.001Z', '2026-01-01T13:02:00.000Z']);
    expect(runner.next()[0]?.at).toEqual(new Date('2026-01-01T13:05:00Z'));
    runner.stop();
  });

  it('lists the next times earliest first, and none for a schedule with no time left', () => {
    const { runner, log } = setup([
      nightly,
      { functionName: 'cleanup', name: 'hourly', expression: 'cron(30 * * * ? *)' },
      { functionName: 'launch', name: 'launch', expression: 'at(2025-06-01T00:00:00)' },
    ]);

    expect(runner.next()).toEqual([
      { functionName: 'cleanup', name: 'hourly', at: new Date('2026-01-01T00:30:00Z') },
      { functionName: 'reports-nightly', name: 'nightly', at: new Date('2026-01-01T03:00:00Z') },
    ]);
    expect(log.notice).toEqual(['schedule launch → launch: at(2025-06-01T00:00:00) has no time left to fire']);
    runner.stop();
  });

  it('unrefs every timer it sets', async () => {
    const { clock, runner } = setup(
      [
        { ...nightly, expression: 'rate(1 minute)' },
        { functionName: 'later', name: 'later', expression: 'at(2099-01-01T00:00:00)' },
      ],
      { outcome: () => ({ type: 'timeout' }) },
    );
    await clock.advanceTo('2026-01-01T00:10:00Z');

    expect(clock.created.length).toBeGreaterThan(10);
    expect(clock.created.filter((timer) => !timer.unrefed)).toEqual([]);
    runner.stop();
  });

  it('fires nothing on its own when not enabled', async () => {
    const { clock, calls, runner } = setup([{ ...nightly, expression: 'rate(1 minute)' }], { enabled: false });

    await clock.advanceTo('2026-01-02T00:00:00Z');

    expect(calls).toEqual([]);
    expect(clock.pending).toBe(0);
    expect(runner.next()).toEqual([]);
  });

  it('refuses invalid schedules, naming each', () => {
    let thrown: unknown;
    try {
      setup([nightly, { functionName: 'cleanup', name: 'hourly', expression: 'rate(1 hours)', timezone: 'Mars/Base' }]);
    } catch (error) {
      thrown = error;
    }
    expect(isGantryError(thrown)).toBe(true);
    expect((thrown as { problems: string[] }).problems).toEqual([
      'schedule hourly (cleanup): rate(1 hours): a value of 1 takes the singular unit, or AWS refuses it; write rate(1 hour)',
      'schedule hourly (cleanup): time zone "Mars/Base": not an IANA time zone name; write e.g. America/New_York, Europe/Berlin or UTC',
    ]);
  });
});

describe('the event Scheduler delivers', () => {
  it('is {} when the schedule has no input', async () => {
    const { clock, calls, runner } = setup([nightly]);

    await clock.advanceTo('2026-01-01T03:00:00Z');

    expect(calls.map((call) => call.event)).toEqual([{}]);
    runner.stop();
  });

  it('has the context attributes replaced in the input', async () => {
    const input = {
      arn: '<aws.scheduler.schedule-arn>',
      time: 'scheduled for <aws.scheduler.scheduled-time>',
      execution: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
      other: '<aws.scheduler.unknown>',
      nested: { list: ['<aws.scheduler.scheduled-time>'] },
    };
    const { clock, calls, runner } = setup([{ ...nightly, input }], {
      account: { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' },
    });

    await clock.advanceTo('2026-01-01T03:00:00Z');

    expect(calls[0]?.event).toEqual({
      arn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/default/nightly',
      time: 'scheduled for 2026-01-01T03:00:00Z',
      execution: expect.stringMatching(/^[0-9a-f]{16}$/),
      attempt: '1',
      other: '<aws.scheduler.unknown>',
      nested: { list: ['2026-01-01T03:00:00Z'] },
    });
    runner.stop();
  });

  it('gets a new execution id at each scheduled time', async () => {
    const { clock, calls, runner } = setup([{ ...nightly, input: { id: '<aws.scheduler.execution-id>' } }]);

    await clock.advanceTo('2026-01-02T03:00:00Z');

    const [first, second] = calls.map((call) => (call.event as { id: string }).id);
    expect(first).not.toBe(second);
    runner.stop();
  });
});

describe("a failing function gets Lambda's asynchronous retries", () => {
  const failures: [string, InvokeOutcome][] = [
    ['an error', { type: 'error', error: { errorType: 'Error', errorMessage: 'database down' } }],
    ['a timeout', { type: 'timeout' }],
  ];

  it.each(failures)('retries %s 1 and then 2 minutes later, then drops the event', async (_, failure) => {
    const { clock, calls, log, runner } = setup([{ ...nightly, input: { id: '<aws.scheduler.execution-id>' } }], {
      outcome: () => failure,
    });

    await clock.advanceTo('2026-01-01T03:30:00Z');

    expect(calls.map((call) => call.at)).toEqual([
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T03:01:00.000Z',
      '2026-01-01T03:03:00.000Z',
    ]);
    // Lambda re-delivers the same event: the same execution id on every attempt.
    expect(new Set(calls.map((call) => (call.event as { id: string }).id)).size).toBe(1);
    expect(log.warning).toHaveLength(3);
    expect(log.warning[2]).toContain('Lambda drops the event after its 2 asynchronous retries');
    runner.stop();
  });

  it('does not retry a function that returns', async () => {
    const { clock, calls, runner } = setup([nightly]);

    await clock.advanceTo('2026-01-01T03:30:00Z');

    expect(calls).toHaveLength(1);
    runner.stop();
  });

  it('stops retrying once a retry succeeds', async () => {
    const { clock, calls, runner } = setup([nightly], {
      outcome: (_, __, call) => (call === 1 ? { type: 'timeout' } : { type: 'result', result: 'ok' }),
    });

    await clock.advanceTo('2026-01-01T03:30:00Z');

    expect(calls.map((call) => call.at)).toEqual(['2026-01-01T03:00:00.000Z', '2026-01-01T03:01:00.000Z']);
    runner.stop();
  });

  it('gives each attempt the event as scheduled, whatever the last attempt did to it', async () => {
    const { clock, calls, runner } = setup([{ ...nightly, input: { items: ['a'] } }], {
      outcome: (_, event) => {
        (event as { items: string[] }).items.push('changed');
        return { type: 'timeout' };
      },
    });

    await clock.advanceTo('2026-01-01T03:01:00Z');

    expect(calls.map((call) => call.event)).toEqual([{ items: ['a'] }, { items: ['a'] }]);
    runner.stop();
  });

  it('logs a local invoke that rejects, and carries on', async () => {
    const { clock, calls, log, runner } = setup([nightly], {
      outcome: () => Promise.reject(new Error('worker exited')),
    });

    await clock.advanceTo('2026-01-02T03:00:00Z');

    expect(calls).toHaveLength(2);
    expect(log.warning).toEqual([
      'schedule nightly → reports-nightly: could not be invoked locally: worker exited',
      'schedule nightly → reports-nightly: could not be invoked locally: worker exited',
    ]);
    runner.stop();
  });
});

describe('fire', () => {
  it("runs a scheduled function now with its schedule's event and returns the outcome", async () => {
    const { calls, runner } = setup([{ ...nightly, input: { at: '<aws.scheduler.scheduled-time>' } }], {
      now: '2026-05-05T10:20:30.400Z',
      enabled: false,
      outcome: () => ({ type: 'result', result: { sent: 3 } }),
    });

    const outcome = await runner.fire('reports-nightly');

    expect(outcome).toEqual({ type: 'result', result: { sent: 3 } });
    expect(calls).toEqual([
      { functionName: 'reports-nightly', event: { at: '2026-05-05T10:20:30Z' }, at: '2026-05-05T10:20:30.400Z' },
    ]);
  });

  it('returns a failure as it is, without retries', async () => {
    const failure: InvokeOutcome = { type: 'error', error: { errorType: 'TypeError', errorMessage: 'x is undefined' } };
    const { clock, calls, runner } = setup([nightly], { enabled: false, outcome: () => failure });

    expect(await runner.fire('reports-nightly')).toEqual(failure);
    await clock.advanceTo('2026-01-01T01:00:00Z');
    expect(calls).toHaveLength(1);
  });

  it('rejects a function that no schedule invokes, naming the scheduled functions', async () => {
    const { runner } = setup([nightly, { functionName: 'cleanup', name: 'hourly', expression: 'rate(1 hour)' }], {
      enabled: false,
    });

    await expect(runner.fire('notes-get')).rejects.toThrow(
      '"notes-get" is not a scheduled function; the scheduled functions are reports-nightly, cleanup',
    );
  });

  it('rejects when the service has no schedules', async () => {
    const { runner } = setup([], { enabled: false });

    await expect(runner.fire('notes-get')).rejects.toThrow(
      '"notes-get" is not a scheduled function: this service has no schedules',
    );
  });

  it('asks which schedule when the function has several, and uses the one named', async () => {
    const { calls, runner } = setup(
      [
        { ...nightly, input: { kind: 'nightly' } },
        { ...nightly, name: 'weekly', expression: 'cron(0 4 ? * SUN *)', input: { kind: 'weekly' } },
      ],
      { enabled: false },
    );

    await expect(runner.fire('reports-nightly')).rejects.toThrow(
      '"reports-nightly" has 2 schedules (nightly, weekly); name the one whose event to send',
    );
    await expect(runner.fire('reports-nightly', 'monthly')).rejects.toThrow(
      '"reports-nightly" has no schedule named "monthly"; its schedules are nightly, weekly',
    );
    await runner.fire('reports-nightly', 'weekly');
    expect(calls.map((call) => call.event)).toEqual([{ kind: 'weekly' }]);
  });
});

describe('stop', () => {
  it('clears every timer, so nothing fires after', async () => {
    const { clock, calls, runner } = setup([
      nightly,
      { ...nightly, name: 'later', expression: 'at(2099-01-01T00:00:00)' },
    ]);

    runner.stop();

    expect(clock.pending).toBe(0);
    await clock.advanceTo('2026-01-03T00:00:00Z');
    expect(calls).toEqual([]);
    expect(runner.next()).toEqual([]);
  });

  it('clears a pending retry', async () => {
    const { clock, calls, runner } = setup([nightly], { outcome: () => ({ type: 'timeout' }) });
    await clock.advanceTo('2026-01-01T03:00:30Z'); // the retry is due at 03:01

    runner.stop();

    expect(clock.pending).toBe(0);
    await clock.advanceTo('2026-01-01T04:00:00Z');
    expect(calls).toHaveLength(1);
  });

  it('does not retry a failure that ends after stop', async () => {
    let fail: (outcome: InvokeOutcome) => void = () => {};
    const { clock, calls, log, runner } = setup([nightly], {
      outcome: () => new Promise<InvokeOutcome>((resolve) => (fail = resolve)),
    });
    await clock.advanceTo('2026-01-01T03:00:00Z'); // the invocation is running
    runner.stop();
    const timersAtStop = clock.created.length;

    fail({ type: 'timeout' });
    await settle();

    expect(clock.created.length).toBe(timersAtStop);
    expect(log.warning).toEqual(['schedule nightly → reports-nightly: the function timed out']);
    expect(calls).toHaveLength(1);
  });
});
