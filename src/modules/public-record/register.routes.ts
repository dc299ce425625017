/** The public register pages. */
import { Router } from 'express';
import { routes } from '../../shared/paths';
import { createRegisterController, type RegisterControllerDeps } from './register.controller';
import type { RegisterService } from './register.service';
import type { ResponseCache } from '../../shared/response-cache/response-cache';

export function createRegisterRouter(
  service: RegisterService,
  deps: RegisterControllerDeps & { cache: ResponseCache },
): Router {
  const controller = createRegisterController(service, deps);
  const router = Router();
  // Every page shows overdue flags or days remaining, which turn with the London day.
  const kept = deps.cache.publicResponse({ dated: true });
  router.get(routes.home, kept, controller.home);
  router.get(routes.reports, kept, controller.reports);
  router.get(routes.report, kept, controller.report);
  router.get(routes.recommendations, kept, controller.recommendations);
  router.get(routes.recommendation, kept, controller.recommendation);
  router.get(
    routes.organisationSuggestions,
    deps.cache.publicResponse({ dated: false }),
    controller.organisationSuggestions,
  );
  router.get(routes.organisations, kept, controller.organisations);
  router.get(routes.organisation, kept, controller.organisation);
  // Not kept: every public download of evidence is audited.
  router.get(routes.publicEvidence, controller.publicEvidence);
  return router;
}
