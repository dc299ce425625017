/**
 * Reads the session cookie on every request, loads the session from the database and sets
 * req.trackerSession, req.user (fully signed in) and req.pendingUser (password given, two-factor
 * still to do). Signed-in pages are never stored by caches.
 */
import type { RequestHandler, Response } from 'express';
import type { Config } from '../../config';
import type { SessionService } from '../../modules/accounts/sessions.service';

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
    const loaded = await sessions.load(readCookie(req.headers.cookie, config.session.cookieName));
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
