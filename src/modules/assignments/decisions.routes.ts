/**
 * /workspace/reviews (the queue of progress updates waiting for a review, and each update's review
 * page) and the overseer's decisions posted from the assignment page. Every route needs a signed-in
 * user; the service applies the policy to each object. POSTs have passed the CSRF check already.
 */
import { Router } from 'express';
import { routes } from '../../shared/paths';
import { requireSignIn } from '../accounts/workspace.routes';
import { createWorkspaceAssignmentsController } from './responses.controller';
import type { WorkspaceAssignmentsService } from './responses.service';
import { createOversightController } from './decisions.controller';
import type { OversightService } from './decisions.service';

export function createOversightRouter(
  service: OversightService,
  workspaceAssignments: WorkspaceAssignmentsService,
): Router {
  // A failed decision shows the whole assignment page again, drawn by its own module.
  const page = createWorkspaceAssignmentsController(workspaceAssignments, { oversight: service });
  const c = createOversightController(service, page.renderWithProblem);
  const router = Router();
  router.get(routes.reviews, requireSignIn, c.queue);
  router.get(routes.review, requireSignIn, c.showReview);
  router.post(routes.review, requireSignIn, c.postReview);
  router.post(routes.oversightVerification, requireSignIn, c.verify);
  router.post(routes.oversightClosure, requireSignIn, c.close);
  router.post(routes.oversightReopening, requireSignIn, c.reopen);
  router.post(routes.oversightConfidence, requireSignIn, c.rate);
  return router;
}
