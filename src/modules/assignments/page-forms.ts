/**
 * What the assignment's pages (the assignment page, its deadlines page, the review page) do alike
 * with their forms: read an id from the path, read a posted form (dates from three boxes, then only
 * the form's fields), and build the error summary for one of a page's several forms.
 */
import { NotFoundError, type FieldError } from '../../shared/errors';
import { readDateFields, type DateInputRules } from '../../shared/date-input';
import { errorSummary } from '../../shared/form-errors';
import { asText, pickFields } from '../../shared/form-input';

export const NO_SUCH_ASSIGNMENT =
  'There is no assignment with that number, or it is not yours to see.';

/** An id in the path: a whole number from 1 to 2147483647, or 404 (with `message`, if given). */
export function idParam(value: unknown, message?: string): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > 2147483647) throw new NotFoundError(message);
  return n;
}

/** A date a form takes in three boxes (src/shared/date-input.ts), named as its label says. */
export type DateField = { name: string } & DateInputRules;

/**
 * A posted form: `input` holds only its fields (dates read from their boxes and trimmed),
 * `dateErrors` the dates typed wrongly, and `values(fields)` the fields as text, to show again.
 */
export function readForm(body: unknown, fields: readonly string[], dates: DateField[] = []) {
  const read = readDateFields(body, dates);
  const input = pickFields(
    read.body,
    fields,
    dates.map((d) => d.name),
  );
  const values = (kept: readonly string[] = fields): Record<string, string> =>
    Object.fromEntries(kept.map((f) => [f, asText(input[f])]));
  return { input, dateErrors: read.errors, values };
}

/** The GOV.UK error summary's list and the messages by field (see src/shared/form-errors.ts). */
export interface Summary {
  errorList: { text: string; href: string }[];
  errors: Record<string, string>;
}

export const noErrors = (): Summary => ({ errorList: [], errors: {} });

/**
 * The summary for one of a page's forms: its fields' ids carry the form's name (`response-text`),
 * and a refusal (a 409, in words) links to the form itself (`#response-form`).
 */
export function formSummary(
  form: string,
  fields: readonly string[],
  errors: FieldError[],
  refusal?: string,
): Summary {
  const summary = errorSummary(
    errors.map((e) => ({ ...e, field: `${form}-${e.field}` })),
    fields.map((f) => `${form}-${f}`),
  );
  if (refusal) summary.errorList.push({ text: refusal, href: `#${form}-form` });
  return summary;
}

/** One summary for a page from its parts' summaries, in the order the parts appear. */
export function joinSummaries(...parts: Summary[]): Summary {
  return {
    errorList: parts.flatMap((p) => p.errorList),
    errors: Object.assign({}, ...parts.map((p) => p.errors)) as Record<string, string>,
  };
}
