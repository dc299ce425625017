/** HTTP for the public register pages: reads the request, asks the service, renders a view. */
import type { Request, Response } from 'express';
import type { ProgressMonth } from '../oversight/dashboards.service';
import { progressPeriodFor, progressView } from '../oversight/dashboards.view-model';
import { headlineNotes, headlineSentence, overviewView } from './register.overview.view-model';
import { check, compileText } from '../../shared/validation';
import { readDateFields } from '../../shared/date-input';
import { paths, withQuery } from '../../shared/paths';
import { ValidationError } from '../../shared/errors';
import { compareDates, isCalendarDate, type CalendarDate } from '../../shared/calendar-date';
import type { Clock } from '../../shared/clock';
import { sendEvidence } from '../assignments/progress-updates.transfer';
import { OrganisationSuggestionQuery, RecommendationQuery } from './register.schemas';
import { DEFAULT_PAGE_SIZE, type RegisterService } from './register.service';
import {
  ORGANISATION_MATCHES_MAX,
  canonicalOrganisationHref,
  organisationField,
  organisationsMatching,
} from './register.organisation-filter';
import { ORGANISATION_KIND_LABELS } from '../register/register.labels';
import {
  assignmentView,
  describeFilters,
  filterForm,
  pagination,
  recommendationView,
  reportView,
  statusSummary,
  timelineView,
  scorecardView,
} from './register.view-model';
import { feedLinksFor } from './open-data.links';
import { feedbackLinkFor } from './feedback.links';
import { followLinkFor } from '../notifications/notifications.panels';

const validateRecommendationQuery = compileText<RecommendationQuery>(RecommendationQuery);
const validateSuggestionQuery = compileText<OrganisationSuggestionQuery>(
  OrganisationSuggestionQuery,
);

/**
 * `?as_of=YYYY-MM-DD`: a real date no later than today (Europe/London), else a 400 page that says
 * what is wanted. Absent: null (the record as it stands now).
 */
export function asOfParam(req: Request, today: CalendarDate): CalendarDate | null {
  // The form sends three boxes (as_of-day, -month, -year), read into as_of; links and the API send
  // as_of=YYYY-MM-DD, checked below.
  const dates = readDateFields(req.query, [
    { name: 'as_of', label: 'The date to show the record on', notAfter: today },
  ]);
  if (dates.errors.length) throw new ValidationError(dates.errors);
  const raw = dates.body.as_of;
  // The date box on each page, submitted empty, asks for today's record.
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || !isCalendarDate(raw))
    throw new ValidationError([
      {
        field: 'as_of',
        message:
          'The date to show the record on must be a real date written as YYYY-MM-DD, for example 2022-03-01.',
      },
    ]);
  if (compareDates(raw, today) > 0)
    throw new ValidationError([
      {
        field: 'as_of',
        message: `The record can only be shown as it stood on a past date or today; ${raw} is in the future.`,
      },
    ]);
  return raw;
}

/**
 * The panels other contexts add to a page (feed links, the follow and feedback links), asked for by
 * the page before anything else, so an error page at the same address carries them too.
 */
function withPanels(res: Response, ...panels: object[]): void {
  Object.assign(res.locals, ...panels);
}

export interface RegisterControllerDeps {
  /** The site's own address, for canonical links. */
  publicBaseUrl?: string;
  clock?: Clock;
  /** Counts by status at the end of each month, for the overview's chart (the dashboards'). */
  progress?: (asOf?: CalendarDate) => Promise<ProgressMonth[]>;
}

export function createRegisterController(
  service: RegisterService,
  deps: RegisterControllerDeps = {},
) {
  const base = (deps.publicBaseUrl ?? '').replace(/\/$/, '');
  const today = () => (deps.clock ? deps.clock.today() : service.today());

  /**
   * The record as of the date asked for (or now) and the locals every such page shares (a banner
   * linking to today's record, and a canonical link: a dated record is its own stable document).
   * Validators, 304s and the kept copies of signed-out pages are the response cache's (routes).
   */
  function dated(req: Request, path: string) {
    const now = today();
    const asOf = asOfParam(req, now);
    const view = asOf ? service.at(asOf) : service;
    const locals = {
      canonicalUrl: `${base}${asOf ? withQuery(path, { as_of: asOf }) : path}`,
      asOf: asOf ? { day: asOf, todayHref: path } : null,
      asOfForm: { action: path, value: asOf ?? '', max: now },
    };
    return { view, locals, asOf };
  }

  return {
    async home(req: Request, res: Response) {
      withPanels(res, { feedLinks: feedLinksFor.site() });
      const { view, locals, asOf } = dated(req, paths.home());
      const [data, months] = await Promise.all([
        view.overview(),
        deps.progress ? deps.progress(asOf ?? undefined) : Promise.resolve([]),
      ]);
      res.render('register/home', {
        ...locals,
        ...overviewView(data),
        progressChart: months.length ? progressView(months, '', progressPeriodFor(months)) : null,
        pageTitle: 'Overview',
        metaDescription: data.headline.recommendations
          ? `Where the recommendations stand: ${headlineSentence(data.headline)}`
          : undefined,
      });
    },

    async reports(req: Request, res: Response) {
      const reports = await service.listReports();
      res.render('register/reports', { pageTitle: 'Reports', reports: reports.map(reportView) });
    },

    async report(req: Request, res: Response) {
      withPanels(res, { feedLinks: feedLinksFor.report(String(req.params.slug)) });
      const { report, recommendations, headline } = await service.report(String(req.params.slug));
      res.render('register/report', {
        pageTitle: report.title,
        metaDescription: `${report.title}: ${headlineSentence(headline)}`,
        headline: { sentence: headlineSentence(headline), notes: headlineNotes(headline) },
        report: reportView(report),
        recommendations: recommendations.map(recommendationView),
      });
    },

    async recommendations(req: Request, res: Response) {
      const raw: Record<string, unknown> = { ...req.query };
      // A search box left empty is no search; words are matched as typed, spaces at the ends aside.
      if (typeof raw.q === 'string') raw.q = raw.q.trim() || undefined;
      if (raw.q === undefined) delete raw.q;
      const options = await service.filterOptions();
      // The organisation is typed (a name, part of one, or a slug): one match by anything but its
      // slug is sent to the slug's address; none or several are said at the field.
      const canonical = canonicalOrganisationHref(
        paths.recommendations.index(),
        raw,
        options.organisations,
      );
      if (canonical) return res.redirect(302, canonical);
      const typed = typeof raw.organisation === 'string' ? raw.organisation : undefined;
      if (typed !== undefined) delete raw.organisation;
      const query = check(validateRecommendationQuery, raw);
      const { page = 1, pageSize, ...chosen } = query;
      const { field, slug } = organisationField(typed, options.organisations, (s) =>
        paths.recommendations.index({ ...chosen, pageSize, organisation: s }),
      );
      const filters = { ...chosen, organisation: slug };
      const result = field.error
        ? { items: [], total: 0, page, pageSize: pageSize ?? DEFAULT_PAGE_SIZE, pageCount: 1 }
        : await service.listRecommendations(filters, page, pageSize);
      const hrefFor = (n: number) =>
        paths.recommendations.index({ ...filters, pageSize, page: n === 1 ? undefined : n });
      const description = describeFilters(filters, options);
      const title =
        page > 1 ? `Recommendations (page ${page} of ${result.pageCount})` : 'Recommendations';
      res.render('register/recommendations', {
        pageTitle: field.error ? `Error: ${title}` : title,
        errorList: field.error ? [{ text: field.error.text, href: '#filter-organisation' }] : [],
        items: result.items.map(recommendationView),
        total: result.total,
        pastTheEnd:
          result.items.length === 0 && result.total > 0
            ? { page, pageCount: result.pageCount, firstHref: hrefFor(1) }
            : null,
        firstItem: result.total === 0 ? 0 : (page - 1) * result.pageSize + 1,
        lastItem: Math.min(page * result.pageSize, result.total),
        filters: filterForm(filters, options, field),
        filterDescription: description.join(', '),
        pagination: pagination(page, result.pageCount, hrefFor),
      });
    },

    /** The organisation filter's suggestions as one types: the best few matches, as JSON. */
    async organisationSuggestions(req: Request, res: Response) {
      const { q = '' } = check(validateSuggestionQuery, { ...req.query });
      const { organisations } = await service.filterOptions();
      res.json({
        organisations: organisationsMatching(q, organisations)
          .slice(0, ORGANISATION_MATCHES_MAX)
          .map((o) => ({ name: o.name, slug: o.slug })),
      });
    },

    async recommendation(req: Request, res: Response) {
      const ref = String(req.params.ref);
      withPanels(res, followLinkFor(ref), feedbackLinkFor(ref));
      const { view, locals } = dated(req, paths.recommendations.show(ref));
      const { recommendation, timelines } = await view.recommendationWithTimelines(ref);
      const shown = recommendationView(recommendation);
      res.render('register/recommendation', {
        ...locals,
        pageTitle: `${shown.ref}: ${shown.title}`,
        recommendation: {
          ...shown,
          assignments: shown.assignments.map((a, i) => ({
            ...a,
            timeline: timelineView(timelines.get(recommendation.assignments[i]!.id) ?? []),
          })),
        },
      });
    },

    async organisations(req: Request, res: Response) {
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
      const slug = String(req.params.slug);
      withPanels(res, { feedLinks: feedLinksFor.organisation(slug) });
      const { view, locals } = dated(req, paths.organisations.show(slug));
      const data = await view.organisation(slug);
      res.render('register/organisation', {
        ...locals,
        scorecard: scorecardView(data.statusCounts, data.responses),
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

    /**
     * GET /evidence/:fileId: an evidence file an overseer published, while it stays published.
     * Sent as an attachment that browsers may not sniff or run, and audited like the private one.
     */
    async publicEvidence(req: Request, res: Response) {
      const raw = String(req.params.fileId ?? '');
      const file = await service.publicEvidence(/^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : 0);
      const etag = `"${file.sha256.slice(0, 32)}-${file.publishedAt.getTime().toString(36)}"`;
      res.set({
        ETag: etag,
        'Last-Modified': new Date(
          Math.floor(file.publishedAt.getTime() / 1000) * 1000,
        ).toUTCString(),
        'Cache-Control': 'public, no-cache',
      });
      if (req.fresh) {
        res.status(304).end();
        return;
      }
      await service.recordPublicDownload(file, {
        ip: req.ip ?? null,
        requestId: String(req.id ?? '') || null,
      });
      await sendEvidence(res, file, { cacheControl: 'public, no-cache' });
    },
  };
}
