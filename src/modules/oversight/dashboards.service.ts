/**
 * The oversight dashboards: where every live assignment stands (the matrix), what is late, how the
 * statuses moved month by month, and totals per organisation and per theme. Read-only, for those
 * allowed 'oversight.view' (admin, overseer, viewer); every function checks that itself, so the
 * pages, the CSV exports and the API cannot skip it.
 *
 * Derived facts (days overdue, days waiting, whether a response is late) are worked out here from
 * the app clock on each read, never stored and never taken from the database's own clock.
 */
import type { Clock } from '../../shared/clock';
import {
  addDays,
  daysBetween,
  londonDate,
  londonMidnight,
  type CalendarDate,
} from '../../shared/calendar-date';
import { ASSIGNMENT_STATUSES, type AssignmentStatus, type ClosureReason } from '../../db/tables';
import type { CurrentUser } from '../accounts/accounts.types';
import { authorise } from '../accounts/policy';
import type {
  ActionState,
  DashboardFilters,
  DashboardsRepository,
  MatrixCell,
  MatrixKey,
  Rag,
  SummaryCountRow,
} from './dashboards.repository';
import { OVERDUE_LIST_LIMIT } from './dashboards.schemas';
import type { VersionMemo } from '../../shared/response-cache/version-memo';

export type { DashboardFilters, MatrixKey, Rag } from './dashboards.repository';

/** Recommendations per matrix page, and organisations per page of columns. */
export const MATRIX_ROWS_PER_PAGE = 50;
export const MATRIX_COLUMNS_PER_PAGE = 12;

export type StatusCounts = Record<AssignmentStatus, number> & { total: number };

export interface MatrixCellSummary {
  assignmentId: number;
  status: AssignmentStatus;
  closureReason: ClosureReason | null;
  rag: Rag | null;
  dueOn: CalendarDate | null;
  responseOverdue: boolean;
}

export interface MatrixRowSummary {
  id: number;
  ref: string;
  title: string | null;
  report: { slug: string; title: string };
  key: MatrixKey;
  /** One entry per column, in column order; null where the organisation was not addressed. */
  cells: (MatrixCellSummary | null)[];
  /** Every cell of the row, whichever column it is in (the API's sparse form). */
  assignments: (MatrixCellSummary & { organisation: { slug: string; name: string } })[];
}

export interface Matrix {
  rows: MatrixRowSummary[];
  columns: { id: number; slug: string; name: string }[];
  totalRows: number;
  totalColumns: number;
}

export interface SummaryLine {
  slug: string | null;
  name: string;
  counts: StatusCounts;
  overdueResponses: number;
  overdueActions: number;
  rag: Record<Rag | 'unrated', number>;
}

export interface ProgressMonth {
  /** 'YYYY-MM' */
  month: string;
  /** The day the figures are for: the month's last day, or today for this month. */
  asOf: CalendarDate;
  current: boolean;
  counts: StatusCounts;
}

function emptyCounts(): StatusCounts {
  const counts = { total: 0 } as StatusCounts;
  for (const s of ASSIGNMENT_STATUSES) counts[s] = 0;
  return counts;
}

function lastDayOfMonth(month: string): CalendarDate {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${year + 1}-01-01` : `${year}-${String(m + 1).padStart(2, '0')}-01`;
  return addDays(next, -1);
}

export type DashboardsService = ReturnType<typeof createDashboardsService>;

export function createDashboardsService(deps: {
  repository: DashboardsRepository;
  clock: Clock;
  reviewWaitingDays: number;
  /** Keeps each figure for the data version it was computed at (absent: computed every time). */
  memo?: VersionMemo;
}) {
  const { repository, clock, reviewWaitingDays } = deps;

  /**
   * The figures are the same for everyone allowed to see them (permission is checked first), so
   * they are computed once per data version of the workspace (or, for the public overview's
   * chart, the public record) and London day, per query.
   */
  const once = <T>(
    scope: 'public' | 'workspace',
    name: string,
    args: unknown[],
    compute: () => Promise<T>,
  ): Promise<T> =>
    deps.memo
      ? deps.memo.get(scope, `${name}|${clock.today()}|${JSON.stringify(args)}`, compute)
      : compute();

  const isResponseOverdue = (
    a: Pick<MatrixCell, 'responded_on' | 'status' | 'response_due_on'>,
    today: CalendarDate,
  ) =>
    a.responded_on === null &&
    a.status !== 'closed' &&
    a.response_due_on !== null &&
    a.response_due_on < today;

  async function progressMonths(
    filters: DashboardFilters,
    today: CalendarDate,
    now: Date,
  ): Promise<ProgressMonth[]> {
    const rows = await repository.statusCountsByMonth(filters, today, now);
    return monthsFrom(rows, today);
  }

  function monthsFrom(
    rows: Awaited<ReturnType<DashboardsRepository['statusCountsByMonth']>>,
    today: CalendarDate,
  ): ProgressMonth[] {
    const thisMonth = today.slice(0, 7);
    const months = new Map<string, ProgressMonth>();
    for (const row of rows) {
      let m = months.get(row.month);
      if (!m) {
        const current = row.month === thisMonth;
        m = {
          month: row.month,
          asOf: current ? today : lastDayOfMonth(row.month),
          current,
          counts: emptyCounts(),
        };
        months.set(row.month, m);
      }
      m.counts[row.status] = row.count;
      m.counts.total += row.count;
    }
    return [...months.values()];
  }

  async function matrix(
    user: CurrentUser | null,
    filters: DashboardFilters,
    window: Parameters<DashboardsRepository['matrix']>[1],
  ): Promise<Matrix> {
    authorise(user, 'oversight.view');
    // Kept whole, shaped: the API's window has every organisation as a column, so shaping it per
    // request (a cell per organisation per row) would cost more than the query it saves.
    return once('workspace', 'matrix', [filters, window], async () =>
      matrixOf(await repository.matrix(filters, window), clock.today()),
    );
  }

  function matrixOf(
    data: Awaited<ReturnType<DashboardsRepository['matrix']>>,
    today: CalendarDate,
  ): Matrix {
    const columnIndex = new Map(data.columns.map((c, i) => [c.id, i]));
    const byRow = new Map<number, MatrixCell[]>();
    for (const cell of data.cells) {
      const list = byRow.get(cell.recommendation_id);
      if (list) list.push(cell);
      else byRow.set(cell.recommendation_id, [cell]);
    }
    const columnById = new Map(data.columns.map((c) => [c.id, c]));
    return {
      columns: data.columns,
      totalRows: data.total_rows,
      totalColumns: data.total_columns,
      rows: data.rows.map((row) => {
        const cells: (MatrixCellSummary | null)[] = data.columns.map(() => null);
        const assignments: MatrixRowSummary['assignments'] = [];
        for (const cell of byRow.get(row.id) ?? []) {
          const summary: MatrixCellSummary = {
            assignmentId: cell.id,
            status: cell.status,
            closureReason: cell.closure_reason,
            rag: cell.rag,
            dueOn: cell.response_due_on,
            responseOverdue: isResponseOverdue(cell, today),
          };
          const column = columnById.get(cell.organisation_id)!;
          cells[columnIndex.get(cell.organisation_id)!] = summary;
          assignments.push({ ...summary, organisation: { slug: column.slug, name: column.name } });
        }
        assignments.sort((a, b) => a.organisation.name.localeCompare(b.organisation.name));
        return {
          id: row.id,
          ref: row.ref,
          title: row.title,
          report: { slug: row.report_slug, title: row.report_title },
          key: row.key,
          cells,
          assignments,
        };
      }),
    };
  }

  function toSummaryLine(row: SummaryCountRow, noName: string): SummaryLine {
    const counts = emptyCounts();
    for (const s of ASSIGNMENT_STATUSES) counts[s] = row[s];
    counts.total = row.total;
    return {
      slug: row.key,
      name: row.name ?? noName,
      counts,
      overdueResponses: row.overdue_responses,
      overdueActions: row.overdue_actions,
      rag: { red: row.red, amber: row.amber, green: row.green, unrated: row.unrated },
    };
  }

  return {
    reviewWaitingDays,
    today: () => clock.today(),

    filterOptions: () => once('workspace', 'filterOptions', [], () => repository.filterOptions()),

    /** A page of the matrix: rows and columns each chosen by page number (1-based). */
    matrixPage(
      user: CurrentUser | null,
      filters: DashboardFilters,
      page: number,
      orgPage: number,
    ): Promise<Matrix> {
      return matrix(user, filters, {
        rows: { limit: MATRIX_ROWS_PER_PAGE, offset: (page - 1) * MATRIX_ROWS_PER_PAGE },
        columns: {
          limit: MATRIX_COLUMNS_PER_PAGE,
          offset: (orgPage - 1) * MATRIX_COLUMNS_PER_PAGE,
        },
      });
    },

    /** Up to `limit` rows after `after` (the API's cursor), each with all its cells. */
    matrixAfter(
      user: CurrentUser | null,
      filters: DashboardFilters,
      after: MatrixKey | null,
      limit: number,
    ): Promise<Matrix> {
      return matrix(user, filters, { rows: { limit, after } });
    },

    /** The whole matrix (the CSV). */
    matrixAll(user: CurrentUser | null, filters: DashboardFilters): Promise<Matrix> {
      return matrix(user, filters, {});
    },

    async overdue(user: CurrentUser | null, filters: DashboardFilters, limit = OVERDUE_LIST_LIMIT) {
      authorise(user, 'oversight.view');
      const today = clock.today();
      // "Waiting longer than N days": posted on a London day before today − N.
      const waitingSince = londonMidnight(addDays(today, -reviewWaitingDays));
      // Kept shaped (days overdue, London dates), so a request only sends it.
      return once('workspace', 'overdue', [filters, limit, reviewWaitingDays], async () => {
        const responses = await repository.overdueResponses(filters, today, limit);
        const actions = await repository.overdueActions(filters, today, limit);
        const updates = await repository.updatesWaitingForReview(filters, waitingSince, limit);
        const targets = await repository.pastTargets(filters, today, limit);
        return {
          today,
          reviewWaitingDays,
          responses: {
            total: responses[0]?.total ?? 0,
            items: responses.map((r) => ({
              assignmentId: r.id,
              ref: r.ref,
              title: r.title,
              reportTitle: r.report_title,
              organisationName: r.organisation_name,
              dueOn: r.response_due_on,
              extended: r.extended,
              daysOverdue: daysBetween(r.response_due_on, today),
            })),
          },
          actions: {
            total: actions[0]?.total ?? 0,
            items: actions.map((x) => ({
              actionId: x.action_id,
              assignmentId: x.id,
              ref: x.ref,
              title: x.title,
              organisationName: x.organisation_name,
              description: x.description,
              owner: x.owner,
              state: x.state as ActionState,
              targetOn: x.target_on,
              daysOverdue: daysBetween(x.target_on, today),
            })),
          },
          targets: {
            total: targets[0]?.total ?? 0,
            items: targets.map((t) => ({
              assignmentId: t.id,
              ref: t.ref,
              title: t.title,
              organisationName: t.organisation_name,
              heldTo: t.held_to,
              committed: t.committed,
              daysPast: daysBetween(t.held_to, today),
            })),
          },
          updates: {
            total: updates[0]?.total ?? 0,
            items: updates.map((u) => {
              const postedOn = londonDate(new Date(u.created_at));
              const daysWaiting = daysBetween(postedOn, today);
              return {
                updateId: u.update_id,
                assignmentId: u.id,
                ref: u.ref,
                title: u.title,
                organisationName: u.organisation_name,
                author: u.author_label,
                postedAt: new Date(u.created_at),
                postedOn,
                daysWaiting,
                daysOverdue: daysWaiting - reviewWaitingDays,
              };
            }),
          },
        };
      });
    },

    /** Counts by status at the end of each month (this month: as of now). */
    async progress(user: CurrentUser | null, filters: DashboardFilters): Promise<ProgressMonth[]> {
      authorise(user, 'oversight.view');
      return once('workspace', 'progress', [filters], () =>
        progressMonths(filters, clock.today(), clock.now()),
      );
    },

    /**
     * The same counts for the public overview, for everyone: statuses are public. With `asOf`,
     * the months up to that day, as the record stood at its end (Europe/London).
     */
    async publicProgress(asOf?: CalendarDate): Promise<ProgressMonth[]> {
      if (!asOf)
        return once('public', 'publicProgress', [], () =>
          progressMonths({}, clock.today(), clock.now()),
        );
      const endOfDay = new Date(londonMidnight(addDays(asOf, 1)).getTime() - 1);
      return once('public', 'publicProgress', [asOf], () => progressMonths({}, asOf, endOfDay));
    },

    async summary(user: CurrentUser | null, filters: DashboardFilters) {
      authorise(user, 'oversight.view');
      const today = clock.today();
      // Kept shaped: a line per organisation, which the API then pages.
      return once('workspace', 'summary', [filters], async () => {
        const organisations = await repository.summary(filters, today, 'organisation');
        const themes = await repository.summary(filters, today, 'theme');
        return {
          today,
          organisations: organisations.map((r) => toSummaryLine(r, 'Unknown organisation')),
          themes: themes.map((r) => toSummaryLine(r, 'No theme')),
        };
      });
    },

    /** Every live assignment with its current state, for the assignments CSV. */
    async assignments(user: CurrentUser | null, filters: DashboardFilters) {
      authorise(user, 'oversight.view');
      const today = clock.today();
      const rows = await once('workspace', 'assignments', [filters], () =>
        repository.assignmentsForExport(filters),
      );
      return {
        today,
        rows: rows.map((r) => {
          // Late: answered after the due date, or still unanswered (and open) past it. Unknown
          // when there is no due date, or when only the day the response was reported is known.
          let late: boolean | null = null;
          if (r.response_due_on !== null) {
            if (r.responded_on !== null)
              late = r.response_date_confirmed ? r.responded_on > r.response_due_on : null;
            else late = r.status !== 'closed' && r.response_due_on < today;
          }
          return {
            assignmentId: r.id,
            ref: r.ref,
            title: r.title,
            reportTitle: r.report_title,
            organisationName: r.organisation_name,
            status: r.status,
            closureReason: r.closure_reason,
            dueOn: r.response_due_on,
            respondedOn: r.responded_on,
            stance: r.response_stance,
            late,
            rag: r.rag,
            lastUpdateOn: r.last_update_at ? londonDate(new Date(r.last_update_at)) : null,
            updatesWaiting: r.updates_waiting,
          };
        }),
      };
    },
  };
}
