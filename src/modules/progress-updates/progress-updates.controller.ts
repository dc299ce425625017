/**
 * HTTP for progress updates: the page listing an assignment's updates with the form to post one
 * (for a lead of its organisation), the streamed multipart post, and evidence downloads. Who may do
 * what is decided by the service, through the assignment's own access check.
 */
import { once } from 'node:events';
import type { Request, Response } from 'express';
import { AppError, NotFoundError, ValidationError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { paths } from '../../shared/paths';
import { CsrfError } from '../../shared/middleware/csrf';
import {
  BadMultipartError,
  isMultipart,
  PayloadTooLargeError,
  streamMultipart,
  UploadAbortedError,
} from '../../shared/multipart';
import { requestContext } from '../accounts/accounts.controller';
import { can } from '../accounts/policy';
import { attachmentDisposition } from './evidence.sniff';
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
      // Overseers publish summaries and evidence from each update (src/modules/publication).
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
      const upload = await service.beginUpload(req.user!, requestContext(req), id);
      if (!isMultipart(req)) {
        await upload.rollback();
        return renderPage(req, res, 400, {
          error: new ValidationError([
            { field: 'narrative', message: 'Enter what has happened since the last update' },
          ]),
        });
      }
      try {
        await streamMultipart(
          req,
          {
            maxFileBytes: service.maxFileBytes,
            maxFiles: service.maxFiles,
            maxFields: 10,
            maxFieldBytes: 128 * 1024,
            tooLargeMessage: `Each file must be ${describe(service.maxFileBytes)} or smaller, and you can upload at most ${service.maxFiles} files with one update. Nothing was saved.`,
          },
          { onField: upload.onField, onFile: upload.onFile },
        );
        await upload.commit();
      } catch (err) {
        await upload.rollback();
        if (err instanceof CsrfError || err instanceof UploadAbortedError) throw err;
        if (err instanceof PayloadTooLargeError) res.set('Connection', 'close');
        if (
          err instanceof AppError &&
          (err instanceof ValidationError ||
            err instanceof BadMultipartError ||
            [409, 413, 422].includes(err.status))
        )
          return renderPage(req, res, err.status, {
            narrative: upload.fields.narrative,
            selfAssessment: upload.fields.selfAssessment,
            error: err,
          });
        throw err;
      }
      res.redirect(303, `${paths.assignments.updates(id)}?posted=1`);
    },

    async download(req: Request, res: Response) {
      const file = await service.openDownload(
        req.user!,
        requestContext(req),
        idOf(req, NO_SUCH_FILE),
      );
      res.set({
        'Content-Type': file.contentType,
        'Content-Length': String(file.sizeBytes),
        'Content-Disposition': attachmentDisposition(file.name),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': "default-src 'none'; sandbox",
      });
      res.status(200);
      for await (const chunk of file.chunks()) {
        if (res.destroyed) return;
        if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
      res.end();
    },
  };
}

function describe(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}
