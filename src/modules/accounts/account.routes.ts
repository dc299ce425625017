/**
 * A person's own account: /account, the password, and two-factor authentication. Also the gate that
 * keeps someone who must set up two-factor (session state 'enrol_required') on the set-up page.
 */
import { Router, type RequestHandler } from 'express';
import type { Config } from '../../config';
import { accountPaths, createAccountController } from './account.controller';
import type { AccountService } from './account.service';

/** Signed-in areas a person who still has to set up two-factor is turned away from. */
const GATED = /^\/(workspace|account|admin)(\/|$)/;

/**
 * Mount globally, after the session middleware. While the session is 'enrol_required' (password
 * accepted, two-factor required by the role but not yet set up), any request for a signed-in area
 * (/workspace, /account*, /admin*) other than the set-up page itself is sent to the set-up page.
 * Public pages, /sign-out, assets and health checks are untouched.
 */
export const enrolmentGate: RequestHandler = (req, res, next) => {
  if (req.trackerSession?.state !== 'enrol_required') return next();
  // Express matches routes ignoring case and a trailing slash, so the gate does too.
  const path = req.path.toLowerCase().replace(/\/+$/, '') || '/';
  if (path === accountPaths.twoFactor() || !GATED.test(path)) return next();
  res.redirect(303, accountPaths.twoFactor());
};

export function createAccountRouter(deps: { account: AccountService; config: Config }): Router {
  const c = createAccountController(deps.account, deps.config);
  const router = Router();
  router.get(accountPaths.index(), c.show);
  router.get(accountPaths.password(), c.showChangePassword);
  router.post(accountPaths.password(), c.changePassword);
  router.get(accountPaths.twoFactor(), c.showTwoFactor);
  router.post(accountPaths.twoFactor(), c.enrolTwoFactor);
  router.post(accountPaths.recoveryCodes(), c.regenerateRecoveryCodes);
  router.post(accountPaths.disableTwoFactor(), c.disableTwoFactor);
  return router;
}
