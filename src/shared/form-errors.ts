/**
 * Field errors shaped for a form page: `errorList` for the GOV.UK error summary (each linking to its
 * field) and `errors` by field for the messages beside the inputs. One message per field; with
 * `fieldOrder`, in the order the fields appear on the page. An error that names a box (a date's month
 * or year, see FieldError) links to that box rather than the field's first.
 */
import type { FieldError } from './errors';

export function errorSummary(errors: FieldError[], fieldOrder: readonly string[] = []) {
  const seen = new Set<string>();
  const unique = errors.filter((e) => !seen.has(e.field) && seen.add(e.field));
  if (fieldOrder.length) {
    const rank = (field: string) =>
      fieldOrder.includes(field) ? fieldOrder.indexOf(field) : fieldOrder.length;
    unique.sort((a, b) => rank(a.field) - rank(b.field));
  }
  return {
    errorList: unique.map((e) => ({
      text: e.message,
      href: `#${e.field}${e.box ? `-${e.box}` : ''}`,
    })),
    errors: Object.fromEntries(unique.map((e) => [e.field, e.message])),
  };
}
