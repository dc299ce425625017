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
import { parseCookie, stringifySetCookie } from 'cookie';
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

/**
 * One cookie's value from a Cookie header, parsed by the `cookie` package. A value whose
 * percent-encoding is malformed reads as no cookie (no session), never as an error or as the raw
 * text.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookie(header, { decode: decodeOrNothing })[name];
}

function decodeOrNothing(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * The session cookie's attributes: HttpOnly, SameSite=Lax, Path=/, Secure behind https (where the
 * name carries the __Host- prefix), no Domain, and no Expires or Max-Age: it ends with the browser
 * session and the server enforces the time limits.
 */
function sessionCookieHeader(config: Config, value: string, expires?: Date): string {
  return stringifySetCookie(config.session.cookieName, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.session.secureCookie,
    path: '/',
    expires,
  });
}

export function setSessionCookie(res: Response, config: Config, token: string): void {
  res.append('Set-Cookie', sessionCookieHeader(config, token));
}

/** Tells the browser to drop the cookie: an empty value that expired at the epoch. */
export function clearSessionCookie(res: Response, config: Config): void {
  res.append('Set-Cookie', sessionCookieHeader(config, '', new Date(0)));
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
