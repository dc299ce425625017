/** HTTP for the oversight dashboards and exports: reads the query, asks the service, renders. */
import type { Request, Response } from 'express';
import { check, compileText } from '../../shared/validation';
import { paths } from '../../shared/paths';
import { pagination } from '../register/register.view-model';
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
  return {
    matrix: kept(async (req: Request, res: Response) => {
      const query = check(validateMatrixQuery, { ...req.query });
      const filters = filtersOf(query);
      const page = query.page ?? 1;
      const orgPage = query.orgPage ?? 1;
      const matrix = await service.matrixPage(req.user, filters, page, orgPage);
      const options = await service.filterOptions();
      const pageCount = Math.max(1, Math.ceil(matrix.totalRows / MATRIX_ROWS_PER_PAGE));
      const orgPageCount = Math.max(1, Math.ceil(matrix.totalColumns / MATRIX_COLUMNS_PER_PAGE));
      const firstColumn = (orgPage - 1) * MATRIX_COLUMNS_PER_PAGE + 1;
      const firstRow = (page - 1) * MATRIX_ROWS_PER_PAGE + 1;
      res.render('dashboards/matrix', {
        pageTitle: 'Where each recommendation stands',
        breadcrumbs,
        dashboardNav: dashboardNav('matrix', filters),
        filters: filterView(paths.dashboards.matrix(), filters, options),
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
      const filters = filtersOf(check(validateFilters, { ...req.query }));
      const data = await service.overdue(req.user, filters, OVERDUE_PAGE_LIMIT);
      const options = await service.filterOptions();
      res.render('dashboards/overdue', {
        pageTitle: 'What is late',
        breadcrumbs,
        dashboardNav: dashboardNav('overdue', filters),
        filters: filterView(paths.dashboards.overdue(), filters, options),
        today: data.today,
        ...overdueView(data),
      });
    }),

    progress: kept(async (req: Request, res: Response) => {
      const filters = filtersOf(check(validateFilters, { ...req.query }));
      const months = await service.progress(req.user, filters);
      const options = await service.filterOptions();
      const form = filterView(paths.dashboards.progress(), filters, options);
      res.render('dashboards/progress', {
        pageTitle: 'Progress by month',
        breadcrumbs,
        dashboardNav: dashboardNav('progress', filters),
        filters: form,
        chart: progressView(months, form.description),
      });
    }),

    summary: kept(async (req: Request, res: Response) => {
      const query = check(validateSummaryQuery, { ...req.query });
      const filters = filtersOf(query);
      const page = query.page ?? 1;
      const data = await service.summary(req.user, filters);
      const options = await service.filterOptions();
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
        pageTitle: 'Totals by organisation and theme',
        breadcrumbs,
        dashboardNav: dashboardNav('summary', filters),
        filters: filterView(paths.dashboards.summary(), filters, options),
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
}
