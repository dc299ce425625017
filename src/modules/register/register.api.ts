/**
 * The read-only JSON API for the register (/api/v1). Same service and schemas as the pages; the
 * shapes below are the published contract, so fields are added, never renamed.
 */
import { Router, type Request, type Response } from 'express';
import { check, compileText } from '../../shared/validation';
import { paths, routes } from '../../shared/paths';
import {
  DEFAULT_PAGE_SIZE,
  type AssignmentSummary,
  type RecommendationSummary,
  type RegisterService,
  type ReportSummary,
} from './register.service';
import { RecommendationQuery } from './register.schemas';
import { DEADLINE_RULES } from '../deadlines/deadlines.rules';

const validateRecommendationQuery = compileText<RecommendationQuery>(RecommendationQuery);

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
    organisation: {
      slug: a.organisation.slug,
      name: a.organisation.name,
      kind: a.organisation.kind,
    },
    recommendation: { ref: a.recommendation.ref, title: a.recommendation.title },
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
  };
}

/** A recommendation in a list: its addressees as counts, so a page stays small however many there are. */
export function presentRecommendationSummary(r: RecommendationSummary) {
  const { assignments: _assignments, ...full } = presentRecommendation(r);
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
    assignments: r.assignments.map(presentAssignment),
    links: { self: paths.api.recommendation(r.ref), html: paths.recommendations.show(r.ref) },
  };
}

export function createRegisterApiRouter(service: RegisterService): Router {
  const router = Router();

  router.get(routes.api.reports, async (_req: Request, res: Response) => {
    const reports = await service.listReports();
    res.json({ items: reports.map(presentReport) });
  });

  router.get(routes.api.report, async (req: Request, res: Response) => {
    const { report } = await service.report(String(req.params.slug));
    res.json(presentReport(report));
  });

  router.get(routes.api.recommendations, async (req: Request, res: Response) => {
    const {
      page = 1,
      pageSize = DEFAULT_PAGE_SIZE,
      ...filters
    } = check(validateRecommendationQuery, { ...req.query });
    const result = await service.listRecommendations(filters, page, pageSize);
    const link = (n: number) => paths.api.recommendations({ ...filters, page: n, pageSize });
    res.json({
      items: result.items.map(presentRecommendationSummary),
      page: result.page,
      pageSize: result.pageSize,
      total: result.total,
      pageCount: result.pageCount,
      links: {
        self: link(page),
        next: page < result.pageCount ? link(page + 1) : null,
        prev: page > 1 ? link(page - 1) : null,
      },
    });
  });

  router.get(routes.api.recommendation, async (req: Request, res: Response) => {
    res.json(presentRecommendation(await service.recommendation(String(req.params.ref))));
  });

  router.get(routes.api.organisations, async (_req: Request, res: Response) => {
    const organisations = await service.listOrganisations();
    res.json({
      items: organisations.map((o) => ({
        ...o,
        links: { self: paths.api.organisation(o.slug), html: paths.organisations.show(o.slug) },
      })),
    });
  });

  router.get(routes.api.organisation, async (req: Request, res: Response) => {
    const data = await service.organisation(String(req.params.slug));
    res.json({
      ...data.organisation,
      assignmentsByStatus: data.statusCounts,
      overdueResponses: data.overdueCount,
      assignments: data.assignments.map(presentAssignment),
      links: {
        self: paths.api.organisation(data.organisation.slug),
        html: paths.organisations.show(data.organisation.slug),
      },
    });
  });

  return router;
}
