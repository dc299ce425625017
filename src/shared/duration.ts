/**
 * How long lies between two calendar dates, in words a reader takes in at a glance:
 * "4 years 10 months", "1 year", "3 months 2 days", "12 days". Used wherever a page says how
 * overdue or how late something is, instead of a count of days ("1780 days").
 *
 *   durationInWords('2022-01-17', '2026-12-02') → '4 years 10 months'
 *
 * Whole calendar months are counted first (17 January to 17 February is one month, whatever the
 * month's length; a start on the 31st reaches a shorter month on its last day), then the days
 * left over. Days are only shown below a year, where they still matter.
 */
import { daysBetween, parseCalendarDate, type CalendarDate } from './calendar-date';

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year + 400, month, 0)).getUTCDate();
}

/** The date `months` calendar months after `d`, clamped to the end of a shorter month. */
function addMonths(d: CalendarDate, months: number): CalendarDate {
  const { year, month, day } = parseCalendarDate(d);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  const dd = Math.min(day, daysInMonth(y, m));
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
}

const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Whole years, months and days from `from` to `to` (to ≥ from; reversed dates are swapped). */
export function durationParts(
  from: CalendarDate,
  to: CalendarDate,
): { years: number; months: number; days: number } {
  if (daysBetween(from, to) < 0) [from, to] = [to, from];
  const a = parseCalendarDate(from);
  const b = parseCalendarDate(to);
  let months = (b.year - a.year) * 12 + (b.month - a.month);
  if (daysBetween(addMonths(from, months), to) < 0) months -= 1;
  const days = daysBetween(addMonths(from, months), to);
  return { years: Math.floor(months / 12), months: months % 12, days };
}

export function durationInWords(from: CalendarDate, to: CalendarDate): string {
  const { years, months, days } = durationParts(from, to);
  if (years > 0)
    return months ? `${unit(years, 'year')} ${unit(months, 'month')}` : unit(years, 'year');
  if (months > 0)
    return days ? `${unit(months, 'month')} ${unit(days, 'day')}` : unit(months, 'month');
  return unit(days, 'day');
}
