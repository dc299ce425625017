/**
 * The register's JSON API (/api/v1), declared with defineApiRoute so each route's checks and its
 * OpenAPI entry come from one place. Same service and schemas as the pages; the response shapes
 * are the published contract (register.api-schemas.ts), so fields are added, never renamed.
 *
 * Lists use cursor pagination (src/shared/api/pagination.ts) in a documented, stable order:
 * reports newest first then by slug; recommendations in the register's order (report newest
 * first, then position in the report, then ref); organisations by name then slug.
 */
import { Type } from '@sinclair/typebox';
import { paths, routes } from '../../shared/paths';
import { defineApiRoute, type ApiRoute } from '../../shared/api/api-route';
import {
  DEFAULT_LIMIT,
  pageAfter,
  paginationQuery,
  type CursorCodec,
  type CursorKey,
} from '../../shared/api/pagination';
import { ValidationError } from '../../shared/errors';
import {
  DEFAULT_PAGE_SIZE,
  type AssignmentSummary,
  type RecommendationSummary,
  type RegisterService,
  type ReportSummary,
} from './register.service';
import { RecommendationQuery, RefParam, SlugParam } from './register.schemas';
import { withQuery as withQueryPath } from '../../shared/paths';
import {
  OrganisationPageSchema,
  OrganisationSchema,
  RecommendationPageSchema,
  RecommendationSchema,
  ReportPageSchema,
  ReportSchema,
} from './register.api-schemas';
import { DEADLINE_RULES } from '../assignments/deadlines.rules';
import { caveatsOf } from './register.caveats';

export function presentReport(r: ReportSummary) {
  return {
    slug: r.slug,
    title: r.title,
    issuer: { name: r.issuerName, shortName: r.issuerShort },
    publishedOn: r.publishedOn,
    datedOn: r.datedOn,
    legalBasis: {
      code: r.legalBasis,
      label: r.legalBasisLabel,
      shortLabel: DEADLINE_RULES[r.legalBasis].shortLabel,
    },
    sourceUrl: r.sourceUrl,
    summary: r.summary,
    recommendationCount: r.recommendationCount,
    assignmentsByStatus: r.statusCounts,
    links: {
      self: paths.api.report(r.slug),
      html: paths.reports.show(r.slug),
      recommendations: paths.api.recommendations({ report: r.slug }),
    },
  };
}

export function presentAssignment(a: AssignmentSummary) {
  return {
    id: a.id,
    organisation: {
      slug: a.organisation.slug,
      name: a.organisation.name,
      kind: a.organisation.kind,
    },
    recommendation: {
      ref: a.recommendation.ref,
      title: a.recommendation.title,
      textStatus: a.recommendation.textStatus,
      madeOnConfirmed: a.recommendation.madeOnConfirmed,
    },
    addresseeConfirmed: a.addresseeConfirmed,
    status: a.status,
    closureReason: a.closureReason,
    response: a.response,
    responseDue: {
      dueOn: a.due.dueOn,
      daysRemaining: a.due.daysRemaining,
      overdue: a.due.overdue,
      overdueByDays: a.due.overdueByDays,
      description: a.due.description,
    },
    withdrawn: a.withdrawn,
    lastReviewedOn: a.reviewedOn,
    statusNote: a.statusNote,
    // The page's caveats, each with a stable code and the words the page and open data use.
    caveats: caveatsOf({
      organisationName: a.organisation.name,
      addresseeConfirmed: a.addresseeConfirmed,
      textStatus: a.recommendation.textStatus,
      madeOnConfirmed: a.recommendation.madeOnConfirmed,
      // The date `response` states: the current version's own, as the page shows it.
      respondedOn: a.response?.respondedOn ?? null,
      responseDateConfirmed: a.response?.dateConfirmed ?? null,
    }).map(({ code, text }) => ({ code, text })),
  };
}

/** A recommendation in a list: its addressees as counts, so a page stays small however many there are. */
export function presentRecommendationSummary(r: RecommendationSummary) {
  const {
    assignments: _assignments,
    withdrawnAssignments: _withdrawnAssignments,
    ...full
  } = presentRecommendation(r);
  return full;
}

export function presentRecommendation(r: RecommendationSummary) {
  return {
    ref: r.ref,
    sourceNumber: r.sourceNumber,
    title: r.title,
    text: r.text,
    textStatus: r.textStatus,
    madeOn: r.madeOn,
    madeOnConfirmed: r.madeOnConfirmed,
    sourceUrl: r.sourceUrl,
    repeats: r.repeatsRef,
    report: { slug: r.report.slug, title: r.report.title },
    themes: r.themes,
    addressees: {
      total: r.addressees.total,
      byStatus: r.addressees.byStatus,
      overdueResponses: r.addressees.overdueResponses,
    },
    withdrawn: r.withdrawn,
    assignments: r.assignments.map(presentAssignment),
    withdrawnAssignments: r.withdrawnAssignments.map(presentAssignment),
    links: { self: paths.api.recommendation(r.ref), html: paths.recommendations.show(r.ref) },
  };
}

export function presentOrganisation(data: Awaited<ReturnType<RegisterService['organisation']>>) {
  return {
    ...data.organisation,
    assignmentsByStatus: data.statusCounts,
    overdueResponses: data.overdueCount,
    assignments: data.assignments.map(presentAssignment),
    links: {
      self: paths.api.organisation(data.organisation.slug),
      html: paths.organisations.show(data.organisation.slug),
    },
  };
}

const ListQuery = Type.Object(paginationQuery, { additionalProperties: false });
const RecommendationListQuery = Type.Object(
  { ...RecommendationQuery.properties, ...paginationQuery },
  { additionalProperties: false },
);

const TAGS = {
  reports: ['Reports'],
  recommendations: ['Recommendations'],
  organisations: ['Organisations'],
};

/** The links of a cursor page: self as asked, next with the cursor after the last item. */
export function cursorLinks(
  build: (query: Record<string, string | number | undefined>) => string,
  query: { limit?: number; cursor?: string },
  next: string | null,
) {
  return {
    self: build({ limit: query.limit, cursor: query.cursor }),
    next: next ? build({ limit: query.limit, cursor: next }) : null,
    prev: null,
  };
}

const reportKey = (r: ReportSummary): CursorKey => [r.publishedOn, r.slug];
const organisationKey = (o: { name: string; slug: string }): CursorKey => [o.name, o.slug];
/** The key a list's cursor stands for, or null for its first page. */
const after = (codec: CursorCodec, list: string, cursor: string | undefined, arity: number) =>
  cursor ? codec.decode(list, cursor, arity) : null;

export function registerApiRoutes(service: RegisterService, cursors: CursorCodec): ApiRoute[] {
  return [
    ...reportRoutes(service, cursors),
    ...recommendationRoutes(service, cursors),
    ...organisationRoutes(service, cursors),
  ];
}

/** The reports: a page of them, and one by its slug. */
function reportRoutes(service: RegisterService, cursors: CursorCodec): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'get',
      path: routes.api.reports,
      operationId: 'listReports',
      summary: 'List reports',
      description: 'Ordered by publication date, newest first (undated last), then by slug.',
      tags: TAGS.reports,
      auth: 'public',
      query: ListQuery,
      paginated: true,
      responses: { 200: { description: 'A page of reports', schema: ReportPageSchema } },
      handler: async ({ query }) => {
        const limit = query.limit ?? DEFAULT_LIMIT;
        const all = await service.listReports();
        const page = pageAfter(
          all,
          reportKey,
          ['desc', 'asc'],
          after(cursors, 'reports', query.cursor, 2),
          limit,
        );
        const last = page.items[page.items.length - 1];
        const next = page.more && last ? cursors.encode('reports', reportKey(last)) : null;
        return {
          body: {
            items: page.items.map(presentReport),
            limit,
            total: all.length,
            links: cursorLinks((q) => withQueryPath(paths.api.reports(), q), query, next),
          },
        };
      },
    }),
    defineApiRoute({
      method: 'get',
      path: routes.api.report,
      operationId: 'getReport',
      summary: 'One report',
      tags: TAGS.reports,
      auth: 'public',
      params: SlugParam,
      responses: { 200: { description: 'The report', schema: ReportSchema } },
      handler: async ({ params }) => {
        const { report } = await service.report(params.slug);
        return { body: presentReport(report) };
      },
    }),
  ];
}

/** The recommendations: a filtered page of them, and one by its reference. */
function recommendationRoutes(service: RegisterService, cursors: CursorCodec): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'get',
      path: routes.api.recommendations,
      operationId: 'listRecommendations',
      summary: 'List recommendations, with filters',
      description:
        'Filters combine: `organisation` and `status` match recommendations with at least one such assignment. Ordered as the register lists them: by report (newest first), then position in the report, then ref. The older `page` and `pageSize` parameters still work (offset paging, with `page`, `pageSize` and `pageCount` in the answer) but are deprecated: use `limit` and `cursor`.',
      tags: TAGS.recommendations,
      auth: 'public',
      query: RecommendationListQuery,
      paginated: true,
      responses: {
        200: { description: 'A page of recommendations', schema: RecommendationPageSchema },
      },
      handler: async ({ query }) => {
        const { page, pageSize, limit, cursor, ...filters } = query;
        if (page !== undefined || pageSize !== undefined) {
          if (cursor !== undefined || limit !== undefined)
            throw new ValidationError([
              {
                field: cursor !== undefined ? 'cursor' : 'limit',
                message: 'Use either page and pageSize, or limit and cursor, not both',
              },
            ]);
          return {
            body: await offsetPage(service, filters, page ?? 1, pageSize ?? DEFAULT_PAGE_SIZE),
          };
        }
        const size = limit ?? DEFAULT_LIMIT;
        const key = after(cursors, 'recommendations', cursor, 4);
        const result = await service.listRecommendationsAfter(
          filters,
          key
            ? {
                publishedOn: key[0] === null ? null : String(key[0]),
                reportId: Number(key[1]),
                position: Number(key[2]),
                ref: String(key[3]),
              }
            : null,
          size,
        );
        const next = result.next
          ? cursors.encode('recommendations', [
              result.next.publishedOn,
              result.next.reportId,
              result.next.position,
              result.next.ref,
            ])
          : null;
        return {
          body: {
            items: result.items.map(presentRecommendationSummary),
            limit: size,
            total: result.total,
            links: cursorLinks((q) => paths.api.recommendations({ ...filters, ...q }), query, next),
          },
        };
      },
    }),
    defineApiRoute({
      method: 'get',
      path: routes.api.recommendation,
      operationId: 'getRecommendation',
      summary: 'One recommendation, with every addressee',
      tags: TAGS.recommendations,
      auth: 'public',
      params: RefParam,
      responses: { 200: { description: 'The recommendation', schema: RecommendationSchema } },
      handler: async ({ params }) => ({
        body: presentRecommendation(await service.recommendation(params.ref)),
      }),
    }),
  ];
}

/** The organisations: a page of them, and one by its slug. */
function organisationRoutes(service: RegisterService, cursors: CursorCodec): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'get',
      path: routes.api.organisations,
      operationId: 'listOrganisations',
      summary: 'List organisations',
      description: 'Ordered by name, then slug (by Unicode code point).',
      tags: TAGS.organisations,
      auth: 'public',
      query: ListQuery,
      paginated: true,
      responses: {
        200: { description: 'A page of organisations', schema: OrganisationPageSchema },
      },
      handler: async ({ query }) => {
        const limit = query.limit ?? DEFAULT_LIMIT;
        const all = await service.listOrganisations();
        const page = pageAfter(
          all,
          organisationKey,
          ['asc', 'asc'],
          after(cursors, 'organisations', query.cursor, 2),
          limit,
        );
        const last = page.items[page.items.length - 1];
        const next =
          page.more && last ? cursors.encode('organisations', organisationKey(last)) : null;
        return {
          body: {
            items: page.items.map((o) => ({
              ...o,
              links: {
                self: paths.api.organisation(o.slug),
                html: paths.organisations.show(o.slug),
              },
            })),
            limit,
            total: all.length,
            links: cursorLinks((q) => withQueryPath(paths.api.organisations(), q), query, next),
          },
        };
      },
    }),
    defineApiRoute({
      method: 'get',
      path: routes.api.organisation,
      operationId: 'getOrganisation',
      summary: 'One organisation, with its assignments',
      tags: TAGS.organisations,
      auth: 'public',
      params: SlugParam,
      responses: { 200: { description: 'The organisation', schema: OrganisationSchema } },
      handler: async ({ params }) => {
        return { body: presentOrganisation(await service.organisation(params.slug)) };
      },
    }),
  ];
}

/** The older offset paging of /api/v1/recommendations (?page=&pageSize=), kept for existing clients. */
async function offsetPage(
  service: RegisterService,
  filters: Omit<RecommendationQuery, 'page' | 'pageSize'>,
  page: number,
  pageSize: number,
) {
  const result = await service.listRecommendations(filters, page, pageSize);
  const link = (n: number) => paths.api.recommendations({ ...filters, page: n, pageSize });
  return {
    items: result.items.map(presentRecommendationSummary),
    page: result.page,
    pageSize: result.pageSize,
    total: result.total,
    pageCount: result.pageCount,
    limit: pageSize,
    links: {
      self: link(page),
      next: page < result.pageCount ? link(page + 1) : null,
      prev: page > 1 ? link(page - 1) : null,
    },
  };
}
