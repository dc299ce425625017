/**
 * {{formatDate date}} → "17 January 2022"; {{formatDate date "short"}} → "17 Jan 2022".
 * Takes a calendar date ('YYYY-MM-DD') or an instant (a `Date`, as timestamps come from the
 * database), which is shown as its day in Europe/London. Empty for a missing or invalid value,
 * so templates can guard with {{#if}}.
 */
import { formatLongDate, formatShortDate, isCalendarDate, londonDate } from '../calendar-date';

export function formatDate(value: unknown, style?: unknown): string {
  let day: string | null = null;
  if (value instanceof Date) {
    if (!Number.isNaN(value.getTime())) day = londonDate(value);
  } else if (isCalendarDate(value)) {
    day = value;
  }
  if (day === null) return '';
  return style === 'short' ? formatShortDate(day) : formatLongDate(day);
}
