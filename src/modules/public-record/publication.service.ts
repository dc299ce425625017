/**
 * Publication control: what of an addressee's private material the public may see. An overseer
 * writes (or approves the update's own words as) a public summary of a progress update, or makes an
 * evidence file downloadable; either can be withdrawn with a reason, and the public page then says
 * that something was withdrawn. A publication is never edited: a correction is a withdrawal and a
 * new publication, so nothing published is silently changed. Every publish and withdrawal is an
 * assignment write (`writeAssignment`, reached through the update or file) with its audit event.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { authorisedAssignment } from '../assignments/assignments.access';
import { userActor } from '../operations/audit.repository';
import { writeAssignment, type AuditedChange } from '../assignments/assignment-write';

export const SUMMARY_MAX = 5000;
export const REASON_MAX = 2000;

export const NO_SUCH_UPDATE =
  'There is no progress update with that number, or it is not yours to publish.';
export const NO_SUCH_FILE =
  'There is no evidence file with that number, or it is not yours to publish.';

export interface PublicationRecord {
  id: number;
  publishedAt: Date;
  publisher: string;
  withdrawnAt: Date | null;
  withdrawnReason: string | null;
}

function validId(id: number, message: string): number {
  if (!Number.isSafeInteger(id) || id < 1 || id > 2147483647) throw new NotFoundError(message);
  return id;
}

/** Trims and normalises line ends; a field error when empty or too long. */
function text(value: unknown, field: string, max: number, empty: string, long: string): string {
  const s = (typeof value === 'string' ? value : '').replace(/\r\n?/g, '\n').trim();
  if (s === '') throw new ValidationError([{ field, message: empty }]);
  if (s.length > max) throw new ValidationError([{ field, message: long }]);
  return s;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as knex returns them
type Row = Record<string, any>;

/** The progress update `updateId` (404 with the update's own words when there is none). */
async function updateRow(db: Knex | Knex.Transaction, updateId: number) {
  validId(updateId, NO_SUCH_UPDATE);
  const update = await db('progress_updates').where({ id: updateId }).first();
  if (!update) throw new NotFoundError(NO_SUCH_UPDATE);
  return update as Row & { assignment_id: number };
}

/** The reason for a withdrawal, as the public page will show it. */
const withdrawalReason = (value: unknown, field: string, empty: string) =>
  text(value, field, REASON_MAX, empty, `The reason must be ${REASON_MAX} characters or fewer`);

export function createPublicationService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  /**
   * The update and its assignment, reached through the assignment's own access check with
   * 'oversight.decide': another organisation's lead gets the same 404 as a missing id, a reader a
   * 403, and an update of a withdrawn assignment is 404 for everyone.
   */
  async function authorisedUpdate(user: CurrentUser, updateId: number) {
    const update = await updateRow(knex, updateId);
    try {
      const assignment = await authorisedAssignment(
        knex,
        user,
        update.assignment_id,
        'oversight.decide',
      );
      return { update, assignment };
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(NO_SUCH_UPDATE);
      throw err;
    }
  }

  /**
   * A publication write (see `writeAssignment`), reached through the update or file it is about:
   * `found` holds that row as read with the assignment locked.
   */
  function publicationWrite<I, R>(
    user: CurrentUser,
    context: RequestContext,
    lookup: (db: Knex | Knex.Transaction) => Promise<Row & { assignment_id: number }>,
    notFound: string,
    input: () => I,
    change: (trx: Knex.Transaction, found: Row, valid: I) => Promise<AuditedChange<R>>,
  ): Promise<R> {
    let found: Row;
    return writeAssignment(knex, {
      actor: user,
      permission: 'oversight.decide',
      context,
      through: { assignmentOf: async (db) => (found = await lookup(db)).assignment_id, notFound },
      input,
      change: (trx, _assignment, valid) => change(trx, found, valid),
    });
  }

  /** The evidence file `fileId` with its update's assignment (404 with the file's words if none). */
  async function fileRow(db: Knex | Knex.Transaction, fileId: number) {
    validId(fileId, NO_SUCH_FILE);
    const file = await db('evidence_files as f')
      .join('progress_updates as u', 'u.id', 'f.progress_update_id')
      .where('f.id', fileId)
      .first('f.*', 'u.assignment_id');
    if (!file) throw new NotFoundError(NO_SUCH_FILE);
    return file as Row & { assignment_id: number };
  }

  const toRecord = (row: Record<string, unknown>): PublicationRecord => ({
    id: row.id as number,
    publishedAt: row.published_at as Date,
    publisher: row.publisher_label as string,
    withdrawnAt: (row.withdrawn_at as Date | null) ?? null,
    withdrawnReason: (row.withdrawn_reason as string | null) ?? null,
  });

  /**
   * Withdraws the live publication matching `where` (one of a summary or a file) with the reason,
   * or refuses with `notPublished` (409) when nothing is live. Returns the withdrawn row's id.
   */
  async function withdrawLive(
    trx: Knex.Transaction,
    table: 'update_publications' | 'evidence_publications',
    where: Record<string, number>,
    user: CurrentUser,
    reason: string,
    notPublished: string,
  ): Promise<{ id: number }> {
    const live = await trx(table).where(where).whereNull('withdrawn_at').first('id');
    if (!live) throw new ConflictError(notPublished);
    await trx(table).where({ id: live.id }).update({
      withdrawn_at: clock.now(),
      withdrawn_by: user.id,
      withdrawn_reason: reason,
    });
    return live;
  }

  /** A new publication (of a summary or a file), published now by `user`. */
  async function insertPublication(
    trx: Knex.Transaction,
    table: 'update_publications' | 'evidence_publications',
    user: CurrentUser,
    what: Record<string, unknown>,
  ): Promise<{ id: number }> {
    const [row] = await trx(table)
      .insert({
        ...what,
        published_at: clock.now(),
        published_by: user.id,
        publisher_label: userActor(user).label ?? user.email,
      })
      .returning(['id']);
    return row;
  }

  return {
    /** Everything the publication page shows for one update. */
    async forUpdate(user: CurrentUser, updateId: number) {
      const { update, assignment } = await authorisedUpdate(user, updateId);
      const [recommendation, organisation, files, publications, filePublications] =
        await Promise.all([
          knex('recommendations').where({ id: assignment.recommendation_id }).first('ref', 'title'),
          knex('organisations').where({ id: assignment.organisation_id }).first('name'),
          knex('evidence_files')
            .where({ progress_update_id: update.id })
            .orderBy('id')
            .select('id', 'original_name', 'content_type', 'size_bytes'),
          knex('update_publications')
            .where({ progress_update_id: update.id })
            .orderBy([
              { column: 'published_at', order: 'desc' },
              { column: 'id', order: 'desc' },
            ]),
          knex('evidence_publications as p')
            .join('evidence_files as f', 'f.id', 'p.evidence_file_id')
            .where('f.progress_update_id', update.id)
            .orderBy([
              { column: 'p.published_at', order: 'desc' },
              { column: 'p.id', order: 'desc' },
            ])
            .select('p.*'),
        ]);
      const records = publications.map(toRecord);
      return {
        assignmentId: assignment.id as number,
        reference: recommendation.ref as string,
        title: (recommendation.title as string | null) ?? null,
        organisation: organisation.name as string,
        update: {
          id: update.id as number,
          createdAt: update.created_at as Date,
          author: update.author_label as string,
          narrative: update.narrative as string,
        },
        live: records.find((r) => r.withdrawnAt === null) ?? null,
        liveSummary:
          (publications.find((p) => p.withdrawn_at === null)?.summary as string | undefined) ??
          null,
        history: records.filter((r) => r.withdrawnAt !== null),
        files: files.map((f) => {
          const pubs = filePublications
            .filter((p) => p.evidence_file_id === f.id)
            .map((p) => toRecord(p));
          return {
            id: f.id as number,
            name: f.original_name as string,
            contentType: f.content_type as string,
            sizeBytes: Number(f.size_bytes),
            live: pubs.find((p) => p.withdrawnAt === null) ?? null,
            withdrawals: pubs.filter((p) => p.withdrawnAt !== null),
          };
        }),
      };
    },

    /**
     * Publishes a summary of the update: `summary` as written, or with `useNarrative` the update's
     * own text. Refused (409) while another summary of the same update is live: withdraw it first,
     * so the public page shows that the earlier words were withdrawn and why.
     */
    async publishSummary(
      user: CurrentUser,
      context: RequestContext,
      updateId: number,
      input: { summary?: unknown; useNarrative?: boolean },
    ): Promise<number> {
      const written = () =>
        text(
          input.summary,
          'summary',
          SUMMARY_MAX,
          'Enter the summary the public will see',
          `The summary must be ${SUMMARY_MAX} characters or fewer`,
        );
      return publicationWrite(
        user,
        context,
        (db) => updateRow(db, updateId),
        NO_SUCH_UPDATE,
        // The update's own words are checked once it is read, under the lock.
        () => (input.useNarrative ? null : written()),
        async (trx, update, checked) => {
          const summary =
            checked ??
            text(
              update.narrative,
              'summary',
              SUMMARY_MAX,
              'The update has no text to publish',
              `The update’s own text is longer than ${SUMMARY_MAX} characters: write a shorter summary instead`,
            );
          const live = await trx('update_publications')
            .where({ progress_update_id: update.id })
            .whereNull('withdrawn_at')
            .first('id');
          if (live)
            throw new ConflictError(
              'A summary of this update is already published. Withdraw it, giving a reason, before publishing a corrected one.',
              [{ field: 'summary', message: 'A summary of this update is already published' }],
            );
          const row = await insertPublication(trx, 'update_publications', user, {
            progress_update_id: update.id,
            summary,
          });
          return {
            action: 'update_publication.publish',
            subject: { type: 'update_publication', id: row.id },
            before: undefined,
            after: {
              progressUpdateId: update.id,
              assignmentId: update.assignment_id,
              summary,
              source: input.useNarrative ? 'update_text' : 'written',
            },
            result: row.id as number,
          };
        },
      );
    },

    /** Withdraws the live summary of the update, with the reason the public page will show. */
    async withdrawSummary(
      user: CurrentUser,
      context: RequestContext,
      updateId: number,
      input: { reason?: unknown },
    ): Promise<void> {
      await publicationWrite(
        user,
        context,
        (db) => updateRow(db, updateId),
        NO_SUCH_UPDATE,
        () => withdrawalReason(input.reason, 'reason', 'Enter why the summary is being withdrawn'),
        async (trx, update, reason) => {
          const live = await withdrawLive(
            trx,
            'update_publications',
            { progress_update_id: update.id },
            user,
            reason,
            'No summary of this update is published.',
          );
          return {
            action: 'update_publication.withdraw',
            subject: { type: 'update_publication', id: live.id },
            before: undefined,
            after: { progressUpdateId: update.id, assignmentId: update.assignment_id, reason },
            result: undefined,
          };
        },
      );
    },

    /** Makes an evidence file downloadable by anyone. Returns its update's id (for the redirect). */
    async publishEvidence(
      user: CurrentUser,
      context: RequestContext,
      fileId: number,
    ): Promise<number> {
      return publicationWrite(
        user,
        context,
        (db) => fileRow(db, fileId),
        NO_SUCH_FILE,
        () => null,
        async (trx, file) => {
          const live = await trx('evidence_publications')
            .where({ evidence_file_id: file.id })
            .whereNull('withdrawn_at')
            .first('id');
          if (live) throw new ConflictError('This evidence file is already published.');
          const row = await insertPublication(trx, 'evidence_publications', user, {
            evidence_file_id: file.id,
          });
          return {
            action: 'evidence_publication.publish',
            subject: { type: 'evidence_publication', id: row.id },
            before: undefined,
            after: {
              evidenceFileId: file.id,
              progressUpdateId: file.progress_update_id,
              name: file.original_name,
              sha256: file.sha256,
            },
            result: file.progress_update_id as number,
          };
        },
      );
    },

    /** Stops the public download of an evidence file, with a reason. Returns its update's id. */
    async withdrawEvidence(
      user: CurrentUser,
      context: RequestContext,
      fileId: number,
      input: { reason?: unknown },
    ): Promise<number> {
      return publicationWrite(
        user,
        context,
        (db) => fileRow(db, fileId),
        NO_SUCH_FILE,
        () =>
          withdrawalReason(
            input.reason,
            `reason-${fileId}`,
            'Enter why the file is being withdrawn',
          ),
        async (trx, file, reason) => {
          const live = await withdrawLive(
            trx,
            'evidence_publications',
            { evidence_file_id: file.id },
            user,
            reason,
            'This evidence file is not published.',
          );
          return {
            action: 'evidence_publication.withdraw',
            subject: { type: 'evidence_publication', id: live.id },
            before: undefined,
            after: { evidenceFileId: file.id, progressUpdateId: file.progress_update_id, reason },
            result: file.progress_update_id as number,
          };
        },
      );
    },

    /** The update an evidence file belongs to, for re-showing the page after a refused form. */
    async updateOfFile(fileId: number): Promise<number> {
      validId(fileId, NO_SUCH_FILE);
      const file = await knex('evidence_files').where({ id: fileId }).first('progress_update_id');
      if (!file) throw new NotFoundError(NO_SUCH_FILE);
      return file.progress_update_id as number;
    },
  };
}

export type PublicationService = ReturnType<typeof createPublicationService>;
