/**
 * The register as the public sees it: reports, recommendations, organisations and where each
 * assignment stands. Derived facts (due dates, overdue flags, days remaining) are worked out here
 * from the deadlines module and the clock, never stored.
 */
import type { Clock } from '../../shared/clock';
import {
  addDays,
  daysBetween,
  formatLongDate,
  londonDate,
  londonMidnight,
  type CalendarDate,
} from '../../shared/calendar-date';
import { durationInWords } from '../../shared/duration';
import { CLOSURE_REASON_LABELS, STANCE_LABELS, STATUS_LABELS } from '../register/register.labels';
import { NotFoundError } from '../../shared/errors';
import {
  describeDue,
  responseClock,
  type GrantedExtension,
  type ResponseClock,
} from '../assignments/deadlines';
import { DEADLINE_RULES, type LegalBasis } from '../assignments/deadlines.rules';
import { overrideFrom } from '../assignments/deadlines.repository';
import { targetState, type TargetState } from '../assignments/deadlines.targets';
import type {
  AssignmentStatus,
  OrganisationKind,
  ResponseStance,
  TextStatus,
  ClosureReason,
} from '../../db/tables';
import { ASSIGNMENT_STATUSES } from '../../db/tables';
import type {
  AsOf,
  RegisterReads,
  TimelineFacts,
  AssignmentDetailRow,
  HeadlineRow,
  StatusNoteJson,
  RecommendationFilters,
  RecommendationListRow,
  RecommendationSortKey,
  RegisterRepository,
  PublicResponseVersion,
} from './register.repository';

export const DEFAULT_PAGE_SIZE = 25;
/**
 * In lists, a recommendation addressed to more organisations than this shows counts by status
 * instead of one line per organisation (an inspection recommendation can go to all 43 forces).
 */
export const LISTED_ADDRESSEES_LIMIT = 8;
const OVERVIEW_OVERDUE_LIMIT = 50;
const OVERVIEW_REPORT_LIMIT = 10;
const OVERVIEW_EXCEPTION_LIMIT = 20;
const OVERVIEW_ORGANISATION_LIMIT = 50;

/**
 * The facts of the overview's headline sentence, for one report or all: how many recommendations
 * are verified as implemented (by every organisation they are addressed to), which responses are
 * overdue and since when, and when the oversight office last acted on any of them.
 */
export interface Headline {
  recommendations: number;
  implemented: number;
  pendingTexts: number;
  assignments: number;
  implementedAssignments: number;
  overdue: number;
  /** The due date of the longest-overdue response, and how long ago that was. */
  oldestOverdue: { dueOn: CalendarDate; by: string } | null;
  late: number;
  returned: number;
  lastReviewedOn: CalendarDate | null;
}

function toHeadline(row: HeadlineRow | undefined, today: CalendarDate): Headline {
  return {
    recommendations: row?.recommendations ?? 0,
    implemented: row?.implemented_recommendations ?? 0,
    pendingTexts: row?.pending_texts ?? 0,
    assignments: row?.assignments ?? 0,
    implementedAssignments: row?.implemented_assignments ?? 0,
    overdue: row?.overdue ?? 0,
    oldestOverdue: row?.oldest_due_on
      ? { dueOn: row.oldest_due_on, by: durationInWords(row.oldest_due_on, today) }
      : null,
    late: row?.late ?? 0,
    returned: row?.returned ?? 0,
    lastReviewedOn: row?.last_reviewed_at ? londonDate(new Date(row.last_reviewed_at)) : null,
  };
}

export type StatusCounts = Record<AssignmentStatus, number> & { total: number };

export interface AssignmentSummary {
  id: number;
  status: AssignmentStatus;
  closureReason: ClosureReason | null;
  addresseeConfirmed: boolean;
  organisation: { slug: string; name: string; kind: OrganisationKind };
  recommendation: {
    ref: string;
    title: string | null;
    textStatus: TextStatus;
    madeOnConfirmed: boolean;
  };
  report: { slug: string; title: string };
  /**
   * The version current on the day of the record, with its own date and source, and the earlier
   * versions (newest first). `late` is the first response's: the one that stopped the clock.
   */
  response:
    | (PublicResponse & {
        late: boolean | null;
        firstRespondedOn: CalendarDate;
        earlier: PublicResponse[];
      })
    | null;
  due: ResponseClock & {
    description: string;
    overdue: boolean;
    /** How long overdue, in words ("4 years 10 months"), while overdue. */
    overdueBy: string | null;
    /** How late the response came, in words, when it came late. */
    lateBy: string | null;
  };
  /** Target dates: the recommendation's own and the addressee's committed one, and whether past. */
  target: TargetState;
  /** Judicial review pauses of the response clock, as recorded by the day of the record. */
  pauses: { from: CalendarDate; to: CalendarDate | null }[];
  /** The latest check that an implemented change has lasted, and how it ended. */
  sustainmentCheck: {
    dueOn: CalendarDate;
    outcome: 'sustained' | 'reopened' | null;
    decidedOn: CalendarDate | null;
  } | null;
  /** Set when an administrator withdrew the assignment; it then no longer counts as live. */
  withdrawn: { on: CalendarDate; reason: string } | null;
  /** When the oversight office last decided or published anything about it (ADR 0013). */
  reviewedOn: CalendarDate | null;
  /**
   * The public status note: why it stands where it does (ADR 0014). `text` is null when the
   * latest note was withdrawn; `withdrawn` then says when and why.
   */
  statusNote: {
    text: string | null;
    publishedOn: CalendarDate;
    withdrawn: { on: CalendarDate; reason: string } | null;
  } | null;
}

function statusNoteFrom(raw: AssignmentDetailRow['status_note']): AssignmentSummary['statusNote'] {
  if (!raw) return null;
  const n = (typeof raw === 'string' ? JSON.parse(raw) : raw) as StatusNoteJson;
  return {
    text: n.note,
    publishedOn: londonDate(new Date(n.publishedAt)),
    withdrawn:
      n.withdrawnAt && n.withdrawnReason
        ? { on: londonDate(new Date(n.withdrawnAt)), reason: n.withdrawnReason }
        : null,
  };
}

export interface PublicResponse {
  version: number;
  stance: ResponseStance;
  /** This version's own date, and whether it is the day it was given (or only reported). */
  respondedOn: CalendarDate;
  dateConfirmed: boolean;
  /** null where the report does not publish responses' words, or none were recorded. */
  text: string | null;
  sourceUrl: string | null;
  /** The seed or import that loaded it; null when recorded here by the addressee. */
  loadedBy: string | null;
}

function checkOf(row: AssignmentDetailRow): AssignmentSummary['sustainmentCheck'] {
  const raw =
    typeof row.sustainment_check === 'string'
      ? (JSON.parse(row.sustainment_check) as Exclude<
          AssignmentDetailRow['sustainment_check'],
          string
        >)
      : row.sustainment_check;
  return raw ? { dueOn: raw.due_on, outcome: raw.outcome, decidedOn: raw.decided_on } : null;
}

/** The judicial review pauses of a row (JSON from the database). */
function pausesOf(row: AssignmentDetailRow) {
  const raw = row.pauses;
  return typeof raw === 'string'
    ? (JSON.parse(raw) as { from: CalendarDate; to: CalendarDate | null }[])
    : Array.isArray(raw)
      ? raw
      : [];
}

function parsedVersions(row: AssignmentDetailRow): PublicResponseVersion[] {
  const raw = row.response_versions;
  return typeof raw === 'string'
    ? (JSON.parse(raw) as PublicResponseVersion[])
    : Array.isArray(raw)
      ? raw
      : [];
}

/** The response as the public record shows it on the row's day, or null before the first. */
function currentResponse(
  row: AssignmentDetailRow,
  late: boolean | null,
): AssignmentSummary['response'] {
  if (!row.response_stance || !row.responded_on) return null;
  const versions = parsedVersions(row).map((v): PublicResponse => ({
    version: v.version,
    stance: v.stance,
    respondedOn: v.responded_on,
    dateConfirmed: v.responded_on_confirmed,
    // A report set not to publish responses keeps their wording off public pages.
    text: row.report_publish_responses ? v.text : null,
    sourceUrl: row.report_publish_responses ? v.source_url : null,
    loadedBy: v.recorded_by_label,
  }));
  const current = versions.pop();
  if (!current) return null;
  return {
    ...current,
    late,
    firstRespondedOn: row.responded_on,
    earlier: versions.reverse(),
  };
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
  /** The source's own "implement by" date, and how the source words it. */
  implementBy: CalendarDate | null;
  implementByWording: string | null;
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

/** One entry in an addressee's public timeline. */
export interface TimelineEvent {
  on: CalendarDate;
  kind:
    | 'made'
    | 'due'
    | 'extension'
    | 'pause'
    | 'response'
    | 'status'
    | 'summary'
    | 'summary_withdrawn'
    | 'evidence'
    | 'evidence_withdrawn';
  text: string;
  /** The published words (a live summary), or a withdrawal's reason. */
  detail?: string | null;
  evidence?: { id: number; name: string; sizeBytes: number } | null;
}

const KIND_ORDER: TimelineEvent['kind'][] = [
  'made',
  'extension',
  'pause',
  'due',
  'response',
  'status',
  'summary',
  'summary_withdrawn',
  'evidence',
  'evidence_withdrawn',
];

/** The public words for a status change; the change's private note is never read. */
function statusChangeText(change: TimelineFacts['changes'][number]): string {
  const status = STATUS_LABELS[change.to_status];
  if (change.to_status === 'closed')
    return `Closed: ${change.closure_reason ? CLOSURE_REASON_LABELS[change.closure_reason] : 'no reason recorded'}`;
  if (change.event === 'verify') return 'Verified by the oversight office as implemented';
  if (change.event === 'reopen') return `Reopened: now ${status.toLowerCase()}`;
  if (change.event === 'recorded') return `Status recorded as ${status.toLowerCase()}`;
  return `Status changed to ${status.toLowerCase()}`;
}

/** Orders a timeline by date, then by the natural order of what happens on one day. */
function sortTimeline(events: TimelineEvent[]): TimelineEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort(
      (a, b) =>
        (a.e.on < b.e.on ? -1 : a.e.on > b.e.on ? 1 : 0) ||
        KIND_ORDER.indexOf(a.e.kind) - KIND_ORDER.indexOf(b.e.kind) ||
        a.i - b.i,
    )
    .map(({ e }) => e);
}

/** How an organisation's responses stand: on time, late, overdue, not yet due, date unconfirmed. */
export interface ResponseCounts {
  onTime: number;
  late: number;
  unconfirmed: number;
  overdue: number;
  notYetDue: number;
}

export function responseCounts(assignments: AssignmentSummary[]): ResponseCounts {
  const counts: ResponseCounts = { onTime: 0, late: 0, unconfirmed: 0, overdue: 0, notYetDue: 0 };
  for (const a of assignments) {
    if (a.response) {
      if (a.response.late === true) counts.late += 1;
      else if (a.response.late === false) counts.onTime += 1;
      else counts.unconfirmed += 1;
    } else if (a.due.overdue) counts.overdue += 1;
    else if (a.status !== 'closed') counts.notYetDue += 1;
  }
  return counts;
}

/**
 * The deadlines module's phrase, with long spans in words ("Overdue by 4 years 10 months") rather
 * than a count of days; a few weeks either side stay in days, where each day counts.
 */
export function describeDueInWords(
  clock: ResponseClock,
  today: CalendarDate,
  respondedOn: CalendarDate | null,
): string {
  const long = (from: CalendarDate, to: CalendarDate) => Math.abs(daysBetween(from, to)) > 31;
  if (clock.state === 'overdue' && clock.dueOn && long(clock.dueOn, today))
    return `Overdue by ${durationInWords(clock.dueOn, today)}`;
  if (
    clock.state === 'responded_late' &&
    clock.dueOn &&
    respondedOn &&
    long(clock.dueOn, respondedOn)
  )
    return `Responded ${durationInWords(clock.dueOn, respondedOn)} late`;
  if (clock.state === 'due_later' && clock.dueOn && !clock.paused && long(today, clock.dueOn))
    return `${durationInWords(today, clock.dueOn)} left`;
  return describeDue(clock);
}

/** The first instant of the London day after `day`: the end of `day` for the record as of it. */
export function endOfLondonDay(day: CalendarDate): Date {
  return londonMidnight(addDays(day, 1));
}

export function createRegisterService(deps: {
  repository: RegisterRepository | RegisterReads;
  clock: Clock;
}) {
  const { repository, clock } = deps;

  function toAssignment(row: AssignmentDetailRow, today: CalendarDate): AssignmentSummary {
    const clockState = responseClock(
      {
        legalBasis: row.report_legal_basis,
        addresseeKind: row.organisation_kind,
        override: overrideFrom(row),
        recommendationMadeOn: row.recommendation_made_on,
        reportPublishedOn: row.report_published_on,
        reportDatedOn: row.report_dated_on,
        grantedExtensions:
          typeof row.granted_extensions === 'string'
            ? (JSON.parse(row.granted_extensions) as GrantedExtension[])
            : (row.granted_extensions ?? []),
        pauses: pausesOf(row),
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
        madeOnConfirmed: row.recommendation_made_on_confirmed,
      },
      report: { slug: row.report_slug, title: row.report_title },
      response: currentResponse(row, late),
      due: {
        ...clockState,
        overdue,
        respondedLate: late,
        overdueBy: overdue && clockState.dueOn ? durationInWords(clockState.dueOn, today) : null,
        lateBy:
          late && clockState.dueOn && row.responded_on
            ? durationInWords(clockState.dueOn, row.responded_on)
            : null,
        description:
          row.responded_on && !row.response_date_confirmed
            ? 'Responded (date not confirmed)'
            : describeDueInWords(clockState, today, row.responded_on),
      },
      pauses: pausesOf(row).map((p) => ({ from: p.from, to: p.to })),
      sustainmentCheck: checkOf(row),
      target: targetState(
        {
          implementBy: row.recommendation_implement_by,
          committedOn: row.committed_on,
          status: row.status,
        },
        today,
      ),
      withdrawn:
        row.withdrawn_at && row.withdrawn_reason
          ? { on: londonDate(row.withdrawn_at), reason: row.withdrawn_reason }
          : null,
      reviewedOn: row.last_reviewed_at ? londonDate(new Date(row.last_reviewed_at)) : null,
      statusNote: statusNoteFrom(row.status_note),
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
      implementBy: row.implement_by,
      implementByWording: row.implement_by_wording,
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
      const [reports, counts, overdueRows, overdueTotal, headlines, late, returned, organisations] =
        await Promise.all([
          repository.listReports(),
          repository.statusCounts(),
          repository.overdueResponses(today, OVERVIEW_OVERDUE_LIMIT),
          repository.countOverdueResponses(today),
          repository.headlineFacts(today),
          repository.lateResponses(OVERVIEW_EXCEPTION_LIMIT),
          repository.returnedAssignments(OVERVIEW_EXCEPTION_LIMIT),
          repository.organisationOverview(today, OVERVIEW_ORGANISATION_LIMIT),
        ]);
      const headlineFor = (reportId: number | null): Headline =>
        toHeadline(
          headlines.find((h) => h.report_id === reportId),
          today,
        );
      return {
        today,
        headline: headlineFor(null),
        reports: reports.slice(0, OVERVIEW_REPORT_LIMIT).map((r) => ({
          ...toReport(r, countsFor(counts, r.id)),
          headline: headlineFor(r.id),
        })),
        reportTotal: reports.length,
        totals: countsFor(counts, null),
        overdue: overdueRows.map((row) => toAssignment(row, today)),
        overdueTotal,
        late: late.map((row) => toAssignment(row, today)),
        returned: returned.map((row) => ({
          ...toAssignment(row, today),
          returnedOn: londonDate(new Date(row.returned_at)),
          returnedAs: row.returned_event,
        })),
        organisations: organisations.map((o) => ({
          slug: o.slug,
          name: o.name,
          assignments: o.assignments,
          responded: o.responded,
          overdue: o.overdue,
          implemented: o.implemented,
          open: o.open,
          lastReviewedOn: o.last_reviewed_at ? londonDate(new Date(o.last_reviewed_at)) : null,
        })),
        organisationsMore: organisations.length >= OVERVIEW_ORGANISATION_LIMIT,
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
      const today = clock.today();
      const [counts, recommendations, headlines] = await Promise.all([
        repository.statusCounts(row.id),
        repository.recommendationsForReport(row.id).then(withChildren),
        repository.headlineFacts(today),
      ]);
      return {
        report: toReport(row, countsFor(counts, row.id)),
        recommendations,
        headline: toHeadline(
          headlines.find((h) => h.report_id === row.id),
          today,
        ),
      };
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
        responses: responseCounts(assignments),
      };
    },

    /**
     * The recommendation with, for each live addressee, its public timeline: only what has been
     * made public (and, as of a past day, only what was public by then).
     */
    async recommendationWithTimelines(ref: string) {
      const recommendation = await this.recommendation(ref);
      const ids = recommendation.assignments.map((a) => a.id);
      const facts = await repository.timelineFacts(ids);
      const publishes = await repository.publishesResponses(recommendation.id);
      const timelines = new Map<number, TimelineEvent[]>();
      for (const a of recommendation.assignments) {
        const events: TimelineEvent[] = [];
        if (recommendation.madeOn)
          events.push({ on: recommendation.madeOn, kind: 'made', text: 'Recommendation made' });
        for (const e of facts.extensions.filter((x) => x.assignment_id === a.id))
          events.push({
            on: e.decided_on,
            kind: 'extension',
            text: `More time granted: the response due date moved from ${formatLongDate(e.due_on_when_requested)} to ${formatLongDate(e.requested_due_on)}`,
          });
        if (a.due.dueOn)
          events.push({
            on: a.due.dueOn,
            kind: 'due',
            text: a.due.dueOn <= clock.today() ? 'Response was due' : 'Response due',
          });
        if (a.response && publishes)
          for (const v of [...a.response.earlier].reverse().concat(a.response))
            events.push({
              on: v.respondedOn,
              kind: 'response',
              text: `${v.version === 1 ? 'Response received' : `Response revised (version ${v.version})`}: ${STANCE_LABELS[v.stance].toLowerCase()}${v.dateConfirmed ? '' : ' (reported on this date; the date of the response itself is not confirmed)'}`,
            });
        for (const p of a.pauses)
          events.push({
            on: p.from,
            kind: 'pause',
            text: p.to
              ? `Judicial review proceedings: the response clock stopped from ${formatLongDate(p.from)} to ${formatLongDate(p.to)}, so the due date moved later by those days`
              : `Judicial review proceedings began: the response clock is stopped until they end`,
          });
        for (const c of facts.changes.filter((x) => x.assignment_id === a.id))
          events.push({
            on: londonDate(new Date(c.changed_at)),
            kind: 'status',
            text: statusChangeText(c),
          });
        for (const p of facts.summaries.filter((x) => x.assignment_id === a.id)) {
          if (p.withdrawn_at)
            events.push({
              on: londonDate(new Date(p.withdrawn_at)),
              kind: 'summary_withdrawn',
              text: `A progress summary published on ${formatLongDate(londonDate(new Date(p.published_at)))} was withdrawn`,
              detail: p.withdrawn_reason,
            });
          else
            events.push({
              on: londonDate(new Date(p.published_at)),
              kind: 'summary',
              text: 'Progress update',
              detail: p.summary,
            });
        }
        for (const f of facts.evidence.filter((x) => x.assignment_id === a.id)) {
          if (f.withdrawn_at)
            events.push({
              on: londonDate(new Date(f.withdrawn_at)),
              kind: 'evidence_withdrawn',
              text: `An evidence file published on ${formatLongDate(londonDate(new Date(f.published_at)))} was withdrawn`,
              detail: f.withdrawn_reason,
            });
          else if (f.file_id && f.name)
            events.push({
              on: londonDate(new Date(f.published_at)),
              kind: 'evidence',
              text: 'Evidence published',
              evidence: { id: f.file_id, name: f.name, sizeBytes: Number(f.size_bytes) },
            });
        }
        timelines.set(a.id, sortTimeline(events));
      }
      return { recommendation, timelines };
    },

    /** A live-published evidence file for the public download, or 404. */
    async publicEvidence(fileId: number) {
      const row =
        Number.isSafeInteger(fileId) && fileId >= 1 && fileId <= 2147483647
          ? await repository.publicEvidenceFile(fileId)
          : undefined;
      if (!row) throw new NotFoundError('There is no published evidence file with that number.');
      return {
        id: row.id,
        name: row.original_name,
        contentType: row.content_type,
        sizeBytes: Number(row.size_bytes),
        sha256: row.sha256,
        publishedAt: new Date(row.published_at),
        assignmentId: row.assignment_id,
        chunks: () => repository.evidenceChunks(row.id, row.sha256),
      };
    },

    /** Today's date in Europe/London, by the app's clock (or the day of a past record). */
    today: () => clock.today(),

    /** The audit event of a public download: who fetched what is kept as for private ones. */
    async recordPublicDownload(
      file: { id: number; name: string; sizeBytes: number; sha256: string; assignmentId: number },
      context: { ip: string | null; requestId: string | null },
    ) {
      await repository.recordAudit({
        actor: { type: 'public', label: 'public' },
        action: 'evidence.public_download',
        subjectType: 'evidence_file',
        subjectId: file.id,
        after: {
          assignmentId: file.assignmentId,
          name: file.name,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
        },
        ipAddress: context.ip,
        requestId: context.requestId,
      });
    },

    /**
     * The same service as the public record stood at the end of `day` (Europe/London): reads
     * rebuilt from the history, and "today" for due dates and overdue flags is that day.
     */
    at(day: CalendarDate) {
      if (!('at' in repository)) throw new Error('The register is already as of a past day');
      const end = endOfLondonDay(day);
      const asOf: AsOf = { day, end };
      return createRegisterService({
        repository: repository.at(asOf),
        clock: { today: () => day, now: () => new Date(end.getTime() - 1) },
      });
    },
  };
}
