/**
 * {{formatDate date}} → "17 January 2022"; {{formatDate date "short"}} → "17 Jan 2022".
 * Empty for a missing date, so templates can guard with {{#if}}.
 */
import { formatLongDate, formatShortDate, isCalendarDate } from '../calendar-date';

export function formatDate(value: unknown, style?: unknown): string {
  if (!isCalendarDate(value)) return '';
  return style === 'short' ? formatShortDate(value) : formatLongDate(value);
}
