/**
 * /admin/imports (upload, preview, confirm) and /admin/reports/:slug/export.{csv,json}: administrators
 * only ('register.manage'), asked of the policy before any handler runs. The upload is the one
 * multipart form: the CSRF middleware lets it through to this path only, and the controller checks
 * the token before it accepts any file bytes (see src/shared/multipart.ts).
 */
import { Router, type RequestHandler } from 'express';
import { routes } from '../../shared/paths';
import { acceptMultipartAt } from '../../shared/middleware/csrf';
import { authorise } from '../accounts/policy';
import { requireSignIn } from '../accounts/workspace.routes';
import { createImportController } from './import.controller';
import type { ImportService } from './import.service';

const mayManageRegister: RequestHandler = (req, _res, next) => {
  authorise(req.user, 'register.manage');
  next();
};

export function createImportRouter(service: ImportService): Router {
  const c = createImportController(service);
  const router = Router();
  acceptMultipartAt(/^\/admin\/imports\/?$/);
  router.use(routes.adminImports, requireSignIn, mayManageRegister);
  router.use('/admin/reports', requireSignIn, mayManageRegister);
  router.get(routes.adminImportNew, c.showNew);
  router.post(routes.adminImports, c.upload);
  router.get(routes.adminImport, c.show);
  router.post(routes.adminImportConfirm, c.confirm);
  router.get(routes.adminReportExportCsv, c.exportCsv);
  router.get(routes.adminReportExportJson, c.exportJson);
  return router;
}
