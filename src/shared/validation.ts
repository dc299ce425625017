/**
 * One Ajv instance for the whole app: config, query strings, forms and API bodies are all checked
 * by schemas compiled here, so every input gets the same rules and the same error shape.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Type, type TSchema, type SchemaOptions } from '@sinclair/typebox';
import { ValidationError, type FieldError } from './errors';

export const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  useDefaults: true,
  coerceTypes: false,
  removeAdditional: false,
  strict: true,
});
addFormats(ajv, ['date', 'uri', 'email', 'date-time']);

/**
 * For query strings and form fields, which arrive as text: the same schemas, with '2' read as 2 and
 * 'true' as true. JSON bodies go through `ajv`, which takes types as they are.
 */
export const ajvText = new Ajv({
  allErrors: true,
  verbose: true,
  useDefaults: true,
  coerceTypes: true,
  strict: true,
});
addFormats(ajvText, ['date', 'uri', 'email', 'date-time']);

/** Turns Ajv's errors into one message per field, in words a person can act on. */
export function toFieldErrors(
  errors: ErrorObject[] | null | undefined,
  labels: Record<string, string> = {},
): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors ?? []) {
    const field =
      e.keyword === 'required'
        ? String(e.params.missingProperty)
        : e.keyword === 'additionalProperties'
          ? String(e.params.additionalProperty)
          : e.instancePath.replace(/^\//, '').split('/')[0] || '(root)';
    if (seen.has(field)) continue;
    seen.add(field);
    const label = labels[field] ?? field;
    out.push({ field, message: describe(e, label) });
  }
  return out;
}

function describe(e: ErrorObject, label: string): string {
  const schema = e.parentSchema as { description?: string } | undefined;
  switch (e.keyword) {
    case 'required':
      return `Enter ${label}`;
    case 'additionalProperties':
      return `${label} is not a recognised parameter`;
    case 'enum':
      return `${label} must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
    default:
      return schema?.description
        ? `${label} must be ${schema.description}`
        : `${label} ${e.message ?? 'is not valid'}`;
  }
}

/** Validates `data` in place (defaults applied) or throws a ValidationError naming every bad field. */
export function check<T>(
  validate: ValidateFunction<T>,
  data: unknown,
  labels?: Record<string, string>,
): T {
  if (validate(data)) return data;
  throw new ValidationError(toFieldErrors(validate.errors, labels));
}

/** Compiles a schema for text input (query strings, form fields). */
export function compileText<T>(schema: object): ValidateFunction<T> {
  return ajvText.compile<T>(schema);
}

/** A string that must be one of `values`: a plain JSON Schema enum, so the error can list the choices. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TSchema & { static: T[number] } {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
