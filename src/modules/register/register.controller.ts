/** HTTP for the public register pages: reads the request, asks the service, renders a view. */
import type { Request, Response } from 'express';
import { check, compileText } from '../../shared/validation';
import { paths } from '../../shared/paths';
import { RecommendationQuery } from './register.schemas';
import type { RegisterService } from './register.service';
import { ORGANISATION_KIND_LABELS } from './register.labels';
import {
  assignmentView,
  describeFilters,
  filterForm,
  pagination,
  recommendationView,
  reportView,
  statusSummary,
} from './register.view-model';

const validateRecommendationQuery = compileText<RecommendationQuery>(RecommendationQuery);

export function createRegisterController(service: RegisterService) {
  return {
    async home(_req: Request, res: Response) {
      const data = await service.overview();
      res.render('register/home', {
        pageTitle: 'Overview',
        today: data.today,
        reports: data.reports.map(reportView),
        reportTotal: data.reportTotal,
        moreReports: data.reportTotal > data.reports.length,
        reportsHref: paths.reports.index(),
        totals: statusSummary(data.totals),
        assignmentTotal: data.totals.total,
        overdue: data.overdue.map(assignmentView),
        overdueTotal: data.overdueTotal,
        overdueMore: data.overdueTotal > data.overdue.length,
        recommendationsHref: paths.recommendations.index(),
      });
    },

    async reports(_req: Request, res: Response) {
      const reports = await service.listReports();
      res.render('register/reports', { pageTitle: 'Reports', reports: reports.map(reportView) });
    },

    async report(req: Request, res: Response) {
      const { report, recommendations } = await service.report(String(req.params.slug));
      res.render('register/report', {
        pageTitle: report.title,
        report: reportView(report),
        recommendations: recommendations.map(recommendationView),
      });
    },

    async recommendations(req: Request, res: Response) {
      const query = check(validateRecommendationQuery, { ...req.query });
      const { page = 1, pageSize, ...filters } = query;
      const [result, options] = await Promise.all([
        service.listRecommendations(filters, page, pageSize),
        service.filterOptions(),
      ]);
      const hrefFor = (n: number) =>
        paths.recommendations.index({ ...filters, pageSize, page: n === 1 ? undefined : n });
      const description = describeFilters(filters, options);
      res.render('register/recommendations', {
        pageTitle:
          page > 1 ? `Recommendations (page ${page} of ${result.pageCount})` : 'Recommendations',
        items: result.items.map(recommendationView),
        total: result.total,
        pastTheEnd:
          result.items.length === 0 && result.total > 0
            ? { page, pageCount: result.pageCount, firstHref: hrefFor(1) }
            : null,
        firstItem: result.total === 0 ? 0 : (page - 1) * result.pageSize + 1,
        lastItem: Math.min(page * result.pageSize, result.total),
        filters: filterForm(filters, options),
        filterDescription: description.join(', '),
        pagination: pagination(page, result.pageCount, hrefFor),
      });
    },

    async recommendation(req: Request, res: Response) {
      const recommendation = await service.recommendation(String(req.params.ref));
      const view = recommendationView(recommendation);
      res.render('register/recommendation', {
        pageTitle: `${view.ref}: ${view.title}`,
        recommendation: view,
      });
    },

    async organisations(_req: Request, res: Response) {
      const organisations = await service.listOrganisations();
      res.render('register/organisations', {
        pageTitle: 'Organisations',
        organisations: organisations.map((o) => ({
          ...o,
          href: paths.organisations.show(o.slug),
          kindLabel: ORGANISATION_KIND_LABELS[o.kind],
        })),
      });
    },

    async organisation(req: Request, res: Response) {
      const data = await service.organisation(String(req.params.slug));
      res.render('register/organisation', {
        pageTitle: data.organisation.name,
        organisation: {
          ...data.organisation,
          kindLabel: ORGANISATION_KIND_LABELS[data.organisation.kind],
        },
        assignments: data.assignments.map(assignmentView),
        statuses: statusSummary(data.statusCounts).map((s) => ({
          ...s,
          href: paths.recommendations.index({
            organisation: data.organisation.slug,
            status: s.status,
          }),
        })),
        assignmentTotal: data.statusCounts.total,
        overdueCount: data.overdueCount,
      });
    },
  };
}
