/**
 * EventBridge Scheduler's schedule expressions: `rate(value unit)`, `cron(6 fields)` and
 * `at(yyyy-mm-ddThh:mm:ss)`, checked at build time and evaluated for local runs.
 *
 * The grammar follows AWS's references: "Schedule types on EventBridge Scheduler"
 * (docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html) and the cron expressions
 * reference (docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html).
 *
 * @module
 */
import { Cron } from 'croner';
import { GantryBuildError } from '../errors.js';

/** What `nextFireTime` needs besides the expression. */
export interface FireTimeOptions {
  /** IANA time zone that cron and at expressions are read in (ScheduleExpressionTimezone); UTC when absent. */
  timezone?: string | undefined;
  /** When a rate schedule starts counting (its StartDate, else its creation); `after` when absent. */
  start?: Date | undefined;
}

/**
 * Every problem EventBridge Scheduler would have with a schedule expression and its time zone,
 * each quoting the value, the rule and the fix; empty when both are valid.
 *
 * @example
 * scheduleProblems('cron(0 12 * * * *)');
 * // ['cron(0 12 * * * *): day-of-month and day-of-week cannot both be given; write ? in one of them, e.g. cron(0 12 ? * * *)']
 */
export function scheduleProblems(expression: string, timezone?: string): string[] {
  return checkSchedule(expression, timezone).problems;
}

/**
 * The first time strictly after `after` at which EventBridge Scheduler fires the schedule, or
 * `undefined` when it never fires again. Cron and at expressions are read in `timezone` (UTC by
 * default) the way AWS documents it for daylight saving time: a local time the clocks skip is
 * skipped, and a local time the clocks repeat fires once, at its first occurrence. Rate
 * schedules fire every period from `start`, as fixed durations (a day is 24 hours). Throws
 * `GantryBuildError` with `scheduleProblems` when the expression or time zone is invalid.
 *
 * @example
 * nextFireTime('cron(0 9 ? * MON-FRI *)', new Date('2026-03-27T12:00:00Z'), { timezone: 'Europe/Berlin' });
 * // 2026-03-30T07:00:00.000Z (Monday 09:00 CEST)
 */
export function nextFireTime(expression: string, after: Date, options: FireTimeOptions = {}): Date | undefined {
  const { schedule, problems } = checkSchedule(expression, options.timezone);
  if (schedule === undefined) throw new GantryBuildError(problems);
  const afterMs = after.getTime();
  const zone = options.timezone ?? 'UTC';
  switch (schedule.kind) {
    case 'rate': {
      const start = options.start?.getTime() ?? afterMs;
      const next =
        afterMs < start ? start : start + (Math.floor((afterMs - start) / schedule.periodMs) + 1) * schedule.periodMs;
      // rate(99999999999999 days) has no next time a Date can hold.
      return Number.isNaN(new Date(next).getTime()) ? undefined : new Date(next);
    }
    case 'at': {
      const at = instantsAtWallTime(schedule.wall, zone)[0];
      return at !== undefined && at > afterMs ? new Date(at) : undefined;
    }
    case 'cron':
      return nextCronTime(schedule.pattern, afterMs, zone);
  }
}

/** The parsed schedule when the expression and time zone are valid, else every problem. */
function checkSchedule(
  expression: string,
  timezone: string | undefined,
): { schedule?: ParsedSchedule; problems: string[] } {
  const zoneProblems = timezone === undefined ? [] : timeZoneProblems(timezone);
  const parsed = parseSchedule(expression);
  const problems = [...parsed.problems, ...zoneProblems];
  if (problems.length > 0 || parsed.schedule === undefined) return { problems };
  // A one-time schedule at a local time that the clocks skip: AWS documents skipping such times
  // for cron only, so the build asks for an unambiguous time instead of guessing.
  const zone = timezone ?? 'UTC';
  if (parsed.schedule.kind === 'at' && instantsAtWallTime(parsed.schedule.wall, zone).length === 0) {
    return {
      problems: [
        `${expression} in ${zone}: that local time does not exist (the clocks skip it for daylight saving time); pick a time outside the skipped hour`,
      ],
    };
  }
  return { schedule: parsed.schedule, problems: [] };
}

type ParsedSchedule =
  | { kind: 'rate'; periodMs: number }
  /** `pattern` is croner's 7-part pattern (seconds first), read as wall-clock time. */
  | { kind: 'cron'; pattern: string }
  /** `wall` is the local date and time as if it were UTC, in ms. */
  | { kind: 'at'; wall: number };

function parseSchedule(expression: string): { schedule?: ParsedSchedule; problems: string[] } {
  const form = /^(rate|cron|at)\((.*)\)$/s.exec(expression);
  if (!form) {
    return {
      problems: [
        `${expression}: not a schedule expression; write rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss), e.g. rate(5 minutes)`,
      ],
    };
  }
  const [, kind, body = ''] = form;
  if (kind === 'rate') return parseRate(expression, body);
  if (kind === 'at') return parseAt(expression, body);
  return parseCron(expression, body);
}

// rate ------------------------------------------------------------------------------------------

const MINUTE_MS = 60_000;
const UNIT_MS: Record<string, number> = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS };

function parseRate(expression: string, body: string): { schedule?: ParsedSchedule; problems: string[] } {
  const parts = body.split(' ');
  if (parts.length !== 2) {
    return {
      problems: [
        `${expression}: a rate is a value and a unit separated by one space; write e.g. rate(5 minutes) or rate(1 hour)`,
      ],
    };
  }
  const [valueText = '', unit = ''] = parts;
  const problems: string[] = [];
  const value = /^\d+$/.test(valueText) ? Number(valueText) : Number.NaN;
  if (!(value >= 1)) {
    problems.push(
      `${expression}: the value "${valueText}" must be a positive whole number; write e.g. rate(1 hour), or a smaller unit for a fraction, e.g. rate(90 minutes)`,
    );
  }
  const base = singular(unit);
  if (UNIT_MS[base] === undefined) {
    const why = /^seconds?$/.test(unit)
      ? 'EventBridge Scheduler fires at most once a minute, so its smallest unit is a minute'
      : 'the unit must be minute, minutes, hour, hours, day or days';
    problems.push(`${expression}: ${why}; write e.g. rate(5 minutes)`);
  } else if (value === 1 && unit !== base) {
    // AWS refuses rate(1 minutes) and rate(5 minute) alike: the unit agrees with the value.
    problems.push(`${expression}: a value of 1 takes the singular unit, or AWS refuses it; write rate(1 ${base})`);
  } else if (value > 1 && unit === base) {
    problems.push(
      `${expression}: a value other than 1 takes the plural unit, or AWS refuses it; write rate(${valueText} ${base}s)`,
    );
  }
  if (problems.length > 0) return { problems };
  return { schedule: { kind: 'rate', periodMs: value * (UNIT_MS[base] ?? MINUTE_MS) }, problems };
}

function singular(unit: string): string {
  return unit.endsWith('s') ? unit.slice(0, -1) : unit;
}

// at --------------------------------------------------------------------------------------------

function parseAt(expression: string, body: string): { schedule?: ParsedSchedule; problems: string[] } {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) {
    return {
      problems: [
        `${expression}: a one-time schedule is at(yyyy-mm-ddThh:mm:ss), local to its time zone, with no offset or milliseconds; write e.g. at(2030-01-31T09:00:00)`,
      ],
    };
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(wall);
  // Date.UTC rolls 2026-02-30 over into March: a date that does not survive the round trip is not one.
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { problems: [`${expression}: ${body} is not a date and time of the calendar; write a real one`] };
  }
  return { schedule: { kind: 'at', wall }, problems: [] };
}

// cron ------------------------------------------------------------------------------------------

interface CronField {
  name: string;
  min: number;
  max: number;
  /** The wildcards AWS's cron reference allows in this field (L, W and # are handled by name). */
  wildcards: string;
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59, wildcards: ', - * /' },
  { name: 'hours', min: 0, max: 23, wildcards: ', - * /' },
  { name: 'day-of-month', min: 1, max: 31, wildcards: ', - * ? / L W' },
  { name: 'month', min: 1, max: 12, wildcards: ', - * /', names: MONTH_NAMES },
  { name: 'day-of-week', min: 1, max: 7, wildcards: ', - * ? L #', names: DAY_NAMES },
  { name: 'year', min: 1970, max: 2199, wildcards: ', - * /' },
];

function parseCron(expression: string, body: string): { schedule?: ParsedSchedule; problems: string[] } {
  const texts = body.trim() === '' ? [] : body.trim().split(/\s+/);
  if (texts.length !== CRON_FIELDS.length) {
    const hint =
      texts.length === 5
        ? `; add the year, e.g. cron(${texts.join(' ')} *)`
        : texts.length === 7
          ? `; drop the seconds (the first field): Scheduler's smallest unit is a minute, e.g. cron(${texts.slice(1).join(' ')})`
          : '; write e.g. cron(0 12 * * ? *)';
    return {
      problems: [
        `${expression}: a cron expression has exactly 6 fields (minutes hours day-of-month month day-of-week year), this one has ${texts.length}${hint}`,
      ],
    };
  }
  const problems: string[] = [];
  const croner: string[] = [];
  CRON_FIELDS.forEach((field, index) => {
    const result = cronerField(field, texts[index] ?? '');
    if (typeof result === 'string') croner.push(result);
    else problems.push(...result.problems.map((problem) => `${expression}: ${problem}`));
  });
  const dayOfMonth = texts[2];
  const dayOfWeek = texts[4];
  const withDays = (dom: string, dow: string) =>
    `cron(${[texts[0], texts[1], dom, texts[3], dow, texts[5]].join(' ')})`;
  if (dayOfMonth === '?' && dayOfWeek === '?') {
    problems.push(
      `${expression}: day-of-month and day-of-week cannot both be ?; give one of them, e.g. ${withDays('*', '?')}`,
    );
  } else if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    problems.push(
      `${expression}: day-of-month and day-of-week cannot both be given; write ? in one of them, e.g. ${withDays('?', dayOfWeek ?? '*')}`,
    );
  }
  // No cron expression can fire more often than once a minute (minutes is its smallest field), so
  // AWS's rule against sub-minute rates never applies here.
  if (problems.length > 0) return { problems };
  return { schedule: { kind: 'cron', pattern: `0 ${croner.join(' ')}` }, problems };
}

/**
 * Translates one AWS cron field into croner's syntax, or says what is wrong with it. Croner reads
 * day-of-week 0-6 from Sunday and `?` as `*`; AWS reads 1-7 from Sunday and `nL` for "last n-day".
 */
function cronerField(field: CronField, text: string): string | { problems: string[] } {
  const fail = (rule: string) => ({ problems: [`${field.name} "${text}": ${rule}`] });
  const allows = (wildcard: string) => field.wildcards.split(' ').includes(wildcard);
  const isDayOfMonth = field.name === 'day-of-month';
  const isDayOfWeek = field.name === 'day-of-week';

  if (text === '?') return allows('?') ? '*' : fail('? only goes in day-of-month or day-of-week; write *');
  if (text === '*') return field.name === 'year' ? `${field.min}-${field.max}` : '*';

  if (isDayOfMonth && text === 'L') return 'L';
  // LW (the last weekday of the month) is Quartz syntax that AWS's reference does not spell out,
  // though it is built from the two wildcards the field takes; it is accepted as Quartz means it.
  if (isDayOfMonth && text === 'LW') return 'LW';
  if (isDayOfMonth && /^\d+W$/.test(text)) {
    const day = Number(text.slice(0, -1));
    if (day < 1 || day > 31) return fail('W follows a single day of the month 1-31, e.g. 15W');
    return `${day}W`;
  }
  // In day-of-week, L alone is the last day of the week (Saturday, 7) and nL the last n-day of the month.
  if (isDayOfWeek && text === 'L') return '6';
  if (isDayOfWeek && /^\d+L$/.test(text)) {
    const day = Number(text.slice(0, -1));
    if (day < 1 || day > 7) {
      return fail('nL takes a day of the week 1-7 (1 = SUN ... 7 = SAT), e.g. 6L for the last Friday');
    }
    return `${day - 1}#L`;
  }
  if (isDayOfWeek && text.includes('#')) {
    const match = /^(\w+)#(\d+)$/.exec(text);
    if (!match) {
      return fail('a # expression stands alone (AWS takes only one per field): day#n, e.g. 3#2 for the second Tuesday');
    }
    const day = fieldValue(field, match[1] ?? '');
    const nth = Number(match[2]);
    if (typeof day === 'string') return fail(day);
    if (nth < 1 || nth > 5) return fail(`the occurrence after # is 1-5 (a month has at most five of a weekday)`);
    return `${day - 1}#${nth}`;
  }
  if (/[LW#]/.test(text.replace(/[A-Z]{3}/g, ''))) {
    const special = isDayOfMonth
      ? 'L, LW and nW stand alone in day-of-month, e.g. L or 15W'
      : isDayOfWeek
        ? 'L, nL and day#n stand alone in day-of-week, e.g. 6L or 3#2'
        : `${field.name} takes no L, W or #; it takes ${field.min}-${field.max} and the wildcards ${field.wildcards}`;
    return fail(special);
  }

  const parts = text.split(',');
  const croner: string[] = [];
  for (const part of parts) {
    const result = cronerListItem(field, part, parts.length > 1);
    if (typeof result !== 'string') return fail(result.rule);
    croner.push(result);
  }
  return croner.join(',');
}

function cronerListItem(field: CronField, part: string, inList: boolean): string | { rule: string } {
  const match = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(.*))?$/.exec(part);
  const span = spanOf(field);
  if (!match) {
    return { rule: `takes values ${span} and the wildcards ${field.wildcards}` };
  }
  const [, base = '', stepText] = match;
  if (base === '*' && inList) return { rule: '* stands alone; leave out the other values' };
  let croner: string;
  if (base === '*') {
    croner = `${field.min}-${field.max}`;
  } else {
    const [startText = '', endText] = base.split('-');
    const start = fieldValue(field, startText);
    if (typeof start === 'string') return { rule: start };
    if (endText === undefined) {
      croner = String(toCroner(field, start));
    } else {
      const end = fieldValue(field, endText);
      if (typeof end === 'string') return { rule: end };
      if (end < start) {
        return {
          rule: `the range runs backwards; split it in two, e.g. ${startText}-${lastOf(field, startText)},${firstOf(field, endText)}-${endText}`,
        };
      }
      croner = `${toCroner(field, start)}-${toCroner(field, end)}`;
    }
  }
  if (stepText === undefined) return base === '*' ? '*' : croner;
  if (!field.wildcards.includes('/')) {
    return { rule: `${field.name} takes no /; list the values instead, e.g. MON,WED,FRI` };
  }
  const step = /^\d+$/.test(stepText) ? Number(stepText) : Number.NaN;
  const widest = field.max - field.min;
  if (!(step >= 1 && step <= widest)) {
    return { rule: `the increment after / is a whole number from 1 to ${widest}, e.g. 0/15` };
  }
  // "5/15" means from 5 to the end of the field every 15 (Quartz); croner wants the range spelled out.
  const range = croner.includes('-') ? croner : `${croner}-${toCroner(field, field.max)}`;
  return `${range}/${step}`;
}

/** A field's value as AWS numbers it, or the rule it breaks. */
function fieldValue(field: CronField, text: string): number | string {
  const span = spanOf(field);
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value >= field.min && value <= field.max) return value;
    if (field.name === 'day-of-week' && value === 0) {
      return 'day-of-week is 1-7 from Sunday (1 = SUN ... 7 = SAT), not 0-6 as in Unix cron; write 1 or SUN for Sunday';
    }
    return `${value} is out of range; ${field.name} takes ${span}`;
  }
  const index = field.names?.indexOf(text) ?? -1;
  if (index >= 0) return index + field.min;
  if (field.names?.includes(text.toUpperCase())) return `names are upper case; write ${text.toUpperCase()}`;
  return `takes values ${span} and the wildcards ${field.wildcards}`;
}

function spanOf(field: CronField): string {
  const numbers = `${field.min}-${field.max}`;
  return field.names ? `${numbers} or ${field.names[0]}-${field.names.at(-1)}` : numbers;
}

// A range's ends in the same spelling the user chose: numbers stay numbers, names stay names.
function firstOf(field: CronField, like: string): string {
  return field.names && !/^\d/.test(like) ? (field.names[0] ?? '') : String(field.min);
}

function lastOf(field: CronField, like: string): string {
  return field.names && !/^\d/.test(like) ? (field.names.at(-1) ?? '') : String(field.max);
}

function toCroner(field: CronField, value: number): number {
  return field.name === 'day-of-week' ? value - 1 : value;
}

/**
 * Croner walks the pattern in UTC, which has no daylight saving time, so its results are
 * wall-clock times. Each is then placed in the time zone by hand, because croner's own time-zone
 * mode follows Vixie cron (a skipped fixed time runs after the gap; interval jobs run twice in a
 * repeated hour) where AWS skips skipped times and fires a repeated time once.
 */
function nextCronTime(pattern: string, afterMs: number, zone: string): Date | undefined {
  const cron = new Cron(pattern, { timezone: 'Etc/UTC', mode: '7-part', domAndDow: true });
  // A wall time's first instant only grows with the wall time, so the answer is the first match
  // after `after`'s own wall time whose first instant is later than `after`. Inside a repeated
  // hour that can take one step per match of that hour; a skipped hour is also crossed by steps.
  let wall = new Date(wallClockAt(afterMs, zone));
  for (let step = 0; step < 10_000; step += 1) {
    const next = cron.nextRun(wall);
    if (next === null) return undefined;
    const first = instantsAtWallTime(next.getTime(), zone)[0];
    if (first !== undefined && first > afterMs) return new Date(first);
    wall = next;
  }
  throw new Error(`nextFireTime: no fire time found for cron pattern ${pattern} in ${zone} after 10,000 steps`);
}

// time zones ------------------------------------------------------------------------------------

function timeZoneProblems(timezone: string): string[] {
  if (/^[+-]\d/.test(timezone)) {
    return [
      `time zone "${timezone}": EventBridge Scheduler takes an IANA time zone name, not an offset; write e.g. Europe/Berlin (which follows daylight saving time) or UTC`,
    ];
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return [`time zone "${timezone}": not an IANA time zone name; write e.g. America/New_York, Europe/Berlin or UTC`];
  }
  if (resolved !== timezone && resolved.toLowerCase() === timezone.toLowerCase()) {
    return [`time zone "${timezone}": IANA names are case-sensitive; write ${resolved}`];
  }
  return [];
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** The local date and time at an instant, as if it were UTC, in ms. */
function wallClockAt(instantMs: number, zone: string): number {
  if (zone === 'UTC') return instantMs;
  let format = wallClockFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClockFormats.set(zone, format);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(instantMs)) part[type] = Number(value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = part;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (((instantMs % 1000) + 1000) % 1000);
}

const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The instants at which the clocks of a time zone show a wall time, earliest first: none in a
 * daylight-saving gap, two in a repeated hour. The offsets a day either side cover any transition
 * within the ±14 hours a wall time can be from UTC.
 */
function instantsAtWallTime(wall: number, zone: string): number[] {
  if (zone === 'UTC') return [wall];
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((shift) => wallClockAt(wall + shift, zone) - (wall + shift)));
  const instants = [...offsets].map((offset) => wall - offset).filter((instant) => wallClockAt(instant, zone) === wall);
  return [...new Set(instants)].sort((a, b) => a - b);
}
