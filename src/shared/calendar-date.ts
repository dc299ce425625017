/**
 * Calendar dates for deadlines, due dates and "made on" dates.
 *
 * A date in this app is a day on the calendar in Europe/London, not an instant. Turning one into a
 * `Date` in local time lets the server's time zone move it by a day, so every function here works
 * on the 'YYYY-MM-DD' string and, where arithmetic is needed, on UTC midnight only.
 */

/**
 * A calendar date written 'YYYY-MM-DD' (ISO 8601, proleptic Gregorian calendar, years 0001 to
 * 9999), meaning that day in Europe/London. It carries no time and no zone. The alias is a plain
 * string so values pass straight through JSON, SQL `date` columns and HTML date inputs; check
 * untrusted values with `isCalendarDate` or `parseCalendarDate`.
 */
export type CalendarDate = string;

export interface CalendarDateParts {
  year: number;
  month: number;
  day: number;
}

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

// Date.UTC reads years 0-99 as 1900-1999. The Gregorian calendar repeats exactly every 400 years
// (146,097 days), so shifting every year by 400 keeps the arithmetic exact for years 1-99 too.
const YEAR_SHIFT = 400;
const DAYS_IN_SHIFT = 146_097;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

// en-GB (CLDR) and the GOV.UK style guide both write September as 'Sept'. Fixed here rather than
// taken from Intl so the text cannot change with the Node or ICU version.
const SHORT_MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sept',
  'Oct',
  'Nov',
  'Dec',
] as const;

// One shared formatter: building an Intl.DateTimeFormat is slow, and the zone never changes.
const LONDON_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function splitDate(s: unknown): CalendarDateParts | null {
  if (typeof s !== 'string') return null;
  const match = SHAPE.exec(s);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < MIN_YEAR || month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function fromParts({ year, month, day }: CalendarDateParts): CalendarDate {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

// Whole days since 1970-01-01; every date maps to an integer, so differences are exact.
function toDayNumber(d: CalendarDate): number {
  const { year, month, day } = parseCalendarDate(d);
  return Date.UTC(year + YEAR_SHIFT, month - 1, day) / MS_PER_DAY - DAYS_IN_SHIFT;
}

function fromDayNumber(dayNumber: number): CalendarDate {
  const utc = new Date((dayNumber + DAYS_IN_SHIFT) * MS_PER_DAY);
  const year = utc.getUTCFullYear() - YEAR_SHIFT;
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new RangeError(`Date arithmetic went outside the years ${MIN_YEAR}-${MAX_YEAR}`);
  }
  return fromParts({ year, month: utc.getUTCMonth() + 1, day: utc.getUTCDate() });
}

/** Validates untrusted input (forms, JSON, database rows) before it is used as a date. */
export function isCalendarDate(s: unknown): s is CalendarDate {
  return splitDate(s) !== null;
}

/** Splits a date into numbers for formatting or storage; throws on anything but a real date. */
export function parseCalendarDate(s: unknown): CalendarDateParts {
  const parts = splitDate(s);
  if (!parts) {
    throw new Error(
      `Not a calendar date: ${describeValue(s)} (expected a real date as YYYY-MM-DD)`,
    );
  }
  return parts;
}

/** Moves a date by whole days (negative goes back), e.g. to count a statutory period. */
export function addDays(d: CalendarDate, n: number): CalendarDate {
  if (!Number.isInteger(n)) throw new RangeError(`Days to add must be a whole number, got ${n}`);
  return fromDayNumber(toDayNumber(d) + n);
}

/** Days from `from` to `to` (to − from), negative when `to` is earlier; for days left or late. */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** Orders two dates (-1, 0 or 1), for sorting and for before/after checks. */
export function compareDates(a: CalendarDate, b: CalendarDate): -1 | 0 | 1 {
  parseCalendarDate(a);
  parseCalendarDate(b);
  // Fixed-width YYYY-MM-DD strings sort in the same order as the days they name.
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** The latest of one or more dates, e.g. the later of two candidate due dates. */
export function maxDate(first: CalendarDate, ...rest: CalendarDate[]): CalendarDate {
  return rest.reduce((latest, d) => (compareDates(d, latest) > 0 ? d : latest), first);
}

/** The earliest of one or more dates, e.g. the first day of a set of periods. */
export function minDate(first: CalendarDate, ...rest: CalendarDate[]): CalendarDate {
  return rest.reduce((earliest, d) => (compareDates(d, earliest) < 0 ? d : earliest), first);
}

/** "Today" for deadline rules: the date in London at an instant, whatever the server's zone. */
export function londonDate(instant: Date): CalendarDate {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError('londonDate needs a valid Date');
  }
  const parts = LONDON_PARTS.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): number => {
    const found = parts.find((p) => p.type === type);
    if (!found) throw new Error(`Intl gave no ${type} for Europe/London`);
    return Number(found.value);
  };
  return fromParts({ year: part('year'), month: part('month'), day: part('day') });
}

// One shared formatter: building an Intl.DateTimeFormat is slow, and the zone never changes.
const LONDON_HOUR = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: '2-digit',
  hourCycle: 'h23',
});

/**
 * The instant a London calendar day begins. London is UTC or UTC+1 and changes at 01:00 UTC, so
 * its midnight is UTC midnight less the hour London shows at UTC midnight (0 or 1).
 */
export function londonMidnight(day: CalendarDate): Date {
  const { year, month, day: d } = parseCalendarDate(day);
  const utcMidnight = new Date(0);
  utcMidnight.setUTCFullYear(year, month - 1, d);
  const hour = Number(LONDON_HOUR.format(utcMidnight));
  return new Date(utcMidnight.getTime() - hour * 3_600_000);
}

/** Dates in running text and on public pages: '17 January 2022' (GOV.UK style, no weekday). */
export function formatLongDate(d: CalendarDate): string {
  const { year, month, day } = parseCalendarDate(d);
  return `${day} ${LONG_MONTHS[month - 1]} ${year}`;
}

/** Dates where space is short, such as tables: '17 Jan 2022'. */
/** A month's name (1 = January), and its short form as formatShortDate writes it ('Sept'). */
export function monthName(month: number, style: 'long' | 'short' = 'long'): string {
  const name = (style === 'long' ? LONG_MONTHS : SHORT_MONTHS)[month - 1];
  if (!name) throw new RangeError(`No month ${month}`);
  return name;
}

export function formatShortDate(d: CalendarDate): string {
  const { year, month, day } = parseCalendarDate(d);
  return `${day} ${SHORT_MONTHS[month - 1]} ${year}`;
}
