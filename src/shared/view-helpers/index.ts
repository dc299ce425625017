/** The Handlebars helpers, one per file. Handlebars passes an options object last; each helper ignores extras. */
import { dateBoxes } from './date-boxes';
import { eq } from './eq';
import { formatDate } from './format-date';
import { plural } from './plural';

export const viewHelpers = {
  dateBoxes: (name: unknown, id: unknown, value: unknown, error: unknown) =>
    dateBoxes(name, id, value, error),
  eq,
  formatDate: (value: unknown, style: unknown) =>
    formatDate(value, typeof style === 'string' ? style : undefined),
  plural: (count: unknown, singular: unknown, pluralForm: unknown) =>
    plural(count, singular, typeof pluralForm === 'string' ? pluralForm : undefined),
};
