/** HTTP for signing in and out. Forms re-render with a GOV.UK error summary; passwords are never echoed. */
import type { Request, Response } from 'express';
import type { Config } from '../../config';
import { check, compileText } from '../../shared/validation';
import { ValidationError, type FieldError } from '../../shared/errors';
import {
  clearSessionCookie,
  sessionCookie,
  setSessionCookie,
} from '../../shared/middleware/session';
import { isAnonymousSessionToken } from './sessions.service';
import { paths } from '../../shared/paths';
import { SignInForm, TwoFactorForm } from './accounts.schemas';
import type { RequestContext } from './accounts.types';
import type { SignInService } from './sign-in.service';
import { errorSummary } from '../../shared/form-errors';

const validateSignIn = compileText<SignInForm>(SignInForm);
const validateTwoFactor = compileText<TwoFactorForm>(TwoFactorForm);

export function requestContext(req: Request): RequestContext {
  return {
    ip: req.ip ?? 'unknown',
    userAgent: req.get('user-agent') ?? null,
    requestId: String(req.id ?? '') || null,
  };
}

/**
 * Makes sure a signed-out visitor has a session, so the form can carry a CSRF token: the anonymous
 * session the cookie names (which the session middleware does not read on a GET), else a new one.
 */
export async function ensureSession(
  req: Request,
  res: Response,
  signIn: SignInService,
  config: Config,
): Promise<void> {
  if (req.trackerSession) return;
  const existing = sessionCookie(req, config);
  if (isAnonymousSessionToken(existing)) {
    const loaded = await signIn.loadAnonymous(existing!);
    if (loaded) {
      req.trackerSession = loaded;
      res.locals.csrfToken = loaded.csrfToken;
      return;
    }
  }
  const { token, session } = await signIn.startAnonymous(requestContext(req));
  setSessionCookie(res, config, token);
  req.trackerSession = session;
  res.locals.csrfToken = session.csrfToken;
}

export function createAccountsController(signIn: SignInService, config: Config) {
  const renderSignIn = (
    res: Response,
    status: number,
    values: { email?: string },
    errors: FieldError[] = [],
  ) =>
    res.status(status).render('accounts/sign-in', {
      pageTitle: errors.length ? 'Error: Sign in' : 'Sign in',
      values,
      ...errorSummary(errors),
    });

  return {
    async showSignIn(req: Request, res: Response) {
      if (req.user) return res.redirect(paths.workspace());
      await ensureSession(req, res, signIn, config);
      res.set('Cache-Control', 'no-store');
      renderSignIn(res, 200, {});
    },

    async signIn(req: Request, res: Response) {
      let form: SignInForm;
      try {
        form = check(
          validateSignIn,
          { ...req.body },
          { email: 'your email address', password: 'your password' },
        );
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const errors = err.errors.map((e) => ({
          field: e.field,
          message:
            e.field === 'email'
              ? 'Enter your email address'
              : e.field === 'password'
                ? 'Enter your password'
                : e.message,
        }));
        return renderSignIn(
          res,
          400,
          { email: typeof req.body?.email === 'string' ? req.body.email : '' },
          errors,
        );
      }
      const outcome = await signIn.signIn({
        email: form.email,
        password: form.password,
        previousSessionId: req.trackerSession?.id ?? null,
        context: requestContext(req),
      });
      if (outcome.kind === 'throttled') {
        res.set('Retry-After', String(outcome.retryAfterMinutes * 60));
        return renderSignIn(res, 429, { email: form.email }, [
          {
            field: 'email',
            message: `Too many attempts to sign in. Wait ${outcome.retryAfterMinutes} ${outcome.retryAfterMinutes === 1 ? 'minute' : 'minutes'} and try again.`,
          },
        ]);
      }
      if (outcome.kind === 'refused') {
        // The same words whether the email is unknown or the password wrong.
        return renderSignIn(res, 401, { email: form.email }, [
          { field: 'email', message: 'Enter a correct email address and password' },
        ]);
      }
      setSessionCookie(res, config, outcome.token);
      res.redirect(
        303,
        outcome.next === 'workspace'
          ? paths.workspace()
          : outcome.next === 'two_factor'
            ? paths.signIn.twoFactor()
            : paths.account.enrolTwoFactor(),
      );
    },

    async showTwoFactor(req: Request, res: Response) {
      if (!req.pendingUser || req.trackerSession?.state !== 'mfa_pending')
        return res.redirect(paths.signIn.form());
      res.set('Cache-Control', 'no-store');
      res.render('accounts/two-factor', { pageTitle: 'Enter your security code' });
    },

    async twoFactor(req: Request, res: Response) {
      if (!req.pendingUser || !req.trackerSession || req.trackerSession.state !== 'mfa_pending')
        return res.redirect(303, paths.signIn.form());
      const render = (status: number, message: string) =>
        res.status(status).render('accounts/two-factor', {
          pageTitle: 'Error: Enter your security code',
          ...errorSummary([{ field: 'code', message }]),
        });
      let form: TwoFactorForm;
      try {
        form = check(validateTwoFactor, { ...req.body });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return render(
          400,
          'Enter the 6-digit code from your authenticator app, or a recovery code',
        );
      }
      const outcome = await signIn.completeTwoFactor({
        pendingUser: req.pendingUser,
        sessionId: req.trackerSession.id,
        code: form.code,
        context: requestContext(req),
      });
      if (outcome.kind === 'throttled') {
        res.set('Retry-After', String(outcome.retryAfterMinutes * 60));
        return render(
          429,
          `Too many attempts. Wait ${outcome.retryAfterMinutes} ${outcome.retryAfterMinutes === 1 ? 'minute' : 'minutes'} and try again.`,
        );
      }
      if (outcome.kind === 'refused')
        return render(
          401,
          'The code is not correct, or has already been used. Enter the current code.',
        );
      setSessionCookie(res, config, outcome.token);
      res.redirect(303, paths.workspace());
    },

    async signOut(req: Request, res: Response) {
      if (req.trackerSession)
        await signIn.signOut({
          session: req.trackerSession,
          user: req.user ?? req.pendingUser,
          context: requestContext(req),
        });
      clearSessionCookie(res, config);
      res.redirect(303, paths.signIn.signedOut());
    },

    signedOut(_req: Request, res: Response) {
      res.render('accounts/signed-out', { pageTitle: 'You have signed out' });
    },
  };
}
