/**
 * The GOV.UK Design System's date input: three boxes (day, month, year) read back into one
 * calendar date, with the Design System's error messages. The partial is
 * views/partials/date-input.hbs; both are shared by every form where a person types a date.
 *
 * Usage in a controller, before the form's own validation:
 *
 *   const dates = readDateFields(req.body, [{ name: 'madeOn', label: 'The date it was made' }]);
 *   // dates.body.madeOn is 'YYYY-MM-DD', '' (left empty) or what was typed, kept for the form
 *   if (dates.errors.length) throw new ValidationError(dates.errors);
 *
 * The boxes are posted as `<name>-day`, `<name>-month` and `<name>-year`. A body that has none of
 * them keeps `<name>` as sent (the JSON API, and links such as ?as_of=2022-03-01).
 */
import { isCalendarDate, monthName, type CalendarDate } from './calendar-date';
import type { FieldError } from './errors';

export type DatePart = 'day' | 'month' | 'year';
export const DATE_PARTS: readonly DatePart[] = ['day', 'month', 'year'];

export interface DateInputParts {
  day: string;
  month: string;
  year: string;
}

export interface DateInputRules {
  /** What the date is, as the start of a sentence: "Date made", "The new due date". */
  label: string;
  required?: boolean;
  /** The latest date allowed (for example today, for something that has happened). */
  notAfter?: CalendarDate;
  /** The earliest date allowed. */
  notBefore?: CalendarDate;
}

export type DateInputOutcome =
  | { kind: 'empty' }
  | { kind: 'date'; date: CalendarDate }
  | { kind: 'error'; message: string; parts: DatePart[] };

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Month names and their short forms are accepted as the Design System asks ("feb", "Sept"). */
function monthNumber(text: string): number | null {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const t = text.toLowerCase().replace(/\.$/, '');
  if (t.length < 3) return null;
  for (let m = 1; m <= 12; m += 1) {
    const long = monthName(m).toLowerCase();
    if (long === t || long.startsWith(t) || monthName(m, 'short').toLowerCase() === t) return m;
  }
  return null;
}

function listParts(parts: DatePart[]): string {
  if (parts.length === 1) return `a ${parts[0]}`;
  return `a ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** Reads three boxes into a date, or says what is wrong in the Design System's words. */
export function parseDateInput(raw: DateInputParts, rules: DateInputRules): DateInputOutcome {
  const parts = {
    day: raw.day.trim(),
    month: raw.month.trim(),
    year: raw.year.trim(),
  };
  const missing = DATE_PARTS.filter((p) => parts[p] === '');
  if (missing.length === 3)
    return rules.required
      ? { kind: 'error', message: `Enter ${lowerFirst(rules.label)}`, parts: [...DATE_PARTS] }
      : { kind: 'empty' };
  if (missing.length)
    return {
      kind: 'error',
      message: `${rules.label} must include ${listParts(missing)}`,
      parts: missing,
    };
  const realDate = (which: DatePart[]): DateInputOutcome => ({
    kind: 'error',
    message: `${rules.label} must be a real date`,
    parts: which,
  });
  const month = monthNumber(parts.month);
  const notNumbers = [
    ...(/^\d{1,2}$/.test(parts.day) ? [] : (['day'] as const)),
    ...(month === null ? (['month'] as const) : []),
    ...(/^\d+$/.test(parts.year) ? [] : (['year'] as const)),
  ];
  if (notNumbers.length) return realDate(notNumbers);
  if (parts.year.length !== 4)
    return { kind: 'error', message: 'Year must include 4 numbers', parts: ['year'] };
  const date = `${parts.year}-${String(month).padStart(2, '0')}-${parts.day.padStart(2, '0')}`;
  if (!isCalendarDate(date)) {
    const monthOk = month! >= 1 && month! <= 12;
    return realDate(monthOk ? ['day'] : ['month']);
  }
  if (rules.notAfter && date > rules.notAfter)
    return {
      kind: 'error',
      message: `${rules.label} must be today or in the past`,
      parts: [...DATE_PARTS],
    };
  if (rules.notBefore && date < rules.notBefore)
    return {
      kind: 'error',
      message: `${rules.label} must be the same as or after ${formatForMessage(rules.notBefore)}`,
      parts: [...DATE_PARTS],
    };
  return { kind: 'date', date };
}

function formatForMessage(d: CalendarDate): string {
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  return `${day} ${monthName(m)} ${y}`;
}

/** The three boxes of `name` in a form body, or null when none was sent. */
export function datePartsFrom(body: unknown, name: string): DateInputParts | null {
  const source = (body ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const keys = DATE_PARTS.map((p) => `${name}-${p}`);
  if (!keys.some((k) => k in source)) return null;
  return {
    day: text(source[`${name}-day`]),
    month: text(source[`${name}-month`]),
    year: text(source[`${name}-year`]),
  };
}

/**
 * What was typed, kept in one string so a form shown again can put it back in the boxes:
 * 'year-month-day' as typed (hyphens inside a box are dropped). A valid date is the same string
 * as its ISO form, so a form's value is always one string (see the dateBoxes view helper).
 */
export function encodeParts(parts: DateInputParts): string {
  const clean = (s: string) => s.trim().replace(/-/g, '');
  return `${clean(parts.year)}-${clean(parts.month)}-${clean(parts.day)}`;
}

/**
 * The boxes to mark beside an error, worked out again from what was typed: those the reading found
 * wrong (a missing day, letters in the month), or all three when the date itself was refused (left
 * empty when it is needed, out of the form's range, or after another date).
 */
export function boxesAtFault(parts: DateInputParts): DatePart[] {
  const outcome = parseDateInput(parts, { label: 'Date' });
  return outcome.kind === 'error' ? outcome.parts : [...DATE_PARTS];
}

/** The boxes for a stored value: an ISO date, what encodeParts kept, or nothing. */
export function partsOf(value: unknown): DateInputParts {
  if (typeof value !== 'string' || value === '') return { day: '', month: '', year: '' };
  const [year = '', month = '', day = ''] = value.split('-');
  if (isCalendarDate(value))
    return { day: String(Number(day)), month: String(Number(month)), year };
  return { day, month, year };
}

/**
 * Replaces each named date's three boxes in a form body by one value, `<name>`: the date as
 * 'YYYY-MM-DD', '' when left empty, or (with an error) what was typed. A body without the boxes
 * is left as it is. Each error names the first box at fault (`box`, for the error summary's link);
 * `errorParts` per date name all the boxes at fault.
 */
export function readDateFields(
  body: unknown,
  fields: ({ name: string } & DateInputRules)[],
): {
  body: Record<string, unknown>;
  errors: FieldError[];
  errorParts: Record<string, Partial<Record<DatePart, true>>>;
} {
  const out: Record<string, unknown> = { ...((body ?? {}) as Record<string, unknown>) };
  const errors: FieldError[] = [];
  const errorParts: Record<string, Partial<Record<DatePart, true>>> = {};
  for (const field of fields) {
    const parts = datePartsFrom(out, field.name);
    if (!parts) continue;
    for (const p of DATE_PARTS) delete out[`${field.name}-${p}`];
    const outcome = parseDateInput(parts, field);
    if (outcome.kind === 'date') out[field.name] = outcome.date;
    else if (outcome.kind === 'empty') out[field.name] = '';
    else {
      out[field.name] = encodeParts(parts);
      // The summary links to the first box at fault: the day box carries the field's own id.
      const first = outcome.parts[0];
      errors.push({
        field: field.name,
        message: outcome.message,
        ...(first && first !== 'day' ? { box: first } : {}),
      });
      errorParts[field.name] = Object.fromEntries(outcome.parts.map((p) => [p, true]));
    }
  }
  return { body: out, errors, errorParts };
}
