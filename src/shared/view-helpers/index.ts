/** The Handlebars helpers, one per file. Handlebars passes an options object last; each helper ignores extras. */
import { dateParts } from './date-parts';
import { eq } from './eq';
import { formatDate } from './format-date';
import { plural } from './plural';

export const viewHelpers = {
  dateParts: (value: unknown) => dateParts(value),
  eq,
  formatDate: (value: unknown, style: unknown) =>
    formatDate(value, typeof style === 'string' ? style : undefined),
  plural: (count: unknown, singular: unknown, pluralForm: unknown) =>
    plural(count, singular, typeof pluralForm === 'string' ? pluralForm : undefined),
};
