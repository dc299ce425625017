/**
 * Reads the session cookie, loads the session from the database and sets req.trackerSession,
 * req.user (fully signed in) and req.pendingUser (password given, two-factor still to do).
 * Signed-in pages are never stored by caches.
 *
 * A signed-out visitor costs nothing here: with no cookie, or with an anonymous session's cookie
 * (which only carries a CSRF token for a signed-out form), a GET reads no session row and sets no
 * cookie. The anonymous session is read only for a form post, or by `ensureSession` when a page
 * shows a form that needs its token.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config';
import {
  isAnonymousSessionToken,
  type SessionService,
} from '../../modules/accounts/sessions.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The request's session cookie value, if any. */
export function sessionCookie(req: Request, config: Config): string | undefined {
  return readCookie(req.headers.cookie, config.session.cookieName);
}

/**
 * Whether the request can be answered as to any signed-out visitor: no session cookie, or only an
 * anonymous session's. The public response cache serves and stores only such requests.
 */
export function isSignedOutRequest(req: Request, config: Config): boolean {
  if (req.user || req.pendingUser) return false;
  const token = sessionCookie(req, config);
  return token === undefined || isAnonymousSessionToken(token);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // malformed percent-encoding: no session, not an error
      }
    }
  }
  return undefined;
}

export function setSessionCookie(res: Response, config: Config, token: string): void {
  res.cookie(config.session.cookieName, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.session.secureCookie,
    path: '/',
  });
}

export function clearSessionCookie(res: Response, config: Config): void {
  res.clearCookie(config.session.cookieName, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.session.secureCookie,
    path: '/',
  });
}

export function sessionMiddleware(sessions: SessionService, config: Config): RequestHandler {
  return async (req, res, next) => {
    req.trackerSession = null;
    req.user = null;
    req.pendingUser = null;
    // Static assets and health checks need no session; skipping them saves a query per request.
    // The JSON API never honours cookies (it authenticates with bearer tokens), so skip it too.
    if (
      req.path.startsWith('/assets/') ||
      req.path === '/healthz' ||
      req.path === '/readyz' ||
      req.path.startsWith('/api/v1/')
    )
      return next();
    const token = sessionCookie(req, config);
    if (token === undefined || (isAnonymousSessionToken(token) && SAFE_METHODS.has(req.method))) {
      res.locals.user = null;
      res.locals.csrfToken = null;
      return next();
    }
    const loaded = await sessions.load(token);
    if (loaded) {
      req.trackerSession = loaded.session;
      if (loaded.session.state === 'active') req.user = loaded.user;
      else if (loaded.user) req.pendingUser = loaded.user;
    }
    if (req.trackerSession?.userId) res.set('Cache-Control', 'no-store');
    res.locals.user = req.user;
    res.locals.csrfToken = req.trackerSession?.csrfToken ?? null;
    next();
  };
}
