/**
 * /workspace/assignments: the force leads' workspace (and the overseers' view of it). Every route
 * needs a signed-in user; the service applies the policy to each assignment. POSTs have passed the
 * CSRF check before they get here.
 */
import { Router } from 'express';
import { routes } from '../../shared/paths';
import { requireSignIn } from '../accounts/workspace.routes';
import {
  createWorkspaceAssignmentsController,
  type AssignmentPagePanels,
} from './responses.controller';
import type { WorkspaceAssignmentsService } from './responses.service';

export function createWorkspaceAssignmentsRouter(
  service: WorkspaceAssignmentsService,
  panels: AssignmentPagePanels,
): Router {
  const c = createWorkspaceAssignmentsController(service, panels);
  const router = Router();
  router.get(routes.assignments, requireSignIn, c.list);
  router.get(routes.assignment, requireSignIn, c.show);
  router.post(routes.assignmentResponse, requireSignIn, c.respond);
  router.post(routes.assignmentExtensions, requireSignIn, c.requestExtension);
  router.post(routes.assignmentExtensionDecision, requireSignIn, c.decideExtension);
  router.post(routes.assignmentActions, requireSignIn, c.addAction);
  router.get(routes.assignmentAction, requireSignIn, c.showAction);
  router.post(routes.assignmentAction, requireSignIn, c.reviseAction);
  return router;
}
