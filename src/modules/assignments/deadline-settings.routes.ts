/**
 * An assignment's deadlines page and its forms. Every route needs a signed-in user; the service
 * applies the policy to each assignment. POSTs have passed the CSRF check before they get here.
 */
import { Router } from 'express';
import { routes } from '../../shared/paths';
import { requireSignIn } from '../accounts/workspace.routes';
import { createAssignmentDeadlinesController } from './deadline-settings.controller';
import type { AssignmentDeadlinesService } from './deadline-settings.service';

export function createAssignmentDeadlinesRouter(service: AssignmentDeadlinesService): Router {
  const c = createAssignmentDeadlinesController(service);
  const router = Router();
  router.get(routes.assignmentDeadlines, requireSignIn, c.show);
  router.post(routes.assignmentClockOverride, requireSignIn, c.setOverride);
  router.post(routes.assignmentCommittedDate, requireSignIn, c.setCommittedDate);
  router.post(routes.assignmentImplementBy, requireSignIn, c.setImplementBy);
  router.post(routes.assignmentPauses, requireSignIn, c.recordPause);
  router.post(routes.assignmentEndPause, requireSignIn, c.endPause);
  router.post(routes.assignmentSustainmentCheck, requireSignIn, c.recordCheckOutcome);
  router.get(routes.sustainmentChecks, requireSignIn, c.openChecks);
  return router;
}
