/**
 * /admin/tokens: administrators issue and revoke API tokens. Tokens are credentials for accounts,
 * so managing them needs 'users.manage', asked here for every path (not left to the /admin guard
 * of another router). POSTs have passed the CSRF check before they get here.
 */
import { Router, type RequestHandler } from 'express';
import { routes } from '../../shared/paths';
import { authorise } from './policy';
import { requireSignIn } from './workspace.routes';
import { createApiTokensController } from './api-tokens.controller';
import type { ApiTokensService } from './api-tokens.service';

const mayManageTokens: RequestHandler = (req, _res, next) => {
  authorise(req.user, 'users.manage');
  next();
};

export function createApiTokensRouter(service: ApiTokensService): Router {
  const c = createApiTokensController(service);
  const router = Router();
  router.use(routes.adminTokens, requireSignIn, mayManageTokens);
  router.get(routes.adminTokens, c.list);
  router.get(routes.adminTokensNew, c.showIssue);
  router.post(routes.adminTokensNew, c.issue);
  router.post(routes.adminTokenRevoke, c.revoke);
  return router;
}
