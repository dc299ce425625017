/**
 * HTTP for public status notes: the overseer's page for one assignment (the current note, the
 * earlier and withdrawn ones, a form to publish) and the posts that publish and withdraw.
 */
import type { Request, Response } from 'express';
import { NotFoundError, type FieldError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { submitForm, formProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import { londonDate } from '../../shared/calendar-date';
import { requestContext } from '../accounts/accounts.controller';
import { STATUS_LABELS } from '../register/register.labels';
import type { AssignmentStatus } from '../../db/tables';
import {
  NOTE_MAX,
  NO_SUCH_NOTE,
  OCCASION_LABELS,
  STATUS_NOTE_OCCASIONS,
  type StatusNotesService,
} from './status-notes.service';

const NOTICES: Record<string, string> = {
  published: 'The status note is now public, beside the status on the public pages.',
  withdrawn: 'The status note has been withdrawn. The public page says so, with your reason.',
};

function idParam(value: unknown, message: string): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > 2147483647) throw new NotFoundError(message);
  return n;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function createStatusNotesController(service: StatusNotesService) {
  async function render(
    req: Request,
    res: Response,
    assignmentId: number,
    status = 200,
    failed: { values?: Record<string, string>; errors?: FieldError[] } = {},
  ) {
    const data = await service.forAssignment(req.user!, assignmentId);
    const summary = errorSummary(failed.errors ?? [], ['note', 'occasion', 'reason']);
    const chosen = failed.values?.occasion ?? '';
    const current = data.notes.find((n) => n.withdrawnAt === null) ?? null;
    res.set('Cache-Control', 'no-store');
    res.status(status).render('publication/status-notes', {
      pageTitle: `${summary.errorList.length ? 'Error: ' : ''}Public status note: ${data.reference}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        {
          text: `${data.reference}, ${data.organisation}`,
          href: paths.assignments.show(data.assignmentId),
        },
      ],
      ...data,
      statusLabel: STATUS_LABELS[data.status as AssignmentStatus] ?? data.status,
      notice: status === 200 ? NOTICES[str(req.query.done)] : undefined,
      noteMax: NOTE_MAX,
      action: paths.publication.statusNotes(assignmentId),
      values: failed.values ?? {},
      occasions: STATUS_NOTE_OCCASIONS.map((value, i) => ({
        id: i === 0 ? 'occasion' : `occasion-${value}`,
        value,
        text: OCCASION_LABELS[value],
        checked: value === chosen,
      })),
      notes: data.notes.map((n) => ({
        ...n,
        current: n === current,
        occasionLabel: OCCASION_LABELS[n.occasion],
        publishedOn: londonDate(n.publishedAt),
        withdrawnOn: n.withdrawnAt ? londonDate(n.withdrawnAt) : null,
        withdrawAction: paths.publication.statusNoteWithdrawal(n.id),
        reasonField: `reason-${n.id}`,
        reasonError: summary.errors[`reason-${n.id}`],
      })),
      publicHref: paths.recommendations.show(data.reference),
      ...summary,
    });
  }

  return {
    async show(req: Request, res: Response) {
      await render(req, res, idParam(req.params.id, 'There is no assignment with that number.'));
    },

    async publish(req: Request, res: Response) {
      const id = idParam(req.params.id, 'There is no assignment with that number.');
      const body = (req.body ?? {}) as Record<string, unknown>;
      await submitForm(
        res,
        async () => {
          await service.publish(req.user!, requestContext(req), id, {
            note: body.note,
            occasion: body.occasion,
          });
          return paths.publication.statusNotes(id, { done: 'published' });
        },
        (problem) =>
          render(req, res, id, problem.status, {
            values: { note: str(body.note), occasion: str(body.occasion) },
            errors: problem.errors,
          }),
      );
    },

    async withdraw(req: Request, res: Response) {
      const noteId = idParam(req.params.noteId, NO_SUCH_NOTE);
      const body = (req.body ?? {}) as Record<string, unknown>;
      let assignmentId = 0;
      await submitForm(
        res,
        async () => {
          assignmentId = await service.withdraw(req.user!, requestContext(req), noteId, {
            reason: body.reason,
          });
          return paths.publication.statusNotes(assignmentId, { done: 'withdrawn' });
        },
        async (problem) => {
          const note = await service.noteAssignment(noteId);
          await render(req, res, note, problem.status, {
            errors: problem.errors.map((e) =>
              e.field === 'reason' ? { ...e, field: `reason-${noteId}` } : e,
            ),
          });
        },
        formProblem,
      );
    },
  };
}
