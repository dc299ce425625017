/** Pages with fixed content: the accessibility statement. */
import { Router } from 'express';
import { routes } from '../../shared/paths';

export function createStaticPagesRouter(): Router {
  const router = Router();
  router.get(routes.accessibility, (_req, res) => {
    res.render('static-pages/accessibility', { pageTitle: 'Accessibility statement' });
  });
  return router;
}
