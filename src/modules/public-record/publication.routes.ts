/**
 * /workspace/updates/:updateId/publication and /workspace/evidence/:fileId/publication: an
 * overseer's publication control. Signed-in users only; the service applies 'oversight.decide' to
 * the update's own assignment. POSTs have passed the CSRF check before they get here.
 */
import { Router } from 'express';
import { routes } from '../../shared/paths';
import { requireSignIn } from '../accounts/workspace.routes';
import { createPublicationController } from './publication.controller';
import type { PublicationService } from './publication.service';
import { createStatusNotesController } from './status-notes.controller';
import type { StatusNotesService } from './status-notes.service';

export function createPublicationRouter(
  service: PublicationService,
  statusNotes?: StatusNotesService,
): Router {
  const c = createPublicationController(service);
  const router = Router();
  if (statusNotes) {
    const n = createStatusNotesController(statusNotes);
    router.get(routes.publication.statusNotes, requireSignIn, n.show);
    router.post(routes.publication.statusNotes, requireSignIn, n.publish);
    router.post(routes.publication.statusNoteWithdrawal, requireSignIn, n.withdraw);
  }
  router.get(routes.publication.update, requireSignIn, c.show);
  router.post(routes.publication.update, requireSignIn, c.publish);
  router.post(routes.publication.updateWithdrawal, requireSignIn, c.withdraw);
  router.post(routes.publication.evidence, requireSignIn, c.publishEvidence);
  router.post(routes.publication.evidenceWithdrawal, requireSignIn, c.withdrawEvidence);
  return router;
}
