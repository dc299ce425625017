/**
 * {{lookup (dateParts value) "day"}}: the day, month and year boxes of the date input partial for
 * a stored date ('2024-03-05' → 5, 3, 2024) or for what was typed before an error.
 */
import { partsOf, type DateInputParts } from '../date-input';

export function dateParts(value: unknown): DateInputParts {
  return partsOf(value);
}
