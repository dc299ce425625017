/**
 * HTTP for publication control: the page for one progress update (its public summary, the history
 * of withdrawn ones, and each evidence file's public state) and the four posts that publish and
 * withdraw. A refused form shows the page again with the error summary and the words typed.
 */
import type { Request, Response } from 'express';
import { NotFoundError, type FieldError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { submitForm, formProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import { londonDate } from '../../shared/calendar-date';
import { requestContext } from '../accounts/accounts.controller';
import { describeSize } from '../assignments/progress-updates.view-model';
import {
  NO_SUCH_FILE,
  NO_SUCH_UPDATE,
  REASON_MAX,
  SUMMARY_MAX,
  type PublicationRecord,
  type PublicationService,
} from './publication.service';

const NOTICES: Record<string, string> = {
  published: 'The summary is now public.',
  withdrawn: 'The summary has been withdrawn. The public page says so, with your reason.',
  'file-published': 'The evidence file can now be downloaded by anyone.',
  'file-withdrawn': 'The evidence file has been withdrawn from public download.',
};

function idParam(value: unknown, message: string): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > 2147483647) throw new NotFoundError(message);
  return n;
}

const day = (d: Date | null) => (d ? londonDate(new Date(d)) : null);
const datedRecord = (r: PublicationRecord | null) =>
  r && { ...r, publishedAt: day(r.publishedAt), withdrawnAt: day(r.withdrawnAt) };

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function createPublicationController(service: PublicationService) {
  async function render(
    req: Request,
    res: Response,
    updateId: number,
    status = 200,
    failed: { values?: Record<string, string>; errors?: FieldError[] } = {},
  ) {
    const data = await service.forUpdate(req.user!, updateId);
    const summary = errorSummary(failed.errors ?? [], ['summary', 'reason']);
    const notice = NOTICES[str(req.query.done)];
    res.set('Cache-Control', 'no-store');
    res.status(status).render('publication/update', {
      pageTitle: `${summary.errorList.length ? 'Error: ' : ''}Publish a progress update: ${data.reference}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        {
          text: `${data.reference}, ${data.organisation}`,
          href: paths.assignments.show(data.assignmentId),
        },
        { text: 'Progress updates', href: paths.assignments.updates(data.assignmentId) },
      ],
      ...data,
      update: { ...data.update, createdAt: day(data.update.createdAt) },
      live: datedRecord(data.live),
      history: data.history.map(datedRecord),
      notice: status === 200 ? notice : undefined,
      paragraphs: data.update.narrative.split(/\n{2,}/),
      liveParagraphs: data.liveSummary?.split(/\n{2,}/) ?? [],
      summaryMax: SUMMARY_MAX,
      reasonMax: REASON_MAX,
      values: failed.values ?? {},
      publishAction: paths.publication.update(updateId),
      withdrawAction: paths.publication.updateWithdrawal(updateId),
      files: data.files.map((f) => ({
        ...f,
        live: datedRecord(f.live),
        withdrawals: f.withdrawals.map(datedRecord),
        type: f.contentType.replace(/;.*$/, ''),
        size: describeSize(f.sizeBytes),
        privateHref: paths.evidence.download(f.id),
        publicHref: paths.publicEvidence.download(f.id),
        publishAction: paths.publication.evidence(f.id),
        withdrawAction: paths.publication.evidenceWithdrawal(f.id),
        reasonField: `reason-${f.id}`,
        reasonError: summary.errors[`reason-${f.id}`],
        reasonValue: failed.values?.[`reason-${f.id}`] ?? '',
      })),
      ...summary,
    });
  }

  return {
    async show(req: Request, res: Response) {
      await render(req, res, idParam(req.params.updateId, NO_SUCH_UPDATE));
    },

    async publish(req: Request, res: Response) {
      const id = idParam(req.params.updateId, NO_SUCH_UPDATE);
      const body = (req.body ?? {}) as Record<string, unknown>;
      await submitForm(
        res,
        async () => {
          await service.publishSummary(req.user!, requestContext(req), id, {
            summary: body.summary,
            useNarrative: body.use === 'narrative',
          });
          return paths.publication.update(id, { done: 'published' });
        },
        (problem) =>
          render(req, res, id, problem.status, {
            values: { summary: str(body.summary) },
            errors: problem.errors,
          }),
      );
    },

    async withdraw(req: Request, res: Response) {
      const id = idParam(req.params.updateId, NO_SUCH_UPDATE);
      const body = (req.body ?? {}) as Record<string, unknown>;
      await submitForm(
        res,
        async () => {
          await service.withdrawSummary(req.user!, requestContext(req), id, {
            reason: body.reason,
          });
          return paths.publication.update(id, { done: 'withdrawn' });
        },
        (problem) =>
          render(req, res, id, problem.status, {
            values: { reason: str(body.reason) },
            errors: problem.errors,
          }),
      );
    },

    async publishEvidence(req: Request, res: Response) {
      const fileId = idParam(req.params.fileId, NO_SUCH_FILE);
      const updateId = await service.publishEvidence(req.user!, requestContext(req), fileId);
      res.redirect(303, paths.publication.update(updateId, { done: 'file-published' }));
    },

    async withdrawEvidence(req: Request, res: Response) {
      const fileId = idParam(req.params.fileId, NO_SUCH_FILE);
      const body = (req.body ?? {}) as Record<string, unknown>;
      await submitForm(
        res,
        async () => {
          const updateId = await service.withdrawEvidence(req.user!, requestContext(req), fileId, {
            reason: body.reason,
          });
          return paths.publication.update(updateId, { done: 'file-withdrawn' });
        },
        async (problem) =>
          render(req, res, await service.updateOfFile(fileId), problem.status, {
            values: { [`reason-${fileId}`]: str(body.reason) },
            errors: problem.errors,
          }),
        formProblem,
      );
    },
  };
}
