/**
 * HTTP for /admin/reports, /admin/recommendations, /admin/assignments, /admin/organisations and
 * /admin/themes.
 * Turns form fields (all text) into the typed inputs of register-admin.schemas.ts and hands them to
 * the service, which validates them; on a ValidationError (or a ConflictError naming a field) the
 * form is shown again with what was typed and the GOV.UK error summary. The router has already
 * checked that the visitor may manage the register.
 */
import type { Request, Response } from 'express';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { asText, pickFields } from '../../shared/form-input';
import { readDateFields } from '../../shared/date-input';
import { submitForm, validationProblem, type FormProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import { compileText } from '../../shared/validation';
import { requestContext } from '../accounts/accounts.controller';
import { STATUS_LABELS, TEXT_STATUS_LABELS } from './register.labels';
import { DEADLINE_RULES } from '../assignments/deadlines.rules';
import type { CurrentUser } from '../accounts/accounts.types';
import { formatLongDate, londonDate } from '../../shared/calendar-date';
import {
  AssignmentIdParam,
  HISTORY_LIMIT,
  type RecommendationInput,
  type ReportInput,
} from './register-admin.schemas';
import type { RegisterAdminService } from './register-admin.service';
import {
  dateAndTime,
  historyView,
  kindLabel,
  kindOptions,
  legalBasisOptions,
  textStatusOptions,
} from './register-admin.view-model';

type Values = Record<string, string>;

const REPORT_FIELDS = [
  'title',
  'slug',
  'issuerName',
  'issuerShort',
  'publishedOn',
  'datedOn',
  'legalBasis',
  'sourceUrl',
  'summary',
  'publishResponses',
] as const;
const RECOMMENDATION_FIELDS = [
  'ref',
  'sourceNumber',
  'position',
  'textStatus',
  'title',
  'text',
  'themes',
  'madeOn',
  'madeOnConfirmed',
  'sourceUrl',
  'repeatsRef',
] as const;
const ORGANISATION_FIELDS = ['name', 'slug', 'kind'] as const;
const THEME_FIELDS = ['name', 'slug'] as const;

const NOTICES: Record<string, string> = {
  created: 'Saved.',
  changed: 'Your changes have been saved.',
  unchanged: 'Nothing was changed.',
  withdrawn: 'Withdrawn. It stays in the register, marked as withdrawn.',
  deleted: 'The recommendation has been deleted.',
  retired:
    'Theme retired. It stays on the recommendations that have it, and cannot be chosen for others.',
  reinstated: 'Theme back in use. It can be chosen for recommendations again.',
};

const validateAssignmentId = compileText<AssignmentIdParam>(AssignmentIdParam);

/** '' (a field left empty) means "none"; anything else is kept as typed, trimmed. */
const optional = (v: unknown) => {
  const t = asText(v).trim();
  return t === '' ? null : t;
};
/** A whole number typed into a form, or the text itself so the schema names the field. */
const wholeNumber = (v: unknown): unknown => {
  const t = asText(v).trim();
  if (t === '') return null;
  return /^\d{1,9}$/.test(t) ? Number(t) : t;
};
const yesNo = (v: unknown, absent: boolean): unknown => {
  const t = asText(v);
  if (t === 'yes') return true;
  if (t === 'no') return false;
  return t === '' ? absent : t;
};
/** Checkbox groups arrive as one string or several. */
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]).filter(
    (x): x is string => typeof x === 'string',
  );

const noStore = (res: Response) => res.set('Cache-Control', 'no-store');
const actor = (req: Request): CurrentUser => req.user!;
const param = (req: Request, name: string) => String(req.params[name] ?? '');

/** A form page shown fresh (GET): 200 and no errors. */
const FRESH: FormProblem = { status: 200, errors: [] };
/** The `done` notice after an update, which may have found nothing to change. */
const changedNotice = (changed: boolean) => ({ done: changed ? 'changed' : 'unchanged' });

const adminCrumbs = () => [
  { text: 'Workspace', href: paths.workspace() },
  { text: 'Reports', href: paths.admin.reports() },
];

/** The dates typed in three boxes on each form (src/shared/date-input.ts). */
const REPORT_DATES = [
  { name: 'publishedOn', label: 'Publication date' },
  { name: 'datedOn', label: 'Date on the report' },
];
const RECOMMENDATION_DATES = [{ name: 'madeOn', label: 'Date made' }];

/** The form body with each date's boxes read into one value; a date that is wrong is refused. */
function withDates(body: unknown, dates: typeof REPORT_DATES, refuse = false) {
  const read = readDateFields(body, dates);
  if (refuse && read.errors.length) throw new ValidationError(read.errors);
  return read.body;
}

export function reportFormToInput(body: unknown): unknown {
  const f = pickFields(withDates(body, REPORT_DATES, true), REPORT_FIELDS);
  return {
    slug: asText(f.slug).trim(),
    title: asText(f.title).trim(),
    issuerName: asText(f.issuerName).trim(),
    issuerShort: optional(f.issuerShort),
    publishedOn: optional(f.publishedOn),
    datedOn: optional(f.datedOn),
    legalBasis: asText(f.legalBasis),
    sourceUrl: optional(f.sourceUrl),
    summary: optional(f.summary),
    publishResponses: yesNo(f.publishResponses, true),
  };
}

export function recommendationFormToInput(body: unknown): unknown {
  const f = pickFields(withDates(body, RECOMMENDATION_DATES, true), RECOMMENDATION_FIELDS);
  return {
    ref: asText(f.ref).trim().toUpperCase(),
    sourceNumber: optional(f.sourceNumber),
    title: optional(f.title),
    text: optional(f.text),
    textStatus: asText(f.textStatus),
    themes: list((body as Record<string, unknown> | undefined)?.themes),
    madeOn: optional(f.madeOn),
    madeOnConfirmed: asText(f.madeOnConfirmed) === 'yes',
    sourceUrl: optional(f.sourceUrl),
    repeatsRef: optional(f.repeatsRef)?.toUpperCase() ?? null,
    position: wholeNumber(f.position),
  };
}

export function organisationFormToInput(body: unknown): unknown {
  const f = pickFields(body, ORGANISATION_FIELDS);
  return { name: asText(f.name).trim(), slug: asText(f.slug).trim(), kind: asText(f.kind) };
}

const textValues = (body: unknown, fields: readonly string[]): Values =>
  Object.fromEntries(fields.map((k) => [k, asText((body as Record<string, unknown>)?.[k])]));

const reportValues = (r: ReportInput): Values => ({
  slug: r.slug,
  title: r.title,
  issuerName: r.issuerName,
  issuerShort: r.issuerShort ?? '',
  publishedOn: r.publishedOn ?? '',
  datedOn: r.datedOn ?? '',
  legalBasis: r.legalBasis,
  sourceUrl: r.sourceUrl ?? '',
  summary: r.summary ?? '',
  publishResponses: r.publishResponses ? 'yes' : 'no',
});

const recommendationValues = (r: RecommendationInput & { position: number }): Values => ({
  ref: r.ref,
  sourceNumber: r.sourceNumber ?? '',
  title: r.title ?? '',
  text: r.text ?? '',
  textStatus: r.textStatus,
  madeOn: r.madeOn ?? '',
  madeOnConfirmed: r.madeOnConfirmed ? 'yes' : '',
  sourceUrl: r.sourceUrl ?? '',
  repeatsRef: r.repeatsRef ?? '',
  position: String(r.position),
});

export function createRegisterAdminController(service: RegisterAdminService) {
  // ---------- reports ----------

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

  async function renderOrganisationForm(
    req: Request,
    res: Response,
    values: Values,
    existing?: string,
    { status, errors }: FormProblem = FRESH,
  ) {
    const history = existing
      ? historyView((await service.organisation(actor(req), existing)).history)
      : [];
    noStore(res);
    const heading = existing ? 'Change the organisation' : 'Add an organisation';
    res.status(status).render('register-admin/organisation-form', {
      pageTitle: `${errors.length ? 'Error: ' : ''}${heading}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'Organisations', href: paths.admin.organisations() },
      ],
      heading,
      action: existing ? paths.admin.editOrganisation(existing) : paths.admin.newOrganisation(),
      values,
      kinds: kindOptions(values.kind ?? ''),
      notice: status === 200 ? NOTICES[String(req.query.done ?? '')] : undefined,
      existing: Boolean(existing),
      publicHref: existing ? paths.organisations.show(existing) : null,
      history,
      historyLimit: HISTORY_LIMIT,
      ...errorSummary(errors, ORGANISATION_FIELDS),
    });
  }

  async function renderThemeForm(
    req: Request,
    res: Response,
    values: Values,
    existing?: string,
    { status, errors }: FormProblem = FRESH,
  ) {
    const page = existing ? await service.theme(actor(req), existing) : null;
    noStore(res);
    const heading = page ? `Change the theme ${page.theme.name}` : 'Add a theme';
    res.status(status).render('register-admin/theme-form', {
      pageTitle: `${errors.length ? 'Error: ' : ''}${heading}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'Themes', href: paths.admin.themes() },
      ],
      heading,
      action: existing ? paths.admin.editTheme(existing) : paths.admin.newTheme(),
      values,
      notice: status === 200 ? NOTICES[String(req.query.done ?? '')] : undefined,
      theme: page
        ? {
            slug: page.theme.slug,
            retired: page.theme.retired_at !== null,
            recommendations: page.recommendations,
            retireAction: paths.admin.retireTheme(page.theme.slug),
            reinstateAction: paths.admin.reinstateTheme(page.theme.slug),
          }
        : null,
      history: page ? historyView(page.history) : [],
      historyLimit: HISTORY_LIMIT,
      ...errorSummary(errors, THEME_FIELDS),
    });
  }

  async function renderWithdraw(
    req: Request,
    res: Response,
    options: {
      heading: string;
      intro: string;
      action: string;
      back: { text: string; href: string };
      reason?: string;
    },
    { status, errors }: FormProblem = FRESH,
  ) {
    noStore(res);
    res.status(status).render('register-admin/withdraw', {
      pageTitle: `${errors.length ? 'Error: ' : ''}${options.heading}`,
      breadcrumbs: [...adminCrumbs(), options.back],
      ...options,
      values: { reason: options.reason ?? '' },
      ...errorSummary(errors, ['reason']),
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

  async function assignmentTarget(req: Request) {
    const params: Record<string, unknown> = { id: req.params.id };
    if (!validateAssignmentId(params))
      throw new NotFoundError('There is no assignment with that id.');
    const id = (params as AssignmentIdParam).id;
    return service.assignment(actor(req), id);
  }

  return {
    async listReports(req: Request, res: Response) {
      const rows = await service.listReports(actor(req));
      noStore(res);
      res.render('register-admin/reports', {
        pageTitle: 'Manage reports',
        breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
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

    // ---------- recommendations ----------

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

    async showWithdrawRecommendation(req: Request, res: Response) {
      const page = await service.recommendation(actor(req), param(req, 'ref').toUpperCase());
      await renderWithdraw(req, res, withdrawRecommendationOptions(page.recommendation.ref));
    },

    async withdrawRecommendation(req: Request, res: Response) {
      const ref = param(req, 'ref').toUpperCase();
      const reason = asText((req.body as Record<string, unknown>)?.reason);
      await submitForm(
        res,
        async () => {
          await service.withdrawRecommendation(actor(req), ref, { reason }, requestContext(req));
          return paths.admin.recommendation(ref, { done: 'withdrawn' });
        },
        async (problem) => {
          await service.recommendation(actor(req), ref);
          await renderWithdraw(
            req,
            res,
            { ...withdrawRecommendationOptions(ref), reason },
            problem,
          );
        },
        validationProblem,
      );
    },

    async showDeleteRecommendation(req: Request, res: Response) {
      const page = await service.recommendation(actor(req), param(req, 'ref').toUpperCase());
      noStore(res);
      res.render('register-admin/delete', {
        pageTitle: `Delete recommendation ${page.recommendation.ref}`,
        breadcrumbs: [
          ...adminCrumbs(),
          {
            text: page.recommendation.ref,
            href: paths.admin.recommendation(page.recommendation.ref),
          },
        ],
        ref: page.recommendation.ref,
        canDelete: !page.hasActivity,
        action: paths.admin.deleteRecommendation(page.recommendation.ref),
        withdrawHref: paths.admin.withdrawRecommendation(page.recommendation.ref),
        backHref: paths.admin.recommendation(page.recommendation.ref),
      });
    },

    async deleteRecommendation(req: Request, res: Response) {
      const { reportSlug } = await service.deleteRecommendation(
        actor(req),
        param(req, 'ref').toUpperCase(),
        requestContext(req),
      );
      res.redirect(303, paths.admin.report(reportSlug, { done: 'deleted' }));
    },

    // ---------- assignments ----------

    async showWithdrawAssignment(req: Request, res: Response) {
      const a = await assignmentTarget(req);
      await renderWithdraw(req, res, withdrawAssignmentOptions(a));
    },

    async withdrawAssignment(req: Request, res: Response) {
      const a = await assignmentTarget(req);
      const reason = asText((req.body as Record<string, unknown>)?.reason);
      await submitForm(
        res,
        async () => {
          const { ref } = await service.withdrawAssignment(
            actor(req),
            a.id,
            { reason },
            requestContext(req),
          );
          return `${paths.admin.recommendation(ref, { done: 'withdrawn' })}#addressees`;
        },
        (problem) => renderWithdraw(req, res, { ...withdrawAssignmentOptions(a), reason }, problem),
        validationProblem,
      );
    },

    // ---------- organisations ----------

    async listOrganisations(req: Request, res: Response) {
      const rows = await service.listOrganisations(actor(req));
      noStore(res);
      res.render('register-admin/organisations', {
        pageTitle: 'Manage organisations',
        breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
        newHref: paths.admin.newOrganisation(),
        organisations: rows.map((o) => ({
          name: o.name,
          slug: o.slug,
          kind: kindLabel(o.kind),
          href: paths.admin.editOrganisation(o.slug),
        })),
      });
    },

    async showNewOrganisation(req: Request, res: Response) {
      await renderOrganisationForm(req, res, {});
    },

    async createOrganisation(req: Request, res: Response) {
      await submitForm(
        res,
        async () => {
          const input = organisationFormToInput(req.body);
          const { slug } = await service.createOrganisation(actor(req), input, requestContext(req));
          return paths.admin.editOrganisation(slug, { done: 'created' });
        },
        (problem) =>
          renderOrganisationForm(
            req,
            res,
            textValues(req.body, ORGANISATION_FIELDS),
            undefined,
            problem,
          ),
      );
    },

    async showEditOrganisation(req: Request, res: Response) {
      const { organisation } = await service.organisation(actor(req), param(req, 'slug'));
      await renderOrganisationForm(
        req,
        res,
        { name: organisation.name, slug: organisation.slug, kind: organisation.kind },
        organisation.slug,
      );
    },

    async updateOrganisation(req: Request, res: Response) {
      const slug = param(req, 'slug');
      await submitForm(
        res,
        async () => {
          const input = organisationFormToInput(req.body);
          const result = await service.updateOrganisation(
            actor(req),
            slug,
            input,
            requestContext(req),
          );
          return paths.admin.editOrganisation(result.slug, changedNotice(result.changed));
        },
        (problem) =>
          renderOrganisationForm(
            req,
            res,
            textValues(req.body, ORGANISATION_FIELDS),
            slug,
            problem,
          ),
      );
    },

    // ---------- themes ----------

    async listThemes(req: Request, res: Response) {
      const rows = await service.listThemes(actor(req));
      noStore(res);
      res.render('register-admin/themes', {
        pageTitle: 'Manage themes',
        breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
        newHref: paths.admin.newTheme(),
        themes: rows.map((t) => ({
          name: t.name,
          slug: t.slug,
          retired: t.retired_at !== null,
          recommendations: t.recommendations,
          href: paths.admin.editTheme(t.slug),
        })),
      });
    },

    async showNewTheme(req: Request, res: Response) {
      await renderThemeForm(req, res, {});
    },

    async createTheme(req: Request, res: Response) {
      await submitForm(
        res,
        async () => {
          const input = themeFormToInput(req.body, THEME_FIELDS);
          const { slug } = await service.createTheme(actor(req), input, requestContext(req));
          return paths.admin.editTheme(slug, { done: 'created' });
        },
        (problem) =>
          renderThemeForm(req, res, textValues(req.body, THEME_FIELDS), undefined, problem),
      );
    },

    async showEditTheme(req: Request, res: Response) {
      const { theme } = await service.theme(actor(req), param(req, 'slug'));
      await renderThemeForm(req, res, { name: theme.name }, theme.slug);
    },

    async renameTheme(req: Request, res: Response) {
      const slug = param(req, 'slug');
      await submitForm(
        res,
        async () => {
          const input = themeFormToInput(req.body, ['name']);
          const result = await service.renameTheme(actor(req), slug, input, requestContext(req));
          return paths.admin.editTheme(result.slug, changedNotice(result.changed));
        },
        (problem) => renderThemeForm(req, res, textValues(req.body, ['name']), slug, problem),
      );
    },

    async retireTheme(req: Request, res: Response) {
      const result = await service.setThemeRetired(
        actor(req),
        param(req, 'slug'),
        true,
        requestContext(req),
      );
      res.redirect(
        303,
        paths.admin.editTheme(result.slug, { done: result.changed ? 'retired' : 'unchanged' }),
      );
    },

    async reinstateTheme(req: Request, res: Response) {
      const result = await service.setThemeRetired(
        actor(req),
        param(req, 'slug'),
        false,
        requestContext(req),
      );
      res.redirect(
        303,
        paths.admin.editTheme(result.slug, { done: result.changed ? 'reinstated' : 'unchanged' }),
      );
    },
  };
}

function themeFormToInput(body: unknown, fields: readonly string[]): unknown {
  const f = pickFields(body, fields);
  return Object.fromEntries(fields.map((k) => [k, asText(f[k]).trim()]));
}

/** "2 organisations added; 1 already addressed and skipped." from the redirect's query. */
function addedNotice(added: unknown, skipped: unknown): string | null {
  if (typeof added !== 'string' || !/^\d{1,6}$/.test(added)) return null;
  const n = Number(added);
  const s = typeof skipped === 'string' && /^\d{1,6}$/.test(skipped) ? Number(skipped) : 0;
  const organisations = n === 1 ? '1 organisation' : `${n} organisations`;
  return `${organisations} added; ${s} already addressed and skipped.`;
}

function withdrawRecommendationOptions(ref: string) {
  return {
    heading: `Withdraw recommendation ${ref}`,
    intro:
      'The recommendation stays in the register, marked as withdrawn with your reason, and everyone it is addressed to is withdrawn with it. Use this when it should not have been entered, or was entered twice.',
    action: paths.admin.withdrawRecommendation(ref),
    back: { text: ref, href: paths.admin.recommendation(ref) },
  };
}

function withdrawAssignmentOptions(a: {
  id: number;
  organisation_name: string;
  recommendation_ref: string;
}) {
  return {
    heading: `Withdraw ${a.recommendation_ref} from ${a.organisation_name}`,
    intro: `The entry stays in the recommendation’s history, shown as withdrawn with your reason. It no longer counts in the figures, overdue lists or filters.`,
    action: paths.admin.withdrawAssignment(a.id),
    back: { text: a.recommendation_ref, href: paths.admin.recommendation(a.recommendation_ref) },
  };
}
