import { CronFieldSet, CronSchedule } from '../../src/core/_cron';

/** The values a field matches, ascending. */
function list(f: CronFieldSet): number[] {
  return f.values.flatMap((on, v) => (on ? [v] : []));
}

function parse(expression: string): CronSchedule {
  const s = CronSchedule.parse(expression);
  if (s === undefined) throw new Error(`'${expression}' did not parse`);
  return s;
}

const range = (from: number, to: number, step = 1) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

describe('CronSchedule.parse', () => {
  test('five fields: minute, hour, day of month, month, day of week', () => {
    const s = parse('5 4 * * *');
    expect(list(s.minute)).toEqual([5]);
    expect(list(s.hour)).toEqual([4]);
    expect(list(s.dayOfMonth)).toEqual(range(1, 31));
    expect(list(s.month)).toEqual(range(1, 12));
    expect(list(s.dayOfWeek)).toEqual(range(0, 6));
    expect([s.minute.star, s.hour.star, s.dayOfMonth.star, s.month.star, s.dayOfWeek.star]).toEqual([false, false, true, true, true]);
  });

  test('ranges, steps and lists', () => {
    expect(list(parse('1-5 * * * *').minute)).toEqual([1, 2, 3, 4, 5]);
    expect(list(parse('*/15 * * * *').minute)).toEqual([0, 15, 30, 45]);
    expect(list(parse('10/20 * * * *').minute)).toEqual([10, 30, 50]); // a start with a step runs to the maximum
    expect(list(parse('1-10/3 * * * *').minute)).toEqual([1, 4, 7, 10]);
    expect(list(parse('1,5,10-12 * * * *').minute)).toEqual([1, 5, 10, 11, 12]);
    expect(list(parse('0 */6 * * *').hour)).toEqual([0, 6, 12, 18]);
    expect(list(parse('0 0 1-31/10 * *').dayOfMonth)).toEqual([1, 11, 21, 31]);
    expect(list(parse('0 0 * * */2').dayOfWeek)).toEqual([0, 2, 4, 6]);
  });

  test('a step above 1 makes a `*` field no longer a star; `*/1` and `?` are stars', () => {
    expect(parse('*/2 * * * *').minute.star).toBe(false);
    expect(parse('*/1 * * * *').minute.star).toBe(true);
    expect(parse('* * ? * *').dayOfMonth.star).toBe(true);
    expect(parse('0 0 1,* * *').dayOfMonth.star).toBe(true); // any `*` term makes the field a star
    expect(parse('0 0 1-31 * *').dayOfMonth.star).toBe(false); // every day, but not written as a star
  });

  test('month and day names, in any case, also in ranges', () => {
    expect(list(parse('0 0 * jan-mar *').month)).toEqual([1, 2, 3]);
    expect(list(parse('0 0 * DEC *').month)).toEqual([12]);
    expect(list(parse('0 0 * * MON-fri').dayOfWeek)).toEqual([1, 2, 3, 4, 5]);
    expect(list(parse('0 0 * * sun,Sat').dayOfWeek)).toEqual([0, 6]);
  });

  test.each([
    ['@yearly', '0 0 1 1 *'], ['@annually', '0 0 1 1 *'], ['@monthly', '0 0 1 * *'], ['@weekly', '0 0 * * 0'],
    ['@daily', '0 0 * * *'], ['@midnight', '0 0 * * *'], ['@hourly', '0 * * * *'], [' @HOURLY ', '0 * * * *'],
  ])('the descriptor %s is %s', (descriptor, fields) => {
    expect(parse(descriptor)).toEqual(parse(fields));
  });

  test.each([
    [''], ['* * * *'], ['* * * * * *'], ['61 * * * *'], ['60 * * * *'], ['* 24 * * *'], ['* * 0 * *'], ['* * 32 * *'],
    ['* * * 0 *'], ['* * * 13 *'], ['* * * * 7'], ['*/0 * * * *'], ['5-1 * * * *'], ['1-2-3 * * * *'], ['1/2/3 * * * *'],
    ['x * * * *'], ['jan * * * *'], ['* * * * jan'], ['* * * mon *'], ['1,,2 * * * *'], ['-1 * * * *'], ['1- * * * *'],
    ['*-5 * * * *'], ['*/x * * * *'], ['/5 * * * *'], ['1.5 * * * *'], ['@every 1m'], ['@reboot'], ['TZ=UTC 0 0 * * *'],
  ])('refuses %j', (expression) => {
    expect(CronSchedule.parse(expression)).toBeUndefined();
  });
});

describe('CronSchedule.firesOn: the day-of-month/day-of-week rule', () => {
  // 2024-09-13 is a Friday; 2024-01-13 a Saturday; 2024-01-05 a Friday; 2024-01-06 a Saturday.
  const days = [utc(2024, 9, 13), utc(2024, 1, 13), utc(2024, 1, 5), utc(2024, 1, 6)];

  test.each([
    ['0 0 13 * 5', [true, true, true, false]], // neither is a star: the 13th OR a Friday
    ['0 0 13 * *', [true, true, false, false]], // day of week is a star: the 13th (AND every day of the week)
    ['0 0 * * 5', [true, false, true, false]], // day of month is a star: Fridays
    ['0 0 */1 * 5', [true, false, true, false]], // `*/1` is a star too
    ['0 0 1-31 * 5', [true, true, true, true]], // 1-31 is not a star: every day OR a Friday
    ['0 0 13 1 5', [false, true, true, false]], // the month is always ANDed
  ])('%s', (expression, expected) => {
    const s = parse(expression);
    expect(days.map((d) => s.firesOn(d))).toEqual(expected);
  });
});

describe('CronSchedule.maxGapSeconds', () => {
  test.each([
    ['* * * * *', 60],
    ['*/20 * * * *', 1200],
    ['*/7 * * * *', 420], // :56 → :00 is 4 minutes, the others 7
    ['0,30 * * * *', 1800],
    ['@hourly', 3600],
    ['0 9-17 * * *', 16 * 3600],
    ['@daily', 86400],
    ['@weekly', 7 * 86400], // 28 years are 1,461 whole weeks: the wrap keeps the weekday (a 4-year window made it 12 days)
    ['0 0 * * 1-5', 3 * 86400], // Friday to Monday
    ['0 0 13 * 5', 7 * 86400], // the 13th OR a Friday: never more than a week
    ['0 0 * * 0', 7 * 86400],
    ['@monthly', 31 * 86400],
    ['@yearly', 366 * 86400], // a leap year
    ['0 0 29 2 *', 1461 * 86400], // once in four years (the 2100 gap of 8 years is outside 1901–2099)
    ['0 0 * * 1', 7 * 86400], // Mondays
  ])('%s leaves up to %d s between runs', (expression, seconds) => {
    expect(parse(expression).maxGapSeconds()).toBe(seconds);
  });

  test.each([['0 0 31 2 *'], ['0 0 30 2 *'], ['0 0 31 4,6,9,11 *']])('%s never fires', (expression) => {
    expect(parse(expression).maxGapSeconds()).toBeUndefined();
  });

  test('is memoized per expression: a second schedule with the same fields costs no calendar pass', () => {
    const a = parse('17 3 * * 2');
    const t0 = process.hrtime.bigint();
    a.maxGapSeconds();
    const first = Number(process.hrtime.bigint() - t0);
    const b = parse(' 17 3 * * tue ');
    expect(b.fields).toBe('17 3 * * tue');
    expect(parse('@weekly').fields).toBe('0 0 * * 0');
    expect(parse('@weekly').maxGapSeconds()).toBe(parse('0 0 * * 0').maxGapSeconds());
    expect(a.maxGapSeconds()).toBe(7 * 86400);
    expect(first).toBeGreaterThan(0);
  });

  test('gives what a walk over the real calendar (Date, 2001–2028, wrapping) gives, for every one of 600 expressions', () => {
    // GIVEN hand-picked expressions and seeded random ones of every shape (stars, steps, ranges, lists, names)
    const random = parkMiller(14);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
    const term = (min: number, max: number, names?: readonly string[]): string => {
      const a = int(min, max);
      const b = int(a, max);
      const name = (v: number) => (names && random() < 0.3 ? names[v - min] : String(v));
      return pick([
        () => '*', () => `*/${int(1, max - min + 1)}`, () => name(a), () => `${name(a)}-${name(b)}`,
        () => `${a}-${b}/${int(1, 10)}`, () => `${a}/${int(1, 10)}`,
      ])();
    };
    const field = (min: number, max: number, starBias: number, names?: readonly string[]) =>
      (random() < starBias ? '*' : Array.from({ length: int(1, 3) }, () => term(min, max, names)).join(','));
    const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
    const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const expressions = [
      '* * * * *', '*/7 * * * *', '59 23 31 12 *', '0 0 29 2 *', '0 0 31 2 *', '0 0 13 * 5', '30 2 * * 1-5',
      '0 0 1,15 * 1', '*/13 */5 * * *', '0 12 * feb sun', '15 3 31 * *', '0 0 * * 0', '@yearly', '@monthly',
    ];
    while (expressions.length < 600) {
      expressions.push([field(0, 59, 0.2), field(0, 23, 0.3), field(1, 31, 0.5), field(1, 12, 0.6, MONTHS), field(0, 6, 0.5, DAYS)].join(' '));
    }
    // WHEN each is measured by the day-wise pass and by an independent walk over the real calendar
    // THEN both agree on every one (undefined: never fires), and the sample holds both kinds
    let fires = 0;
    for (const e of expressions) {
      const s = parse(e);
      const expected = walkMaxGapSeconds(s);
      expect({ e, gap: s.maxGapSeconds() }).toEqual({ e, gap: expected });
      if (expected !== undefined) fires++;
    }
    expect(fires).toBeGreaterThan(500);
    expect(fires).toBeLessThan(600);
  });
});

/**
 * The reference: every day of 2001–2028 (UTC) through `Date`, written against the parsed fields, every firing
 * minute of a firing day in order, then the wrap from the last run of 2028 to the first of 2001 (28 years are
 * 1,461 whole weeks, so the wrap is a real gap of the calendar of 1901–2099).
 */
function walkMaxGapSeconds(s: CronSchedule): number | undefined {
  const [minutes, hours, dom, month, dow] = [s.minute, s.hour, s.dayOfMonth, s.month, s.dayOfWeek];
  const start = Date.UTC(2001, 0, 1);
  const days = Math.round((Date.UTC(2029, 0, 1) - start) / 86400000);
  const dayMinutes: number[] = [];
  for (let h = 0; h < 24; h++) if (hours.values[h]) for (let m = 0; m < 60; m++) if (minutes.values[m]) dayMinutes.push(h * 60 + m);
  let inDay = 0;
  for (let i = 1; i < dayMinutes.length; i++) if (dayMinutes[i] - dayMinutes[i - 1] > inDay) inDay = dayMinutes[i] - dayMinutes[i - 1];
  let first: number | undefined;
  let last: number | undefined;
  let gap = inDay;
  if (dayMinutes.length === 0) return undefined;
  for (let d = 0; d < days; d++) {
    const date = new Date(start + d * 86400000);
    if (!month.values[date.getUTCMonth() + 1]) continue;
    const domMatch = dom.values[date.getUTCDate()];
    const dowMatch = dow.values[date.getUTCDay()];
    if (!(dom.star || dow.star ? domMatch && dowMatch : domMatch || dowMatch)) continue;
    const t = d * 1440 + dayMinutes[0];
    if (last !== undefined && t - last > gap) gap = t - last;
    if (first === undefined) first = t;
    last = d * 1440 + dayMinutes[dayMinutes.length - 1];
  }
  if (first === undefined || last === undefined) return undefined;
  gap = Math.max(gap, first + days * 1440 - last);
  return gap * 60;
}

/** A small seeded PRNG (Park and Miller's minimal standard), so the sample is the same on every run. */
function parkMiller(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 48271) % 2147483647;
    return a / 2147483647;
  };
}
