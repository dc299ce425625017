/**
 * HTTP for imports: the upload form, the preview (what will be created, changed and kept, and every
 * error), the confirmation and its result, and the report exports. The router has already checked
 * that the visitor is an administrator. Nothing here decides anything: the import service does.
 */
import type { Request, Response } from 'express';
import { NotFoundError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { asText, pickFields } from '../../shared/form-input';
import { isMultipart, PayloadTooLargeError, readMultipart } from '../../shared/multipart';
import { requestContext } from '../accounts/accounts.controller';
import { describeBytes } from './import.parse';
import { exportCsv, exportJson } from './import.export';
import type { ImportActor, ImportService } from './import.service';
import { userActor } from '../operations/audit.repository';
import { previewView } from './import.view-model';

const IMPORT_ID = /^[A-Za-z0-9_-]{22}$/;
const DIGEST = /^[0-9a-f]{64}$/;

function actorOf(req: Request): ImportActor {
  const user = req.user!;
  const context = requestContext(req);
  return {
    userId: user.id,
    audit: userActor(user),
    ipAddress: context.ip,
    requestId: context.requestId,
  };
}

const breadcrumbs = () => [
  { text: 'Workspace', href: paths.workspace() },
  { text: 'Import a report', href: paths.admin.importNew() },
];

function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

function importIdOf(req: Request): string {
  const id = String(req.params.id ?? '');
  if (!IMPORT_ID.test(id)) throw new NotFoundError('There is no import waiting with that address.');
  return id;
}

export function createImportController(service: ImportService) {
  const maxSize = describeBytes(service.maxBytes);

  function renderNew(res: Response, status: number, error?: string) {
    noStore(res);
    res.status(status).render('import/new', {
      pageTitle: `${error ? 'Error: ' : ''}Import a report`,
      breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
      action: paths.admin.imports(),
      maxSize,
      errorList: error ? [{ text: error, href: '#file' }] : [],
      errors: error ? { file: error } : {},
      exampleGuide: 'docs/import-format.md',
    });
  }

  return {
    async showNew(_req: Request, res: Response) {
      renderNew(res, 200);
    },

    async upload(req: Request, res: Response) {
      if (!isMultipart(req)) return renderNew(res, 400, 'Choose a CSV or JSON file to upload');
      let body;
      try {
        body = await readMultipart(req, {
          maxFileBytes: service.maxBytes,
          maxFiles: 1,
          maxFields: 5,
          tooLargeMessage: `The file must be ${maxSize} or smaller`,
        });
      } catch (err) {
        if (err instanceof PayloadTooLargeError) {
          res.set('Connection', 'close');
          return renderNew(res, 413, err.message);
        }
        throw err;
      }
      const file = body.files.find((f) => f.field === 'file');
      if (!file || file.filename === '' || file.bytes.length === 0)
        return renderNew(
          res,
          400,
          file && file.filename !== ''
            ? 'The chosen file is empty'
            : 'Choose a CSV or JSON file to upload',
        );
      const result = await service.preview(actorOf(req), {
        filename: file.filename,
        bytes: file.bytes,
      });
      if (result.importId) return res.redirect(303, paths.admin.import(result.importId));
      noStore(res);
      res.status(result.errors.length ? 400 : 200).render('import/preview', {
        ...previewView({
          filename: result.filename,
          errors: result.errors,
          plan: result.plan,
          format: result.format,
        }),
        breadcrumbs: breadcrumbs(),
        againHref: paths.admin.importNew(),
      });
    },

    async show(req: Request, res: Response) {
      const id = importIdOf(req);
      const found = await service.previewStored(actorOf(req), id);
      if (!found)
        throw new NotFoundError(
          'There is no import waiting with that address. Uploads that are not confirmed expire after a day.',
        );
      noStore(res);
      res.render('import/preview', {
        ...previewView({
          filename: found.row.filename,
          errors: found.errors,
          plan: found.plan,
          format: found.row.format,
          appliedAt: found.row.appliedAt,
        }),
        breadcrumbs: breadcrumbs(),
        againHref: paths.admin.importNew(),
        confirmAction: paths.admin.importConfirm(id),
        digest: found.digest,
      });
    },

    async confirm(req: Request, res: Response) {
      const id = importIdOf(req);
      const digest = asText(pickFields(req.body, ['digest']).digest);
      const actor = actorOf(req);
      const found = await service.previewStored(actor, id);
      if (!found)
        throw new NotFoundError(
          'There is no import waiting with that address. Uploads that are not confirmed expire after a day.',
        );
      const result = await service.apply(actor, {
        importId: id,
        expectedDigest: DIGEST.test(digest) ? digest : 'missing',
      });
      if (!result) throw new NotFoundError();
      noStore(res);
      const common = {
        breadcrumbs: breadcrumbs(),
        againHref: paths.admin.importNew(),
        confirmAction: paths.admin.importConfirm(id),
      };
      switch (result.kind) {
        case 'applied':
          return res.render('import/result', {
            ...previewView({
              filename: found.row.filename,
              errors: [],
              plan: result.plan,
              format: found.row.format,
            }),
            pageTitle: 'Import complete',
            reportHref: paths.reports.show(result.plan.report.slug),
            ...common,
          });
        case 'already_applied':
          return res.status(409).render('import/preview', {
            ...previewView({
              filename: found.row.filename,
              errors: [],
              plan: found.plan,
              format: found.row.format,
              appliedAt: result.appliedAt,
            }),
            ...common,
          });
        case 'stale':
          return res.status(409).render('import/preview', {
            ...previewView({
              filename: found.row.filename,
              errors: [],
              plan: result.plan,
              format: found.row.format,
            }),
            stale: true,
            digest: result.digest,
            ...common,
          });
        case 'invalid':
          return res.status(400).render('import/preview', {
            ...previewView({
              filename: found.row.filename,
              errors: result.errors,
              plan: result.plan,
              format: found.row.format,
            }),
            ...common,
          });
      }
    },

    async exportCsv(req: Request, res: Response) {
      const slug = String(req.params.slug);
      const doc = await service.exportReport(slug);
      noStore(res);
      res
        .type('text/csv; charset=utf-8')
        .attachment(`${slug}.csv`)
        // The byte-order mark makes Excel read the file as UTF-8; the import removes it.
        .send(`\uFEFF${exportCsv(doc)}`);
    },

    async exportJson(req: Request, res: Response) {
      const slug = String(req.params.slug);
      const doc = await service.exportReport(slug);
      noStore(res);
      res.type('application/json; charset=utf-8').attachment(`${slug}.json`).send(exportJson(doc));
    },
  };
}
