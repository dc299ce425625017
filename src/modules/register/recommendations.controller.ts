/**
 * HTTP for a recommendation's admin pages: adding or changing one, its page, and addressing it to
 * organisations.
 */
import type { Request, Response } from 'express';
import { ValidationError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { submitForm, type FormProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import { requestContext } from '../accounts/accounts.controller';
import { STATUS_LABELS, TEXT_STATUS_LABELS } from './register.labels';
import { formatLongDate, londonDate } from '../../shared/calendar-date';
import { HISTORY_LIMIT } from './register-admin.schemas';
import type { RegisterAdminService } from './register-admin.service';
import {
  dateAndTime,
  historyView,
  kindLabel,
  kindOptions,
  textStatusOptions,
} from './register-admin.view-model';
import {
  type Values,
  RECOMMENDATION_FIELDS,
  NOTICES,
  optional,
  list,
  noStore,
  actor,
  param,
  FRESH,
  changedNotice,
  RECOMMENDATION_DATES,
  withDates,
  recommendationFormToInput,
  textValues,
  recommendationValues,
  adminCrumbs,
} from './register-admin.forms';

export function createRecommendationsController(service: RegisterAdminService) {
  async function renderRecommendationForm(
    req: Request,
    res: Response,
    options: {
      values: Values;
      themes: string[];
      reportSlug: string;
      reportTitle: string;
      existing?: string;
    },
    { status, errors }: FormProblem = FRESH,
  ) {
    const themes = await service.themes(actor(req), options.themes);
    const selected = new Set(options.themes);
    noStore(res);
    const heading = options.existing
      ? `Change recommendation ${options.existing}`
      : 'Add a recommendation';
    res.status(status).render('register-admin/recommendation-form', {
      pageTitle: `${errors.length ? 'Error: ' : ''}${heading}`,
      breadcrumbs: [
        ...adminCrumbs(),
        { text: options.reportTitle, href: paths.admin.report(options.reportSlug) },
        ...(options.existing
          ? [{ text: options.existing, href: paths.admin.recommendation(options.existing) }]
          : []),
      ],
      heading,
      action: options.existing
        ? paths.admin.editRecommendation(options.existing)
        : paths.admin.newRecommendation(options.reportSlug),
      values: options.values,
      isNew: !options.existing,
      textStatuses: textStatusOptions(options.values.textStatus ?? ''),
      themes: themes.map((t, i) => ({
        id: i === 0 ? 'themes' : `themes-${i + 1}`,
        value: t.slug,
        text: t.retired ? `${t.name} (retired)` : t.name,
        checked: selected.has(t.slug),
      })),
      ...errorSummary(errors, RECOMMENDATION_FIELDS),
    });
  }

  /** The recommendation form again after a failed save, with what was typed and the errors. */
  async function reshowRecommendationForm(
    req: Request,
    res: Response,
    report: { slug: string; title: string },
    problem: FormProblem,
    existing?: string,
  ) {
    await renderRecommendationForm(
      req,
      res,
      {
        values: textValues(withDates(req.body, RECOMMENDATION_DATES), RECOMMENDATION_FIELDS),
        themes: list((req.body as Record<string, unknown>)?.themes),
        reportSlug: report.slug,
        reportTitle: report.title,
        existing,
      },
      problem,
    );
  }

  return {
    async showNewRecommendation(req: Request, res: Response) {
      const page = await service.report(actor(req), param(req, 'slug'));
      await renderRecommendationForm(req, res, {
        values: {
          madeOn: page.report.published_on ?? '',
          madeOnConfirmed: 'yes',
          textStatus: 'pending',
        },
        themes: [],
        reportSlug: page.report.slug,
        reportTitle: page.report.title,
      });
    },

    async createRecommendation(req: Request, res: Response) {
      const slug = param(req, 'slug');
      await submitForm(
        res,
        async () => {
          const input = recommendationFormToInput(req.body);
          const created = await service.createRecommendation(
            actor(req),
            slug,
            input,
            requestContext(req),
          );
          return paths.admin.recommendation(created.ref, { done: 'created' });
        },
        async (problem) => {
          const { report } = await service.report(actor(req), slug);
          await reshowRecommendationForm(req, res, report, problem);
        },
      );
    },

    async showRecommendation(req: Request, res: Response) {
      const page = await service.recommendation(actor(req), param(req, 'ref').toUpperCase());
      const rec = page.recommendation;
      const addressed = new Set(page.assignments.map((a) => a.organisation_id));
      const themeNames = new Map(page.themes.map((t) => [t.slug, t.name]));
      noStore(res);
      res.render('register-admin/recommendation', {
        pageTitle: `${rec.ref}: ${rec.title ?? 'text not yet entered'}`,
        breadcrumbs: [
          ...adminCrumbs(),
          { text: page.report.title, href: paths.admin.report(page.report.slug) },
        ],
        notice: NOTICES[String(req.query.done ?? '')],
        addedNotice: addedNotice(req.query.added, req.query.skipped),
        recommendation: {
          ...recommendationValues(page.fields),
          title: rec.title,
          textStatusLabel: TEXT_STATUS_LABELS[rec.text_status].label,
          themes: page.fields.themes.map((t) => themeNames.get(t) ?? t),
          madeOnConfirmed: rec.made_on_confirmed,
          withdrawn: rec.withdrawn_at
            ? { on: formatLongDate(londonDate(rec.withdrawn_at)), reason: rec.withdrawn_reason }
            : null,
        },
        editHref: paths.admin.editRecommendation(rec.ref),
        publicHref: paths.recommendations.show(rec.ref),
        withdrawHref: paths.admin.withdrawRecommendation(rec.ref),
        deleteHref: paths.admin.deleteRecommendation(rec.ref),
        canDelete: !page.hasActivity,
        assignments: page.assignments.map((a) => ({
          organisation: a.organisation_name,
          status: STATUS_LABELS[a.status],
          dueOn: a.response_due_on,
          responded: a.responded_on !== null,
          withdrawn: a.withdrawn_at
            ? { on: dateAndTime(a.withdrawn_at), reason: a.withdrawn_reason }
            : null,
          withdrawHref: paths.admin.withdrawAssignment(a.id),
        })),
        addresseesAction: paths.admin.addressees(rec.ref),
        organisations: page.organisations
          .filter((o) => !addressed.has(o.id))
          .map((o, i) => ({
            id: i === 0 ? 'organisations' : `organisations-${i + 1}`,
            value: o.slug,
            text: o.name,
            hint: kindLabel(o.kind),
          })),
        kinds: kindOptions('', 'None'),
        history: historyView(page.history),
        historyLimit: HISTORY_LIMIT,
      });
    },

    async showEditRecommendation(req: Request, res: Response) {
      const page = await service.recommendation(actor(req), param(req, 'ref').toUpperCase());
      await renderRecommendationForm(req, res, {
        values: recommendationValues(page.fields),
        themes: page.fields.themes,
        reportSlug: page.report.slug,
        reportTitle: page.report.title,
        existing: page.recommendation.ref,
      });
    },

    async updateRecommendation(req: Request, res: Response) {
      const ref = param(req, 'ref').toUpperCase();
      await submitForm(
        res,
        async () => {
          const input = recommendationFormToInput(req.body);
          const result = await service.updateRecommendation(
            actor(req),
            ref,
            input,
            requestContext(req),
          );
          return paths.admin.recommendation(result.ref, changedNotice(result.changed));
        },
        async (problem) => {
          const page = await service.recommendation(actor(req), ref);
          await reshowRecommendationForm(req, res, page.report, problem, page.recommendation.ref);
        },
      );
    },

    async addAddressees(req: Request, res: Response) {
      const ref = param(req, 'ref').toUpperCase();
      const body = (req.body ?? {}) as Record<string, unknown>;
      try {
        const result = await service.addAddressees(
          actor(req),
          ref,
          { organisations: list(body.organisations), kind: optional(body.kind) },
          requestContext(req),
        );
        res.redirect(
          303,
          `${paths.admin.recommendation(result.ref, {
            added: result.added.length,
            skipped: result.skipped,
          })}#addressees`,
        );
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await service.recommendation(actor(req), ref);
        noStore(res);
        res.status(400).render('register-admin/problem', {
          pageTitle: 'Error: Address the recommendation',
          breadcrumbs: [...adminCrumbs(), { text: ref, href: paths.admin.recommendation(ref) }],
          ...errorSummary(err.errors.map((e) => ({ ...e, field: 'addressees' }))),
          backHref: `${paths.admin.recommendation(ref)}#addressees`,
        });
      }
    },
  };
}

/** "2 organisations added; 1 already addressed and skipped." from the redirect's query. */
function addedNotice(added: unknown, skipped: unknown): string | null {
  if (typeof added !== 'string' || !/^\d{1,6}$/.test(added)) return null;
  const n = Number(added);
  const s = typeof skipped === 'string' && /^\d{1,6}$/.test(skipped) ? Number(skipped) : 0;
  const organisations = n === 1 ? '1 organisation' : `${n} organisations`;
  return `${organisations} added; ${s} already addressed and skipped.`;
}
