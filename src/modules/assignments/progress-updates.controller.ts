/**
 * HTTP for progress updates: the page listing an assignment's updates with the form to post one
 * (for a lead of its organisation), the streamed multipart post, and evidence downloads. Who may do
 * what is decided by the service, through the assignment's own access check.
 */
import type { Request, Response } from 'express';
import { AppError, NotFoundError, ValidationError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { paths } from '../../shared/paths';
import { requestContext } from '../accounts/accounts.controller';
import { closesConnection, receiveUpdate, sendEvidence } from './progress-updates.transfer';
import { can } from '../accounts/policy';
import { NO_SUCH_FILE, type ProgressUpdatesService } from './progress-updates.service';
import { updatesPageView } from './progress-updates.view-model';

const FIELD_ORDER = ['narrative', 'selfAssessment', 'files'];

function idOf(req: Request, message?: string): number {
  const raw = String(req.params.id ?? '');
  if (!/^\d{1,10}$/.test(raw)) throw new NotFoundError(message);
  return Number(raw);
}

export function createProgressUpdatesController(service: ProgressUpdatesService) {
  async function renderPage(
    req: Request,
    res: Response,
    status: number,
    form: { narrative?: string; selfAssessment?: string; error?: AppError } = {},
  ) {
    const id = idOf(req);
    const data = await service.listFor(req.user!, id);
    let errors: { errorList: { text: string; href: string }[]; errors: Record<string, string> } = {
      errorList: [],
      errors: {},
    };
    if (form.error instanceof ValidationError)
      errors = errorSummary(form.error.errors, FIELD_ORDER);
    else if (form.error)
      errors = errorSummary([{ field: 'files', message: form.error.message }], FIELD_ORDER);
    res.set('Cache-Control', 'no-store');
    res.status(status).render('progress-updates/index', {
      ...updatesPageView(data, {
        maxFileBytes: service.maxFileBytes,
        maxFiles: service.maxFiles,
        narrative: form.narrative ?? '',
        selfAssessment: form.selfAssessment ?? '',
      }),
      pageTitle: `${errors.errorList.length ? 'Error: ' : ''}Progress updates: ${data.reference}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: `${data.reference}, ${data.organisation}`, href: paths.assignments.show(id) },
      ],
      backHref: paths.assignments.show(id),
      action: paths.assignments.updates(id),
      posted: req.query.posted === '1' && status === 200,
      // Overseers publish summaries and evidence from each update (src/modules/public-record/publication.service.ts).
      canPublish: can(req.user, 'oversight.decide'),
      ...errors,
    });
  }

  return {
    async show(req: Request, res: Response) {
      await renderPage(req, res, 200);
    },

    async post(req: Request, res: Response) {
      const id = idOf(req);
      const outcome = await receiveUpdate(service, req, req.user!, requestContext(req), id, 'form');
      if (!outcome.ok) {
        if (closesConnection(outcome.error)) res.set('Connection', 'close');
        return renderPage(req, res, outcome.error.status, {
          narrative: outcome.fields.narrative,
          selfAssessment: outcome.fields.selfAssessment,
          error: outcome.error,
        });
      }
      res.redirect(303, `${paths.assignments.updates(id)}?posted=1`);
    },

    async download(req: Request, res: Response) {
      const file = await service.openDownload(
        req.user!,
        requestContext(req),
        idOf(req, NO_SUCH_FILE),
      );
      await sendEvidence(res, file);
    },
  };
}
