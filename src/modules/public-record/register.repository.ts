/**
 * Reads of the register (reports, recommendations, organisations, themes, assignments). Each method
 * is one set-based query; lists fetch their children for a whole page at once, never per row.
 * A withdrawn assignment is not live: counts, overdue lists, filters and organisation pages leave
 * it out; only a recommendation's own page lists it, under "Withdrawn".
 */
import type { Knex } from 'knex';
import type { CalendarDate } from '../../shared/calendar-date';
import type { GrantedExtension } from '../assignments/deadlines';
import { recordAudit, type AuditEvent } from '../operations/audit.repository';
import { databaseEvidenceStore, type EvidenceStore } from '../assignments/evidence.store';
import type {
  AssignmentRow,
  AssignmentStatus,
  ClosureReason,
  OrganisationRow,
  RecommendationRow,
  ReportRow,
} from '../../db/tables';

export interface RecommendationFilters {
  /** Words to find in a recommendation's reference, title or text (case-insensitive). */
  q?: string;
  report?: string;
  organisation?: string;
  theme?: string;
  status?: AssignmentStatus;
}

/** An assignment with what is needed to show it anywhere: its organisation, recommendation, report and clock inputs. */
export interface AssignmentDetailRow extends AssignmentRow {
  granted_extensions: GrantedExtension[] | string;
  /** The latest sustainment check (JSON from the database), or null. */
  sustainment_check:
    | {
        due_on: CalendarDate;
        outcome: 'sustained' | 'reopened' | null;
        decided_on: CalendarDate | null;
      }
    | string
    | null;
  /** Judicial review pauses recorded by the day of the record (JSON from the database). */
  pauses: { from: CalendarDate; to: CalendarDate | null }[] | string;
  /** Every response version dated by the day of the record, oldest first (JSON from the database). */
  response_versions: PublicResponseVersion[] | string;
  organisation_slug: string;
  organisation_name: string;
  organisation_kind: OrganisationRow['kind'];
  recommendation_ref: string;
  recommendation_title: string | null;
  recommendation_text_status: RecommendationRow['text_status'];
  recommendation_made_on: CalendarDate | null;
  recommendation_made_on_confirmed: boolean;
  recommendation_implement_by: CalendarDate | null;
  report_slug: string;
  report_title: string;
  report_legal_basis: ReportRow['legal_basis'];
  report_published_on: CalendarDate | null;
  report_dated_on: CalendarDate | null;
  report_publish_responses: boolean;
  /** The latest public status note by the day of the record (its words null once withdrawn). */
  status_note: StatusNoteJson | string | null;
  last_reviewed_at: Date | string | null;
}

export interface StatusNoteJson {
  note: string | null;
  publishedAt: string;
  withdrawnAt: string | null;
  withdrawnReason: string | null;
}

/** A response version as public pages may show it: never the user who recorded it. */
export interface PublicResponseVersion {
  version: number;
  stance: AssignmentRow['response_stance'] & string;
  text: string | null;
  responded_on: CalendarDate;
  responded_on_confirmed: boolean;
  source_url: string | null;
  recorded_by_label: string | null;
}

/** Where a recommendation sits in the register's order (report newest first, then position, ref). */
export interface RecommendationSortKey {
  publishedOn: CalendarDate | null;
  reportId: number;
  position: number;
  ref: string;
}

export interface RecommendationListRow extends RecommendationRow {
  report_slug: string;
  report_title: string;
  repeats_ref: string | null;
}

export interface StatusCountRow {
  report_id: number | null;
  status: AssignmentStatus;
  count: number;
}

/** The register's reads (as they stand now, or as of a past day). */
export type RegisterReads = ReturnType<typeof buildRegisterReads>;
/** The reads as they stand now, and the same reads as of any past day. */
export type RegisterRepository = RegisterReads & { at(when: AsOf): RegisterReads };

/**
 * The public record as it stood at the end of a day: `day` (Europe/London) and `end`, the first
 * instant of the next London day. Everything at or after `end` is left out.
 */
export interface AsOf {
  day: CalendarDate;
  end: Date;
}

/**
 * The columns of `assignments` as they stood at the end of a past day, rebuilt from the history:
 * the status (and closure reason) from assignment_status_changes, the due date as moved only by
 * extensions granted by then, a response only once received (its stance, text and source from the
 * version current that day), a withdrawal only once made. Only
 * assignments whose recommendation had been made by then. Bindings: see assignmentsAtBindings.
 */
const ASSIGNMENTS_AT = `select x.id, x.recommendation_id, x.organisation_id, x.addressee_confirmed,
  coalesce((select c.to_status from assignment_status_changes c where c.assignment_id = x.id and c.changed_at < ? order by c.changed_at desc, c.id desc limit 1), 'awaiting_response') as status,
  (select c.closure_reason from assignment_status_changes c where c.assignment_id = x.id and c.changed_at < ? order by c.changed_at desc, c.id desc limit 1) as closure_reason,
  coalesce(
    (select e.requested_due_on from extension_requests e where e.assignment_id = x.id and e.state = 'granted' and e.decided_on <= ? order by e.decided_at desc, e.id desc limit 1),
    (select e.due_on_when_requested from extension_requests e where e.assignment_id = x.id and e.state = 'granted' and e.decided_on > ? order by e.decided_at, e.id limit 1),
    x.response_due_on) as response_due_on,
  (select v.stance from assignment_responses v where v.assignment_id = x.id and v.responded_on <= ? order by v.version desc limit 1) as response_stance,
  (select v.text from assignment_responses v where v.assignment_id = x.id and v.responded_on <= ? order by v.version desc limit 1) as response_text,
  case when x.responded_on <= ? then x.responded_on end as responded_on,
  x.response_date_confirmed,
  (select v.source_url from assignment_responses v where v.assignment_id = x.id and v.responded_on <= ? order by v.version desc limit 1) as response_source_url,
  (select cd.committed_on from assignment_committed_dates cd where cd.assignment_id = x.id and cd.set_at < ? order by cd.set_at desc, cd.id desc limit 1) as committed_on,
  (select nullif(co.mode, 'rules') from assignment_clock_overrides co where co.assignment_id = x.id and co.set_at < ? order by co.set_at desc, co.id desc limit 1) as clock_override,
  (select co.due_on from assignment_clock_overrides co where co.assignment_id = x.id and co.set_at < ? order by co.set_at desc, co.id desc limit 1) as clock_override_due_on,
  case when x.withdrawn_at < ? then x.withdrawn_at end as withdrawn_at,
  case when x.withdrawn_at < ? then x.withdrawn_reason end as withdrawn_reason,
  case when x.withdrawn_at < ? then x.withdrawn_by end as withdrawn_by,
  x.created_at, x.updated_at
  from assignments x
  join recommendations xr on xr.id = x.recommendation_id
  join reports xp on xp.id = xr.report_id
 where coalesce(xr.made_on, xp.published_on, xp.dated_on) <= ?`;
const assignmentsAtBindings = (at: AsOf) => [
  at.end,
  at.end,
  at.day,
  at.day,
  at.day,
  at.day,
  at.day,
  at.day,
  at.end,
  at.end,
  at.end,
  at.end,
  at.end,
  at.end,
  at.day,
];

/** Recommendations made by the end of a past day, with a withdrawal only once made. */
const RECOMMENDATIONS_AT = `select y.id, y.report_id, y.ref, y.source_number, y.title, y.body, y.text_status,
  y.made_on, y.made_on_confirmed, y.source_url, y.repeats_recommendation_id, y.position,
  (select t.implement_by from recommendation_target_dates t where t.recommendation_id = y.id and t.set_at < ? order by t.set_at desc, t.id desc limit 1) as implement_by,
  (select t.wording from recommendation_target_dates t where t.recommendation_id = y.id and t.set_at < ? order by t.set_at desc, t.id desc limit 1) as implement_by_wording,
  case when y.withdrawn_at < ? then y.withdrawn_at end as withdrawn_at,
  case when y.withdrawn_at < ? then y.withdrawn_reason end as withdrawn_reason,
  case when y.withdrawn_at < ? then y.withdrawn_by end as withdrawn_by,
  y.created_at, y.updated_at
  from recommendations y
  join reports yp on yp.id = y.report_id
 where coalesce(y.made_on, yp.published_on, yp.dated_on) <= ?`;
const recommendationsAtBindings = (at: AsOf) => [at.end, at.end, at.end, at.end, at.end, at.day];

/**
 * Every act of the oversight office on an assignment before `end`, as (assignment_id, at): its
 * decisions on the status (verify, close, reopen, sending a claim back), its reviews of progress
 * updates, its delivery-confidence ratings, its decisions on extensions and what it published or
 * withdrew. Only the instant leaves the database here, never the words of a private act: the
 * public pages say when the office last looked, not what it privately wrote (ADR 0013).
 */
export function reviewActsSql(end: Date): { sql: string; bindings: Date[] } {
  const parts = [
    `select c.assignment_id, c.changed_at as at from assignment_status_changes c
      where c.event in ('verify', 'close', 'reopen', 'return_update') and c.changed_at < ?`,
    `select u.assignment_id, v.created_at from progress_update_reviews v
       join progress_updates u on u.id = v.progress_update_id where v.created_at < ?`,
    `select d.assignment_id, d.created_at from delivery_confidence_ratings d where d.created_at < ?`,
    `select e.assignment_id, e.decided_at from extension_requests e
      where e.decided_at is not null and e.decided_at < ?`,
    `select u.assignment_id, p.published_at from update_publications p
       join progress_updates u on u.id = p.progress_update_id where p.published_at < ?`,
    `select u.assignment_id, p.withdrawn_at from update_publications p
       join progress_updates u on u.id = p.progress_update_id where p.withdrawn_at < ?`,
    `select u.assignment_id, p.published_at from evidence_publications p
       join evidence_files f on f.id = p.evidence_file_id
       join progress_updates u on u.id = f.progress_update_id where p.published_at < ?`,
    `select n.assignment_id, n.published_at from status_notes n where n.published_at < ?`,
    `select n.assignment_id, n.withdrawn_at from status_notes n where n.withdrawn_at < ?`,
  ];
  return { sql: parts.join('\n union all\n'), bindings: parts.map(() => end) };
}

/** What the overview's headline counts, per report (report_id null: all reports together). */
export interface HeadlineRow {
  report_id: number | null;
  recommendations: number;
  implemented_recommendations: number;
  pending_texts: number;
  assignments: number;
  implemented_assignments: number;
  overdue: number;
  oldest_due_on: CalendarDate | null;
  late: number;
  returned: number;
  last_reviewed_at: Date | string | null;
}

/** One organisation's line in the overview's table. */
export interface OrganisationOverviewRow {
  slug: string;
  name: string;
  assignments: number;
  responded: number;
  overdue: number;
  implemented: number;
  open: number;
  last_reviewed_at: Date | string | null;
}

/** An assignment the oversight office sent back: a claim not accepted, or a reopening. */
export interface ReturnedRow extends AssignmentDetailRow {
  returned_at: Date | string;
  returned_event: 'return_update' | 'reopen';
}

/** Keeps search input to plain words for ILIKE: its wildcards and escape character are matched literally. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

export function createRegisterRepository(
  knex: Knex,
  evidenceStore: EvidenceStore = databaseEvidenceStore,
): RegisterRepository {
  return {
    ...buildRegisterReads(knex, null, evidenceStore),
    at: (when) => buildRegisterReads(knex, when, evidenceStore),
  };
}

function buildRegisterReads(knex: Knex, asOf: AsOf | null, evidenceStore: EvidenceStore) {
  const endOf = () => (asOf ? asOf.end : FAR_FUTURE);
  /** `assignments` (or, as of a past day, its reconstruction) under the alias given. */
  const assignmentsAs = (alias: string): string | Knex.Raw =>
    asOf
      ? knex.raw(`(${ASSIGNMENTS_AT}) as ??`, [...assignmentsAtBindings(asOf), alias])
      : `assignments as ${alias}`;
  const recommendationsAs = (alias: string): string | Knex.Raw =>
    asOf
      ? knex.raw(`(${RECOMMENDATIONS_AT}) as ??`, [...recommendationsAtBindings(asOf), alias])
      : `recommendations as ${alias}`;

  const assignmentDetail = (db: Knex | Knex.Transaction = knex) =>
    db
      .from(assignmentsAs('a'))
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .join(recommendationsAs('r'), 'r.id', 'a.recommendation_id')
      .join('reports as rp', 'rp.id', 'r.report_id')
      .select<AssignmentDetailRow[]>(
        'a.*',
        'o.slug as organisation_slug',
        'o.name as organisation_name',
        'o.kind as organisation_kind',
        'r.ref as recommendation_ref',
        'r.title as recommendation_title',
        'r.text_status as recommendation_text_status',
        'r.made_on as recommendation_made_on',
        'r.made_on_confirmed as recommendation_made_on_confirmed',
        'r.implement_by as recommendation_implement_by',
        'rp.slug as report_slug',
        'rp.title as report_title',
        'rp.legal_basis as report_legal_basis',
        'rp.published_on as report_published_on',
        'rp.dated_on as report_dated_on',
        'rp.publish_responses as report_publish_responses',
        // The latest public status note by then: its words only while it was not withdrawn.
        db.raw(
          `(select json_build_object('note', case when n.withdrawn_at is null or n.withdrawn_at >= ? then n.note end, 'publishedAt', n.published_at, 'withdrawnAt', case when n.withdrawn_at < ? then n.withdrawn_at end, 'withdrawnReason', case when n.withdrawn_at < ? then n.withdrawn_reason end) from status_notes n where n.assignment_id = a.id and n.published_at < ? order by n.published_at desc, n.id desc limit 1) as status_note`,
          [endOf(), endOf(), endOf(), endOf()],
        ),
        db.raw(
          `(select max(acts.at) from (${reviewActsSql(endOf()).sql}) acts where acts.assignment_id = a.id) as last_reviewed_at`,
          reviewActsSql(endOf()).bindings,
        ),
        // Granted extensions move the due date (and so lateness) on every page, public ones too.
        db.raw(
          `(select coalesce(json_agg(json_build_object('newDueOn', e.requested_due_on, 'grantedOn', e.decided_on) order by e.decided_at, e.id), '[]'::json) from extension_requests e where e.assignment_id = a.id and e.state = 'granted' and e.decided_on <= ?) as granted_extensions`,
          [asOf ? asOf.day : '9999-12-31'],
        ),
        // The latest sustainment check set by then, with its outcome only once decided by then.
        db.raw(
          `(select json_build_object('due_on', s.due_on, 'outcome', case when s.decided_at < ? then s.outcome end, 'decided_on', case when s.decided_at < ? then s.decided_on end) from sustainment_checks s where s.assignment_id = a.id and s.set_at < ? order by s.set_at desc, s.id desc limit 1) as sustainment_check`,
          [0, 1, 2].map(() => (asOf ? asOf.end : new Date('9999-12-31T00:00:00Z'))),
        ),
        // Judicial review pauses as recorded by then (an end given later is not yet known).
        db.raw(
          `(select coalesce(json_agg(json_build_object('from', p.from_on, 'to', case when p.to_on is not null and coalesce(p.ended_at, p.recorded_at) < ? then p.to_on end) order by p.from_on, p.id), '[]'::json) from assignment_pauses p where p.assignment_id = a.id and p.recorded_at < ?) as pauses`,
          [
            asOf ? asOf.end : new Date('9999-12-31T00:00:00Z'),
            asOf ? asOf.end : new Date('9999-12-31T00:00:00Z'),
          ],
        ),
        db.raw(
          `(select coalesce(json_agg(json_build_object('version', v.version, 'stance', v.stance, 'text', v.text, 'responded_on', v.responded_on, 'responded_on_confirmed', v.responded_on_confirmed, 'source_url', v.source_url, 'recorded_by_label', v.recorded_by_label) order by v.version), '[]'::json) from assignment_responses v where v.assignment_id = a.id and v.responded_on <= ?) as response_versions`,
          [asOf ? asOf.day : '9999-12-31'],
        ),
      );

  const recommendationBase = () =>
    knex
      .from(recommendationsAs('r'))
      .join('reports as rp', 'rp.id', 'r.report_id')
      .leftJoin('recommendations as rr', 'rr.id', 'r.repeats_recommendation_id');

  function applyFilters(
    query: Knex.QueryBuilder,
    filters: RecommendationFilters,
  ): Knex.QueryBuilder {
    if (filters.report) query.where('rp.slug', filters.report);
    if (filters.q) {
      const pattern = likePattern(filters.q);
      query.where((q) =>
        q
          .whereRaw(`r.ref ilike ? escape '\\'`, [pattern])
          .orWhereRaw(`r.title ilike ? escape '\\'`, [pattern])
          .orWhereRaw(`r.body ilike ? escape '\\'`, [pattern]),
      );
    }
    if (filters.theme) {
      query.whereExists(
        knex('recommendation_themes as rt')
          .join('themes as t', 't.id', 'rt.theme_id')
          .whereRaw('rt.recommendation_id = r.id')
          .where('t.slug', filters.theme),
      );
    }
    if (filters.organisation || filters.status) {
      const sub = knex
        .from(assignmentsAs('fa'))
        .join('organisations as fo', 'fo.id', 'fa.organisation_id')
        .whereRaw('fa.recommendation_id = r.id')
        .whereNull('fa.withdrawn_at');
      if (filters.organisation) sub.where('fo.slug', filters.organisation);
      if (filters.status) sub.where('fa.status', filters.status);
      query.whereExists(sub);
    }
    return query;
  }

  return {
    async listReports(): Promise<(ReportRow & { recommendation_count: number })[]> {
      const query = knex('reports as rp').select(
        'rp.*',
        asOf
          ? knex.raw(
              `(select count(*) from (${RECOMMENDATIONS_AT}) r where r.report_id = rp.id)::int as recommendation_count`,
              recommendationsAtBindings(asOf),
            )
          : knex.raw(
              '(select count(*) from recommendations r where r.report_id = rp.id)::int as recommendation_count',
            ),
      );
      // As of a past day: the reports published by then, or with a recommendation made by then.
      if (asOf)
        query.whereRaw(
          `(coalesce(rp.published_on, rp.dated_on) <= ? or exists (select 1 from (${RECOMMENDATIONS_AT}) r where r.report_id = rp.id))`,
          [asOf.day, ...recommendationsAtBindings(asOf)],
        );
      return query.orderBy([
        { column: 'rp.published_on', order: 'desc', nulls: 'last' },
        { column: 'rp.id' },
      ]);
    },

    async findReport(
      slug: string,
    ): Promise<(ReportRow & { recommendation_count: number }) | undefined> {
      return knex('reports as rp')
        .select(
          'rp.*',
          knex.raw(
            '(select count(*) from recommendations r where r.report_id = rp.id)::int as recommendation_count',
          ),
        )
        .where('rp.slug', slug)
        .first();
    },

    /** Assignment counts by status, per report (report_id null = all reports together). */
    async statusCounts(reportId?: number): Promise<StatusCountRow[]> {
      const query = knex
        .from(assignmentsAs('a'))
        .join('recommendations as r', 'r.id', 'a.recommendation_id')
        .whereNull('a.withdrawn_at')
        .select('a.status', knex.raw('count(*)::int as count'));
      if (reportId === undefined) {
        query
          .select('r.report_id')
          .groupByRaw('grouping sets ((r.report_id, a.status), (a.status))');
      } else {
        query
          .select(knex.raw('r.report_id'))
          .where('r.report_id', reportId)
          .groupBy('r.report_id', 'a.status');
      }
      return query;
    },

    /** Responses past their due date with none recorded. `today` comes from the app clock, never the database's. */
    async overdueResponses(
      today: CalendarDate,
      limit: number,
      filter: { organisationId?: number } = {},
    ): Promise<AssignmentDetailRow[]> {
      const query = assignmentDetail()
        .whereNull('a.withdrawn_at')
        .whereNull('a.responded_on')
        .whereNot('a.status', 'closed')
        .where('a.response_due_on', '<', today)
        .orderBy([{ column: 'a.response_due_on' }, { column: 'r.ref' }, { column: 'o.name' }])
        .limit(limit);
      if (filter.organisationId !== undefined)
        query.where('a.organisation_id', filter.organisationId);
      return query;
    },

    async countOverdueResponses(today: CalendarDate): Promise<number> {
      const row = await knex
        .from(assignmentsAs('a'))
        .whereNull('a.withdrawn_at')
        .whereNull('a.responded_on')
        .whereNot('a.status', 'closed')
        .where('a.response_due_on', '<', today)
        .count<{ count: number }[]>('* as count')
        .first();
      return Number(row?.count ?? 0);
    },

    /**
     * A page of recommendations in the register's order. `after` (the API's cursor) pages by keyset:
     * the rows after that sort key, so rows added earlier in the order do not shift later pages.
     */
    async listRecommendations(
      filters: RecommendationFilters,
      page: { limit: number; offset: number; after?: RecommendationSortKey | null },
    ): Promise<{
      rows: (RecommendationListRow & { sort_published_on: string | null })[];
      total: number;
    }> {
      const query = applyFilters(recommendationBase(), filters);
      const after = page.after;
      if (after) {
        const rest = [after.reportId, after.position, after.ref];
        if (after.publishedOn === null)
          query
            .whereNull('rp.published_on')
            .whereRaw('(rp.id, r.position, r.ref) > (?, ?, ?)', rest);
        else
          query.where((q) =>
            q
              .where('rp.published_on', '<', after.publishedOn)
              .orWhereNull('rp.published_on')
              .orWhere((qq) =>
                qq
                  .where('rp.published_on', after.publishedOn)
                  .whereRaw('(rp.id, r.position, r.ref) > (?, ?, ?)', rest),
              ),
          );
      }
      const rows = await query
        .select<(RecommendationListRow & { total: number; sort_published_on: string | null })[]>(
          'r.*',
          'rp.slug as report_slug',
          'rp.title as report_title',
          'rr.ref as repeats_ref',
          'rp.published_on as sort_published_on',
          knex.raw('count(*) over ()::int as total'),
        )
        .orderBy([
          { column: 'rp.published_on', order: 'desc', nulls: 'last' },
          { column: 'rp.id' },
          { column: 'r.position' },
          { column: 'r.ref' },
        ])
        .limit(page.limit)
        .offset(page.offset);
      let total = rows[0]?.total ?? 0;
      if (after || (rows.length === 0 && page.offset > 0)) {
        const counted = await applyFilters(recommendationBase(), filters)
          .count<{ count: number }[]>('* as count')
          .first();
        total = Number(counted?.count ?? 0);
      }
      return { rows: rows.map(({ total: _total, ...row }) => row), total };
    },

    async findRecommendation(ref: string): Promise<RecommendationListRow | undefined> {
      return recommendationBase()
        .select<RecommendationListRow[]>(
          'r.*',
          'rp.slug as report_slug',
          'rp.title as report_title',
          'rr.ref as repeats_ref',
        )
        .where('r.ref', ref)
        .first();
    },

    async recommendationsForReport(reportId: number): Promise<RecommendationListRow[]> {
      return recommendationBase()
        .select<RecommendationListRow[]>(
          'r.*',
          'rp.slug as report_slug',
          'rp.title as report_title',
          'rr.ref as repeats_ref',
        )
        .where('r.report_id', reportId)
        .orderBy([{ column: 'r.position' }, { column: 'r.ref' }]);
    },

    async assignmentsForRecommendations(
      recommendationIds: number[],
    ): Promise<AssignmentDetailRow[]> {
      if (recommendationIds.length === 0) return [];
      return assignmentDetail()
        .whereIn('a.recommendation_id', recommendationIds)
        .orderBy([{ column: 'r.position' }, { column: 'o.name' }]);
    },

    async assignmentsForOrganisation(organisationId: number): Promise<AssignmentDetailRow[]> {
      return assignmentDetail()
        .where('a.organisation_id', organisationId)
        .whereNull('a.withdrawn_at')
        .orderBy([
          { column: 'rp.published_on', order: 'desc', nulls: 'last' },
          { column: 'r.position' },
          { column: 'r.ref' },
        ]);
    },

    /** Assignment counts per recommendation and status, with how many responses are overdue on `today`. */
    async assignmentCountsForRecommendations(
      recommendationIds: number[],
      today: CalendarDate,
    ): Promise<
      { recommendation_id: number; status: AssignmentStatus; count: number; overdue: number }[]
    > {
      if (recommendationIds.length === 0) return [];
      return knex
        .from(assignmentsAs('a'))
        .whereIn('a.recommendation_id', recommendationIds)
        .whereNull('a.withdrawn_at')
        .groupBy('a.recommendation_id', 'a.status')
        .select(
          'a.recommendation_id',
          'a.status',
          knex.raw('count(*)::int as count'),
          knex.raw(
            `count(*) filter (where a.responded_on is null and a.status <> 'closed' and a.response_due_on < ?)::int as overdue`,
            [today],
          ),
        );
    },

    async organisationsWithAssignments(): Promise<{ slug: string; name: string }[]> {
      return knex('organisations as o')
        .whereExists(
          knex('assignments as a').whereRaw('a.organisation_id = o.id').whereNull('a.withdrawn_at'),
        )
        .select('o.slug', 'o.name')
        .orderBy('o.name');
    },

    async themesForRecommendations(
      recommendationIds: number[],
    ): Promise<{ recommendation_id: number; slug: string; name: string }[]> {
      if (recommendationIds.length === 0) return [];
      return knex('recommendation_themes as rt')
        .join('themes as t', 't.id', 'rt.theme_id')
        .whereIn('rt.recommendation_id', recommendationIds)
        .select('rt.recommendation_id', 't.slug', 't.name')
        .orderBy('t.name');
    },

    async listThemes(): Promise<{ slug: string; name: string }[]> {
      return knex('themes').select('slug', 'name').orderBy('name');
    },

    async listOrganisations(): Promise<
      (OrganisationRow & { assignment_count: number; open_count: number })[]
    > {
      return knex('organisations as o')
        .leftJoin('assignments as a', (j) =>
          j.on('a.organisation_id', 'o.id').andOnNull('a.withdrawn_at'),
        )
        .groupBy('o.id')
        .select(
          'o.*',
          knex.raw('count(a.id)::int as assignment_count'),
          knex.raw(
            `count(a.id) filter (where a.status not in ('implemented', 'closed'))::int as open_count`,
          ),
        )
        .orderBy('o.name');
    },

    async findOrganisation(slug: string): Promise<OrganisationRow | undefined> {
      return knex<OrganisationRow>('organisations').where({ slug }).first();
    },

    /**
     * What the public timeline of these assignments is built from: status changes (never their
     * notes), granted extensions (never their reasons), and publications. A summary's words leave
     * the database only while it is live (at the date asked for); a withdrawn one gives only when
     * and why it was withdrawn. Evidence gives its name only while live.
     */
    async timelineFacts(assignmentIds: number[]): Promise<TimelineFacts> {
      if (assignmentIds.length === 0)
        return { changes: [], extensions: [], summaries: [], evidence: [] };
      const end = asOf ? asOf.end : new Date('9999-12-31T00:00:00Z');
      const day = asOf ? asOf.day : '9999-12-31';
      const [changes, extensions, summaries, evidence] = await Promise.all([
        knex('assignment_status_changes')
          .whereIn('assignment_id', assignmentIds)
          .where('changed_at', '<', end)
          .orderBy([{ column: 'changed_at' }, { column: 'id' }])
          .select('id', 'assignment_id', 'to_status', 'closure_reason', 'event', 'changed_at'),
        knex('extension_requests')
          .whereIn('assignment_id', assignmentIds)
          .where('state', 'granted')
          .where('decided_on', '<=', day)
          .orderBy([{ column: 'decided_at' }, { column: 'id' }])
          .select('id', 'assignment_id', 'due_on_when_requested', 'requested_due_on', 'decided_on'),
        knex('update_publications as p')
          .join('progress_updates as u', 'u.id', 'p.progress_update_id')
          .whereIn('u.assignment_id', assignmentIds)
          .where('p.published_at', '<', end)
          .orderBy([{ column: 'p.published_at' }, { column: 'p.id' }])
          .select(
            'p.id',
            'u.assignment_id',
            'p.published_at',
            knex.raw(
              'case when p.withdrawn_at is null or p.withdrawn_at >= ? then p.summary end as summary',
              [end],
            ),
            knex.raw('case when p.withdrawn_at < ? then p.withdrawn_at end as withdrawn_at', [end]),
            knex.raw(
              'case when p.withdrawn_at < ? then p.withdrawn_reason end as withdrawn_reason',
              [end],
            ),
          ),
        knex('evidence_publications as p')
          .join('evidence_files as f', 'f.id', 'p.evidence_file_id')
          .join('progress_updates as u', 'u.id', 'f.progress_update_id')
          .whereIn('u.assignment_id', assignmentIds)
          .where('p.published_at', '<', end)
          .orderBy([{ column: 'p.published_at' }, { column: 'p.id' }])
          .select(
            'p.id',
            'u.assignment_id',
            'p.published_at',
            knex.raw(
              'case when p.withdrawn_at is null or p.withdrawn_at >= ? then f.id end as file_id',
              [end],
            ),
            knex.raw(
              'case when p.withdrawn_at is null or p.withdrawn_at >= ? then f.original_name end as name',
              [end],
            ),
            knex.raw(
              'case when p.withdrawn_at is null or p.withdrawn_at >= ? then f.size_bytes end as size_bytes',
              [end],
            ),
            knex.raw('case when p.withdrawn_at < ? then p.withdrawn_at end as withdrawn_at', [end]),
            knex.raw(
              'case when p.withdrawn_at < ? then p.withdrawn_reason end as withdrawn_reason',
              [end],
            ),
          ),
      ]);
      return { changes, extensions, summaries, evidence } as TimelineFacts;
    },

    /**
     * The overview's headline facts for every report and for all together, in three set-based
     * queries: recommendations (live ones; "implemented" when every live addressee is verified as
     * implemented), responses (overdue, late) and the oversight office's acts.
     */
    async headlineFacts(today: CalendarDate): Promise<HeadlineRow[]> {
      const end = asOf ? asOf.end : FAR_FUTURE;
      const acts = reviewActsSql(end);
      const [recs, responses] = await Promise.all([
        knex
          .from(
            knex
              .from(recommendationsAs('r'))
              .leftJoin(assignmentsAs('a'), (j) =>
                j.on('a.recommendation_id', 'r.id').andOnNull('a.withdrawn_at'),
              )
              .whereNull('r.withdrawn_at')
              .groupBy('r.id', 'r.report_id', 'r.text_status')
              .select(
                'r.report_id',
                'r.text_status',
                knex.raw('count(a.id)::int as addressees'),
                knex.raw(`count(a.id) filter (where a.status = 'implemented')::int as implemented`),
              )
              .as('pr'),
          )
          .groupByRaw('grouping sets ((pr.report_id), ())')
          .select(
            'pr.report_id',
            knex.raw('count(*)::int as recommendations'),
            knex.raw(
              'count(*) filter (where pr.addressees > 0 and pr.implemented = pr.addressees)::int as implemented_recommendations',
            ),
            knex.raw(`count(*) filter (where pr.text_status = 'pending')::int as pending_texts`),
            knex.raw('coalesce(sum(pr.addressees), 0)::int as assignments'),
            knex.raw('coalesce(sum(pr.implemented), 0)::int as implemented_assignments'),
          ),
        knex
          .from(assignmentsAs('a'))
          .join(recommendationsAs('r'), 'r.id', 'a.recommendation_id')
          .leftJoin(
            knex.raw(
              `(select assignment_id, max(at) as at from (${acts.sql}) acts group by assignment_id) as rv`,
              acts.bindings,
            ),
            'rv.assignment_id',
            'a.id',
          )
          .whereNull('a.withdrawn_at')
          .whereNull('r.withdrawn_at')
          .groupByRaw('grouping sets ((r.report_id), ())')
          .select(
            'r.report_id',
            knex.raw(
              `count(*) filter (where a.responded_on is null and a.status <> 'closed' and a.response_due_on < ?)::int as overdue`,
              [today],
            ),
            knex.raw(
              `min(a.response_due_on) filter (where a.responded_on is null and a.status <> 'closed' and a.response_due_on < ?) as oldest_due_on`,
              [today],
            ),
            knex.raw(
              'count(*) filter (where a.response_date_confirmed and a.responded_on > a.response_due_on)::int as late',
            ),
            knex.raw(
              `count(*) filter (where a.status in ('in_progress', 'awaiting_verification') and (select c.event from assignment_status_changes c where c.assignment_id = a.id and c.changed_at < ? order by c.changed_at desc, c.id desc limit 1) in ('return_update', 'reopen'))::int as returned`,
              [end],
            ),
            knex.raw('max(rv.at) as last_reviewed_at'),
          ),
      ]);
      const key = (id: number | null) => (id === null ? 'all' : String(id));
      const byReport = new Map(
        (responses as Record<string, unknown>[]).map((r) => [key(r.report_id as number | null), r]),
      );
      return (recs as Record<string, unknown>[]).map((r) => {
        const other = byReport.get(key(r.report_id as number | null)) ?? {};
        return {
          report_id: (r.report_id as number | null) ?? null,
          recommendations: Number(r.recommendations),
          implemented_recommendations: Number(r.implemented_recommendations),
          pending_texts: Number(r.pending_texts),
          assignments: Number(r.assignments),
          implemented_assignments: Number(r.implemented_assignments),
          overdue: Number(other.overdue ?? 0),
          oldest_due_on: (other.oldest_due_on as CalendarDate | null | undefined) ?? null,
          late: Number(other.late ?? 0),
          returned: Number(other.returned ?? 0),
          last_reviewed_at: (other.last_reviewed_at as Date | string | null | undefined) ?? null,
        };
      });
    },

    /** Responses recorded after their due date (the date of the response itself confirmed), latest first. */
    async lateResponses(limit: number): Promise<AssignmentDetailRow[]> {
      return assignmentDetail()
        .whereNull('a.withdrawn_at')
        .whereNull('r.withdrawn_at')
        .where('a.response_date_confirmed', true)
        .whereRaw('a.responded_on > a.response_due_on')
        .orderBy([{ column: 'a.responded_on', order: 'desc' }, { column: 'r.ref' }])
        .limit(limit);
    },

    /** Open assignments whose latest change was the oversight office sending them back. */
    async returnedAssignments(limit: number): Promise<ReturnedRow[]> {
      const end = asOf ? asOf.end : FAR_FUTURE;
      return knex
        .from(
          assignmentDetail()
            .whereNull('a.withdrawn_at')
            .whereIn('a.status', ['in_progress', 'awaiting_verification'])
            .select(
              knex.raw(
                '(select c.event from assignment_status_changes c where c.assignment_id = a.id and c.changed_at < ? order by c.changed_at desc, c.id desc limit 1) as returned_event',
                [end],
              ),
              knex.raw(
                '(select c.changed_at from assignment_status_changes c where c.assignment_id = a.id and c.changed_at < ? order by c.changed_at desc, c.id desc limit 1) as returned_at',
                [end],
              ),
            )
            .as('x'),
        )
        .whereIn('x.returned_event', ['return_update', 'reopen'])
        .orderBy([{ column: 'x.returned_at', order: 'desc' }, { column: 'x.recommendation_ref' }])
        .limit(limit)
        .select<ReturnedRow[]>('x.*');
    },

    /** Each organisation with live assignments: how its recommendations stand, in one query. */
    async organisationOverview(
      today: CalendarDate,
      limit: number,
    ): Promise<OrganisationOverviewRow[]> {
      const end = asOf ? asOf.end : FAR_FUTURE;
      const acts = reviewActsSql(end);
      const rows = await knex
        .from(assignmentsAs('a'))
        .join(recommendationsAs('r'), 'r.id', 'a.recommendation_id')
        .join('organisations as o', 'o.id', 'a.organisation_id')
        .leftJoin(
          knex.raw(
            `(select assignment_id, max(at) as at from (${acts.sql}) acts group by assignment_id) as rv`,
            acts.bindings,
          ),
          'rv.assignment_id',
          'a.id',
        )
        .whereNull('a.withdrawn_at')
        .whereNull('r.withdrawn_at')
        .groupBy('o.id', 'o.slug', 'o.name')
        .select(
          'o.slug',
          'o.name',
          knex.raw('count(*)::int as assignments'),
          knex.raw('count(a.responded_on)::int as responded'),
          knex.raw(
            `count(*) filter (where a.responded_on is null and a.status <> 'closed' and a.response_due_on < ?)::int as overdue`,
            [today],
          ),
          knex.raw(`count(*) filter (where a.status = 'implemented')::int as implemented`),
          knex.raw(
            `count(*) filter (where a.status not in ('implemented', 'closed'))::int as open`,
          ),
          knex.raw('max(rv.at) as last_reviewed_at'),
        )
        .orderBy([{ column: 'assignments', order: 'desc' }, { column: 'o.name' }])
        .limit(limit);
      return rows as OrganisationOverviewRow[];
    },

    recordAudit: (event: AuditEvent) => recordAudit(knex, event),

    /** Whether the recommendation's report publishes formal responses (reports.publish_responses). */
    async publishesResponses(recommendationId: number): Promise<boolean> {
      const row = await knex('recommendations as r')
        .join('reports as rp', 'rp.id', 'r.report_id')
        .where('r.id', recommendationId)
        .first('rp.publish_responses');
      return Boolean(row?.publish_responses);
    },

    /** A published evidence file anyone may download now: live, on a live assignment. */
    async publicEvidenceFile(fileId: number): Promise<
      | {
          id: number;
          original_name: string;
          content_type: string;
          size_bytes: number | string;
          sha256: string;
          published_at: Date;
          assignment_id: number;
        }
      | undefined
    > {
      return knex('evidence_files as f')
        .join('evidence_publications as p', (j) =>
          j.on('p.evidence_file_id', 'f.id').andOnNull('p.withdrawn_at'),
        )
        .join('progress_updates as u', 'u.id', 'f.progress_update_id')
        .join('assignments as a', 'a.id', 'u.assignment_id')
        .join('recommendations as r', 'r.id', 'a.recommendation_id')
        .where('f.id', fileId)
        .whereNull('a.withdrawn_at')
        .first(
          'f.id',
          'f.original_name',
          'f.content_type',
          'f.size_bytes',
          'f.sha256',
          'p.published_at',
          'u.assignment_id',
        );
    },

    /** A published file's bytes, from wherever the evidence store keeps them. */
    evidenceChunks(fileId: number, sha256: string | null): AsyncIterable<Buffer> {
      return evidenceStore.read(knex, { id: fileId, sha256 });
    },
  };
}

export interface TimelineFacts {
  changes: {
    id: number;
    assignment_id: number;
    to_status: AssignmentStatus;
    closure_reason: ClosureReason | null;
    event: string;
    changed_at: Date;
  }[];
  extensions: {
    id: number;
    assignment_id: number;
    due_on_when_requested: CalendarDate;
    requested_due_on: CalendarDate;
    decided_on: CalendarDate;
  }[];
  summaries: {
    id: number;
    assignment_id: number;
    published_at: Date;
    summary: string | null;
    withdrawn_at: Date | null;
    withdrawn_reason: string | null;
  }[];
  evidence: {
    id: number;
    assignment_id: number;
    published_at: Date;
    file_id: number | null;
    name: string | null;
    size_bytes: number | string | null;
    withdrawn_at: Date | null;
    withdrawn_reason: string | null;
  }[];
}
