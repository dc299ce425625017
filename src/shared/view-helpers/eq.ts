/** {{#if (eq a b)}}: strict equality, for selecting the current option in a filter. */
export function eq(a: unknown, b: unknown): boolean {
  return a === b;
}
