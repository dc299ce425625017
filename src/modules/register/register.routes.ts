/** The public register pages. */
import { Router } from 'express';
import { routes } from '../../shared/paths';
import { createRegisterController, type RegisterControllerDeps } from './register.controller';
import type { RegisterService } from './register.service';

export function createRegisterRouter(
  service: RegisterService,
  deps: RegisterControllerDeps = {},
): Router {
  const controller = createRegisterController(service, deps);
  const router = Router();
  router.get(routes.home, controller.home);
  router.get(routes.reports, controller.reports);
  router.get(routes.report, controller.report);
  router.get(routes.recommendations, controller.recommendations);
  router.get(routes.recommendation, controller.recommendation);
  router.get(routes.organisations, controller.organisations);
  router.get(routes.organisation, controller.organisation);
  router.get(routes.publicEvidence, controller.publicEvidence);
  return router;
}
