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

/**
 * What to say when a field is wrong: fixed words, or words chosen from what was sent (`given` is the
 * field's value, `input` the whole input, `error` Ajv's first error for the field, `field` its name,
 * for a '*' message that serves any field).
 */
export type FieldMessage =
  | string
  | ((
      given: unknown,
      input: Record<string, unknown>,
      error: ErrorObject,
      field: string,
    ) => string | undefined);

/**
 * The messages declared beside a schema, by field name ('(root)' for the input as a whole, '*' for
 * any field not named, such as one the schema does not know).
 */
export type FieldMessages = Readonly<Record<string, FieldMessage>>;

/** The field an Ajv error is about: the missing or extra property, or the first step of its path. */
function fieldOf(e: ErrorObject): string {
  if (e.keyword === 'required') return String(e.params.missingProperty);
  if (e.keyword === 'additionalProperties') return String(e.params.additionalProperty);
  return e.instancePath.replace(/^\//, '').split('/')[0] || '(root)';
}

/**
 * The one mapping from Ajv's errors to field errors, used by forms (through `errorSummary`) and by
 * the API (a ValidationError becomes problem+json in the error handler). One message per field, in
 * the order Ajv found them; an error about the input as a whole is kept only when it is the only
 * one. A field's message comes from `messages` (declared beside its schema); a field without one
 * gets words built from the schema (`labels` names the field in them).
 */
export function fieldErrors(
  errors: ErrorObject[] | null | undefined,
  messages: FieldMessages = {},
  input: unknown = {},
  labels: Record<string, string> = {},
): FieldError[] {
  const data = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors ?? []) {
    const field = fieldOf(e);
    if (seen.has(field)) continue;
    seen.add(field);
    const declared = messages[field] ?? messages['*'];
    const message =
      typeof declared === 'function' ? declared(data[field], data, e, field) : declared;
    out.push({ field, message: message ?? describe(e, labels[field] ?? field) });
  }
  return out.length > 1 ? out.filter((e) => e.field !== '(root)') : out;
}

/** Ajv's errors as field errors with words built from the schema (see `fieldErrors`). */
export function toFieldErrors(
  errors: ErrorObject[] | null | undefined,
  labels: Record<string, string> = {},
): FieldError[] {
  return fieldErrors(errors, {}, {}, labels);
}

/** A schema compiled with the messages declared beside it. */
export interface Checker<T> {
  /** The input, checked (defaults applied in place), or a ValidationError naming every bad field. */
  (input: unknown): T;
  /** The field errors for `input` (none when it is valid); defaults are applied in place. */
  errors(input: unknown): FieldError[];
  readonly validate: ValidateFunction<T>;
}

/** Pairs a compiled schema with its messages, so every caller says the same words for it. */
export function withMessages<T>(
  validate: ValidateFunction<T>,
  messages: FieldMessages = {},
): Checker<T> {
  const errors = (input: unknown): FieldError[] =>
    validate(input) ? [] : fieldErrors(validate.errors, messages, input);
  const checker = ((input: unknown): T => {
    const found = errors(input);
    if (found.length) throw new ValidationError(found);
    return input as T;
  }) as Checker<T>;
  checker.errors = errors;
  Object.defineProperty(checker, 'validate', { value: validate });
  return checker;
}

/** Words built from the schema, for a field whose schema declares no message. */
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
