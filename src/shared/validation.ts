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

/** The paths ('/limit') of numbers in `data` that are not finite: coercion reads 'Infinity' and '1e309' as numbers. */
function nonFinitePaths(data: unknown, at = ''): string[] {
  if (typeof data === 'number') return Number.isFinite(data) ? [] : [at];
  if (!data || typeof data !== 'object') return [];
  return Object.entries(data).flatMap(([key, value]) => nonFinitePaths(value, `${at}/${key}`));
}

/**
 * Compiles a schema for text input (query strings, form fields). Ajv's coercion turns 'Infinity'
 * into a number that passes `integer` and `maximum`, so the result is also refused when any value
 * ends up non-finite, naming the parameter.
 */
export function compileText<T>(schema: object): ValidateFunction<T> {
  const validate = ajvText.compile<T>(schema);
  const checked = ((data: unknown) => {
    const ok = validate(data);
    const bad = nonFinitePaths(data);
    if (bad.length === 0) {
      checked.errors = validate.errors;
      return ok;
    }
    checked.errors = [
      ...bad.map((instancePath) => ({
        instancePath,
        schemaPath: '#',
        keyword: 'finite',
        params: {},
        message: 'must be a finite number',
      })),
      ...(validate.errors ?? []),
    ];
    return false;
  }) as ValidateFunction<T>;
  checked.schema = validate.schema;
  checked.schemaEnv = validate.schemaEnv;
  return checked;
}

/** A string that must be one of `values`: a plain JSON Schema enum, so the error can list the choices. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TSchema & { static: T[number] } {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
