/** HTTP for /admin/reports: the list of reports, a report's page, and adding or changing one. */
import type { Request, Response } from 'express';
import { errorSummary } from '../../shared/form-errors';
import { submitForm, type FormProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import { requestContext } from '../accounts/accounts.controller';
import { TEXT_STATUS_LABELS } from './register.labels';
import { DEADLINE_RULES } from '../assignments/deadlines.rules';
import { HISTORY_LIMIT } from './register-admin.schemas';
import type { RegisterAdminService } from './register-admin.service';
import { historyView, legalBasisOptions } from './register-admin.view-model';
import {
  type Values,
  REPORT_FIELDS,
  NOTICES,
  noStore,
  actor,
  param,
  FRESH,
  changedNotice,
  adminCrumbs,
  REPORT_DATES,
  withDates,
  reportFormToInput,
  textValues,
  reportValues,
  renderAdminList,
} from './register-admin.forms';

export function createReportsController(service: RegisterAdminService) {
  async function renderReportForm(
    req: Request,
    res: Response,
    values: Values,
    existing?: string,
    { status, errors }: FormProblem = FRESH,
  ) {
    noStore(res);
    res.status(status).render('register-admin/report-form', {
      pageTitle: `${errors.length ? 'Error: ' : ''}${existing ? 'Change the report' : 'Add a report'}`,
      breadcrumbs: existing
        ? [...adminCrumbs(), { text: values.title || existing, href: paths.admin.report(existing) }]
        : adminCrumbs(),
      heading: existing ? 'Change the report' : 'Add a report',
      action: existing ? paths.admin.editReport(existing) : paths.admin.newReport(),
      values,
      legalBases: legalBasisOptions(values.legalBasis ?? ''),
      publishYes: values.publishResponses !== 'no',
      ...errorSummary(errors, REPORT_FIELDS),
    });
  }

  return {
    async listReports(req: Request, res: Response) {
      const rows = await service.listReports(actor(req));
      renderAdminList(res, 'register-admin/reports', {
        pageTitle: 'Manage reports',
        newHref: paths.admin.newReport(),
        organisationsHref: paths.admin.organisations(),
        themesHref: paths.admin.themes(),
        reports: rows.map((r) => ({
          title: r.title,
          href: paths.admin.report(r.slug),
          issuer: r.issuer_short ?? r.issuer_name,
          publishedOn: r.published_on,
          recommendations: r.recommendation_count,
        })),
      });
    },

    async showNewReport(req: Request, res: Response) {
      await renderReportForm(req, res, { publishResponses: 'yes' });
    },

    async createReport(req: Request, res: Response) {
      await submitForm(
        res,
        async () => {
          const input = reportFormToInput(req.body);
          const { slug } = await service.createReport(actor(req), input, requestContext(req));
          return paths.admin.report(slug, { done: 'created' });
        },
        (problem) =>
          renderReportForm(
            req,
            res,
            textValues(withDates(req.body, REPORT_DATES), REPORT_FIELDS),
            undefined,
            problem,
          ),
      );
    },

    async showReport(req: Request, res: Response) {
      const page = await service.report(actor(req), param(req, 'slug'));
      const r = page.report;
      noStore(res);
      res.render('register-admin/report', {
        pageTitle: r.title,
        breadcrumbs: adminCrumbs(),
        notice: NOTICES[String(req.query.done ?? '')],
        report: {
          ...reportValues(page.fields),
          legalBasisLabel: DEADLINE_RULES[r.legal_basis].label,
          publishResponses: r.publish_responses,
        },
        editHref: paths.admin.editReport(r.slug),
        publicHref: paths.reports.show(r.slug),
        newRecommendationHref: paths.admin.newRecommendation(r.slug),
        recommendations: page.recommendations.map((rec) => ({
          ref: rec.ref,
          href: paths.admin.recommendation(rec.ref),
          title: rec.title ?? 'Text not yet entered',
          textStatus: TEXT_STATUS_LABELS[rec.text_status].label,
          position: rec.position,
          addressees: rec.live_assignments,
          withdrawn: Boolean(rec.withdrawn_at),
        })),
        history: historyView(page.history),
        historyLimit: HISTORY_LIMIT,
      });
    },

    async showEditReport(req: Request, res: Response) {
      const page = await service.report(actor(req), param(req, 'slug'));
      await renderReportForm(req, res, reportValues(page.fields), page.report.slug);
    },

    async updateReport(req: Request, res: Response) {
      const slug = param(req, 'slug');
      await submitForm(
        res,
        async () => {
          const input = reportFormToInput(req.body);
          const result = await service.updateReport(actor(req), slug, input, requestContext(req));
          return paths.admin.report(result.slug, changedNotice(result.changed));
        },
        async (problem) => {
          await service.report(actor(req), slug); // an unknown report is a 404, not a form
          await renderReportForm(
            req,
            res,
            textValues(withDates(req.body, REPORT_DATES), REPORT_FIELDS),
            slug,
            problem,
          );
        },
      );
    },
  };
}
