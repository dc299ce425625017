import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import {
  addDays,
  compareDates,
  daysBetween,
  formatLongDate,
  formatShortDate,
  isCalendarDate,
  londonDate,
  maxDate,
  minDate,
  parseCalendarDate,
} from './calendar-date';

describe('isCalendarDate', () => {
  it.each(['2022-01-17', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31', '2021-12-31'])(
    'accepts the real date %s',
    (s) => {
      expect(isCalendarDate(s)).toBe(true);
    },
  );

  it.each([
    ['a 29 February outside a leap year', '2023-02-29'],
    ['29 February in a century year that is not a leap year', '1900-02-29'],
    ['month 13', '2021-13-01'],
    ['month 0', '2021-00-10'],
    ['day 0', '2021-01-00'],
    ['31 April', '2021-04-31'],
    ['unpadded month and day', '2021-1-1'],
    ['a timestamp', '2021-01-01T00:00:00Z'],
    ['surrounding spaces', ' 2021-01-01'],
    ['year 0', '0000-06-01'],
    ['slashes', '2021/01/01'],
    ['an empty string', ''],
  ])('rejects %s (%s)', (_why, s) => {
    expect(isCalendarDate(s)).toBe(false);
  });

  it.each([null, undefined, 20220117, new Date('2022-01-17'), {}])(
    'rejects the non-string %p',
    (v) => {
      expect(isCalendarDate(v)).toBe(false);
    },
  );
});

describe('parseCalendarDate', () => {
  it('splits a date into numbers', () => {
    expect(parseCalendarDate('2022-01-17')).toEqual({ year: 2022, month: 1, day: 17 });
  });

  it('throws a message that names the bad value', () => {
    expect(() => parseCalendarDate('2023-02-29')).toThrow(/"2023-02-29".*YYYY-MM-DD/);
    expect(() => parseCalendarDate(undefined)).toThrow(/undefined/);
  });
});

describe('addDays', () => {
  it.each([
    // 23 Nov + 7 = 30 Nov; + 31 = 31 Dec (38); + 17 = 17 Jan (55)
    ['2021-11-23', 55, '2022-01-17'],
    // 31 Jan + 28 = 28 Feb (2023 has no 29 Feb); + 1 = 1 Mar
    ['2023-01-31', 29, '2023-03-01'],
    // 31 Jan + 29 = 29 Feb in the leap year 2024
    ['2024-01-31', 29, '2024-02-29'],
    // 28 Feb 2024 + 1 = 29 Feb; + 1 = 1 Mar
    ['2024-02-28', 2, '2024-03-01'],
    // 31 Dec + 1 = 1 Jan of the next year
    ['2021-12-31', 1, '2022-01-01'],
    // the day the clocks go forward is still one day: 26 Mar + 1 = 27 Mar; 27 Mar + 1 = 28 Mar
    ['2022-03-26', 2, '2022-03-28'],
    // the day the clocks go back: 29 Oct + 2 = 31 Oct
    ['2022-10-29', 2, '2022-10-31'],
    ['2022-01-17', 0, '2022-01-17'],
    // going back: 1 Mar 2024 − 1 = 29 Feb 2024
    ['2024-03-01', -1, '2024-02-29'],
    // 1 Jan 2022 − 1 = 31 Dec 2021
    ['2022-01-01', -1, '2021-12-31'],
    // 366 days is a whole leap year: 1 Jan 2024 → 1 Jan 2025
    ['2024-01-01', 366, '2025-01-01'],
    // years below 100, which Date.UTC would read as 19xx: 1 Jan 0099 − 1 = 31 Dec 0098
    ['0099-01-01', -1, '0098-12-31'],
  ])('%s + %i days = %s', (d, n, expected) => {
    expect(addDays(d, n)).toBe(expected);
  });

  it('refuses fractions of a day', () => {
    expect(() => addDays('2022-01-01', 0.5)).toThrow(RangeError);
  });

  it('refuses to leave the years 0001-9999', () => {
    expect(() => addDays('9999-12-31', 1)).toThrow(RangeError);
    expect(() => addDays('0001-01-01', -1)).toThrow(RangeError);
  });

  it('refuses a date that is not real', () => {
    expect(() => addDays('2023-02-29', 1)).toThrow(/2023-02-29/);
  });
});

describe('daysBetween', () => {
  it('counts whole days from the first date to the second', () => {
    expect(daysBetween('2021-11-23', '2022-01-17')).toBe(55);
    // 4 Jan → 31 Jan = 27; → 29 Feb = 27 + 29 = 56
    expect(daysBetween('2024-01-04', '2024-02-29')).toBe(56);
  });

  it('is negative when the second date is earlier', () => {
    expect(daysBetween('2022-01-20', '2022-01-17')).toBe(-3);
  });

  it('counts the short and long clock-change days as one day each', () => {
    expect(daysBetween('2022-03-26', '2022-03-28')).toBe(2);
    expect(daysBetween('2022-10-29', '2022-10-31')).toBe(2);
  });

  it('is 0 for the same date', () => {
    expect(daysBetween('2024-02-29', '2024-02-29')).toBe(0);
  });
});

describe('compareDates, maxDate and minDate', () => {
  it('orders dates across months and years', () => {
    expect(compareDates('2021-12-31', '2022-01-01')).toBe(-1);
    expect(compareDates('2022-01-01', '2021-12-31')).toBe(1);
    expect(compareDates('2022-01-17', '2022-01-17')).toBe(0);
  });

  it('picks the latest and earliest date', () => {
    expect(maxDate('2022-01-17', '2024-02-29', '2021-12-31')).toBe('2024-02-29');
    expect(minDate('2022-01-17', '2024-02-29', '2021-12-31')).toBe('2021-12-31');
    expect(maxDate('2022-01-17')).toBe('2022-01-17');
  });

  it('refuses invalid dates instead of comparing them as text', () => {
    expect(() => compareDates('2022-1-17', '2022-01-17')).toThrow(/2022-1-17/);
  });
});

describe('londonDate', () => {
  it.each([
    // winter (GMT = UTC): the UTC date is the London date
    ['2022-01-17T12:00:00Z', '2022-01-17'],
    ['2021-12-31T23:59:59Z', '2021-12-31'],
    // clocks go forward at 01:00 UTC on 27 Mar 2022; 00:30 UTC is 00:30 GMT
    ['2022-03-27T00:30:00Z', '2022-03-27'],
    // 01:30 UTC is 02:30 BST, same day
    ['2022-03-27T01:30:00Z', '2022-03-27'],
    // the night before: 23:30 UTC on 26 Mar is still 23:30 GMT
    ['2022-03-26T23:30:00Z', '2022-03-26'],
    // summer (BST = UTC+1): 23:30 UTC is 00:30 the next day in London
    ['2022-06-30T23:30:00Z', '2022-07-01'],
    ['2022-12-31T23:30:00Z', '2022-12-31'],
    ['2023-08-31T23:00:00Z', '2023-09-01'],
    ['2023-08-31T22:59:59Z', '2023-08-31'],
    // clocks go back at 01:00 UTC on 30 Oct 2022: 23:30 UTC on 29 Oct is 00:30 BST on 30 Oct
    ['2022-10-29T23:30:00Z', '2022-10-30'],
    // 23:30 UTC on 30 Oct is 23:30 GMT, still 30 Oct
    ['2022-10-30T23:30:00Z', '2022-10-30'],
    // 29 Feb is in GMT, so 23:59 UTC is still 29 Feb in London
    ['2024-02-29T23:59:00Z', '2024-02-29'],
  ])('%s is %s in London', (iso, expected) => {
    expect(londonDate(new Date(iso))).toBe(expected);
  });

  it('throws for an invalid Date', () => {
    expect(() => londonDate(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('formatLongDate and formatShortDate', () => {
  it.each([
    ['2022-01-17', '17 January 2022', '17 Jan 2022'],
    ['2024-02-29', '29 February 2024', '29 Feb 2024'],
    ['2023-09-01', '1 September 2023', '1 Sept 2023'],
    ['2021-12-31', '31 December 2021', '31 Dec 2021'],
  ])('writes %s as "%s" and "%s"', (d, long, short) => {
    expect(formatLongDate(d)).toBe(long);
    expect(formatShortDate(d)).toBe(short);
  });

  it('refuses a date that is not real', () => {
    expect(() => formatLongDate('2021-13-01')).toThrow(/2021-13-01/);
  });
});

describe('independence from the server time zone', () => {
  // Zones as far from London as possible in both directions, plus UTC and London itself.
  const ZONES = ['UTC', 'Europe/London', 'America/Los_Angeles', 'Pacific/Kiritimati'];

  // Jest gives each test file its own copy of process.env, so setting TZ inside a test would not
  // reach Date or Intl. A child process started with TZ set is a real check.
  const SCRIPT = `
    const c = require(${JSON.stringify(join(__dirname, 'calendar-date.ts'))});
    process.stdout.write(JSON.stringify({
      localDay: new Date('2022-06-30T23:30:00Z').getDate(),
      dates: {
        london: [
          c.londonDate(new Date('2022-06-30T23:30:00Z')),
          c.londonDate(new Date('2022-03-27T00:30:00Z')),
          c.londonDate(new Date('2022-10-29T23:30:00Z')),
        ],
        added: [
          c.addDays('2022-03-26', 2), c.addDays('2022-10-29', 2), c.addDays('2021-11-23', 55),
        ],
        between: c.daysBetween('2022-03-01', '2022-11-01'),
        formatted: [c.formatLongDate('2022-03-27'), c.formatShortDate('2022-10-30')],
      },
    }));
  `;

  interface ZoneResult {
    localDay: number;
    dates: unknown;
  }

  function runInZone(zone: string): ZoneResult {
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', SCRIPT], {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env, TZ: zone },
      encoding: 'utf8',
    });
    return JSON.parse(out) as ZoneResult;
  }

  const results = new Map<string, ZoneResult>();
  beforeAll(() => {
    for (const zone of ZONES) results.set(zone, runInZone(zone));
  }, 60_000);

  it('runs in zones where local-time Date methods disagree (so the check means something)', () => {
    // 23:30 UTC on 30 Jun is 16:30 on 30 Jun in Los Angeles and 13:30 on 1 Jul in Kiritimati.
    expect(results.get('America/Los_Angeles')?.localDay).toBe(30);
    expect(results.get('Pacific/Kiritimati')?.localDay).toBe(1);
  });

  it.each(ZONES)('gives the same answers with TZ=%s', (zone) => {
    expect(results.get(zone)?.dates).toEqual({
      // the London instants and sums worked out in the tests above
      london: ['2022-07-01', '2022-03-27', '2022-10-30'],
      added: ['2022-03-28', '2022-10-31', '2022-01-17'],
      // 1 Mar → 1 Nov: 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 = 245 (March to October)
      between: 245,
      formatted: ['27 March 2022', '30 Oct 2022'],
    });
  });
});
