/**
 * The audit trail in the open: /admin/audit shows an administrator the chain's state (every hash
 * recomputed, every published checkpoint compared), and /data/audit-checkpoints.{csv,json} publish
 * the daily checkpoints for anyone to keep (ADR 0010).
 */
import { Router, type RequestHandler } from 'express';
import { routes, paths } from '../../shared/paths';
import { toCsv } from '../../shared/csv';
import { authorise } from '../accounts/policy';
import { requireSignIn } from '../accounts/workspace.routes';
import type { AuditTrailService, Checkpoint } from './audit-trail.service';

const mayManage: RequestHandler = (req, _res, next) => {
  authorise(req.user, 'users.manage');
  next();
};

export const CHECKPOINT_COLUMNS = [
  { name: 'day', type: 'date', meaning: 'The day (Europe/London) the checkpoint was taken.' },
  {
    name: 'head_event_id',
    type: 'integer',
    meaning: 'The id of the newest audit event on that day.',
  },
  {
    name: 'head_hash',
    type: 'text',
    meaning:
      'That event’s SHA-256 chain hash (64 hex digits). It covers every earlier event, so it changes if any of them is rewritten.',
  },
  { name: 'event_count', type: 'integer', meaning: 'How many audit events there were.' },
] as const;

const row = (c: Checkpoint) => ({
  day: c.day,
  head_event_id: c.headEventId,
  head_hash: c.headHash,
  event_count: c.eventCount,
});

export function createAuditRouter(
  service: AuditTrailService,
  licence: { name: string; url: string },
): Router {
  const router = Router();

  router.get(routes.auditTrail, requireSignIn, mayManage, async (_req, res) => {
    const report = await service.verify();
    res.set('Cache-Control', 'no-store').render('admin/audit', {
      pageTitle: 'Audit trail',
      report,
      checkpointsCsv: paths.openData.auditCheckpoints('csv'),
      checkpointsJson: paths.openData.auditCheckpoints('json'),
    });
  });

  router.get(routes.openData.auditCheckpointsJson, async (_req, res) => {
    const checkpoints = await service.checkpoints();
    res
      .set('Cache-Control', 'public, no-cache')
      .type('application/json; charset=utf-8')
      .send(
        JSON.stringify({
          licence,
          schema: `${paths.openData.index()}#dataset-audit-checkpoints`,
          data: checkpoints.map(row),
          row_count: checkpoints.length,
        }),
      );
  });

  router.get(routes.openData.auditCheckpointsCsv, async (_req, res) => {
    const checkpoints = await service.checkpoints();
    const header = CHECKPOINT_COLUMNS.map((c) => c.name);
    res
      .set('Cache-Control', 'public, no-cache')
      .type('text/csv; charset=utf-8; header=present')
      .attachment('audit-checkpoints.csv')
      .send(
        `\uFEFF${toCsv([header, ...checkpoints.map((c) => header.map((h) => row(c)[h as keyof ReturnType<typeof row>]))])}`,
      );
  });

  return router;
}
