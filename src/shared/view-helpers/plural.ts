/** {{plural count "recommendation"}} → "1 recommendation" / "3 recommendations"; a third argument gives an irregular plural. */
export function plural(count: unknown, singular: unknown, pluralForm?: unknown): string {
  const n = Number(count);
  const many = typeof pluralForm === 'string' ? pluralForm : `${String(singular)}s`;
  return `${n.toLocaleString('en-GB')} ${n === 1 ? String(singular) : many}`;
}
