/**
 * CSRF protection by the synchroniser-token pattern: every state-changing form carries the session's
 * token in a hidden `_csrf` field, compared here in constant time. A request with no session, no
 * token or another session's token is refused with 403 and changes nothing. The JSON API is not
 * covered: it authenticates with bearer tokens, which a browser never sends on its own.
 *
 * multipart/form-data (file uploads) is not parsed here, so its token cannot be read here. Such a
 * request is refused unless its path was registered with `acceptMultipartAt`; the handler at that
 * path must read the body with readMultipart (src/shared/multipart.ts), which checks the token with
 * `verifyCsrfToken` before it accepts any file bytes. Failing closed: a multipart POST to any other
 * route is refused here, even one that reads no body.
 *
 * A refused form post normally ends as a 403 page. `recoverStaleForm` lets a form that people may
 * spend a long time writing (the public feedback form) answer instead with the form again, their
 * words kept and a fresh token, so that a session that expired while they wrote costs them nothing.
 * It is an error handler: it runs only after this middleware has refused the post, in place of
 * the route, so the stale post itself can never write anything.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
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

const multipartPaths: RegExp[] = [];

/** Lets multipart POSTs through to paths matching `pattern`; their handlers check the token themselves. */
export function acceptMultipartAt(pattern: RegExp): void {
  if (!multipartPaths.some((p) => p.source === pattern.source)) multipartPaths.push(pattern);
}

/** Whether `given` is this request's session's CSRF token (compared in constant time). */
export function verifyCsrfToken(req: Request, given: unknown): boolean {
  const expected = req.trackerSession?.csrfToken;
  return Boolean(expected) && typeof given === 'string' && same(given, expected!);
}

export const csrfProtection: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || req.path.startsWith('/api/')) return next();
  if (/^multipart\/form-data\b/i.test(req.get('content-type') ?? '')) {
    if (req.trackerSession?.csrfToken && multipartPaths.some((p) => p.test(req.path)))
      return next();
    return next(new CsrfError());
  }
  const expected = req.trackerSession?.csrfToken;
  const given = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (!expected || typeof given !== 'string' || !same(given, expected))
    return next(new CsrfError());
  next();
};

/**
 * Answers a refused urlencoded POST that `match`es with `recover` (which re-renders the form from
 * `req.body`, with a fresh session and token, and must store nothing); any other error, and a
 * multipart post (whose body was never read), goes on to the error handler as before.
 */
export function recoverStaleForm(
  match: (req: Request) => boolean,
  recover: (req: Request, res: Response) => Promise<void>,
): ErrorRequestHandler {
  return async (err, req, res, next) => {
    if (
      !(err instanceof CsrfError) ||
      req.method !== 'POST' ||
      !req.is('application/x-www-form-urlencoded') ||
      !match(req)
    )
      return next(err);
    req.log.info({ status: 200 }, 'Form refused for its session or token; given back unsent');
    await recover(req, res);
  };
}
