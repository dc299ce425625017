/** Pages with fixed content: the accessibility statement (its settings from the configuration). */
import { Router } from 'express';
import type { Config } from '../../config';
import { routes } from '../../shared/paths';
import { accessibilityView } from './accessibility.view-model';

export function createStaticPagesRouter(deps: { config: Config }): Router {
  const router = Router();
  const accessibility = accessibilityView(deps.config);
  router.get(routes.accessibility, (_req, res) => {
    res.render('static-pages/accessibility', accessibility);
  });
  return router;
}
