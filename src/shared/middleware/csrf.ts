/**
 * CSRF protection by the synchroniser-token pattern: every state-changing form carries the session's
 * token in a hidden `_csrf` field, compared here in constant time. A request with no session, no
 * token or another session's token is refused with 403 and changes nothing. The JSON API is not
 * covered: it authenticates with bearer tokens, which a browser never sends on its own.
 */
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ForbiddenError } from '../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class CsrfError extends ForbiddenError {
  constructor() {
    super(
      'This form has expired or did not come from this site. Go back, reload the page and try again.',
    );
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const csrfProtection: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || req.path.startsWith('/api/')) return next();
  const expected = req.trackerSession?.csrfToken;
  const given = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (!expected || typeof given !== 'string' || !same(given, expected))
    return next(new CsrfError());
  next();
};
