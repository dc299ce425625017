/**
 * The oversight office's decisions: reviewing progress updates (accept, or return with feedback),
 * verifying implementation, closing with a reason, reopening, and rating delivery confidence (RAG).
 * `oversight.view` (admins, overseers, viewers) reads the queue and the history; only
 * `oversight.decide` (overseers) changes anything.
 *
 * Every function takes the acting user first and reaches an assignment only through
 * `authorisedAssignment`, so another organisation's lead gets the same 404 as a missing id. Every
 * write goes through `writeAssignment` (who may act settled before what they sent is looked at;
 * the row locked; exactly one audit event) and decides any status change with the lifecycle
 * (`applyTransition`, which also writes the status history).
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import {
  compareDates,
  daysBetween,
  formatLongDate,
  londonDate,
  type CalendarDate,
} from '../../shared/calendar-date';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { AssignmentRow, AssignmentStatus, ClosureReason } from '../../db/tables';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { authorise, can, type Action } from '../accounts/policy';
import { authorisedAssignment } from './assignments.access';
import { applyTransition, statusActor, type StatusEvent } from './status-history';
import { writeAssignment } from './assignment-write';
import type { SelfAssessment } from './progress-updates.service';
import {
  OVERSIGHT_MESSAGES,
  QUEUE_PAGE_SIZE,
  checkClosure,
  checkConfidence,
  checkReopening,
  checkReview,
  checkVerification,
  type Rating,
  type ReviewDecision,
} from './decisions.schemas';

export const NO_SUCH_UPDATE =
  'There is no progress update with that number, or it is not yours to see.';

export { OVERSIGHT_MESSAGES };

const clean = (text: string | undefined) => {
  const t = (text ?? '').replace(/\r\n?/g, '\n').trim();
  return t === '' ? null : t;
};

type Db = Knex | Knex.Transaction;

interface UpdateRow {
  id: number;
  assignment_id: number;
  author_label: string;
  self_assessment: SelfAssessment;
  narrative: string;
  created_at: Date | string;
}

/** The progress update `updateId` (404 with the update's own words when there is none). */
async function updateRow(db: Db, updateId: number): Promise<UpdateRow> {
  if (!Number.isSafeInteger(updateId) || updateId < 1 || updateId > 2147483647)
    throw new NotFoundError(NO_SUCH_UPDATE);
  const update = await db('progress_updates').where({ id: updateId }).first();
  if (!update) throw new NotFoundError(NO_SUCH_UPDATE);
  return update as UpdateRow;
}

/** A rating as sent, checked: an empty date means today (as leaving it out does), never later. */
function checkedRating(input: unknown, today: CalendarDate) {
  const raw = { ...((input ?? {}) as Record<string, unknown>) };
  if (raw.ratedOn === '') delete raw.ratedOn;
  const valid = checkConfidence(raw);
  const ratedOn = valid.ratedOn ?? today;
  if (compareDates(ratedOn, today) > 0)
    throw new ValidationError([
      {
        field: 'ratedOn',
        message: `${OVERSIGHT_MESSAGES.ratedOnFuture} (today is ${formatLongDate(today)})`,
      },
    ]);
  return { rating: valid.rating, commentary: clean(valid.commentary)!, ratedOn };
}

export interface QueueFilters {
  organisation?: string;
  report?: string;
}

export interface QueueItem {
  updateId: number;
  assignmentId: number;
  createdAt: Date;
  ageDays: number;
  organisation: { name: string; slug: string };
  recommendation: { ref: string; title: string | null };
  report: { title: string; slug: string };
  selfAssessment: SelfAssessment;
  author: string;
  evidenceFiles: number;
  status: AssignmentStatus;
}

export interface Review {
  decision: ReviewDecision;
  feedback: string | null;
  reviewer: string;
  reviewedAt: Date;
}

export interface StatusChange {
  id: number;
  fromStatus: AssignmentStatus | null;
  toStatus: AssignmentStatus;
  closureReason: ClosureReason | null;
  event: StatusEvent | 'recorded';
  note: string | null;
  actor: string;
  changedAt: Date;
}

export interface ConfidenceRating {
  id: number;
  rating: Rating;
  commentary: string;
  ratedOn: CalendarDate;
  rater: string;
  createdAt: Date;
}

interface QueueRowDb {
  update_id: number;
  assignment_id: number;
  created_at: Date | string;
  created_us: string | number;
  organisation_name: string;
  organisation_slug: string;
  ref: string;
  title: string | null;
  report_title: string;
  report_slug: string;
  self_assessment: SelfAssessment;
  author_label: string;
  evidence_files: string | number;
  status: AssignmentStatus;
}

/** A position in the queue's order: the update's creation time in microseconds, then its id. */
export type QueueKey = [string, number];

export type OversightService = ReturnType<typeof createOversightService>;

export function createOversightService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  /** Updates with no review, on live assignments, with the filters applied. */
  function unreviewed(db: Db, filters: QueueFilters) {
    const q = db('progress_updates as u')
      .join('assignments as a', 'a.id', 'u.assignment_id')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('reports as p', 'p.id', 'r.report_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .whereNull('a.withdrawn_at')
      .whereNull('r.withdrawn_at')
      .whereNotExists(
        db('progress_update_reviews as v').whereRaw('v.progress_update_id = u.id').select(1),
      );
    if (filters.organisation) q.where('o.slug', filters.organisation);
    if (filters.report) q.where('p.slug', filters.report);
    return q;
  }

  function toQueueItem(row: QueueRowDb, today: CalendarDate): QueueItem {
    const createdAt = new Date(row.created_at);
    return {
      updateId: row.update_id,
      assignmentId: row.assignment_id,
      createdAt,
      ageDays: Math.max(0, daysBetween(londonDate(createdAt), today)),
      organisation: { name: row.organisation_name, slug: row.organisation_slug },
      recommendation: { ref: row.ref, title: row.title },
      report: { title: row.report_title, slug: row.report_slug },
      selfAssessment: row.self_assessment,
      author: row.author_label,
      evidenceFiles: Number(row.evidence_files),
      status: row.status,
    };
  }

  async function queueRows(
    filters: QueueFilters,
    page: { limit: number; offset?: number; after?: QueueKey | null },
  ) {
    const q = unreviewed(knex, filters)
      .select(
        'u.id as update_id',
        'u.assignment_id',
        'u.created_at',
        // Exact to the microsecond, so a cursor never skips or repeats an update.
        knex.raw(`cast(floor(extract(epoch from u.created_at) * 1000000) as bigint) as created_us`),
        'o.name as organisation_name',
        'o.slug as organisation_slug',
        'r.ref',
        'r.title',
        'p.title as report_title',
        'p.slug as report_slug',
        'u.self_assessment',
        'u.author_label',
        'a.status',
        knex.raw(
          `(select count(*) from evidence_files f where f.progress_update_id = u.id) as evidence_files`,
        ),
      )
      .orderBy([
        { column: 'u.created_at', order: 'asc' },
        { column: 'u.id', order: 'asc' },
      ])
      .limit(page.limit);
    if (page.offset) q.offset(page.offset);
    if (page.after)
      q.whereRaw(
        `(cast(floor(extract(epoch from u.created_at) * 1000000) as bigint), u.id) > (cast(? as bigint), ?)`,
        [page.after[0], page.after[1]],
      );
    return (await q) as QueueRowDb[];
  }

  async function countQueue(filters: QueueFilters) {
    const [row] = await unreviewed(knex, filters).count<{ n: string | number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** The update `updateId` and its assignment, if `user` may do `action` there (404 otherwise). */
  async function authorisedUpdate(db: Db, user: CurrentUser, updateId: number, action: Action) {
    const update = await updateRow(db, updateId);
    try {
      const assignment = await authorisedAssignment(db, user, update.assignment_id, action);
      return { update, assignment };
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(NO_SUCH_UPDATE);
      throw err;
    }
  }

  async function reviewOf(db: Db, updateId: number): Promise<Review | null> {
    const row = await db('progress_update_reviews').where({ progress_update_id: updateId }).first();
    return row
      ? {
          decision: row.decision,
          feedback: row.feedback,
          reviewer: row.reviewer_label,
          reviewedAt: new Date(row.created_at),
        }
      : null;
  }

  async function statusChanges(db: Db, assignmentId: number): Promise<StatusChange[]> {
    const rows = await db('assignment_status_changes')
      .where({ assignment_id: assignmentId })
      .orderBy([
        { column: 'changed_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    return rows.map((r) => ({
      id: r.id,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      closureReason: r.closure_reason,
      event: r.event,
      note: r.note,
      actor: r.actor_label,
      changedAt: new Date(r.changed_at),
    }));
  }

  async function ratings(db: Db, assignmentId: number): Promise<ConfidenceRating[]> {
    const rows = await db('delivery_confidence_ratings')
      .where({ assignment_id: assignmentId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    return rows.map((r) => ({
      id: r.id,
      rating: r.rating,
      commentary: r.commentary,
      ratedOn: r.rated_on,
      rater: r.rater_label,
      createdAt: new Date(r.created_at),
    }));
  }

  /**
   * One status decision (verify, close, reopen) on an assignment: an assignment write whose change
   * is decided by the lifecycle and recorded with its note.
   */
  function transition<I>(
    actor: CurrentUser,
    assignmentId: number,
    input: () => I,
    decide: (
      trx: Knex.Transaction,
      a: AssignmentRow,
      valid: I,
    ) => Promise<{
      event: Parameters<typeof applyTransition>[2];
      note: string | null;
      audit: string;
      extra?: Record<string, unknown>;
    }>,
    context?: RequestContext,
  ) {
    return writeAssignment(knex, {
      actor,
      assignmentId,
      permission: 'oversight.decide',
      context,
      input,
      change: async (trx, a, valid) => {
        const plan = await decide(trx, a, valid);
        const next = await applyTransition(trx, a, plan.event, {
          actor: statusActor(actor),
          at: clock.now(),
          note: plan.note,
        });
        return {
          action: plan.audit,
          before: { status: a.status, closureReason: a.closure_reason },
          after: {
            status: next.status,
            closureReason: next.closureReason,
            note: plan.note,
            ...plan.extra,
          },
          result: { status: next.status, closureReason: next.closureReason },
        };
      },
    });
  }

  return {
    /** One page of the review queue (oldest first), for the HTML page (numbered pages). */
    async queue(actor: CurrentUser, filters: QueueFilters & { page?: number }) {
      authorise(actor, 'oversight.view');
      const page = filters.page ?? 1;
      const [total, rows, organisations, reports] = await Promise.all([
        countQueue(filters),
        queueRows(filters, { limit: QUEUE_PAGE_SIZE, offset: (page - 1) * QUEUE_PAGE_SIZE }),
        knex('organisations')
          .whereExists(
            knex('assignments').whereRaw('assignments.organisation_id = organisations.id'),
          )
          .orderBy('name')
          .select('slug', 'name'),
        knex('reports').orderBy('title').select('slug', 'title'),
      ]);
      const today = clock.today();
      return {
        items: rows.map((r) => toQueueItem(r, today)),
        total,
        page,
        pageCount: Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE)),
        organisations: organisations as { slug: string; name: string }[],
        reports: reports as { slug: string; title: string }[],
      };
    },

    /** A keyset page of the review queue for the API: up to `limit` items after `after`. */
    async queuePage(
      actor: CurrentUser,
      filters: QueueFilters,
      page: { limit: number; after: QueueKey | null },
    ) {
      authorise(actor, 'oversight.view');
      const [total, rows] = await Promise.all([
        countQueue(filters),
        queueRows(filters, { limit: page.limit + 1, after: page.after }),
      ]);
      const shown = rows.slice(0, page.limit);
      const last = shown[shown.length - 1];
      const today = clock.today();
      return {
        items: shown.map((r) => toQueueItem(r, today)),
        total,
        nextKey:
          rows.length > page.limit && last
            ? ([String(last.created_us), last.update_id] as QueueKey)
            : null,
      };
    },

    /** Everything the review page shows: the update, its evidence, and its review if it has one. */
    async reviewPage(actor: CurrentUser, updateId: number) {
      const { update, assignment } = await authorisedUpdate(
        knex,
        actor,
        updateId,
        'oversight.view',
      );
      const [recommendation, organisation, files, review] = await Promise.all([
        knex('recommendations').where({ id: assignment.recommendation_id }).first('ref', 'title'),
        knex('organisations').where({ id: assignment.organisation_id }).first('name', 'slug'),
        knex('evidence_files')
          .where({ progress_update_id: update.id })
          .orderBy('id')
          .select('id', 'original_name', 'content_type', 'size_bytes', 'sha256'),
        reviewOf(knex, update.id),
      ]);
      return {
        update: {
          id: update.id,
          author: update.author_label,
          selfAssessment: update.self_assessment,
          narrative: update.narrative,
          createdAt: new Date(update.created_at),
        },
        assignment: { id: assignment.id, status: assignment.status },
        recommendation: { ref: recommendation.ref as string, title: recommendation.title },
        organisation: { name: organisation.name as string, slug: organisation.slug as string },
        files: files.map((f) => ({
          id: f.id as number,
          name: f.original_name as string,
          contentType: f.content_type as string,
          sizeBytes: Number(f.size_bytes),
          sha256: f.sha256 as string,
        })),
        review,
        mayDecide: can(actor, 'oversight.decide'),
      };
    },

    /**
     * Accepts an update, or returns it with feedback (required). Returning an update marked
     * complete takes an assignment awaiting verification back to in progress. One review per
     * update: a second is refused (409) and changes nothing.
     */
    async review(
      actor: CurrentUser,
      updateId: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<Review & { status: AssignmentStatus }> {
      // The update as read with its assignment locked: the one the review is decided on.
      let update: UpdateRow;
      return writeAssignment(knex, {
        actor,
        permission: 'oversight.decide',
        context,
        through: {
          assignmentOf: async (db) => (update = await updateRow(db, updateId)).assignment_id,
          notFound: NO_SUCH_UPDATE,
        },
        input: () => {
          const valid = checkReview(input);
          const feedback = clean(valid.feedback);
          if (valid.decision === 'returned' && !feedback)
            throw new ValidationError([
              { field: 'feedback', message: OVERSIGHT_MESSAGES.feedbackNeeded },
            ]);
          return { decision: valid.decision, feedback };
        },
        change: async (trx, assignment, { decision, feedback }) => {
          if (await reviewOf(trx, update.id))
            throw new ConflictError(OVERSIGHT_MESSAGES.alreadyReviewed);
          const now = clock.now();
          const label = statusActor(actor).label;
          let status = assignment.status;
          if (decision === 'returned') {
            const next = await applyTransition(
              trx,
              assignment,
              { kind: 'return_update', claimedComplete: update.self_assessment === 'complete' },
              { actor: statusActor(actor), at: now, note: feedback },
            );
            status = next.status;
          }
          await trx('progress_update_reviews').insert({
            progress_update_id: update.id,
            decision,
            feedback,
            reviewer_id: actor.id,
            reviewer_label: label,
            created_at: now,
          });
          return {
            action:
              decision === 'accepted' ? 'progress_update.accepted' : 'progress_update.returned',
            subject: { type: 'progress_update', id: update.id },
            before: { status: assignment.status, review: null },
            after: { assignmentId: assignment.id, status, decision, feedback },
            result: { decision, feedback, reviewer: label, reviewedAt: now, status },
          };
        },
      });
    },

    /** Verifies implementation: only with the latest update marked complete accepted. */
    async verify(
      actor: CurrentUser,
      assignmentId: number,
      input: unknown,
      context?: RequestContext,
    ) {
      const checked = () => {
        const valid = checkVerification(input ?? {});
        const checkOn = valid.checkOn ? valid.checkOn : null;
        if (checkOn && compareDates(checkOn, clock.today()) <= 0)
          throw new ValidationError([
            {
              field: 'checkOn',
              message: 'The date of the sustainment check must be in the future',
            },
          ]);
        return { note: clean(valid.note), checkOn };
      };
      return transition(
        actor,
        assignmentId,
        checked,
        async (trx, a, { note, checkOn }) => {
          // Refused with the transition (and rolled back with it) if verifying is not allowed.
          if (checkOn)
            await trx('sustainment_checks').insert({
              assignment_id: a.id,
              due_on: checkOn,
              set_by: actor.id,
              set_at: clock.now(),
            });
          // The newest claim of completion is the one to verify: after a reopening, an older
          // accepted claim does not count for the new one.
          const latest = await trx('progress_updates as u')
            .leftJoin('progress_update_reviews as v', 'v.progress_update_id', 'u.id')
            .where({ 'u.assignment_id': a.id, 'u.self_assessment': 'complete' })
            .orderBy([
              { column: 'u.created_at', order: 'desc' },
              { column: 'u.id', order: 'desc' },
            ])
            .first('u.id', 'v.decision');
          return {
            event: { kind: 'verify', hasAcceptedComplete: latest?.decision === 'accepted' },
            note,
            audit: 'assignment.verified',
            extra: {
              ...(latest ? { progressUpdateId: latest.id } : {}),
              ...(checkOn ? { sustainmentCheckOn: checkOn } : {}),
            },
          };
        },
        context,
      );
    },

    /** Closes an open assignment with one of the closure reasons and an explanation. */
    async close(
      actor: CurrentUser,
      assignmentId: number,
      input: unknown,
      context?: RequestContext,
    ) {
      return transition(
        actor,
        assignmentId,
        () => checkClosure(input),
        async (_trx, _a, valid) => ({
          event: { kind: 'close', reason: valid.reason },
          note: clean(valid.note),
          audit: 'assignment.closed',
        }),
        context,
      );
    },

    /** Reopens an implemented assignment (the improvement did not stick), with an explanation. */
    async reopen(
      actor: CurrentUser,
      assignmentId: number,
      input: unknown,
      context?: RequestContext,
    ) {
      return transition(
        actor,
        assignmentId,
        () => checkReopening(input),
        async (_trx, _a, valid) => ({
          event: { kind: 'reopen' },
          note: clean(valid.note),
          audit: 'assignment.reopened',
        }),
        context,
      );
    },

    /** Records a delivery confidence rating; every rating is kept and the newest is current. */
    async rate(
      actor: CurrentUser,
      assignmentId: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<ConfidenceRating> {
      return writeAssignment(knex, {
        actor,
        assignmentId,
        permission: 'oversight.decide',
        context,
        input: () => checkedRating(input, clock.today()),
        change: async (trx, a, { rating, commentary, ratedOn }) => {
          const now = clock.now();
          const label = statusActor(actor).label;
          const previous = await trx('delivery_confidence_ratings')
            .where({ assignment_id: a.id })
            .orderBy([
              { column: 'created_at', order: 'desc' },
              { column: 'id', order: 'desc' },
            ])
            .first('rating', 'rated_on');
          const [row] = await trx('delivery_confidence_ratings')
            .insert({
              assignment_id: a.id,
              rating,
              commentary,
              rated_on: ratedOn,
              rated_by: actor.id,
              rater_label: label,
              created_at: now,
            })
            .returning(['id']);
          const id = Number(typeof row === 'object' ? row.id : row);
          return {
            action: 'assignment.confidence_rated',
            before: previous ? { rating: previous.rating, ratedOn: previous.rated_on } : null,
            after: { ratingId: id, rating, ratedOn, commentary },
            result: { id, rating, commentary, ratedOn, rater: label, createdAt: now },
          };
        },
      });
    },

    /** The ratings of an assignment, newest (current) first, for whoever may read it privately. */
    async confidence(actor: CurrentUser, assignmentId: number) {
      const a = await authorisedAssignment(knex, actor, assignmentId, 'assignment.read_private');
      return { assignmentId: a.id, ratings: await ratings(knex, a.id) };
    },

    /** Every status change of an assignment, newest first, for whoever may read it privately. */
    async statusHistory(actor: CurrentUser, assignmentId: number) {
      const a = await authorisedAssignment(knex, actor, assignmentId, 'assignment.read_private');
      return {
        assignmentId: a.id,
        status: a.status,
        closureReason: a.closure_reason,
        changes: await statusChanges(knex, a.id),
      };
    },

    /** What the assignment page shows of oversight: history, ratings and what the actor may do. */
    async assignmentPanel(actor: CurrentUser, assignmentId: number) {
      const a = await authorisedAssignment(knex, actor, assignmentId, 'assignment.read_private');
      const [changes, rated] = await Promise.all([statusChanges(knex, a.id), ratings(knex, a.id)]);
      return {
        assignmentId: a.id,
        status: a.status,
        closureReason: a.closure_reason,
        changes,
        ratings: rated,
        today: clock.today(),
        mayDecide: can(actor, 'oversight.decide', { organisationId: a.organisation_id }),
      };
    },
  };
}
