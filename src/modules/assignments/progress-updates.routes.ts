/**
 * /workspace/assignments/:id/updates (the updates page and posting one, multipart) and
 * /workspace/evidence/:id (downloads). Signed-in users only; each handler reaches the assignment
 * through its access check, so another organisation's is 404. Updates are append-only: there are no
 * edit or delete routes. The post is multipart: the CSRF middleware lets it through to this path
 * only, and streamMultipart checks the token before it accepts any file bytes.
 */
import { Router } from 'express';
import { routes } from '../../shared/paths';
import { acceptMultipartAt } from '../../shared/middleware/csrf';
import { requireSignIn } from '../accounts/workspace.routes';
import { createProgressUpdatesController } from './progress-updates.controller';
import type { ProgressUpdatesService } from './progress-updates.service';

export function createProgressUpdatesRouter(service: ProgressUpdatesService): Router {
  const c = createProgressUpdatesController(service);
  const router = Router();
  acceptMultipartAt(/^\/workspace\/assignments\/\d+\/updates\/?$/);
  router.get(routes.assignmentUpdates, requireSignIn, c.show);
  router.post(routes.assignmentUpdates, requireSignIn, c.post);
  router.get(routes.evidenceDownload, requireSignIn, c.download);
  return router;
}
