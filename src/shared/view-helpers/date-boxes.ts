/**
 * {{#each (dateBoxes name id value error)}}: the day, month and year boxes of the date input partial
 * (views/partials/date-input.hbs), each with its id, name, label, width and value, and whether to
 * mark it. `value` is a stored date ('2024-03-05' → 5, 3, 2024) or what was typed before an error;
 * with an error, the boxes at fault are marked (all three when the date itself was refused).
 */
import { boxesAtFault, DATE_PARTS, partsOf } from '../date-input';

const LABELS = { day: 'Day', month: 'Month', year: 'Year' } as const;

export interface DateBox {
  id: string;
  name: string;
  label: string;
  width: 2 | 4;
  value: string;
  invalid: boolean;
}

export function dateBoxes(name: unknown, id: unknown, value: unknown, error: unknown): DateBox[] {
  const field = String(name ?? '');
  const first = typeof id === 'string' && id !== '' ? id : field;
  const typed = partsOf(value);
  const marked = error ? new Set(boxesAtFault(typed)) : new Set();
  return DATE_PARTS.map((part) => ({
    id: part === 'day' ? first : `${first}-${part}`,
    name: `${field}-${part}`,
    label: LABELS[part],
    width: part === 'year' ? 4 : 2,
    value: typed[part],
    invalid: marked.has(part),
  }));
}
