/** /healthz answers while the process runs; /readyz only when the database is reachable and migrated. */
import { Router } from 'express';
import type { HealthService } from './health.service';

export function createHealthRouter(health: HealthService): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await health.readiness();
    res
      .set('Cache-Control', 'no-store')
      .status(readiness.ready ? 200 : 503)
      .json(readiness);
  });
  return router;
}
