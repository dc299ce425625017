/**
 * Publication control: what of an addressee's private material the public may see. An overseer
 * writes (or approves the update's own words as) a public summary of a progress update, or makes an
 * evidence file downloadable; either can be withdrawn with a reason, and the public page then says
 * that something was withdrawn. A publication is never edited: a correction is a withdrawal and a
 * new publication, so nothing published is silently changed. Every publish and withdrawal is one
 * transaction with its audit event.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { authorisedAssignment } from '../assignments/assignments.access';
import { recordAudit, userActor } from '../operations/audit.repository';

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

export function createPublicationService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  /**
   * The update and its assignment, reached through the assignment's own access check with
   * 'oversight.decide': another organisation's lead gets the same 404 as a missing id, a reader a
   * 403, and an update of a withdrawn assignment is 404 for everyone.
   */
  async function authorisedUpdate(
    db: Knex | Knex.Transaction,
    user: CurrentUser,
    updateId: number,
    forUpdate = false,
  ) {
    validId(updateId, NO_SUCH_UPDATE);
    const update = await db('progress_updates').where({ id: updateId }).first();
    if (!update) throw new NotFoundError(NO_SUCH_UPDATE);
    try {
      const assignment = await authorisedAssignment(
        db,
        user,
        update.assignment_id,
        'oversight.decide',
        { forUpdate },
      );
      return { update, assignment };
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(NO_SUCH_UPDATE);
      throw err;
    }
  }

  async function authorisedFile(trx: Knex.Transaction, user: CurrentUser, fileId: number) {
    validId(fileId, NO_SUCH_FILE);
    const file = await trx('evidence_files').where({ id: fileId }).first();
    if (!file) throw new NotFoundError(NO_SUCH_FILE);
    try {
      const { update } = await authorisedUpdate(trx, user, file.progress_update_id, true);
      return { file, update };
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(NO_SUCH_FILE);
      throw err;
    }
  }

  const toRecord = (row: Record<string, unknown>): PublicationRecord => ({
    id: row.id as number,
    publishedAt: row.published_at as Date,
    publisher: row.publisher_label as string,
    withdrawnAt: (row.withdrawn_at as Date | null) ?? null,
    withdrawnReason: (row.withdrawn_reason as string | null) ?? null,
  });

  const audit = (
    user: CurrentUser,
    context: RequestContext,
    action: string,
    subjectType: string,
    subjectId: number,
    after: unknown,
  ) => ({
    actor: userActor(user),
    action,
    subjectType,
    subjectId,
    after,
    ipAddress: context.ip,
    requestId: context.requestId,
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

  return {
    /** Everything the publication page shows for one update. */
    async forUpdate(user: CurrentUser, updateId: number) {
      const { update, assignment } = await authorisedUpdate(knex, user, updateId);
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
      return knex.transaction(async (trx) => {
        const { update, assignment } = await authorisedUpdate(trx, user, updateId, true);
        const summary = input.useNarrative
          ? text(
              update.narrative,
              'summary',
              SUMMARY_MAX,
              'The update has no text to publish',
              `The update’s own text is longer than ${SUMMARY_MAX} characters: write a shorter summary instead`,
            )
          : text(
              input.summary,
              'summary',
              SUMMARY_MAX,
              'Enter the summary the public will see',
              `The summary must be ${SUMMARY_MAX} characters or fewer`,
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
        const actor = userActor(user);
        const [row] = await trx('update_publications')
          .insert({
            progress_update_id: update.id,
            summary,
            published_at: clock.now(),
            published_by: user.id,
            publisher_label: actor.label ?? user.email,
          })
          .returning(['id']);
        await recordAudit(
          trx,
          audit(user, context, 'update_publication.publish', 'update_publication', row.id, {
            progressUpdateId: update.id,
            assignmentId: assignment.id,
            summary,
            source: input.useNarrative ? 'update_text' : 'written',
          }),
        );
        return row.id as number;
      });
    },

    /** Withdraws the live summary of the update, with the reason the public page will show. */
    async withdrawSummary(
      user: CurrentUser,
      context: RequestContext,
      updateId: number,
      input: { reason?: unknown },
    ): Promise<void> {
      await knex.transaction(async (trx) => {
        const { update, assignment } = await authorisedUpdate(trx, user, updateId, true);
        const reason = text(
          input.reason,
          'reason',
          REASON_MAX,
          'Enter why the summary is being withdrawn',
          `The reason must be ${REASON_MAX} characters or fewer`,
        );
        const live = await withdrawLive(
          trx,
          'update_publications',
          { progress_update_id: update.id },
          user,
          reason,
          'No summary of this update is published.',
        );
        await recordAudit(
          trx,
          audit(user, context, 'update_publication.withdraw', 'update_publication', live.id, {
            progressUpdateId: update.id,
            assignmentId: assignment.id,
            reason,
          }),
        );
      });
    },

    /** Makes an evidence file downloadable by anyone. Returns its update's id (for the redirect). */
    async publishEvidence(
      user: CurrentUser,
      context: RequestContext,
      fileId: number,
    ): Promise<number> {
      return knex.transaction(async (trx) => {
        const { file, update } = await authorisedFile(trx, user, fileId);
        const live = await trx('evidence_publications')
          .where({ evidence_file_id: file.id })
          .whereNull('withdrawn_at')
          .first('id');
        if (live) throw new ConflictError('This evidence file is already published.');
        const actor = userActor(user);
        const [row] = await trx('evidence_publications')
          .insert({
            evidence_file_id: file.id,
            published_at: clock.now(),
            published_by: user.id,
            publisher_label: actor.label ?? user.email,
          })
          .returning(['id']);
        await recordAudit(
          trx,
          audit(user, context, 'evidence_publication.publish', 'evidence_publication', row.id, {
            evidenceFileId: file.id,
            progressUpdateId: update.id,
            name: file.original_name,
            sha256: file.sha256,
          }),
        );
        return update.id as number;
      });
    },

    /** Stops the public download of an evidence file, with a reason. Returns its update's id. */
    async withdrawEvidence(
      user: CurrentUser,
      context: RequestContext,
      fileId: number,
      input: { reason?: unknown },
    ): Promise<number> {
      return knex.transaction(async (trx) => {
        const { file, update } = await authorisedFile(trx, user, fileId);
        const reason = text(
          input.reason,
          `reason-${file.id}`,
          REASON_MAX,
          'Enter why the file is being withdrawn',
          `The reason must be ${REASON_MAX} characters or fewer`,
        );
        const live = await withdrawLive(
          trx,
          'evidence_publications',
          { evidence_file_id: file.id },
          user,
          reason,
          'This evidence file is not published.',
        );
        await recordAudit(
          trx,
          audit(user, context, 'evidence_publication.withdraw', 'evidence_publication', live.id, {
            evidenceFileId: file.id,
            progressUpdateId: update.id,
            reason,
          }),
        );
        return update.id as number;
      });
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
