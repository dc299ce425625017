/**
 * The one place where text that no field may hold is refused, before any route, schema or SQL sees
 * it: control characters (NUL above all, which PostgreSQL refuses in text with an error), lone
 * UTF-16 surrogates (not text at all) and malformed percent-encoding, in the path, the query string
 * and form or JSON bodies; and numbers that are not finite (JSON's 1e309 is Infinity).
 *
 * A bad path answers 404, as any other address that names nothing. A bad query or body answers 400
 * naming the parameter (problem+json under /api, as every API error). Tab, line feed and carriage
 * return stay allowed in query and body values: a textarea sends them.
 */
import type { RequestHandler } from 'express';
import { NotFoundError, ValidationError, type FieldError } from '../errors';

// C0 controls except tab, LF and CR; and DEL. In a path, none at all. Matching them is the point.
/* eslint-disable no-control-regex */
const CONTROL_IN_VALUE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const CONTROL_IN_PATH = /[\u0000-\u001F\u007F]/;
/* eslint-enable no-control-regex */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_DEPTH = 20;

/** Why a text value cannot be accepted, or null when it can. */
export function badText(value: string, inPath = false): string | null {
  if ((inPath ? CONTROL_IN_PATH : CONTROL_IN_VALUE).test(value))
    return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid text (it contains a broken character)';
  return null;
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/**
 * Problems in a raw query string or form body (before parsing, which would quietly turn malformed
 * escapes into replacement characters), one per name.
 */
export function encodedProblems(raw: string): FieldError[] {
  const problems: FieldError[] = [];
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const name = decode(rawName.replace(/\+/g, ' '));
    const value = decode(rawValue.replace(/\+/g, ' '));
    const field = name === null || badText(name) ? '(query)' : name;
    const problem =
      name === null || value === null
        ? 'is not correctly percent-encoded'
        : (badText(name) ?? badText(value));
    if (problem && !problems.some((p) => p.field === field))
      problems.push({
        field,
        message: `${field === '(query)' ? 'A parameter name' : field} ${problem}`,
      });
  }
  return problems;
}

/** Problems anywhere in a parsed body (form fields or JSON), named by their path. */
export function bodyProblems(body: unknown): FieldError[] {
  const problems: FieldError[] = [];
  const walk = (value: unknown, field: string, depth: number) => {
    if (problems.length >= 20) return;
    if (typeof value === 'string') {
      const problem = badText(value);
      if (problem)
        problems.push({ field: field || '(body)', message: `${field || 'The body'} ${problem}` });
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value))
        problems.push({
          field: field || '(body)',
          message: `${field || 'The body'} must be a finite number`,
        });
    } else if (value && typeof value === 'object' && depth < MAX_DEPTH) {
      for (const [key, inner] of Object.entries(value)) {
        const problem = badText(key);
        const name = problem ? '(body)' : field ? `${field}.${key}` : key;
        if (problem) problems.push({ field: name, message: `A field name ${problem}` });
        else walk(inner, name, depth + 1);
      }
    }
  };
  walk(body, '', 0);
  return problems;
}

/** Path and query, for every request: mount first, before anything reads them. */
export const guardUrl: RequestHandler = (req, _res, next) => {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  for (const segment of rawPath.split('/')) {
    const decoded = decode(segment);
    if (decoded === null || badText(decoded, true) || badText(segment, true))
      return next(
        new NotFoundError(
          'We could not find the page you asked for. Check the address, or go to the overview.',
        ),
      );
  }
  if (q >= 0) {
    const problems = encodedProblems(url.slice(q + 1).split('#')[0]!);
    if (problems.length) return next(new ValidationError(problems));
  }
  next();
};

/**
 * For express.urlencoded's `verify` option: refuses a form body with malformed escapes before it
 * is parsed (a ValidationError keeps its 400 through the body parser).
 */
export function verifyFormBody(_req: unknown, _res: unknown, buf: Buffer): void {
  const problems = encodedProblems(buf.toString('utf8'));
  if (problems.length) throw new ValidationError(problems);
}

/** A parsed body (form or JSON): mount after each body parser. */
export const guardBody: RequestHandler = (req, _res, next) => {
  if (req.body === undefined || req.body === null) return next();
  const problems = bodyProblems(req.body);
  if (problems.length) return next(new ValidationError(problems));
  next();
};
