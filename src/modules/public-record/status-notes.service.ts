/**
 * Public status notes (ADR 0014): a short reason, written by an overseer, for where an assignment
 * stands ("Verified: the force's audit of 40 cases found the new checklist in use"). Kept apart
 * from the private commentary of status changes and ratings, and published like any public text:
 * a note is never edited; publishing a new one replaces the old on the page (the old stays in the
 * record, so the page as of a past date shows the note current then); a withdrawal keeps the row,
 * with a reason the public page shows. Each act is one transaction with its audit event.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { authorisedAssignment } from '../assignments/assignments.access';
import { recordAudit, userActor } from '../operations/audit.repository';

export const NOTE_MAX = 2000;
export const NOTE_REASON_MAX = 2000;
export const STATUS_NOTE_OCCASIONS = ['verify', 'close', 'reopen', 'rate', 'review'] as const;
export type StatusNoteOccasion = (typeof STATUS_NOTE_OCCASIONS)[number];

export const OCCASION_LABELS: Record<StatusNoteOccasion, string> = {
  verify: 'Verifying implementation',
  close: 'Closing it',
  reopen: 'Reopening it',
  rate: 'Rating delivery confidence',
  review: 'Another review',
};

export const NO_SUCH_NOTE =
  'There is no status note with that number, or it is not yours to withdraw.';

export interface StatusNote {
  id: number;
  occasion: StatusNoteOccasion;
  note: string;
  publishedAt: Date;
  publisher: string;
  withdrawnAt: Date | null;
  withdrawnReason: string | null;
}

function cleanText(value: unknown, field: string, max: number, empty: string): string {
  const s = (typeof value === 'string' ? value : '').replace(/\r\n?/g, '\n').trim();
  if (s === '') throw new ValidationError([{ field, message: empty }]);
  if (s.length > max)
    throw new ValidationError([{ field, message: `Use ${max} characters or fewer` }]);
  return s;
}

const toNote = (row: Record<string, unknown>): StatusNote => ({
  id: row.id as number,
  occasion: row.occasion as StatusNoteOccasion,
  note: row.note as string,
  publishedAt: new Date(row.published_at as Date),
  publisher: row.publisher_label as string,
  withdrawnAt: row.withdrawn_at ? new Date(row.withdrawn_at as Date) : null,
  withdrawnReason: (row.withdrawn_reason as string | null) ?? null,
});

export type StatusNotesService = ReturnType<typeof createStatusNotesService>;

export function createStatusNotesService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  return {
    /** The assignment a note belongs to (to show its page again after a refused withdrawal). */
    async noteAssignment(noteId: number): Promise<number> {
      const row = await knex('status_notes').where({ id: noteId }).first('assignment_id');
      if (!row) throw new NotFoundError(NO_SUCH_NOTE);
      return row.assignment_id as number;
    },

    /** The assignment's notes, newest first, for the overseer's page ('oversight.decide'). */
    async forAssignment(user: CurrentUser, assignmentId: number) {
      const assignment = await authorisedAssignment(knex, user, assignmentId, 'oversight.decide');
      const [recommendation, organisation, notes] = await Promise.all([
        knex('recommendations').where({ id: assignment.recommendation_id }).first('ref', 'title'),
        knex('organisations').where({ id: assignment.organisation_id }).first('name'),
        knex('status_notes')
          .where({ assignment_id: assignmentId })
          .orderBy([
            { column: 'published_at', order: 'desc' },
            { column: 'id', order: 'desc' },
          ])
          .limit(100),
      ]);
      return {
        assignmentId,
        status: assignment.status as string,
        reference: recommendation.ref as string,
        title: (recommendation.title as string | null) ?? null,
        organisation: organisation.name as string,
        notes: notes.map(toNote),
      };
    },

    /** Publishes a note; it becomes the public reason for the status from now on. */
    async publish(
      user: CurrentUser,
      context: RequestContext,
      assignmentId: number,
      input: { note?: unknown; occasion?: unknown },
    ): Promise<number> {
      const occasion = STATUS_NOTE_OCCASIONS.find((o) => o === input.occasion);
      const errors = [];
      let note = '';
      try {
        note = cleanText(input.note, 'note', NOTE_MAX, 'Enter the note the public will see');
      } catch (err) {
        if (err instanceof ValidationError) errors.push(...err.errors);
        else throw err;
      }
      if (!occasion) errors.push({ field: 'occasion', message: 'Select when you are writing it' });
      if (errors.length) throw new ValidationError(errors);
      return knex.transaction(async (trx) => {
        const assignment = await authorisedAssignment(trx, user, assignmentId, 'oversight.decide', {
          forUpdate: true,
        });
        const actor = userActor(user);
        const [row] = await trx('status_notes')
          .insert({
            assignment_id: assignment.id,
            occasion,
            note,
            published_at: clock.now(),
            published_by: user.id,
            publisher_label: actor.label ?? user.email,
          })
          .returning(['id']);
        await recordAudit(trx, {
          actor,
          action: 'status_note.publish',
          subjectType: 'status_note',
          subjectId: row.id,
          after: { assignmentId: assignment.id, occasion, note, status: assignment.status },
          ipAddress: context.ip,
          requestId: context.requestId,
        });
        return row.id as number;
      });
    },

    /** Withdraws a live note with the reason the public page will show. */
    async withdraw(
      user: CurrentUser,
      context: RequestContext,
      noteId: number,
      input: { reason?: unknown },
    ): Promise<number> {
      const reason = cleanText(
        input.reason,
        'reason',
        NOTE_REASON_MAX,
        'Enter why the note is being withdrawn',
      );
      return knex.transaction(async (trx) => {
        if (!Number.isSafeInteger(noteId) || noteId < 1 || noteId > 2147483647)
          throw new NotFoundError(NO_SUCH_NOTE);
        const note = await trx('status_notes').where({ id: noteId }).forUpdate().first();
        if (!note) throw new NotFoundError(NO_SUCH_NOTE);
        try {
          await authorisedAssignment(trx, user, note.assignment_id, 'oversight.decide');
        } catch (err) {
          if (err instanceof NotFoundError) throw new NotFoundError(NO_SUCH_NOTE);
          throw err;
        }
        if (note.withdrawn_at) throw new ConflictError('This note has already been withdrawn.');
        await trx('status_notes').where({ id: noteId }).update({
          withdrawn_at: clock.now(),
          withdrawn_by: user.id,
          withdrawn_reason: reason,
        });
        await recordAudit(trx, {
          actor: userActor(user),
          action: 'status_note.withdraw',
          subjectType: 'status_note',
          subjectId: noteId,
          before: { note: note.note },
          after: { assignmentId: note.assignment_id, reason },
          ipAddress: context.ip,
          requestId: context.requestId,
        });
        return note.assignment_id as number;
      });
    },
  };
}
