// Internal: cron schedules as a Kubernetes 1.27 CronJob reads them — the subset of robfig/cron's `ParseStandard`
// that the API server accepts (5 fields or a descriptor, no `TZ=`, no `@every`) — so a construct can check at
// synthesis what a schedule means, e.g. that a reaper fires at least once per lease. Pure: nothing here throws;
// `parse` answers undefined for an expression Kubernetes would refuse and the construct words the error.

/** The values one field matches, and whether it was written as `*` (or `?`) — the day-of-month/day-of-week rule needs it. */
export interface CronFieldSet {
  /** `values[v]`: the field matches `v` (indexes below the field's minimum are false). */
  readonly values: readonly boolean[];
  /** The field was `*` or `?` (a step above 1 clears it, as in robfig/cron). */
  readonly star: boolean;
}

interface FieldSpec {
  readonly min: number;
  readonly max: number;
  /** Names for the values from `base` on (lower case). */
  readonly names?: readonly string[];
  readonly base?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], base: 1 },
  { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], base: 0 },
];

const DESCRIPTORS: { readonly [key: string]: string } = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * The span `maxGapSeconds` looks at: the 28 years 2001–2028 (UTC), taken as repeating. 28 years hold 7 leap days,
 * 10,227 days, exactly 1,461 weeks, so the day of week and the leap years repeat with them: the cycle is the real
 * calendar of every year from 1901 to 2099 (2100 is the first year it skips a leap day).
 */
const CYCLE_FIRST_YEAR = 2001;
const CYCLE_YEARS = 28;
const CYCLE_DAYS = CYCLE_YEARS * 365 + 7;
/** 2001-01-01 was a Monday. */
const CYCLE_FIRST_DAY_OF_WEEK = 1;
const MINUTES_PER_DAY = 1440;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `maxGapSeconds` per expression (its five fields): a construct that checks the same schedule again pays nothing. */
const GAP_MEMO = new Map<string, number | undefined>();

/** A parsed cron schedule (UTC, as the CronJob controller of 1.27 runs it without `timeZone`). */
export class CronSchedule {
  /** What a valid expression looks like, completing "must be …". */
  public static readonly SYNTAX = 'a cron schedule of 5 fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12, '
    + 'day of week 0-6; *, lists, ranges, steps, month and day names) or @hourly, @daily, @weekly, @monthly, @yearly';

  /**
   * The schedule of `expression` (5 fields, or `@yearly`/`@annually`/`@monthly`/`@weekly`/`@daily`/`@midnight`/
   * `@hourly`; surrounding blanks ignored), or undefined when Kubernetes would refuse it.
   */
  public static parse(expression: string): CronSchedule | undefined {
    const trimmed = expression.trim();
    const parts = (DESCRIPTORS[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
    if (parts.length !== 5) return undefined;
    const fields: CronFieldSet[] = [];
    for (let f = 0; f < 5; f++) {
      const field = parseField(parts[f], FIELDS[f]);
      if (field === undefined) return undefined;
      fields.push(field);
    }
    return new CronSchedule(parts.join(' '), fields[0], fields[1], fields[2], fields[3], fields[4]);
  }

  private constructor(
    /** The five fields, blank-separated (a descriptor expanded). */
    public readonly fields: string,
    public readonly minute: CronFieldSet,
    public readonly hour: CronFieldSet,
    public readonly dayOfMonth: CronFieldSet,
    public readonly month: CronFieldSet,
    public readonly dayOfWeek: CronFieldSet,
  ) {}

  /**
   * Whether the schedule fires on the UTC day of `date`: its month matches, and its day of month *and* day of
   * week match when either field is `*`, its day of month *or* day of week when neither is (cron's rule).
   */
  public firesOn(date: Date): boolean {
    if (!this.month.values[date.getUTCMonth() + 1]) return false;
    const dom = this.dayOfMonth.values[date.getUTCDate()];
    const dow = this.dayOfWeek.values[date.getUTCDay()];
    return this.dayOfMonth.star || this.dayOfWeek.star ? dom && dow : dom || dow;
  }

  /** The minutes of the day (0–1439, ascending) at which it fires on a day it fires on. */
  public timesOfDay(): number[] {
    const out: number[] = [];
    for (let h = 0; h < 24; h++) {
      if (!this.hour.values[h]) continue;
      for (let m = 0; m < 60; m++) if (this.minute.values[m]) out.push(h * 60 + m);
    }
    return out;
  }

  /**
   * The longest time between two runs, in seconds, in the calendar of the years 1901–2099 (UTC); undefined when it
   * never fires. Every day it fires on has the same times, so the longest gap is the longest within a day or from
   * the last time of one firing day to the first of the next; those days repeat every 28 years (see
   * `CYCLE_DAYS`), so one pass over the 10,227 days of 2001–2028 with the wrap back to 2001 is exact. Memoized per
   * expression. A schedule that fires only on 29 February leaves 8 years around 2100, which this does not see.
   */
  public maxGapSeconds(): number | undefined {
    if (GAP_MEMO.has(this.fields)) return GAP_MEMO.get(this.fields);
    const gap = this.computeMaxGapSeconds();
    GAP_MEMO.set(this.fields, gap);
    return gap;
  }

  private computeMaxGapSeconds(): number | undefined {
    const times = this.timesOfDay();
    if (times.length === 0) return undefined;
    let firstDay = -1;
    let lastDay = -1;
    let dayGap = 0;
    const months = this.month.values;
    const doms = this.dayOfMonth.values;
    const dows = this.dayOfWeek.values;
    const and = this.dayOfMonth.star || this.dayOfWeek.star;
    let day = 0;
    let dow = CYCLE_FIRST_DAY_OF_WEEK;
    for (let y = CYCLE_FIRST_YEAR; y < CYCLE_FIRST_YEAR + CYCLE_YEARS; y++) {
      const leap = y % 4 === 0; // exact for 1901–2099
      for (let m = 1; m <= 12; m++) {
        const length = m === 2 && leap ? 29 : MONTH_DAYS[m - 1];
        if (!months[m]) {
          day += length;
          dow = (dow + length) % 7;
          continue;
        }
        for (let d = 1; d <= length; d++, day++, dow = (dow + 1) % 7) {
          if (!(and ? doms[d] && dows[dow] : doms[d] || dows[dow])) continue;
          if (firstDay < 0) firstDay = day;
          else if (day - lastDay > dayGap) dayGap = day - lastDay;
          lastDay = day;
        }
      }
    }
    if (firstDay < 0) return undefined;
    const first = times[0];
    const last = times[times.length - 1];
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
    if (dayGap > 0) gap = Math.max(gap, dayGap * MINUTES_PER_DAY + first - last);
    gap = Math.max(gap, (firstDay + CYCLE_DAYS - lastDay) * MINUTES_PER_DAY + first - last);
    return gap * 60;
  }
}

/** One field: comma-separated terms, each `*`, `?`, `v`, `a-b`, optionally `/step`; values may be names. */
function parseField(text: string, spec: FieldSpec): CronFieldSet | undefined {
  const values = new Array<boolean>(spec.max + 1).fill(false);
  let star = false;
  for (const term of text.split(',')) {
    const rangeAndStep = term.split('/');
    if (rangeAndStep.length > 2) return undefined;
    const lowHigh = rangeAndStep[0].split('-');
    if (lowHigh.length > 2) return undefined;
    let start: number | undefined;
    let end: number | undefined;
    let termStar = false;
    if (lowHigh[0] === '*' || lowHigh[0] === '?') {
      if (lowHigh.length > 1) return undefined;
      start = spec.min;
      end = spec.max;
      termStar = true;
    } else {
      start = value(lowHigh[0], spec);
      end = lowHigh.length === 2 ? value(lowHigh[1], spec) : start;
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      if (!/^\d+$/.test(rangeAndStep[1])) return undefined;
      step = Number(rangeAndStep[1]);
      if (lowHigh.length === 1) end = spec.max;
      if (step > 1) termStar = false;
    }
    if (start === undefined || end === undefined || start < spec.min || end > spec.max || start > end || step === 0) return undefined;
    for (let v = start; v <= end; v += step) values[v] = true;
    star = star || termStar;
  }
  return { values, star };
}

/** A number, or a name of the field (any case). */
function value(text: string, spec: FieldSpec): number | undefined {
  const i = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (i >= 0) return i + (spec.base ?? 0);
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
