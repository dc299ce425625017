/**
 * Shapes dashboard data for the templates: labels, tags (text and colour together, never colour
 * alone), links that keep the filters, and the progress chart with its table.
 */
import {
  formatLongDate,
  formatShortDate,
  monthName,
  type CalendarDate,
} from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import { stackedBarChartSvg, type ChartSeries } from '../../shared/charts/stacked-bar-chart';
import { ASSIGNMENT_STATUSES, type AssignmentStatus } from '../../db/tables';
import { CLOSURE_REASON_LABELS, STATUS_LABELS } from '../register/register.labels';
import { statusTag } from '../public-record/register.view-model';
import type { OrganisationField } from '../public-record/register.organisation-filter';
import type {
  DashboardFilters,
  Matrix,
  MatrixCellSummary,
  ProgressMonth,
  Rag,
  SummaryLine,
} from './dashboards.service';

export const RAG_LABELS: Record<Rag, string> = { red: 'Red', amber: 'Amber', green: 'Green' };
const RAG_CLASSES: Record<Rag, string> = {
  red: 'govuk-tag--red',
  amber: 'govuk-tag--orange',
  green: 'govuk-tag--green',
};

export const ACTION_STATE_LABELS = {
  planned: 'Planned',
  in_progress: 'In progress',
  done: 'Done',
  dropped: 'Dropped',
} as const;

/** "RAG: Amber" in amber, or "Not rated" in grey. */
export function ragTag(rag: Rag | null) {
  return rag
    ? { text: `RAG: ${RAG_LABELS[rag]}`, classes: RAG_CLASSES[rag] }
    : { text: 'Not rated', classes: 'govuk-tag--grey' };
}

/** The words of a status, with its closure reason when closed. */
export function statusText(status: AssignmentStatus, closureReason: string | null): string {
  return status === 'closed' && closureReason
    ? `${STATUS_LABELS[status]}: ${CLOSURE_REASON_LABELS[closureReason as keyof typeof CLOSURE_REASON_LABELS].toLowerCase()}`
    : STATUS_LABELS[status];
}

const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;
const short = (d: CalendarDate | null) => (d ? formatShortDate(d) : null);

type Options = {
  reports: { slug: string; title: string }[];
  organisations: { slug: string; name: string }[];
  themes: { slug: string; name: string }[];
};

/** The four dashboards and the two exports, each link keeping the current filters. */
export function dashboardNav(current: string, filters: DashboardFilters) {
  const pages = [
    {
      key: 'matrix',
      text: 'Where each recommendation stands',
      href: paths.dashboards.matrix(filters),
    },
    { key: 'overdue', text: 'What is late', href: paths.dashboards.overdue(filters) },
    { key: 'progress', text: 'Progress by month', href: paths.dashboards.progress(filters) },
    {
      key: 'summary',
      text: 'Totals by organisation and theme',
      href: paths.dashboards.summary(filters),
    },
  ];
  return {
    pages: pages.map((p) => ({ ...p, current: p.key === current })),
    exports: {
      matrix: paths.exports.matrix(filters),
      assignments: paths.exports.assignments(filters),
    },
  };
}

/**
 * The GET filter form, posting back to `action`: selects for report and theme, and the typed
 * organisation field (register.organisation-filter.ts).
 */
export function filterView(
  action: string,
  filters: DashboardFilters,
  options: Options,
  organisation: OrganisationField,
) {
  const select = (
    current: string | undefined,
    list: { value: string; text: string }[],
    any: string,
  ) => [
    { value: '', text: any, selected: !current },
    ...list.map((o) => ({ ...o, selected: o.value === current })),
  ];
  const describe: string[] = [];
  const find = <T extends { slug: string }>(list: T[], slug: string) =>
    list.find((x) => x.slug === slug);
  if (filters.report)
    describe.push(`report: ${find(options.reports, filters.report)?.title ?? filters.report}`);
  if (filters.organisation)
    describe.push(
      `organisation: ${find(options.organisations, filters.organisation)?.name ?? filters.organisation}`,
    );
  if (filters.theme)
    describe.push(`theme: ${find(options.themes, filters.theme)?.name ?? filters.theme}`);
  return {
    action,
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
    active: describe.length > 0,
    description: describe.join(', '),
    clearHref: action,
  };
}

function cellView(cell: MatrixCellSummary | null, columnName: string) {
  if (!cell) return { empty: true, columnName };
  return {
    empty: false,
    columnName,
    href: paths.assignments.show(cell.assignmentId),
    status: statusTag(cell.status, cell.closureReason),
    rag: ragTag(cell.rag),
    overdue: cell.responseOverdue,
  };
}

/** Rows grouped by report (a table body each), cells aligned with the page's columns. */
export function matrixView(m: Matrix) {
  const groups: { report: { title: string; slug: string }; rows: unknown[] }[] = [];
  for (const row of m.rows) {
    let group = groups[groups.length - 1];
    if (!group || group.report.slug !== row.report.slug) {
      group = { report: row.report, rows: [] };
      groups.push(group);
    }
    group.rows.push({
      ref: row.ref,
      title: row.title ?? 'Text not yet entered',
      href: paths.recommendations.show(row.ref),
      cells: row.cells.map((c, i) => cellView(c, m.columns[i]!.name)),
    });
  }
  return { columns: m.columns, groups, columnCount: m.columns.length + 1 };
}

/** The overdue lists as the dashboards service gives them: each capped, with its full count. */
export interface OverdueData {
  reviewWaitingDays: number;
  responses: {
    total: number;
    items: {
      assignmentId: number;
      ref: string;
      title: string | null;
      reportTitle: string;
      organisationName: string;
      dueOn: CalendarDate;
      extended: boolean;
      daysOverdue: number;
    }[];
  };
  actions: {
    total: number;
    items: {
      assignmentId: number;
      ref: string;
      title: string | null;
      organisationName: string;
      description: string;
      owner: string;
      state: keyof typeof ACTION_STATE_LABELS;
      targetOn: CalendarDate;
      daysOverdue: number;
    }[];
  };
  targets?: {
    total: number;
    items: {
      assignmentId: number;
      ref: string;
      title: string | null;
      organisationName: string;
      heldTo: CalendarDate;
      committed: boolean;
      daysPast: number;
    }[];
  };
  updates: {
    total: number;
    items: {
      assignmentId: number;
      ref: string;
      title: string | null;
      organisationName: string;
      author: string;
      postedOn: CalendarDate;
      daysWaiting: number;
      daysOverdue: number;
    }[];
  };
}

/** A capped list: how many there are, whether there are more than shown, and each shown item. */
function listed<T, V>(list: { total: number; items: T[] } | undefined, view: (item: T) => V) {
  return {
    total: list?.total ?? 0,
    more: (list?.total ?? 0) > (list?.items.length ?? 0),
    shown: list?.items.length ?? 0,
    items: (list?.items ?? []).map(view),
  };
}

export function overdueView(data: OverdueData) {
  const common = (i: { assignmentId: number; ref: string; title: string | null }) => ({
    href: paths.assignments.show(i.assignmentId),
    ref: i.ref,
    title: i.title ?? 'Text not yet entered',
  });
  return {
    responses: listed(data.responses, (r) => ({
      ...common(r),
      organisationName: r.organisationName,
      reportTitle: r.reportTitle,
      dueOn: short(r.dueOn),
      extended: r.extended,
      daysOverdue: days(r.daysOverdue),
    })),
    actions: listed(data.actions, (x) => ({
      ...common(x),
      organisationName: x.organisationName,
      description: x.description,
      owner: x.owner,
      state: ACTION_STATE_LABELS[x.state],
      targetOn: short(x.targetOn),
      daysOverdue: days(x.daysOverdue),
    })),
    targets: listed(data.targets, (t) => ({
      ...common(t),
      deadlinesHref: paths.assignments.deadlines(t.assignmentId),
      organisationName: t.organisationName,
      heldTo: short(t.heldTo),
      whose: t.committed ? 'Committed by the organisation' : 'The recommendation’s own',
      daysPast: days(t.daysPast),
    })),
    updates: listed(data.updates, (u) => ({
      ...common(u),
      updatesHref: paths.assignments.updates(u.assignmentId),
      organisationName: u.organisationName,
      author: u.author,
      postedOn: short(u.postedOn),
      daysWaiting: days(u.daysWaiting),
      daysOverdue: days(u.daysOverdue),
    })),
    reviewWaitingDays: days(data.reviewWaitingDays),
  };
}

/** Colour and pattern per status: the chart's legend and the table's headings use the same names. */
export const STATUS_SERIES: ChartSeries[] = [
  {
    key: 'awaiting_response',
    label: STATUS_LABELS.awaiting_response,
    colour: '#8f5e00',
    pattern: 'diagonal',
  },
  { key: 'in_progress', label: STATUS_LABELS.in_progress, colour: '#1d70b8', pattern: 'dots' },
  {
    key: 'awaiting_verification',
    label: STATUS_LABELS.awaiting_verification,
    colour: '#4c2c92',
    pattern: 'horizontal',
  },
  { key: 'implemented', label: STATUS_LABELS.implemented, colour: '#00703c', pattern: 'solid' },
  { key: 'closed', label: STATUS_LABELS.closed, colour: '#505a5f', pattern: 'crosshatch' },
];

export function monthLabel(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return `${monthName(m)} ${year}`;
}

export type ProgressPeriod = 'month' | 'quarter' | 'year';

/**
 * The period a run of months is best read in: months up to two years, quarters up to six, years
 * beyond. (Five years of months is 60 bars and a 60-row table; nobody compares them.)
 */
export function progressPeriodFor(months: ProgressMonth[]): ProgressPeriod {
  if (months.length <= 24) return 'month';
  return months.length <= 72 ? 'quarter' : 'year';
}

/**
 * The months that end each quarter or year (and the last, current one): the counts at the end of
 * a period are those at the end of its last month, so nothing is summed or averaged.
 */
export function groupProgress(months: ProgressMonth[], period: ProgressPeriod): ProgressMonth[] {
  if (period === 'month') return months;
  const keyOf = (m: ProgressMonth) => {
    const [year, n] = m.month.split('-').map(Number) as [number, number];
    return period === 'year' ? String(year) : `${year}-Q${Math.ceil(n / 3)}`;
  };
  const ends = new Map<string, ProgressMonth>();
  for (const m of months) ends.set(keyOf(m), m);
  return [...ends.values()];
}

const QUARTER_NAMES = [
  'January to March',
  'April to June',
  'July to September',
  'October to December',
];
const QUARTER_AXIS = ['Jan–Mar', 'Apr–Jun', 'Jul–Sept', 'Oct–Dec'];

function periodLabels(m: ProgressMonth, i: number, period: ProgressPeriod) {
  const [year, n] = m.month.split('-').map(Number) as [number, number];
  const upTo = m.current ? ` (to ${formatLongDate(m.asOf)})` : '';
  if (period === 'year') return { label: `${year}${upTo}`, axisLabel: [String(year)] };
  if (period === 'quarter') {
    const q = Math.ceil(n / 3) - 1;
    return {
      label: `${QUARTER_NAMES[q]} ${year}${upTo}`,
      axisLabel: i === 0 || q === 0 ? [QUARTER_AXIS[q]!, String(year)] : [QUARTER_AXIS[q]!],
    };
  }
  return {
    label: `${monthLabel(m.month)}${upTo}`,
    // The year under January and under the first bar, so every bar's year can be read.
    axisLabel: i === 0 || n === 1 ? [monthName(n, 'short'), String(year)] : [monthName(n, 'short')],
  };
}

const PERIOD_WORDS: Record<ProgressPeriod, { one: string; end: string }> = {
  month: { one: 'month', end: 'the end of the month' },
  quarter: { one: 'quarter', end: 'the end of the quarter' },
  year: { one: 'year', end: 'the end of the year' },
};

export function progressView(
  allMonths: ProgressMonth[],
  filterDescription: string,
  period: ProgressPeriod = 'month',
) {
  const months = groupProgress(allMonths, period);
  const categories = months.map((m, i) => ({ key: m.month, ...periodLabels(m, i, period) }));
  const first = months[0];
  const last = months[months.length - 1];
  const words = PERIOD_WORDS[period];
  const description =
    first && last
      ? `Stacked bars, one per ${words.one} from ${categories[0]!.label} to ${categories[categories.length - 1]!.label}: how many assignments were in each status at ${words.end}${filterDescription ? ` (${filterDescription})` : ''}. At the end of ${categories[categories.length - 1]!.label}: ${STATUS_SERIES.map((s) => `${s.label.toLowerCase()} ${last.counts[s.key as AssignmentStatus]}`).join(', ')}. The table below gives every figure.`
      : 'No assignments match, so there is nothing to draw.';
  const svg = months.length
    ? stackedBarChartSvg({
        id: 'progress-chart',
        title: 'Assignments by status at the end of each month',
        description,
        categories,
        series: STATUS_SERIES,
        values: months.map((m) => ASSIGNMENT_STATUSES.map((s) => m.counts[s])),
      })
    : null;
  return {
    svg,
    period,
    periodHeading: { month: 'Month', quarter: 'Quarter', year: 'Year' }[period],
    statuses: ASSIGNMENT_STATUSES.map((s) => ({ key: s, label: STATUS_LABELS[s] })),
    rows: months.map((m, i) => ({
      month: categories[i]!.label,
      counts: ASSIGNMENT_STATUSES.map((s) => m.counts[s]),
      total: m.counts.total,
    })),
  };
}

export function summaryLineView(line: SummaryLine, href: string | null) {
  return {
    name: line.name,
    href,
    counts: ASSIGNMENT_STATUSES.map((s) => line.counts[s]),
    total: line.counts.total,
    overdueResponses: line.overdueResponses,
    overdueActions: line.overdueActions,
    rag: [line.rag.red, line.rag.amber, line.rag.green, line.rag.unrated],
  };
}
