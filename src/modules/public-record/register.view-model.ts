/**
 * Shapes register data for the templates: labels, tag colours, links and pagination are decided here
 * so the templates only lay things out.
 */
import type { AssignmentStatus, ClosureReason } from '../../db/tables';
import { ASSIGNMENT_STATUSES } from '../../db/tables';
import { paths } from '../../shared/paths';
import {
  CLOSURE_REASON_LABELS,
  ORGANISATION_KIND_LABELS,
  STANCE_LABELS,
  STATUS_LABELS,
  TEXT_STATUS_LABELS,
} from '../register/register.labels';
import type { OrganisationField } from './register.organisation-filter';
import type { RecommendationFilters } from './register.repository';
import type {
  AssignmentSummary,
  PublicResponse,
  RecommendationSummary,
  ReportSummary,
  ResponseCounts,
  StatusCounts,
  TimelineEvent,
} from './register.service';

export interface Tag {
  text: string;
  classes: string;
}

const STATUS_TAG_CLASSES: Record<AssignmentStatus, string> = {
  awaiting_response: 'govuk-tag--yellow',
  in_progress: 'govuk-tag--blue',
  awaiting_verification: 'govuk-tag--purple',
  implemented: 'govuk-tag--green',
  closed: 'govuk-tag--grey',
};

export function statusTag(
  status: AssignmentStatus,
  closureReason: ClosureReason | null = null,
): Tag {
  const reason =
    status === 'closed' && closureReason
      ? `: ${CLOSURE_REASON_LABELS[closureReason].toLowerCase()}`
      : '';
  return { text: STATUS_LABELS[status] + reason, classes: STATUS_TAG_CLASSES[status] };
}

/**
 * The title of a recommendation whose text is not public yet: its report and number, as a reader
 * would cite it ("Operation Linden recommendation 8"), never "Text not yet entered". The report's
 * name is its title up to a dash ("Operation Linden – Learning and Recommendations").
 */
export function pendingTitle(
  reportTitle: string,
  sourceNumber: string | null,
  ref: string,
): string {
  const name = reportTitle.split(/\s[–—-]\s/)[0]!.trim();
  const number = sourceNumber ?? /(\d+)\s*$/.exec(ref)?.[1]?.replace(/^0+(?=\d)/, '') ?? ref;
  return `${name} recommendation ${number}`;
}

export function statusSummary(counts: StatusCounts) {
  return ASSIGNMENT_STATUSES.map((s) => ({
    status: s,
    label: STATUS_LABELS[s],
    count: counts[s],
    href: paths.recommendations.index({ status: s }),
  }));
}

/** One response version for the public pages: its own date and source, or who loaded it. */
function responseVersionView(v: PublicResponse) {
  return {
    version: v.version,
    stance: STANCE_LABELS[v.stance],
    respondedOn: v.respondedOn,
    dateConfirmed: v.dateConfirmed,
    text: v.text,
    sourceUrl: v.sourceUrl,
    // Recorded here by the addressee, unless a seed or import loaded it from public sources.
    recordedIn: v.sourceUrl || v.loadedBy ? null : 'Recorded in this tracker by the organisation',
  };
}

export function assignmentView(a: AssignmentSummary) {
  return {
    organisation: {
      name: a.organisation.name,
      href: paths.organisations.show(a.organisation.slug),
      kind: ORGANISATION_KIND_LABELS[a.organisation.kind],
    },
    recommendation: {
      ref: a.recommendation.ref,
      title: a.recommendation.title ?? pendingTitle(a.report.title, null, a.recommendation.ref),
      titlePending: a.recommendation.title === null,
      href: paths.recommendations.show(a.recommendation.ref),
    },
    report: { title: a.report.title, href: paths.reports.show(a.report.slug) },
    addresseeConfirmed: a.addresseeConfirmed,
    status: statusTag(a.status, a.closureReason),
    reviewedOn: a.reviewedOn,
    statusNote: a.statusNote,
    response: a.response
      ? {
          ...responseVersionView(a.response),
          late: a.response.late === true,
          earlier: a.response.earlier.map(responseVersionView),
        }
      : null,
    sustainment: a.sustainmentCheck
      ? {
          dueOn: a.sustainmentCheck.dueOn,
          text:
            a.sustainmentCheck.outcome === 'sustained'
              ? 'Checked: the change has lasted'
              : a.sustainmentCheck.outcome === 'reopened'
                ? 'Checked: the change had not lasted, so it was reopened'
                : 'A check that the change has lasted is due',
          decidedOn: a.sustainmentCheck.decidedOn,
        }
      : null,
    target: {
      committedOn: a.target.committedOn,
      pastTarget: a.target.pastTarget,
      pastCommitted: a.target.pastCommitted,
      tag: a.target.pastTarget
        ? {
            text: a.target.pastCommitted ? 'Past its committed date' : 'Past target date',
            classes: 'govuk-tag--orange',
          }
        : null,
    },
    due: {
      dueOn: a.due.dueOn,
      description: a.due.description,
      overdue: a.due.overdue,
      overdueBy: a.due.overdueBy,
      lateBy: a.due.lateBy,
      tag: a.due.overdue
        ? { text: `Response overdue by ${a.due.overdueBy}`, classes: 'govuk-tag--red' }
        : null,
    },
  };
}

export function recommendationView(r: RecommendationSummary) {
  const textStatus = TEXT_STATUS_LABELS[r.textStatus];
  return {
    ref: r.ref,
    href: paths.recommendations.show(r.ref),
    sourceNumber: r.sourceNumber,
    title: r.title ?? pendingTitle(r.report.title, r.sourceNumber, r.ref),
    titlePending: r.title === null,
    text: r.text,
    textStatus: {
      code: r.textStatus,
      label: textStatus.label,
      explanation: textStatus.explanation,
      tag: {
        text: textStatus.label,
        classes:
          r.textStatus === 'verified'
            ? 'govuk-tag--green'
            : r.textStatus === 'summary'
              ? 'govuk-tag--light-blue'
              : 'govuk-tag--grey',
      },
    },
    madeOn: r.madeOn,
    madeOnConfirmed: r.madeOnConfirmed,
    implementBy: r.implementBy,
    implementByWording: r.implementByWording,
    sourceUrl: r.sourceUrl,
    repeats: r.repeatsRef
      ? { ref: r.repeatsRef, href: paths.recommendations.show(r.repeatsRef) }
      : null,
    report: { title: r.report.title, href: paths.reports.show(r.report.slug) },
    themes: r.themes.map((t) => ({
      name: t.name,
      href: paths.recommendations.index({ theme: t.slug }),
    })),
    assignments: r.assignments.map(assignmentView),
    withdrawn: r.withdrawn,
    withdrawnAssignments: r.withdrawnAssignments.map((a) => ({
      organisation: {
        name: a.organisation.name,
        href: paths.organisations.show(a.organisation.slug),
      },
      withdrawnOn: a.withdrawn!.on,
      reason: a.withdrawn!.reason,
    })),
    addressees: {
      listed: r.addressees.listed,
      total: r.addressees.total,
      overdueResponses: r.addressees.overdueResponses,
      statuses: statusSummary(r.addressees.byStatus).filter((st) => st.count > 0),
    },
  };
}

export function reportView(r: ReportSummary) {
  return {
    slug: r.slug,
    title: r.title,
    href: paths.reports.show(r.slug),
    issuer: r.issuerShort ? `${r.issuerName} (${r.issuerShort})` : r.issuerName,
    publishedOn: r.publishedOn,
    datedOn: r.datedOn && r.datedOn !== r.publishedOn ? r.datedOn : null,
    legalBasisLabel: r.legalBasisLabel,
    legalBasisExplanation: r.legalBasisExplanation,
    sourceUrl: r.sourceUrl,
    summary: r.summary,
    recommendationCount: r.recommendationCount,
    recommendationsHref: paths.recommendations.index({ report: r.slug }),
    statuses: statusSummary(r.statusCounts).map((s) => ({
      ...s,
      href: paths.recommendations.index({ report: r.slug, status: s.status }),
    })),
    assignmentTotal: r.statusCounts.total,
    implementedCount: r.statusCounts.implemented,
  };
}

interface PaginationItem {
  number?: number;
  href?: string;
  current?: boolean;
  ellipsis?: boolean;
}

/** GOV.UK pagination: first, last, and the pages either side of the current one, with gaps shown. */
export function pagination(page: number, pageCount: number, hrefFor: (page: number) => string) {
  if (pageCount <= 1) return null;
  const wanted = new Set(
    [1, pageCount, page - 1, page, page + 1].filter((n) => n >= 1 && n <= pageCount),
  );
  const items: PaginationItem[] = [];
  let last = 0;
  for (const n of [...wanted].sort((a, b) => a - b)) {
    if (n - last > 1) items.push({ ellipsis: true });
    items.push({ number: n, href: hrefFor(n), current: n === page });
    last = n;
  }
  return {
    previous: page > 1 ? { href: hrefFor(page - 1) } : null,
    next: page < pageCount ? { href: hrefFor(page + 1) } : null,
    items,
  };
}

export function filterForm(
  filters: RecommendationFilters,
  options: {
    reports: { slug: string; title: string }[];
    themes: { slug: string; name: string }[];
  },
  organisation: OrganisationField,
) {
  const select = (
    current: string | undefined,
    list: { value: string; text: string }[],
    anyText: string,
  ) => [
    { value: '', text: anyText, selected: !current },
    ...list.map((o) => ({ ...o, selected: o.value === current })),
  ];
  return {
    report: select(
      filters.report,
      options.reports.map((r) => ({ value: r.slug, text: r.title })),
      'Any report',
    ),
    organisation,
    theme: select(
      filters.theme,
      options.themes.map((t) => ({ value: t.slug, text: t.name })),
      'Any theme',
    ),
    status: select(
      filters.status,
      ASSIGNMENT_STATUSES.map((s) => ({ value: s, text: STATUS_LABELS[s] })),
      'Any status',
    ),
    q: filters.q ?? '',
    active: Boolean(
      filters.q ||
      filters.report ||
      filters.organisation ||
      organisation.value ||
      filters.theme ||
      filters.status,
    ),
    clearHref: paths.recommendations.index(),
  };
}

export function describeFilters(
  filters: RecommendationFilters,
  options: {
    reports: { slug: string; title: string }[];
    organisations: { slug: string; name: string }[];
    themes: { slug: string; name: string }[];
  },
): string[] {
  const out: string[] = [];
  const name = <T extends { slug: string }>(list: T[], slug: string, key: keyof T) =>
    String(list.find((x) => x.slug === slug)?.[key] ?? slug);
  if (filters.q) out.push(`containing “${filters.q}”`);
  if (filters.report) out.push(`report: ${name(options.reports, filters.report, 'title')}`);
  if (filters.organisation)
    out.push(`addressed to: ${name(options.organisations, filters.organisation, 'name')}`);
  if (filters.theme) out.push(`theme: ${name(options.themes, filters.theme, 'name')}`);
  if (filters.status) out.push(`status: ${STATUS_LABELS[filters.status].toLowerCase()}`);
  return out;
}

/** An addressee's public timeline, shaped for the page (newest last, as a history reads). */
export function timelineView(events: TimelineEvent[]) {
  return events.map((e) => ({
    on: e.on,
    text: e.text,
    withdrawn: e.kind === 'summary_withdrawn' || e.kind === 'evidence_withdrawn',
    summary: e.kind === 'summary' && e.detail ? e.detail.split(/\n{2,}/) : null,
    reason: e.kind !== 'summary' ? (e.detail ?? null) : null,
    evidence: e.evidence
      ? {
          name: e.evidence.name,
          href: paths.publicEvidence.download(e.evidence.id),
          size: describeBytes(e.evidence.sizeBytes),
        }
      : null,
  }));
}

function describeBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** An organisation's scorecard: responses by timeliness and the share implemented. */
export function scorecardView(counts: StatusCounts, responses: ResponseCounts) {
  const total = counts.total;
  return {
    total,
    implemented: counts.implemented,
    implementedPercent: total ? Math.round((counts.implemented / total) * 100) : 0,
    responses: [
      { label: 'Responded on time', count: responses.onTime },
      { label: 'Responded late', count: responses.late },
      { label: 'Responded (date not confirmed)', count: responses.unconfirmed },
      { label: 'Overdue, no response recorded', count: responses.overdue },
      { label: 'Not yet due', count: responses.notYetDue },
    ],
  };
}
