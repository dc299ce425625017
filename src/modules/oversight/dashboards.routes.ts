/**
 * /workspace/dashboards and /workspace/exports: the oversight views, for those allowed
 * 'oversight.view'. A signed-out visitor is sent to sign in; a force lead gets 403 (the service
 * checks the policy on every call).
 */
import { Router } from 'express';
import type { VersionMemo } from '../../shared/response-cache/version-memo';
import { routes } from '../../shared/paths';
import { requireSignIn } from '../accounts/workspace.routes';
import { createDashboardsController } from './dashboards.controller';
import type { DashboardsService } from './dashboards.service';

export function createDashboardsRouter(service: DashboardsService, memo?: VersionMemo): Router {
  const c = createDashboardsController(service, memo);
  const router = Router();
  router.get(routes.dashboards.matrix, requireSignIn, c.matrix);
  router.get(routes.dashboards.overdue, requireSignIn, c.overdue);
  router.get(routes.dashboards.progress, requireSignIn, c.progress);
  router.get(routes.dashboards.summary, requireSignIn, c.summary);
  router.get(routes.exports.matrix, requireSignIn, c.matrixCsv);
  router.get(routes.exports.assignments, requireSignIn, c.assignmentsCsv);
  return router;
}
