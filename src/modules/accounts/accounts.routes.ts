/** Sign in, two-factor, sign out. */
import { Router } from 'express';
import type { Config } from '../../config';
import { routes } from '../../shared/paths';
import { createAccountsController } from './accounts.controller';
import type { SignInService } from './sign-in.service';

export function createAccountsRouter(signIn: SignInService, config: Config): Router {
  const c = createAccountsController(signIn, config);
  const router = Router();
  router.get(routes.signIn, c.showSignIn);
  router.post(routes.signIn, c.signIn);
  router.get(routes.signInTwoFactor, c.showTwoFactor);
  router.post(routes.signInTwoFactor, c.twoFactor);
  router.post(routes.signOut, c.signOut);
  router.get(routes.signedOut, c.signedOut);
  return router;
}
