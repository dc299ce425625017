/**
 * /api/v1/dashboards/*: the oversight dashboards as JSON, for a token allowed 'oversight.view'
 * (admin, overseer, viewer; a force lead's token gets 403). The same filters and the same service
 * as the pages, so the figures agree with what the pages show.
 *
 * The matrix is a cursor-paged list of recommendations (in report order), each with every live
 * assignment it has (a sparse matrix: organisations not addressed are simply absent).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { paths, routes } from '../../shared/paths';
import { defineApiRoute, type ApiRoute } from '../../shared/api/api-route';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  compareKeys,
  pageAfterSorted,
  pageOf,
  paginationQuery,
  type CursorCodec,
  type CursorKey,
} from '../../shared/api/pagination';
import { StringEnum } from '../../shared/validation';
import { ASSIGNMENT_STATUSES, CLOSURE_REASONS } from '../../db/tables';
import { StatusCountsSchema } from '../public-record/register.api-schemas';
import {
  DashboardQuery,
  MatrixApiQuery,
  OVERDUE_LIST_LIMIT,
  OverdueApiQuery,
} from './dashboards.schemas';
import type {
  DashboardFilters,
  DashboardsService,
  MatrixKey,
  StatusCounts,
  SummaryLine,
} from './dashboards.service';

const closed = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateText = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });
const Path = Type.String({ description: 'A path on this server' });
const Count = Type.Integer({ minimum: 0 });
const Rag = Nullable(
  StringEnum(['red', 'amber', 'green'] as const, {
    description: 'The current delivery confidence (the latest rating), or null when never rated',
  }),
);
const summaryKey = (l: SummaryLine): CursorKey => [l.name, l.slug];
const SUMMARY_ORDER = ['asc', 'asc'] as const;
/** Each summary's organisations in cursor order, sorted once: the service keeps one list per version. */
const summarySorted = new WeakMap<SummaryLine[], SummaryLine[]>();

/** The page of organisations after `after`, from the list sorted once per version. */
function summaryPageAfter(lines: SummaryLine[], after: CursorKey | null, limit: number) {
  let sorted = summarySorted.get(lines);
  if (!sorted) {
    sorted = [...lines].sort((a, b) => compareKeys(summaryKey(a), summaryKey(b), SUMMARY_ORDER));
    summarySorted.set(lines, sorted);
  }
  return pageAfterSorted(sorted, summaryKey, SUMMARY_ORDER, after, limit);
}

const TAGS = ['Dashboards'];

const MatrixRowSchema = closed({
  ref: Type.String(),
  title: Nullable(Type.String()),
  report: closed({ slug: Type.String(), title: Type.String() }),
  assignments: Type.Array(
    closed({
      id: Type.Integer(),
      organisation: closed({ slug: Type.String(), name: Type.String() }),
      status: StringEnum(ASSIGNMENT_STATUSES),
      closureReason: Nullable(StringEnum(CLOSURE_REASONS)),
      rag: Rag,
      responseDueOn: Nullable(DateText),
      responseOverdue: Type.Boolean(),
      links: closed({ html: Path }),
    }),
    { description: 'Every live assignment of the recommendation, by organisation name' },
  ),
});

const ListOf = (item: TSchema) =>
  closed({
    total: Type.Integer({ minimum: 0, description: 'All matching, however many are listed' }),
    items: Type.Array(item),
  });

const OverdueSchema = closed({
  today: DateText,
  reviewWaitingDays: Type.Integer({ minimum: 1 }),
  responses: ListOf(
    closed({
      assignmentId: Type.Integer(),
      ref: Type.String(),
      title: Nullable(Type.String()),
      report: Type.String(),
      organisation: Type.String(),
      dueOn: DateText,
      extended: Type.Boolean({ description: 'A granted extension moved the due date' }),
      daysOverdue: Type.Integer({ minimum: 1 }),
    }),
  ),
  actions: ListOf(
    closed({
      actionId: Type.Integer(),
      assignmentId: Type.Integer(),
      ref: Type.String(),
      title: Nullable(Type.String()),
      organisation: Type.String(),
      description: Type.String(),
      owner: Type.String(),
      state: StringEnum(['planned', 'in_progress'] as const),
      targetOn: DateText,
      daysOverdue: Type.Integer({ minimum: 1 }),
    }),
  ),
  updates: ListOf(
    closed({
      updateId: Type.Integer(),
      assignmentId: Type.Integer(),
      ref: Type.String(),
      title: Nullable(Type.String()),
      organisation: Type.String(),
      author: Type.String(),
      postedAt: Type.String({ format: 'date-time' }),
      daysWaiting: Type.Integer({ minimum: 1 }),
      daysOverdue: Type.Integer({
        minimum: 1,
        description: 'Days beyond the review waiting limit',
      }),
    }),
  ),
});

const ProgressSchema = closed({
  months: Type.Array(
    closed({
      month: Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM' }),
      asOf: DateText,
      current: Type.Boolean({ description: 'This month: figures as of today' }),
      counts: StatusCountsSchema,
    }),
  ),
});

const SummaryLineSchema = closed({
  slug: Nullable(Type.String({ description: 'null for recommendations with no theme' })),
  name: Type.String(),
  counts: StatusCountsSchema,
  overdueResponses: Count,
  overdueActions: Count,
  rag: closed({ red: Count, amber: Count, green: Count, unrated: Count }),
});
const Link = Type.String({ description: 'A path on this server, with its query string' });
const SummarySchema = closed({
  today: DateText,
  organisations: Type.Array(SummaryLineSchema, {
    description: `A page of the organisations (by name, then slug, in code-point order), at most \`limit\` (default ${DEFAULT_LIMIT}); links.next gives the next page`,
  }),
  organisationsTotal: Type.Integer({
    minimum: 0,
    description: 'Organisations with live assignments matching the filters, on all pages',
  }),
  limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: 'Organisations per page' }),
  links: closed({
    self: Link,
    next: Type.Union([Link, Type.Null()], {
      description: 'The next page of organisations, or null on the last page',
    }),
    prev: Type.Null(),
  }),
  themes: Type.Array(SummaryLineSchema, { description: 'Every theme (there are few)' }),
});
const SummaryApiQuery = Type.Object(
  { ...DashboardQuery.properties, ...paginationQuery },
  { additionalProperties: false },
);

const counts = (c: StatusCounts) => ({ ...c });
const summaryLine = (l: SummaryLine) => ({
  slug: l.slug,
  name: l.name,
  counts: counts(l.counts),
  overdueResponses: l.overdueResponses,
  overdueActions: l.overdueActions,
  rag: l.rag,
});

const filtersOf = (q: DashboardFilters): DashboardFilters => ({
  report: q.report,
  organisation: q.organisation,
  theme: q.theme,
});

const FILTERS_NOTE =
  'Filters (report, organisation, theme slugs) narrow the live assignments as on the dashboard pages; withdrawn assignments never count.';

export function dashboardsApiRoutes(service: DashboardsService, cursors: CursorCodec): ApiRoute[] {
  return [
    matrixRoute(service, cursors),
    overdueRoute(service),
    progressRoute(service),
    summaryRoute(service, cursors),
  ];
}

/** The matrix, a page of recommendations at a time. */
function matrixRoute(service: DashboardsService, cursors: CursorCodec): ApiRoute {
  return defineApiRoute({
    method: 'get',
    path: routes.dashboards.api.matrix,
    operationId: 'getDashboardMatrix',
    summary: 'Where each recommendation stands with each organisation',
    description: `Recommendations in report order (newest report first, then position), each with the status and current delivery confidence of every live assignment. ${FILTERS_NOTE}`,
    tags: TAGS,
    auth: { action: 'oversight.view' },
    query: MatrixApiQuery,
    paginated: true,
    responses: {
      200: { description: 'A page of the matrix', schema: pageOf(MatrixRowSchema) },
    },
    handler: async ({ query, user }) => {
      const limit = query.limit ?? DEFAULT_LIMIT;
      const filters = filtersOf(query);
      const after = query.cursor
        ? (cursors.decode('dashboard-matrix', query.cursor, 4) as MatrixKey)
        : null;
      const m = await service.matrixAfter(user, filters, after, limit + 1);
      const rows = m.rows.slice(0, limit);
      const last = rows[rows.length - 1];
      const next =
        m.rows.length > limit && last ? cursors.encode('dashboard-matrix', last.key) : null;
      const link = (cursor: string | undefined) =>
        paths.dashboards.api.matrix({ ...filters, limit: query.limit, cursor });
      return {
        body: {
          items: rows.map((r) => ({
            ref: r.ref,
            title: r.title,
            report: r.report,
            assignments: r.assignments.map((a) => ({
              id: a.assignmentId,
              organisation: a.organisation,
              status: a.status,
              closureReason: a.closureReason,
              rag: a.rag,
              responseDueOn: a.dueOn,
              responseOverdue: a.responseOverdue,
              links: { html: paths.assignments.show(a.assignmentId) },
            })),
          })),
          limit,
          total: m.totalRows,
          links: {
            self: link(query.cursor),
            next: next ? link(next) : null,
            prev: null,
          },
        },
      };
    },
  });
}

/** What is late: responses, actions, past targets and updates waiting for review. */
function overdueRoute(service: DashboardsService): ApiRoute {
  return defineApiRoute({
    method: 'get',
    path: routes.dashboards.api.overdue,
    operationId: 'getDashboardOverdue',
    summary: 'What is late: responses, actions and updates waiting for review',
    description: `Responses past their due date (which includes any granted extension) with none recorded; planned or in-progress actions past their target date; progress updates waiting for review longer than the configured number of days. Each list is longest overdue first, at most \`limit\` items (default ${OVERDUE_LIST_LIMIT}), with its full total. ${FILTERS_NOTE}`,
    tags: TAGS,
    auth: { action: 'oversight.view' },
    query: OverdueApiQuery,
    responses: { 200: { description: 'The late items', schema: OverdueSchema } },
    handler: async ({ query, user }) => {
      const d = await service.overdue(user, filtersOf(query), query.limit ?? OVERDUE_LIST_LIMIT);
      return {
        body: {
          today: d.today,
          reviewWaitingDays: d.reviewWaitingDays,
          responses: {
            total: d.responses.total,
            items: d.responses.items.map((r) => ({
              assignmentId: r.assignmentId,
              ref: r.ref,
              title: r.title,
              report: r.reportTitle,
              organisation: r.organisationName,
              dueOn: r.dueOn,
              extended: r.extended,
              daysOverdue: r.daysOverdue,
            })),
          },
          actions: {
            total: d.actions.total,
            items: d.actions.items.map((x) => ({
              actionId: x.actionId,
              assignmentId: x.assignmentId,
              ref: x.ref,
              title: x.title,
              organisation: x.organisationName,
              description: x.description,
              owner: x.owner,
              state: x.state,
              targetOn: x.targetOn,
              daysOverdue: x.daysOverdue,
            })),
          },
          updates: {
            total: d.updates.total,
            items: d.updates.items.map((u) => ({
              updateId: u.updateId,
              assignmentId: u.assignmentId,
              ref: u.ref,
              title: u.title,
              organisation: u.organisationName,
              author: u.author,
              postedAt: u.postedAt.toISOString(),
              daysWaiting: u.daysWaiting,
              daysOverdue: u.daysOverdue,
            })),
          },
        },
      };
    },
  });
}

/** Counts by status at the end of each month. */
function progressRoute(service: DashboardsService): ApiRoute {
  return defineApiRoute({
    method: 'get',
    path: routes.dashboards.api.progress,
    operationId: 'getDashboardProgress',
    summary: 'Assignments by status at the end of each month',
    description: `From the month of the earliest recommendation among the filtered assignments to this month (as of today), rebuilt from the history of status changes. An assignment counts from the day its recommendation was made until it was withdrawn. ${FILTERS_NOTE}`,
    tags: TAGS,
    auth: { action: 'oversight.view' },
    query: DashboardQuery,
    responses: { 200: { description: 'Counts per month', schema: ProgressSchema } },
    handler: async ({ query, user }) => {
      const months = await service.progress(user, filtersOf(query));
      return {
        body: {
          months: months.map((m) => ({
            month: m.month,
            asOf: m.asOf,
            current: m.current,
            counts: counts(m.counts),
          })),
        },
      };
    },
  });
}

/** Totals per organisation (paged) and per theme. */
function summaryRoute(service: DashboardsService, cursors: CursorCodec): ApiRoute {
  return defineApiRoute({
    method: 'get',
    path: routes.dashboards.api.summary,
    operationId: 'getDashboardSummary',
    summary: 'Totals per organisation and per theme',
    description: `Counts by status, responses and actions overdue today, and current delivery confidence (RAG) counts, per organisation and per theme (a recommendation with several themes counts under each; slug null: no theme). Organisations come a page at a time (\`limit\`, \`cursor\`), every theme with each page. ${FILTERS_NOTE}`,
    tags: TAGS,
    auth: { action: 'oversight.view' },
    query: SummaryApiQuery,
    paginated: true,
    responses: { 200: { description: 'The totals', schema: SummarySchema } },
    handler: async ({ query, user }) => {
      const filters = filtersOf(query);
      const limit = query.limit ?? DEFAULT_LIMIT;
      const s = await service.summary(user, filters);
      const page = summaryPageAfter(
        s.organisations,
        query.cursor ? cursors.decode('dashboard-summary', query.cursor, 2) : null,
        limit,
      );
      const last = page.items[page.items.length - 1];
      const next = page.more && last ? cursors.encode('dashboard-summary', summaryKey(last)) : null;
      const link = (cursor: string | undefined) =>
        paths.dashboards.api.summary({ ...filters, limit: query.limit, cursor });
      return {
        body: {
          today: s.today,
          organisations: page.items.map(summaryLine),
          organisationsTotal: s.organisations.length,
          limit,
          links: { self: link(query.cursor), next: next ? link(next) : null, prev: null },
          themes: s.themes.map(summaryLine),
        },
      };
    },
  });
}
