/**
 * The board pack's reads. Each list is ONE set-based statement over the whole period, however many
 * assignments it covers. The period is a pair of instants [start, end) worked out by the service
 * from London calendar dates; nothing here reads the database's own clock.
 *
 * Only live assignments count (neither the assignment nor its recommendation withdrawn), as on the
 * dashboards, so the pack and the dashboards agree.
 */
import type { Knex } from 'knex';
import type { CalendarDate } from '../../shared/calendar-date';
import type { AssignmentStatus, ClosureReason, ResponseStance } from '../../db/tables';

export type Rag = 'red' | 'amber' | 'green';

/** The columns every list shows about the assignment a row belongs to. */
const ASSIGNMENT_COLUMNS = `a.id as assignment_id, r.ref, r.title, o.name as organisation_name`;
const LIVE_JOINS = `join recommendations r on r.id = a.recommendation_id
       join organisations o on o.id = a.organisation_id`;
const LIVE = `a.withdrawn_at is null and r.withdrawn_at is null`;

interface AssignmentColumns {
  assignment_id: number;
  ref: string;
  title: string | null;
  organisation_name: string;
}

export interface StatusChangeRow extends AssignmentColumns {
  change_id: number;
  from_status: AssignmentStatus | null;
  to_status: AssignmentStatus;
  closure_reason: ClosureReason | null;
  changed_at: Date | string;
}

export interface ResponseRow extends AssignmentColumns {
  response_id: number;
  version: number;
  stance: ResponseStance;
  responded_on: CalendarDate;
}

export interface ReviewRow extends AssignmentColumns {
  review_id: number;
  update_id: number;
  decision: 'accepted' | 'returned';
  reviewer_label: string;
  created_at: Date | string;
}

export interface ExtensionRow extends AssignmentColumns {
  request_id: number;
  state: 'pending' | 'granted' | 'refused';
  due_on_when_requested: CalendarDate;
  requested_due_on: CalendarDate;
  requested_at: Date | string;
  decided_on: CalendarDate | null;
}

export interface RagChangeRow extends AssignmentColumns {
  rating_id: number;
  rating: Rag;
  previous_rating: Rag | null;
  rated_on: CalendarDate;
}

export interface AwaitingVerificationRow extends AssignmentColumns {
  since: Date | string | null;
}

export interface NotAcceptedRow extends AssignmentColumns {
  responded_on: CalendarDate;
}

// pg returns dates as text (the app sets a type parser); PGlite may return Date objects.
const asDate = (v: unknown): CalendarDate =>
  v instanceof Date ? v.toISOString().slice(0, 10) : String(v);

export type BoardPackRepository = ReturnType<typeof createBoardPackRepository>;

export function createBoardPackRepository(knex: Knex) {
  const rows = async <T>(sql: string, bindings: (string | Date | number)[]): Promise<T[]> =>
    (await knex.raw(sql, bindings)).rows as T[];

  return {
    statusChanges: (start: Date, end: Date) =>
      rows<StatusChangeRow>(
        `select c.id as change_id, c.from_status, c.to_status, c.closure_reason, c.changed_at,
                ${ASSIGNMENT_COLUMNS}
           from assignment_status_changes c
           join assignments a on a.id = c.assignment_id
           ${LIVE_JOINS}
          where c.changed_at >= ? and c.changed_at < ? and ${LIVE}
          order by c.changed_at, c.id`,
        [start, end],
      ),

    /** Every response version recorded as made on a day in the period (revisions included). */
    async responses(from: CalendarDate, to: CalendarDate) {
      const list = await rows<ResponseRow>(
        `select x.id as response_id, x.version, x.stance, x.responded_on, ${ASSIGNMENT_COLUMNS}
           from assignment_responses x
           join assignments a on a.id = x.assignment_id
           ${LIVE_JOINS}
          where x.responded_on >= ? and x.responded_on <= ? and ${LIVE}
          order by x.responded_on, x.id`,
        [from, to],
      );
      return list.map((x) => ({ ...x, responded_on: asDate(x.responded_on) }));
    },

    reviews: (start: Date, end: Date) =>
      rows<ReviewRow>(
        `select v.id as review_id, u.id as update_id, v.decision, v.reviewer_label, v.created_at,
                ${ASSIGNMENT_COLUMNS}
           from progress_update_reviews v
           join progress_updates u on u.id = v.progress_update_id
           join assignments a on a.id = u.assignment_id
           ${LIVE_JOINS}
          where v.created_at >= ? and v.created_at < ? and ${LIVE}
          order by v.created_at, v.id`,
        [start, end],
      ),

    /** Extension requests decided in the period (start, end) or, with null, still pending. */
    async extensions(period: { start: Date; end: Date } | null) {
      const where = period
        ? `e.state <> 'pending' and e.decided_at >= ? and e.decided_at < ?`
        : `e.state = 'pending'`;
      const list = await rows<ExtensionRow>(
        `select e.id as request_id, e.state, e.due_on_when_requested, e.requested_due_on,
                e.requested_at, e.decided_on, ${ASSIGNMENT_COLUMNS}
           from extension_requests e
           join assignments a on a.id = e.assignment_id
           ${LIVE_JOINS}
          where ${where} and ${LIVE}
          order by ${period ? 'e.decided_at' : 'e.requested_at'}, e.id`,
        period ? [period.start, period.end] : [],
      );
      return list.map((e) => ({
        ...e,
        due_on_when_requested: asDate(e.due_on_when_requested),
        requested_due_on: asDate(e.requested_due_on),
        decided_on: e.decided_on === null ? null : asDate(e.decided_on),
      }));
    },

    /**
     * Each rating given in the period with the rating before it for the same assignment (which may
     * be older than the period). The window runs only over assignments rated in the period.
     */
    async ragChanges(start: Date, end: Date) {
      const list = await rows<RagChangeRow>(
        `select x.id as rating_id, x.rating, x.previous_rating, x.rated_on, ${ASSIGNMENT_COLUMNS}
           from (select d.id, d.assignment_id, d.rating, d.rated_on, d.created_at,
                        lag(d.rating) over (partition by d.assignment_id
                                            order by d.created_at, d.id) as previous_rating
                   from delivery_confidence_ratings d
                  where d.assignment_id in (select p.assignment_id
                                              from delivery_confidence_ratings p
                                             where p.created_at >= ? and p.created_at < ?)
                ) x
           join assignments a on a.id = x.assignment_id
           ${LIVE_JOINS}
          where x.created_at >= ? and x.created_at < ? and ${LIVE}
          order by x.created_at, x.id`,
        [start, end, start, end],
      );
      return list.map((x) => ({ ...x, rated_on: asDate(x.rated_on) }));
    },

    /** Assignments awaiting verification now, with when they last moved into that status. */
    awaitingVerification: () =>
      rows<AwaitingVerificationRow>(
        `select ${ASSIGNMENT_COLUMNS}, s.since
           from assignments a
           ${LIVE_JOINS}
           left join (select c.assignment_id, max(c.changed_at) as since
                        from assignment_status_changes c
                       where c.to_status = 'awaiting_verification'
                       group by c.assignment_id) s on s.assignment_id = a.id
          where a.status = 'awaiting_verification' and ${LIVE}
          order by s.since nulls first, r.ref, o.name`,
        [],
      ),

    /** Open assignments whose latest response did not accept the recommendation. */
    async notAccepted() {
      const list = await rows<NotAcceptedRow>(
        `select ${ASSIGNMENT_COLUMNS}, a.responded_on
           from assignments a
           ${LIVE_JOINS}
          where a.status = 'awaiting_response' and a.response_stance = 'not_accepted' and ${LIVE}
          order by a.responded_on, r.ref, o.name`,
        [],
      );
      return list.map((x) => ({ ...x, responded_on: asDate(x.responded_on) }));
    },
  };
}
