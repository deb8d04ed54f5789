import { nextFireTime } from '../events/schedule-expression.js';
import { HOURS_PER_MONTH } from './monthly-cost.js';

// A fixed month, so the same service always gets the same numbers (a cron's count varies a little
// from month to month: weekdays, the 31st).
const WINDOW_START = Date.UTC(2026, 0, 1);
const WINDOW_END = WINDOW_START + HOURS_PER_MONTH * 3_600_000;

/**
 * How often a schedule fires, per second, averaged over 730 hours from 2026-01-01 00:00 UTC: its
 * fire times counted one by one (`nextFireTime`, the same evaluation local runs use). A one-time
 * `at(...)` schedule counts 0: it is not a monthly rate.
 */
export function scheduleRate(expression: string, timezone?: string): number {
  if (expression.startsWith('at(')) return 0;
  let fires = 0;
  const options = { timezone, start: new Date(WINDOW_START) };
  // The start itself is a fire time of a rate schedule (it starts counting there).
  let at = nextFireTime(expression, new Date(WINDOW_START - 1), options);
  while (at && at.getTime() < WINDOW_END) {
    fires++;
    at = nextFireTime(expression, at, options);
  }
  return fires / (HOURS_PER_MONTH * 3_600);
}
