/** HTTP for the oversight dashboards and exports: reads the query, asks the service, renders. */
import type { Request, Response } from 'express';
import { check, compileText } from '../../shared/validation';
import { paths } from '../../shared/paths';
import { pagination } from '../public-record/register.view-model';
import {
  DashboardQuery,
  MatrixPageQuery,
  OVERDUE_PAGE_LIMIT,
  SummaryPageQuery,
} from './dashboards.schemas';
import {
  MATRIX_COLUMNS_PER_PAGE,
  MATRIX_ROWS_PER_PAGE,
  type DashboardFilters,
  type DashboardsService,
} from './dashboards.service';
import { assignmentsCsv, matrixCsv } from './dashboards.export';
import {
  dashboardNav,
  filterView,
  matrixView,
  overdueView,
  progressView,
  summaryLineView,
} from './dashboards.view-model';
import { ASSIGNMENT_STATUSES } from '../../db/tables';
import { STATUS_LABELS } from '../register/register.labels';
import { authorise } from '../accounts/policy';
import { keptPage } from '../../shared/response-cache/kept-body';
import {
  canonicalOrganisationHref,
  organisationField,
  type OrganisationField,
} from '../public-record/register.organisation-filter';
import type { VersionMemo } from '../../shared/response-cache/version-memo';

const validateFilters = compileText<DashboardQuery>(DashboardQuery);
const validateMatrixQuery = compileText<MatrixPageQuery>(MatrixPageQuery);
const validateSummaryQuery = compileText<SummaryPageQuery>(SummaryPageQuery);

/**
 * Organisations per page of the summary: with every force and body addressed, one page of all of
 * them ran to more than half a megabyte of HTML.
 */
export const SUMMARY_ROWS_PER_PAGE = 50;

const filtersOf = (q: DashboardFilters): DashboardFilters => ({
  report: q.report,
  organisation: q.organisation,
  theme: q.theme,
});

const breadcrumbs = [{ text: 'Your workspace', href: paths.workspace() }];

/** The query without the typed organisation, which is matched rather than checked as a slug. */
function withoutOrganisation(req: Request) {
  const raw: Record<string, unknown> = { ...req.query };
  const typed = typeof raw.organisation === 'string' ? raw.organisation : undefined;
  if (typed !== undefined) delete raw.organisation;
  return { raw, typed };
}

/** The page's title, marked when the filter could not be used, and its error summary. */
function titled(title: string, field: OrganisationField) {
  return {
    pageTitle: field.error ? `Error: ${title}` : title,
    errorList: field.error ? [{ text: field.error.text, href: '#filter-organisation' }] : [],
  };
}

export function createDashboardsController(service: DashboardsService, memo?: VersionMemo) {
  // Each page's body is the same for everyone allowed to see it: rendered once per data version.
  const kept = (handler: (req: Request, res: Response) => Promise<unknown>) =>
    keptPage(
      memo,
      'workspace',
      service.today,
      (req) => authorise(req.user, 'oversight.view'),
      handler,
    );
  /**
   * The organisation filter is typed (see register.organisation-filter.ts). Resolved, it filters by
   * that organisation; not resolved, the typed text stays the filter: it names no organisation, so
   * nothing matches, the field says why, and the other dashboards' links keep it.
   */
  async function typedFilter(
    typed: string | undefined,
    chosen: DashboardFilters,
    href: (filters: DashboardFilters) => string,
  ) {
    const options = await service.filterOptions();
    const { field, slug } = organisationField(typed, options.organisations, (s) =>
      href({ ...chosen, organisation: s }),
    );
    const organisation = slug ?? (typed?.trim() || undefined);
    return { options, field, filters: { ...chosen, organisation } };
  }

  /** Before a page's kept body: a typed name of exactly one organisation goes to its slug's address. */
  const canonical =
    (path: () => string, page: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response) => {
      authorise(req.user, 'oversight.view');
      const { organisations } = await service.filterOptions();
      const href = canonicalOrganisationHref(path(), { ...req.query }, organisations);
      if (href) return res.redirect(302, href);
      return page(req, res);
    };

  const handlers = {
    matrix: kept(async (req: Request, res: Response) => {
      const { raw, typed } = withoutOrganisation(req);
      const query = check(validateMatrixQuery, raw);
      const { options, field, filters } = await typedFilter(typed, filtersOf(query), (f) =>
        paths.dashboards.matrix(f),
      );
      const page = query.page ?? 1;
      const orgPage = query.orgPage ?? 1;
      const matrix = await service.matrixPage(req.user, filters, page, orgPage);
      const pageCount = Math.max(1, Math.ceil(matrix.totalRows / MATRIX_ROWS_PER_PAGE));
      const orgPageCount = Math.max(1, Math.ceil(matrix.totalColumns / MATRIX_COLUMNS_PER_PAGE));
      const firstColumn = (orgPage - 1) * MATRIX_COLUMNS_PER_PAGE + 1;
      const firstRow = (page - 1) * MATRIX_ROWS_PER_PAGE + 1;
      res.render('dashboards/matrix', {
        ...titled('Where each recommendation stands', field),
        breadcrumbs,
        dashboardNav: dashboardNav('matrix', filters),
        filters: filterView(paths.dashboards.matrix(), filters, options, field),
        matrix: matrixView(matrix),
        totalRows: matrix.totalRows,
        totalColumns: matrix.totalColumns,
        rowRange: matrix.rows.length
          ? { first: firstRow, last: firstRow + matrix.rows.length - 1 }
          : null,
        columnRange: matrix.columns.length
          ? { first: firstColumn, last: firstColumn + matrix.columns.length - 1 }
          : null,
        pagination: pagination(page, pageCount, (n) =>
          paths.dashboards.matrix({
            ...filters,
            page: n === 1 ? undefined : n,
            orgPage: orgPage === 1 ? undefined : orgPage,
          }),
        ),
        organisationPages:
          orgPageCount > 1
            ? {
                previous:
                  orgPage > 1
                    ? paths.dashboards.matrix({
                        ...filters,
                        page: page === 1 ? undefined : page,
                        orgPage: orgPage - 1 === 1 ? undefined : orgPage - 1,
                      })
                    : null,
                next:
                  orgPage < orgPageCount
                    ? paths.dashboards.matrix({
                        ...filters,
                        page: page === 1 ? undefined : page,
                        orgPage: orgPage + 1,
                      })
                    : null,
              }
            : null,
      });
    }),

    overdue: kept(async (req: Request, res: Response) => {
      const { raw, typed } = withoutOrganisation(req);
      const { options, field, filters } = await typedFilter(
        typed,
        filtersOf(check(validateFilters, raw)),
        (f) => paths.dashboards.overdue(f),
      );
      const data = await service.overdue(req.user, filters, OVERDUE_PAGE_LIMIT);
      res.render('dashboards/overdue', {
        ...titled('What is late', field),
        breadcrumbs,
        dashboardNav: dashboardNav('overdue', filters),
        filters: filterView(paths.dashboards.overdue(), filters, options, field),
        today: data.today,
        ...overdueView(data),
      });
    }),

    progress: kept(async (req: Request, res: Response) => {
      const { raw, typed } = withoutOrganisation(req);
      const { options, field, filters } = await typedFilter(
        typed,
        filtersOf(check(validateFilters, raw)),
        (f) => paths.dashboards.progress(f),
      );
      const months = await service.progress(req.user, filters);
      const form = filterView(paths.dashboards.progress(), filters, options, field);
      res.render('dashboards/progress', {
        ...titled('Progress by month', field),
        breadcrumbs,
        dashboardNav: dashboardNav('progress', filters),
        filters: form,
        chart: progressView(months, form.description),
      });
    }),

    summary: kept(async (req: Request, res: Response) => {
      const { raw, typed } = withoutOrganisation(req);
      const query = check(validateSummaryQuery, raw);
      const { options, field, filters } = await typedFilter(typed, filtersOf(query), (f) =>
        paths.dashboards.summary(f),
      );
      const page = query.page ?? 1;
      const data = await service.summary(req.user, filters);
      const pageCount = Math.max(1, Math.ceil(data.organisations.length / SUMMARY_ROWS_PER_PAGE));
      const first = (page - 1) * SUMMARY_ROWS_PER_PAGE;
      const shown = data.organisations.slice(first, first + SUMMARY_ROWS_PER_PAGE);
      res.render('dashboards/summary', {
        organisationRange:
          data.organisations.length > SUMMARY_ROWS_PER_PAGE && shown.length
            ? { first: first + 1, last: first + shown.length, total: data.organisations.length }
            : null,
        pagination: pagination(page, pageCount, (n) =>
          paths.dashboards.summary({ ...filters, page: n === 1 ? undefined : n }),
        ),
        ...titled('Totals by organisation and theme', field),
        breadcrumbs,
        dashboardNav: dashboardNav('summary', filters),
        filters: filterView(paths.dashboards.summary(), filters, options, field),
        statuses: ASSIGNMENT_STATUSES.map((s) => STATUS_LABELS[s]),
        anyOrganisations: data.organisations.length > 0,
        organisations: shown.map((line) =>
          summaryLineView(
            line,
            line.slug ? paths.dashboards.matrix({ ...filters, organisation: line.slug }) : null,
          ),
        ),
        themes: data.themes.map((line) =>
          summaryLineView(
            line,
            line.slug ? paths.dashboards.matrix({ ...filters, theme: line.slug }) : null,
          ),
        ),
      });
    }),

    async matrixCsv(req: Request, res: Response) {
      const filters = filtersOf(check(validateFilters, { ...req.query }));
      const matrix = await service.matrixAll(req.user, filters);
      const today = service.today();
      res
        .type('text/csv; charset=utf-8')
        .attachment(`recommendation-matrix-${today}.csv`)
        .set('Cache-Control', 'no-store')
        .send(matrixCsv(matrix));
    },

    async assignmentsCsv(req: Request, res: Response) {
      const filters = filtersOf(check(validateFilters, { ...req.query }));
      const data = await service.assignments(req.user, filters);
      res
        .type('text/csv; charset=utf-8')
        .attachment(`assignments-${data.today}.csv`)
        .set('Cache-Control', 'no-store')
        .send(assignmentsCsv(data));
    },
  };
  return {
    ...handlers,
    matrix: canonical(() => paths.dashboards.matrix(), handlers.matrix),
    overdue: canonical(() => paths.dashboards.overdue(), handlers.overdue),
    progress: canonical(() => paths.dashboards.progress(), handlers.progress),
    summary: canonical(() => paths.dashboards.summary(), handlers.summary),
  };
}
