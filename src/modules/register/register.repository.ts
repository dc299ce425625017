/**
 * Reads of the register (reports, recommendations, organisations, themes, assignments). Each method
 * is one set-based query; lists fetch their children for a whole page at once, never per row.
 * A withdrawn assignment is not live: counts, overdue lists, filters and organisation pages leave
 * it out; only a recommendation's own page lists it, under "Withdrawn".
 */
import type { Knex } from 'knex';
import type { CalendarDate } from '../../shared/calendar-date';
import type { GrantedExtension } from '../deadlines/deadlines';
import type {
  AssignmentRow,
  AssignmentStatus,
  OrganisationRow,
  RecommendationRow,
  ReportRow,
} from '../../db/tables';

export interface RecommendationFilters {
  report?: string;
  organisation?: string;
  theme?: string;
  status?: AssignmentStatus;
}

/** An assignment with what is needed to show it anywhere: its organisation, recommendation, report and clock inputs. */
export interface AssignmentDetailRow extends AssignmentRow {
  granted_extensions: GrantedExtension[] | string;
  organisation_slug: string;
  organisation_name: string;
  organisation_kind: OrganisationRow['kind'];
  recommendation_ref: string;
  recommendation_title: string | null;
  recommendation_text_status: RecommendationRow['text_status'];
  recommendation_made_on: CalendarDate | null;
  report_slug: string;
  report_title: string;
  report_legal_basis: ReportRow['legal_basis'];
  report_published_on: CalendarDate | null;
  report_dated_on: CalendarDate | null;
  report_publish_responses: boolean;
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

export type RegisterRepository = ReturnType<typeof createRegisterRepository>;

export function createRegisterRepository(knex: Knex) {
  const assignmentDetail = (db: Knex | Knex.Transaction = knex) =>
    db('assignments as a')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
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
        'rp.slug as report_slug',
        'rp.title as report_title',
        'rp.legal_basis as report_legal_basis',
        'rp.published_on as report_published_on',
        'rp.dated_on as report_dated_on',
        'rp.publish_responses as report_publish_responses',
        // Granted extensions move the due date (and so lateness) on every page, public ones too.
        db.raw(
          `(select coalesce(json_agg(json_build_object('newDueOn', e.requested_due_on, 'grantedOn', e.decided_on) order by e.decided_at, e.id), '[]'::json) from extension_requests e where e.assignment_id = a.id and e.state = 'granted') as granted_extensions`,
        ),
      );

  const recommendationBase = () =>
    knex('recommendations as r')
      .join('reports as rp', 'rp.id', 'r.report_id')
      .leftJoin('recommendations as rr', 'rr.id', 'r.repeats_recommendation_id');

  function applyFilters(
    query: Knex.QueryBuilder,
    filters: RecommendationFilters,
  ): Knex.QueryBuilder {
    if (filters.report) query.where('rp.slug', filters.report);
    if (filters.theme) {
      query.whereExists(
        knex('recommendation_themes as rt')
          .join('themes as t', 't.id', 'rt.theme_id')
          .whereRaw('rt.recommendation_id = r.id')
          .where('t.slug', filters.theme),
      );
    }
    if (filters.organisation || filters.status) {
      const sub = knex('assignments as fa')
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
      return knex('reports as rp')
        .select(
          'rp.*',
          knex.raw(
            '(select count(*) from recommendations r where r.report_id = rp.id)::int as recommendation_count',
          ),
        )
        .orderBy([
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
      const query = knex('assignments as a')
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
      const row = await knex('assignments')
        .whereNull('withdrawn_at')
        .whereNull('responded_on')
        .whereNot('status', 'closed')
        .where('response_due_on', '<', today)
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
      return knex('assignments')
        .whereIn('recommendation_id', recommendationIds)
        .whereNull('withdrawn_at')
        .groupBy('recommendation_id', 'status')
        .select(
          'recommendation_id',
          'status',
          knex.raw('count(*)::int as count'),
          knex.raw(
            `count(*) filter (where responded_on is null and status <> 'closed' and response_due_on < ?)::int as overdue`,
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
  };
}
