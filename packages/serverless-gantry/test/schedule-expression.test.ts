import { describe, expect, it } from 'vitest';
import { isGantryError } from '../src/errors.js';
import { nextFireTime, scheduleProblems } from '../src/events/schedule-expression.js';

// Expected times below were worked out by hand from the calendar (2026-01-01 is a Thursday) and
// the 2026 clock changes: America/New_York 03-08 02:00 EST → 03:00 EDT and 11-01 02:00 EDT → 01:00
// EST; Europe/Berlin 03-29 02:00 CET → 03:00 CEST and 10-25 03:00 CEST → 02:00 CET.

describe('scheduleProblems accepts what EventBridge Scheduler accepts', () => {
  it.each([
    ['rate(1 minute)'],
    ['rate(5 minutes)'],
    ['rate(1 hour)'],
    ['rate(12 hours)'],
    ['rate(1 day)'],
    ['rate(7 days)'],
    ['cron(0 12 * * ? *)'],
    ['cron(0/15 * * * ? *)'],
    ['cron(*/15 * * * ? *)'],
    ['cron(0 18 ? * MON-FRI *)'],
    ['cron(0/5 8-17 ? * 2-6 *)'],
    ['cron(0 8 1 * ? *)'],
    ['cron(0 9 ? * 2#1 *)'],
    ['cron(0 9 ? * MON#1 *)'],
    ['cron(15 10 ? * 6L *)'],
    ['cron(0 8 ? * L *)'],
    ['cron(0 0 L * ? *)'],
    ['cron(0 0 LW * ? *)'],
    ['cron(0 9 15W * ? *)'],
    ['cron(0 12 1 JAN,JUL ? 2030-2035)'],
    ['cron(0 0 1 1 ? */10)'],
    ['at(2030-01-31T09:00:00)'],
  ])('%s', (expression) => {
    expect(scheduleProblems(expression)).toEqual([]);
  });

  it.each([['UTC'], ['Europe/Berlin'], ['America/New_York'], ['Asia/Kolkata']])('in time zone %s', (timezone) => {
    expect(scheduleProblems('cron(0 9 ? * MON-FRI *)', timezone)).toEqual([]);
  });
});

describe('scheduleProblems refuses, quoting the value, the rule and the fix', () => {
  it('refuses both day fields given, with the fix from the rule', () => {
    expect(scheduleProblems('cron(0 12 * * * *)')).toEqual([
      'cron(0 12 * * * *): day-of-month and day-of-week cannot both be given; write ? in one of them, e.g. cron(0 12 ? * * *)',
    ]);
  });

  it.each([
    // the form
    ['every 5 minutes', 'not a schedule expression; write rate(value unit), cron('],
    [' rate(5 minutes)', 'not a schedule expression'],
    // rate
    [
      'rate(1 minutes)',
      'rate(1 minutes): a value of 1 takes the singular unit, or AWS refuses it; write rate(1 minute)',
    ],
    [
      'rate(5 minute)',
      'rate(5 minute): a value other than 1 takes the plural unit, or AWS refuses it; write rate(5 minutes)',
    ],
    ['rate(1 days)', 'write rate(1 day)'],
    ['rate(2 hour)', 'write rate(2 hours)'],
    ['rate(0 minutes)', 'the value "0" must be a positive whole number'],
    ['rate(-5 minutes)', 'the value "-5" must be a positive whole number'],
    ['rate(1.5 hours)', 'the value "1.5" must be a positive whole number; write e.g. rate(1 hour), or a smaller unit'],
    ['rate(30 seconds)', 'its smallest unit is a minute'],
    ['rate(2 weeks)', 'the unit must be minute, minutes, hour, hours, day or days'],
    ['rate(5 Minutes)', 'the unit must be minute, minutes'],
    ['rate(5)', 'a rate is a value and a unit separated by one space'],
    ['rate(5  minutes)', 'a rate is a value and a unit separated by one space'],
    // cron: shape and day fields
    [
      'cron(0 12 * * ?)',
      'exactly 6 fields (minutes hours day-of-month month day-of-week year), this one has 5; add the year, e.g. cron(0 12 * * ? *)',
    ],
    ['cron(0 0 12 * * ? *)', 'this one has 7; drop the seconds (the first field)'],
    ['cron(0 12 ? * ? *)', 'day-of-month and day-of-week cannot both be ?; give one of them, e.g. cron(0 12 * * ? *)'],
    // cron: ranges of each field
    ['cron(60 12 * * ? *)', 'minutes "60": 60 is out of range; minutes takes 0-59'],
    ['cron(0 24 * * ? *)', 'hours "24": 24 is out of range; hours takes 0-23'],
    ['cron(0 12 0 * ? *)', 'day-of-month "0": 0 is out of range; day-of-month takes 1-31'],
    ['cron(0 12 32 * ? *)', 'day-of-month "32": 32 is out of range'],
    ['cron(0 12 ? 13 MON *)', 'month "13": 13 is out of range; month takes 1-12 or JAN-DEC'],
    [
      'cron(0 12 ? * 0 *)',
      'day-of-week "0": day-of-week is 1-7 from Sunday (1 = SUN ... 7 = SAT), not 0-6 as in Unix cron; write 1 or SUN',
    ],
    ['cron(0 12 ? * 8 *)', 'day-of-week "8": 8 is out of range; day-of-week takes 1-7 or SUN-SAT'],
    ['cron(0 12 * * ? 1969)', 'year "1969": 1969 is out of range; year takes 1970-2199'],
    ['cron(0 12 * * ? 2200)', 'year "2200": 2200 is out of range'],
    ['cron(0 12 ? * mon *)', 'day-of-week "mon": names are upper case; write MON'],
    ['cron(0 12 1 jan ? *)', 'month "jan": names are upper case; write JAN'],
    ['cron(0 12 ? * MOM *)', 'day-of-week "MOM": takes values 1-7 or SUN-SAT and the wildcards , - * ? L #'],
    // cron: wildcards per field
    ['cron(? 12 * * ? *)', 'minutes "?": ? only goes in day-of-month or day-of-week; write *'],
    ['cron(*,5 12 * * ? *)', 'minutes "*,5": * stands alone'],
    ['cron(0 12 ? * MON/2 *)', 'day-of-week "MON/2": day-of-week takes no /'],
    ['cron(0/0 * * * ? *)', 'minutes "0/0": the increment after / is a whole number from 1 to 59'],
    ['cron(0/60 * * * ? *)', 'the increment after / is a whole number from 1 to 59'],
    [
      'cron(0 12 ? * FRI-MON *)',
      'day-of-week "FRI-MON": the range runs backwards; split it in two, e.g. FRI-SAT,SUN-MON',
    ],
    ['cron(0 22-2 * * ? *)', 'hours "22-2": the range runs backwards; split it in two, e.g. 22-23,0-2'],
    ['cron(0 L * * ? *)', 'hours "L": hours takes no L, W or #'],
    ['cron(0 12 15W,20 * ? *)', 'day-of-month "15W,20": L, LW and nW stand alone in day-of-month'],
    ['cron(0 12 32W * ? *)', 'day-of-month "32W": W follows a single day of the month 1-31'],
    ['cron(0 12 ? * 8L *)', 'day-of-week "8L": nL takes a day of the week 1-7'],
    ['cron(0 12 ? * 3#6 *)', 'day-of-week "3#6": the occurrence after # is 1-5'],
    ['cron(0 12 ? * 3#1,6#3 *)', 'day-of-week "3#1,6#3": a # expression stands alone (AWS takes only one per field)'],
    ['cron(0 12 ? * 6L,2 *)', 'day-of-week "6L,2": L, nL and day#n stand alone in day-of-week'],
    // at
    ['at(2026-02-30T09:00:00)', 'at(2026-02-30T09:00:00): 2026-02-30T09:00:00 is not a date and time of the calendar'],
    ['at(2026-01-05T24:00:00)', 'is not a date and time of the calendar'],
    ['at(2026-01-05T09:00)', 'a one-time schedule is at(yyyy-mm-ddThh:mm:ss)'],
    ['at(2026-01-05 09:00:00)', 'a one-time schedule is at(yyyy-mm-ddThh:mm:ss)'],
    ['at(2026-01-05T09:00:00Z)', 'with no offset or milliseconds'],
  ])('%s', (expression, expected) => {
    const problems = scheduleProblems(expression);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
    expect(problems[0]?.startsWith(`${expression}:`)).toBe(true);
  });

  it('reports every problem of an expression at once', () => {
    expect(scheduleProblems('cron(60 24 * * * *)')).toEqual([
      'cron(60 24 * * * *): minutes "60": 60 is out of range; minutes takes 0-59',
      'cron(60 24 * * * *): hours "24": 24 is out of range; hours takes 0-23',
      'cron(60 24 * * * *): day-of-month and day-of-week cannot both be given; write ? in one of them, e.g. cron(60 24 ? * * *)',
    ]);
  });

  it.each([
    [
      'Mars/Base',
      'time zone "Mars/Base": not an IANA time zone name; write e.g. America/New_York, Europe/Berlin or UTC',
    ],
    ['america/new_york', 'time zone "america/new_york": IANA names are case-sensitive; write America/New_York'],
    [
      '+01:00',
      'time zone "+01:00": EventBridge Scheduler takes an IANA time zone name, not an offset; write e.g. Europe/Berlin (which follows daylight saving time) or UTC',
    ],
  ])('refuses the time zone %s', (timezone, expected) => {
    expect(scheduleProblems('cron(0 9 * * ? *)', timezone)).toEqual([expected]);
  });

  it('refuses a one-time schedule at a local time the clocks skip', () => {
    expect(scheduleProblems('at(2026-03-08T02:30:00)', 'America/New_York')).toEqual([
      'at(2026-03-08T02:30:00) in America/New_York: that local time does not exist (the clocks skip it for daylight saving time); pick a time outside the skipped hour',
    ]);
    expect(scheduleProblems('at(2026-03-08T02:30:00)', 'UTC')).toEqual([]);
  });
});

const at = (iso: string) => new Date(iso);

describe('nextFireTime for cron in UTC', () => {
  it.each([
    // strictly after
    ['cron(0 12 * * ? *)', '2026-01-01T11:59:59.999Z', '2026-01-01T12:00:00.000Z'],
    ['cron(0 12 * * ? *)', '2026-01-01T12:00:00.000Z', '2026-01-02T12:00:00.000Z'],
    // month ends and leap years
    ['cron(0 0 L * ? *)', '2024-02-01T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['cron(0 0 L * ? *)', '2023-02-01T00:00:00Z', '2023-02-28T00:00:00.000Z'],
    ['cron(0 0 L * ? *)', '2026-12-31T00:00:00Z', '2027-01-31T00:00:00.000Z'],
    ['cron(0 0 31 * ? *)', '2026-04-01T00:00:00Z', '2026-05-31T00:00:00.000Z'],
    ['cron(0 0 29 2 ? *)', '2025-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['cron(0 0 29 2 ? *)', '2096-03-01T00:00:00Z', '2104-02-29T00:00:00.000Z'], // 2100 is not a leap year
    // W: the nearest weekday, never across the month's boundary
    ['cron(0 9 15W * ? *)', '2026-08-01T00:00:00Z', '2026-08-14T09:00:00.000Z'], // 15th is a Saturday
    ['cron(0 9 1W * ? *)', '2026-07-02T00:00:00Z', '2026-08-03T09:00:00.000Z'], // Aug 1 is a Saturday: Monday the 3rd, not Jul 31
    ['cron(0 9 1W * ? *)', '2026-01-02T00:00:00Z', '2026-02-02T09:00:00.000Z'], // Feb 1 is a Sunday
    ['cron(0 9 31W * ? *)', '2026-05-01T00:00:00Z', '2026-05-29T09:00:00.000Z'], // May 31 is a Sunday: Friday the 29th, not Jun 1
    ['cron(0 9 LW * ? *)', '2026-01-01T00:00:00Z', '2026-01-30T09:00:00.000Z'], // Jan 31 is a Saturday
    // day-of-week: 1-7 from Sunday, L, nL, #
    ['cron(0 8 ? * 1 *)', '2026-01-01T00:00:00Z', '2026-01-04T08:00:00.000Z'],
    ['cron(0 8 ? * SUN *)', '2026-01-01T00:00:00Z', '2026-01-04T08:00:00.000Z'],
    ['cron(0 8 ? * 2 *)', '2026-01-01T00:00:00Z', '2026-01-05T08:00:00.000Z'],
    ['cron(0 8 ? * 7 *)', '2026-01-01T00:00:00Z', '2026-01-03T08:00:00.000Z'],
    ['cron(0 8 ? * L *)', '2026-01-01T00:00:00Z', '2026-01-03T08:00:00.000Z'],
    ['cron(0 8 ? * MON-FRI *)', '2026-01-02T08:00:00Z', '2026-01-05T08:00:00.000Z'],
    ['cron(0 8 ? * 2-6 *)', '2026-01-02T08:00:00Z', '2026-01-05T08:00:00.000Z'],
    ['cron(15 10 ? * 6L *)', '2026-01-01T00:00:00Z', '2026-01-30T10:15:00.000Z'],
    ['cron(15 10 ? * 6L *)', '2026-01-31T00:00:00Z', '2026-02-27T10:15:00.000Z'],
    ['cron(0 10 ? * 3#2 *)', '2026-01-01T00:00:00Z', '2026-01-13T10:00:00.000Z'],
    ['cron(0 10 ? * MON#1 *)', '2026-01-06T00:00:00Z', '2026-02-02T10:00:00.000Z'],
    ['cron(0 10 ? * 2#5 *)', '2026-01-01T00:00:00Z', '2026-03-30T10:00:00.000Z'], // first month with five Mondays
    ['cron(0 10 ? * 2#5 *)', '2026-03-31T00:00:00Z', '2026-06-29T10:00:00.000Z'],
    // increments and names
    ['cron(5/20 * * * ? *)', '2026-01-01T12:00:00Z', '2026-01-01T12:05:00.000Z'],
    ['cron(5/20 * * * ? *)', '2026-01-01T12:45:00Z', '2026-01-01T13:05:00.000Z'],
    ['cron(*/15 * * * ? *)', '2026-01-01T12:50:00Z', '2026-01-01T13:00:00.000Z'],
    ['cron(0 0 1 JAN,JUL ? *)', '2026-02-01T00:00:00Z', '2026-07-01T00:00:00.000Z'],
    // years
    ['cron(0 0 1 1 ? 2030)', '2026-06-01T00:00:00Z', '2030-01-01T00:00:00.000Z'],
    ['cron(0 0 1 1 ? */10)', '2026-06-01T00:00:00Z', '2030-01-01T00:00:00.000Z'], // */10 counts from 1970
    ['cron(0 0 1 1 ? 2028/5)', '2029-06-01T00:00:00Z', '2033-01-01T00:00:00.000Z'],
  ])('%s after %s → %s', (expression, after, expected) => {
    expect(nextFireTime(expression, at(after))?.toISOString()).toBe(expected);
  });

  it.each([
    ['cron(0 0 1 1 ? 2030)', '2030-01-01T00:00:00Z'],
    ['cron(0 0 1 1 ? 2020-2025)', '2026-01-01T00:00:00Z'],
    ['cron(0 0 1 1 ? *)', '2199-01-01T00:00:00Z'], // the year field ends at 2199
  ])('%s never fires after %s', (expression, after) => {
    expect(nextFireTime(expression, at(after))).toBeUndefined();
  });
});

describe('nextFireTime for cron in a time zone, daylight saving time as AWS documents it', () => {
  it.each([
    // spring forward: a local time the clocks skip is skipped, not moved
    ['cron(30 2 * * ? *)', 'America/New_York', '2026-03-07T08:00:00Z', '2026-03-09T06:30:00.000Z'],
    ['cron(*/30 * * * ? *)', 'America/New_York', '2026-03-08T06:45:00Z', '2026-03-08T07:00:00.000Z'], // 01:45 EST → 03:00 EDT
    ['cron(30 2 * * ? *)', 'Europe/Berlin', '2026-03-28T02:00:00Z', '2026-03-30T00:30:00.000Z'],
    // fall back: a local time the clocks repeat fires once, the first time
    ['cron(30 1 * * ? *)', 'America/New_York', '2026-11-01T05:00:00Z', '2026-11-01T05:30:00.000Z'], // 01:30 EDT
    ['cron(30 1 * * ? *)', 'America/New_York', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00.000Z'], // not 01:30 EST
    ['cron(0 * * * ? *)', 'America/New_York', '2026-11-01T05:00:00Z', '2026-11-01T07:00:00.000Z'], // 01:00 EDT → 02:00 EST
    ['cron(*/15 * * * ? *)', 'America/New_York', '2026-11-01T06:10:00Z', '2026-11-01T07:00:00.000Z'], // from inside the repeat
    ['cron(30 2 * * ? *)', 'Europe/Berlin', '2026-10-24T23:00:00Z', '2026-10-25T00:30:00.000Z'], // 02:30 CEST
    ['cron(30 2 * * ? *)', 'Europe/Berlin', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00.000Z'], // not 02:30 CET
    // ordinary days on either side of a change keep the local time
    ['cron(0 9 ? * MON-FRI *)', 'Europe/Berlin', '2026-03-26T12:00:00Z', '2026-03-27T08:00:00.000Z'], // CET
    ['cron(0 9 ? * MON-FRI *)', 'Europe/Berlin', '2026-03-27T12:00:00Z', '2026-03-30T07:00:00.000Z'], // CEST
    ['cron(0 0 L * ? *)', 'America/New_York', '2026-02-01T00:00:00Z', '2026-02-28T05:00:00.000Z'],
    ['cron(0 9 * * ? *)', 'Asia/Kolkata', '2026-01-01T00:00:00Z', '2026-01-01T03:30:00.000Z'],
    // the local date decides the day, not the UTC date
    ['cron(0 23 ? * FRI *)', 'America/New_York', '2026-01-01T00:00:00Z', '2026-01-03T04:00:00.000Z'],
  ])('%s in %s after %s → %s', (expression, timezone, after, expected) => {
    expect(nextFireTime(expression, at(after), { timezone })?.toISOString()).toBe(expected);
  });
});

describe('nextFireTime for rate and at', () => {
  const start = at('2026-01-01T12:00:00Z');

  it.each([
    ['rate(5 minutes)', '2026-01-01T11:00:00Z', '2026-01-01T12:00:00.000Z'], // the first fire is the start itself
    ['rate(5 minutes)', '2026-01-01T12:00:00Z', '2026-01-01T12:05:00.000Z'],
    ['rate(5 minutes)', '2026-01-01T12:07:00Z', '2026-01-01T12:10:00.000Z'],
    ['rate(1 hour)', '2026-01-01T13:00:00Z', '2026-01-01T14:00:00.000Z'],
    ['rate(3 days)', '2026-01-02T00:00:00Z', '2026-01-04T12:00:00.000Z'],
  ])('%s from 12:00 after %s → %s', (expression, after, expected) => {
    expect(nextFireTime(expression, at(after), { start })?.toISOString()).toBe(expected);
  });

  it('counts a rate in fixed 24-hour days across a daylight saving change, whatever the time zone', () => {
    const next = nextFireTime('rate(1 day)', at('2026-03-08T00:00:00Z'), {
      start: at('2026-03-07T17:00:00Z'), // 12:00 EST
      timezone: 'America/New_York',
    });
    expect(next?.toISOString()).toBe('2026-03-08T17:00:00.000Z'); // 13:00 EDT
  });

  it('has no next time for a rate longer than a Date can reach', () => {
    expect(nextFireTime('rate(99999999999999 days)', at('2026-01-02T00:00:00Z'), { start })).toBeUndefined();
  });

  it('counts a rate from `after` when there is no start', () => {
    expect(nextFireTime('rate(2 hours)', at('2026-01-01T10:30:00Z'))?.toISOString()).toBe('2026-01-01T12:30:00.000Z');
  });

  it.each([
    ['at(2026-07-01T09:00:00)', undefined, '2026-07-01T09:00:00.000Z'],
    ['at(2026-07-01T09:00:00)', 'Europe/Berlin', '2026-07-01T07:00:00.000Z'],
    ['at(2026-01-15T09:00:00)', 'Europe/Berlin', '2026-01-15T08:00:00.000Z'],
    ['at(2026-11-01T01:30:00)', 'America/New_York', '2026-11-01T05:30:00.000Z'], // a repeated time: the first
  ])('%s in %s fires once, at %s', (expression, timezone, expected) => {
    expect(nextFireTime(expression, at('2026-01-01T00:00:00Z'), { timezone })?.toISOString()).toBe(expected);
    expect(nextFireTime(expression, at(expected), { timezone })).toBeUndefined();
  });

  it('throws the problems for an invalid expression', () => {
    let thrown: unknown;
    try {
      nextFireTime('rate(1 minutes)', at('2026-01-01T00:00:00Z'));
    } catch (error) {
      thrown = error;
    }
    expect(isGantryError(thrown)).toBe(true);
    expect((thrown as Error).message).toContain('rate(1 minutes): a value of 1 takes the singular unit');
  });
});
