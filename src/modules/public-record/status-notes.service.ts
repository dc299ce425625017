/**
 * Public status notes (ADR 0014): a short reason, written by an overseer, for where an assignment
 * stands ("Verified: the force's audit of 40 cases found the new checklist in use"). Kept apart
 * from the private commentary of status changes and ratings, and published like any public text:
 * a note is never edited; publishing a new one replaces the old on the page (the old stays in the
 * record, so the page as of a past date shows the note current then); a withdrawal keeps the row,
 * with a reason the public page shows. Each act is an assignment write (`writeAssignment`) with its
 * audit event.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { authorisedAssignment } from '../assignments/assignments.access';
import { userActor } from '../operations/audit.repository';
import { writeAssignment } from '../assignments/assignment-write';

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

/** A note as sent, checked: its words and the occasion it was written for. */
function checkedNote(input: { note?: unknown; occasion?: unknown }) {
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
  return { note, occasion: occasion! };
}

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
      return writeAssignment(knex, {
        actor: user,
        assignmentId,
        permission: 'oversight.decide',
        context,
        input: () => checkedNote(input),
        change: async (trx, assignment, { note, occasion }) => {
          const [row] = await trx('status_notes')
            .insert({
              assignment_id: assignment.id,
              occasion,
              note,
              published_at: clock.now(),
              published_by: user.id,
              publisher_label: userActor(user).label ?? user.email,
            })
            .returning(['id']);
          return {
            action: 'status_note.publish',
            subject: { type: 'status_note', id: row.id },
            before: undefined,
            after: { assignmentId: assignment.id, occasion, note, status: assignment.status },
            result: row.id as number,
          };
        },
      });
    },

    /** Withdraws a live note with the reason the public page will show. */
    async withdraw(
      user: CurrentUser,
      context: RequestContext,
      noteId: number,
      input: { reason?: unknown },
    ): Promise<number> {
      // The note as read with its assignment locked (every note write takes that lock).
      let note: Record<string, unknown> = {};
      const noteOf = async (db: Knex | Knex.Transaction) => {
        if (!Number.isSafeInteger(noteId) || noteId < 1 || noteId > 2147483647)
          throw new NotFoundError(NO_SUCH_NOTE);
        note = await db('status_notes').where({ id: noteId }).first();
        if (!note) throw new NotFoundError(NO_SUCH_NOTE);
        return note.assignment_id as number;
      };
      return writeAssignment(knex, {
        actor: user,
        permission: 'oversight.decide',
        context,
        through: { assignmentOf: noteOf, notFound: NO_SUCH_NOTE },
        input: () =>
          cleanText(
            input.reason,
            'reason',
            NOTE_REASON_MAX,
            'Enter why the note is being withdrawn',
          ),
        change: async (trx, _assignment, reason) => {
          if (note.withdrawn_at) throw new ConflictError('This note has already been withdrawn.');
          await trx('status_notes').where({ id: noteId }).update({
            withdrawn_at: clock.now(),
            withdrawn_by: user.id,
            withdrawn_reason: reason,
          });
          return {
            action: 'status_note.withdraw',
            subject: { type: 'status_note', id: noteId },
            before: { note: note.note },
            after: { assignmentId: note.assignment_id, reason },
            result: note.assignment_id as number,
          };
        },
      });
    },
  };
}
