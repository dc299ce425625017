/** Reading form bodies: only the named fields, each as sent ('' when absent), named ones trimmed. */
export function pickFields(body: unknown, fields: readonly string[], trim: readonly string[] = []) {
  const source = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    fields.map((f) => {
      const value = source[f] ?? '';
      return [f, typeof value === 'string' && trim.includes(f) ? value.trim() : value];
    }),
  );
}

/** A form value as text: anything that is not a string (an array from a repeated field) is ''. */
export const asText = (value: unknown) => (typeof value === 'string' ? value : '');
