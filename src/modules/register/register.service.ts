/**
 * The register as the public sees it: reports, recommendations, organisations and where each
 * assignment stands. Derived facts (due dates, overdue flags, days remaining) are worked out here
 * from the deadlines module and the clock, never stored.
 */
import type { Clock } from '../../shared/clock';
import { londonDate, type CalendarDate } from '../../shared/calendar-date';
import { NotFoundError } from '../../shared/errors';
import {
  describeDue,
  responseClock,
  type GrantedExtension,
  type ResponseClock,
} from '../deadlines/deadlines';
import { DEADLINE_RULES, type LegalBasis } from '../deadlines/deadlines.rules';
import type {
  AssignmentStatus,
  OrganisationKind,
  ResponseStance,
  TextStatus,
  ClosureReason,
} from '../../db/tables';
import { ASSIGNMENT_STATUSES } from '../../db/tables';
import type {
  AssignmentDetailRow,
  RecommendationFilters,
  RecommendationListRow,
  RecommendationSortKey,
  RegisterRepository,
} from './register.repository';

export const DEFAULT_PAGE_SIZE = 25;
/**
 * In lists, a recommendation addressed to more organisations than this shows counts by status
 * instead of one line per organisation (an inspection recommendation can go to all 43 forces).
 */
export const LISTED_ADDRESSEES_LIMIT = 8;
const OVERVIEW_OVERDUE_LIMIT = 50;
const OVERVIEW_REPORT_LIMIT = 10;

export type StatusCounts = Record<AssignmentStatus, number> & { total: number };

export interface AssignmentSummary {
  id: number;
  status: AssignmentStatus;
  closureReason: ClosureReason | null;
  addresseeConfirmed: boolean;
  organisation: { slug: string; name: string; kind: OrganisationKind };
  recommendation: { ref: string; title: string | null; textStatus: TextStatus };
  report: { slug: string; title: string };
  response: {
    stance: ResponseStance;
    respondedOn: CalendarDate;
    dateConfirmed: boolean;
    text: string | null;
    sourceUrl: string | null;
    late: boolean | null;
  } | null;
  due: ResponseClock & { description: string; overdue: boolean };
  /** Set when an administrator withdrew the assignment; it then no longer counts as live. */
  withdrawn: { on: CalendarDate; reason: string } | null;
}

export interface RecommendationSummary {
  id: number;
  ref: string;
  sourceNumber: string | null;
  title: string | null;
  text: string | null;
  textStatus: TextStatus;
  madeOn: CalendarDate | null;
  madeOnConfirmed: boolean;
  sourceUrl: string | null;
  repeatsRef: string | null;
  report: { slug: string; title: string };
  themes: { slug: string; name: string }[];
  /** Every live assignment, or none when the recommendation went to more organisations than a list shows. */
  assignments: AssignmentSummary[];
  /** Withdrawn assignments (history, not live), when the assignments are listed. */
  withdrawnAssignments: AssignmentSummary[];
  withdrawn: { on: CalendarDate; reason: string } | null;
  addressees: { total: number; byStatus: StatusCounts; overdueResponses: number; listed: boolean };
}

export interface ReportSummary {
  id: number;
  slug: string;
  title: string;
  issuerName: string;
  issuerShort: string | null;
  publishedOn: CalendarDate | null;
  datedOn: CalendarDate | null;
  legalBasis: LegalBasis;
  legalBasisLabel: string;
  legalBasisExplanation: string;
  sourceUrl: string | null;
  summary: string | null;
  recommendationCount: number;
  statusCounts: StatusCounts;
}

export function emptyStatusCounts(): StatusCounts {
  const counts = { total: 0 } as StatusCounts;
  for (const s of ASSIGNMENT_STATUSES) counts[s] = 0;
  return counts;
}

export type RegisterService = ReturnType<typeof createRegisterService>;

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function createRegisterService(deps: { repository: RegisterRepository; clock: Clock }) {
  const { repository, clock } = deps;

  function toAssignment(row: AssignmentDetailRow, today: CalendarDate): AssignmentSummary {
    const clockState = responseClock(
      {
        legalBasis: row.report_legal_basis,
        recommendationMadeOn: row.recommendation_made_on,
        reportPublishedOn: row.report_published_on,
        reportDatedOn: row.report_dated_on,
        grantedExtensions:
          typeof row.granted_extensions === 'string'
            ? (JSON.parse(row.granted_extensions) as GrantedExtension[])
            : (row.granted_extensions ?? []),
      },
      { today, respondedOn: row.responded_on },
    );
    // A response whose own date is unknown (only the day it was reported) cannot be judged late.
    const late = row.responded_on && row.response_date_confirmed ? clockState.respondedLate : null;
    // A closed or withdrawn assignment is no longer waiting for anything: never shown as overdue.
    const overdue = clockState.overdue && row.status !== 'closed' && !row.withdrawn_at;
    return {
      id: row.id,
      status: row.status,
      closureReason: row.closure_reason,
      addresseeConfirmed: row.addressee_confirmed,
      organisation: {
        slug: row.organisation_slug,
        name: row.organisation_name,
        kind: row.organisation_kind,
      },
      recommendation: {
        ref: row.recommendation_ref,
        title: row.recommendation_title,
        textStatus: row.recommendation_text_status,
      },
      report: { slug: row.report_slug, title: row.report_title },
      response:
        row.response_stance && row.responded_on
          ? {
              stance: row.response_stance,
              respondedOn: row.responded_on,
              dateConfirmed: row.response_date_confirmed,
              // A report set not to publish responses keeps their wording off public pages.
              text: row.report_publish_responses ? row.response_text : null,
              sourceUrl: row.report_publish_responses ? row.response_source_url : null,
              late,
            }
          : null,
      due: {
        ...clockState,
        overdue,
        respondedLate: late,
        description:
          row.responded_on && !row.response_date_confirmed
            ? 'Responded (date not confirmed)'
            : describeDue(clockState),
      },
      withdrawn:
        row.withdrawn_at && row.withdrawn_reason
          ? { on: londonDate(row.withdrawn_at), reason: row.withdrawn_reason }
          : null,
    };
  }

  function toRecommendation(
    row: RecommendationListRow,
    themes: { slug: string; name: string }[],
    allAssignments: AssignmentSummary[],
    addressees: RecommendationSummary['addressees'],
  ): RecommendationSummary {
    return {
      id: row.id,
      ref: row.ref,
      sourceNumber: row.source_number,
      title: row.title,
      text: row.body,
      textStatus: row.text_status,
      madeOn: row.made_on,
      madeOnConfirmed: row.made_on_confirmed,
      sourceUrl: row.source_url,
      repeatsRef: row.repeats_ref,
      report: { slug: row.report_slug, title: row.report_title },
      themes,
      assignments: allAssignments.filter((a) => !a.withdrawn),
      withdrawnAssignments: allAssignments.filter((a) => a.withdrawn),
      withdrawn:
        row.withdrawn_at && row.withdrawn_reason
          ? { on: londonDate(row.withdrawn_at), reason: row.withdrawn_reason }
          : null,
      addressees,
    };
  }

  /**
   * Fetches themes, assignment counts and (where few enough to list) assignments for a set of
   * recommendations: three queries for the whole set, never one per row.
   */
  async function withChildren(
    rows: RecommendationListRow[],
    listLimit = LISTED_ADDRESSEES_LIMIT,
  ): Promise<RecommendationSummary[]> {
    const ids = rows.map((r) => r.id);
    const today = clock.today();
    const [themes, counts] = await Promise.all([
      repository.themesForRecommendations(ids),
      repository.assignmentCountsForRecommendations(ids, today),
    ]);
    const addressees = new Map<number, RecommendationSummary['addressees']>();
    for (const id of ids)
      addressees.set(id, {
        total: 0,
        byStatus: emptyStatusCounts(),
        overdueResponses: 0,
        listed: true,
      });
    for (const c of counts) {
      const a = addressees.get(c.recommendation_id)!;
      a.total += c.count;
      a.byStatus[c.status] += c.count;
      a.byStatus.total += c.count;
      a.overdueResponses += c.overdue;
    }
    for (const a of addressees.values()) a.listed = a.total <= listLimit;
    const listedIds = ids.filter((id) => addressees.get(id)!.listed);
    const assignments = await repository.assignmentsForRecommendations(listedIds);
    const themesById = groupBy(themes, (t) => t.recommendation_id);
    const assignmentsById = groupBy(assignments, (a) => a.recommendation_id);
    return rows.map((row) =>
      toRecommendation(
        row,
        (themesById.get(row.id) ?? []).map(({ slug, name }) => ({ slug, name })),
        (assignmentsById.get(row.id) ?? []).map((a) => toAssignment(a, today)),
        addressees.get(row.id)!,
      ),
    );
  }

  function countsFor(
    rows: { report_id: number | null; status: AssignmentStatus; count: number }[],
    reportId: number | null,
  ): StatusCounts {
    const counts = emptyStatusCounts();
    for (const row of rows) {
      if (row.report_id !== reportId) continue;
      counts[row.status] += row.count;
      counts.total += row.count;
    }
    return counts;
  }

  function toReport(
    row: Awaited<ReturnType<RegisterRepository['listReports']>>[number],
    statusCounts: StatusCounts,
  ): ReportSummary {
    const rule = DEADLINE_RULES[row.legal_basis];
    return {
      id: row.id,
      slug: row.slug,
      title: row.title,
      issuerName: row.issuer_name,
      issuerShort: row.issuer_short,
      publishedOn: row.published_on,
      datedOn: row.dated_on,
      legalBasis: row.legal_basis,
      legalBasisLabel: rule.label,
      legalBasisExplanation: rule.explanation,
      sourceUrl: row.source_url,
      summary: row.summary,
      recommendationCount: row.recommendation_count,
      statusCounts,
    };
  }

  return {
    async overview() {
      const today = clock.today();
      const [reports, counts, overdueRows, overdueTotal] = await Promise.all([
        repository.listReports(),
        repository.statusCounts(),
        repository.overdueResponses(today, OVERVIEW_OVERDUE_LIMIT),
        repository.countOverdueResponses(today),
      ]);
      return {
        today,
        reports: reports
          .slice(0, OVERVIEW_REPORT_LIMIT)
          .map((r) => toReport(r, countsFor(counts, r.id))),
        reportTotal: reports.length,
        totals: countsFor(counts, null),
        overdue: overdueRows.map((row) => toAssignment(row, today)),
        overdueTotal,
      };
    },

    async listReports(): Promise<ReportSummary[]> {
      const [reports, counts] = await Promise.all([
        repository.listReports(),
        repository.statusCounts(),
      ]);
      return reports.map((r) => toReport(r, countsFor(counts, r.id)));
    },

    async report(slug: string) {
      const row = await repository.findReport(slug);
      if (!row) throw new NotFoundError(`There is no report called ${slug}.`);
      const [counts, recommendations] = await Promise.all([
        repository.statusCounts(row.id),
        repository.recommendationsForReport(row.id).then(withChildren),
      ]);
      return { report: toReport(row, countsFor(counts, row.id)), recommendations };
    },

    async listRecommendations(
      filters: RecommendationFilters,
      page: number,
      pageSize = DEFAULT_PAGE_SIZE,
    ) {
      const { rows, total } = await repository.listRecommendations(filters, {
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      return {
        items: await withChildren(rows),
        total,
        page,
        pageSize,
        pageCount: Math.max(1, Math.ceil(total / pageSize)),
      };
    },

    /**
     * The API's keyset page: up to `limit` recommendations after `after` in the register's order,
     * and the sort key of the last one when more follow (for the next cursor).
     */
    async listRecommendationsAfter(
      filters: RecommendationFilters,
      after: RecommendationSortKey | null,
      limit: number,
    ) {
      const { rows, total } = await repository.listRecommendations(filters, {
        limit: limit + 1,
        offset: 0,
        after,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const next: RecommendationSortKey | null =
        rows.length > limit && last
          ? {
              publishedOn: last.sort_published_on,
              reportId: last.report_id,
              position: last.position,
              ref: last.ref,
            }
          : null;
      return { items: await withChildren(page), total, next };
    },

    async recommendation(ref: string): Promise<RecommendationSummary> {
      const row = await repository.findRecommendation(ref.toUpperCase());
      if (!row) throw new NotFoundError(`There is no recommendation with the reference ${ref}.`);
      const [summary] = await withChildren([row], Number.POSITIVE_INFINITY);
      return summary!;
    },

    async filterOptions() {
      const [reports, organisations, themes] = await Promise.all([
        repository.listReports(),
        repository.organisationsWithAssignments(),
        repository.listThemes(),
      ]);
      return {
        reports: reports.map((r) => ({ slug: r.slug, title: r.title })),
        organisations,
        themes,
      };
    },

    async listOrganisations() {
      const rows = await repository.listOrganisations();
      return rows.map((o) => ({
        slug: o.slug,
        name: o.name,
        kind: o.kind,
        assignmentCount: o.assignment_count,
        openCount: o.open_count,
      }));
    },

    async organisation(slug: string) {
      const row = await repository.findOrganisation(slug);
      if (!row) throw new NotFoundError(`There is no organisation called ${slug}.`);
      const today = clock.today();
      const assignments = (await repository.assignmentsForOrganisation(row.id)).map((a) =>
        toAssignment(a, today),
      );
      const counts = emptyStatusCounts();
      for (const a of assignments) {
        counts[a.status] += 1;
        counts.total += 1;
      }
      return {
        organisation: { slug: row.slug, name: row.name, kind: row.kind },
        assignments,
        statusCounts: counts,
        overdueCount: assignments.filter((a) => a.due.overdue).length,
      };
    },
  };
}
