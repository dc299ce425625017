/**
 * /admin/users: administrators manage users. Every /admin path asks the policy first: a signed-out
 * visitor is sent to sign in, anyone signed in without 'users.manage' gets 403. (POSTs are checked
 * for a CSRF token before they get here.)
 */
import { Router, type RequestHandler } from 'express';
import { paths, routes } from '../../shared/paths';
import { authorise } from './policy';
import { requireSignIn } from './workspace.routes';
import { createUsersController } from './users.controller';
import type { UsersService } from './users.service';

const mayManageUsers: RequestHandler = (req, _res, next) => {
  authorise(req.user, 'users.manage');
  next();
};

export function createUsersRouter(service: UsersService): Router {
  const c = createUsersController(service);
  const router = Router();
  router.use(routes.admin, requireSignIn, mayManageUsers);
  router.get(routes.admin, (_req, res) => res.redirect(paths.admin.users()));
  router.get(routes.adminUsers, c.list);
  router.get(routes.adminInvite, c.showInvite);
  router.post(routes.adminInvite, c.invite);
  router.get(routes.adminUser, c.show);
  router.post(routes.adminUserRole, c.changeRole);
  router.post(routes.adminUserDisable, c.disable);
  router.post(routes.adminUserEnable, c.enable);
  router.post(routes.adminUserResetLink, c.createResetLink);
  router.post(routes.adminInvitationResend, c.resendInvitation);
  router.post(routes.adminInvitationRevoke, c.revokeInvitation);
  return router;
}
