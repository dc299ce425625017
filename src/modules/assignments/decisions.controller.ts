/**
 * HTTP for the oversight office's pages: the review queue, the review page, and the decisions made
 * on the assignment page (verify, close, reopen, rate). A refused or invalid form is shown again with
 * the GOV.UK error summary and everything the overseer typed; a refusal by the lifecycle (409) shows
 * its message on the page and changes nothing.
 */
import type { Request, Response } from 'express';
import { ValidationError, type FieldError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { compileText, withMessages } from '../../shared/validation';
import { errorSummary } from '../../shared/form-errors';
import { refusalProblem, submitForm } from '../../shared/form-submit';
import { asText, pickFields } from '../../shared/form-input';
import { requestContext } from '../accounts/accounts.controller';
import { pagination } from '../public-record/register.view-model';
import { ReviewQueueQuery, REVIEW_DECISIONS } from './decisions.schemas';
import { NO_SUCH_UPDATE, type OversightService } from './decisions.service';
import {
  DECISION_LABELS,
  PANEL_FIELDS,
  panelView,
  queueItemView,
  reviewPageView,
  type PanelForm,
} from './decisions.view-model';
import {
  NO_SUCH_ASSIGNMENT,
  formSummary,
  idParam,
  noErrors,
  readForm,
  type DateField,
  type Summary,
} from './page-forms';

const checkQuery = withMessages(compileText<ReviewQueueQuery>(ReviewQueueQuery));

const NOTICES: Record<string, string> = {
  verified: 'Implementation has been verified.',
  closed: 'The assignment has been closed.',
  reopened: 'The assignment has been reopened and is in progress again.',
  rated: 'The delivery confidence rating has been recorded.',
};

const REVIEW_FIELDS = ['decision', 'feedback'];

/** The dates each decision form takes in three boxes (src/shared/date-input.ts). */
const PANEL_DATES: Record<PanelForm, DateField[]> = {
  verify: [{ name: 'checkOn', label: 'The date of the sustainment check' }],
  close: [],
  reopen: [],
  confidence: [{ name: 'ratedOn', label: 'The date of the rating' }],
};

type Values = Record<string, string>;

/** A failed form of the oversight panel: the assignment page is drawn again with it. */
export interface PanelProblem {
  form: PanelForm;
  values: Values;
  errors: FieldError[];
  refusal?: string;
}

const noStore = (res: Response) => res.set('Cache-Control', 'no-store');

/**
 * The assignment page's oversight panel (AssignmentPagePanels in responses.controller.ts): status
 * history and delivery confidence for everyone who may read the assignment, and the decision forms
 * for overseers, with `problem`'s form as it was typed when one of them failed.
 */
export async function oversightPanel(
  service: OversightService,
  req: Request,
  assignmentId: number,
  problem?: PanelProblem,
): Promise<{ view: ReturnType<typeof panelView>; notice?: string; summary: Summary }> {
  const panel = await service.assignmentPanel(req.user!, assignmentId);
  return {
    view: panelView(panel, problem),
    notice: NOTICES[String(req.query.done ?? '')],
    summary: problem
      ? formSummary(problem.form, PANEL_FIELDS[problem.form], problem.errors, problem.refusal)
      : noErrors(),
  };
}

/** The assignment page drawn again with a failed oversight form (responses.controller.ts). */
type RenderAssignmentPage = (
  req: Request,
  res: Response,
  status: number,
  problem: PanelProblem,
) => Promise<void>;

/** An update's review page, with the review form for an overseer while it is unreviewed. */
async function renderReview(
  service: OversightService,
  req: Request,
  res: Response,
  status: number,
  failed?: { values: Values; errors: FieldError[]; refusal?: string },
) {
  const updateId = idParam(req.params.updateId, NO_SUCH_UPDATE);
  const data = await service.reviewPage(req.user!, updateId);
  const view = reviewPageView(data);
  const summary = failed ? errorSummary(failed.errors, REVIEW_FIELDS) : noErrors();
  if (failed?.refusal) summary.errorList.push({ text: failed.refusal, href: '#review' });
  const values = failed?.values ?? { decision: '', feedback: '' };
  noStore(res);
  res.status(status).render('oversight/review', {
    pageTitle: `${summary.errorList.length ? 'Error: ' : ''}Review an update: ${view.ref}, ${view.organisation}`,
    breadcrumbs: [
      { text: 'Workspace', href: paths.workspace() },
      { text: 'Updates to review', href: paths.reviews.index() },
    ],
    u: view,
    reviewed: req.query.done === 'reviewed' && status === 200,
    mayDecide: data.mayDecide && !data.review,
    action: paths.reviews.show(updateId),
    values,
    decisions: REVIEW_DECISIONS.map((value, i) => ({
      id: i === 0 ? 'decision' : `decision-${i + 1}`,
      value,
      text: DECISION_LABELS[value],
      checked: value === values.decision,
    })),
    ...summary,
  });
}

/** A decision posted from the assignment page: redirect on success, the page again on a problem. */
function panelPost(
  renderAssignmentPage: RenderAssignmentPage,
  form: PanelForm,
  done: string,
  run: (req: Request, id: number, input: Record<string, unknown>) => Promise<unknown>,
) {
  return async (req: Request, res: Response) => {
    const id = idParam(req.params.id, NO_SUCH_ASSIGNMENT);
    const { input, dateErrors, values } = readForm(req.body, PANEL_FIELDS[form], PANEL_DATES[form]);
    const typed = values();
    await submitForm(
      res,
      async () => {
        if (dateErrors.length) throw new ValidationError(dateErrors);
        await run(req, id, input);
        return `${paths.assignments.show(id)}?done=${done}#oversight`;
      },
      ({ status, errors, refusal }) =>
        renderAssignmentPage(req, res, status, { form, values: typed, errors, refusal }),
      refusalProblem,
    );
  };
}

/** The queue of updates waiting for a review, filtered by organisation and report. */
async function renderQueue(service: OversightService, req: Request, res: Response) {
  const query = checkQuery({ ...req.query });
  const filters = {
    organisation: query.organisation || undefined,
    report: query.report || undefined,
  };
  const result = await service.queue(req.user!, { ...filters, page: query.page });
  const hrefFor = (n: number) => paths.reviews.index({ ...filters, page: n === 1 ? undefined : n });
  noStore(res);
  res.render('oversight/queue', {
    pageTitle: 'Updates to review',
    breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
    items: result.items.map(queueItemView),
    total: result.total,
    action: paths.reviews.index(),
    organisations: [
      { value: '', text: 'Any organisation', selected: !filters.organisation },
      ...result.organisations.map((o) => ({
        value: o.slug,
        text: o.name,
        selected: o.slug === filters.organisation,
      })),
    ],
    reports: [
      { value: '', text: 'Any report', selected: !filters.report },
      ...result.reports.map((r) => ({
        value: r.slug,
        text: r.title,
        selected: r.slug === filters.report,
      })),
    ],
    pagination: pagination(result.page, result.pageCount, hrefFor),
  });
}

/** A review posted: the review page again, with its notice or with the problem. */
async function postReview(service: OversightService, req: Request, res: Response) {
  const updateId = idParam(req.params.updateId, NO_SUCH_UPDATE);
  const input = pickFields(req.body, REVIEW_FIELDS);
  const values = { decision: asText(input.decision), feedback: asText(input.feedback) };
  await submitForm(
    res,
    async () => {
      await service.review(req.user!, updateId, input, requestContext(req));
      return `${paths.reviews.show(updateId)}?done=reviewed`;
    },
    ({ status, errors, refusal }) =>
      renderReview(service, req, res, status, { values, errors, refusal }),
    refusalProblem,
  );
}

export function createOversightController(
  service: OversightService,
  renderAssignmentPage: RenderAssignmentPage,
) {
  type Decide = (
    user: NonNullable<Request['user']>,
    id: number,
    input: Record<string, unknown>,
    context: ReturnType<typeof requestContext>,
  ) => Promise<unknown>;
  const decision = (form: PanelForm, done: string, decide: Decide) =>
    panelPost(renderAssignmentPage, form, done, (req, id, input) =>
      decide(req.user!, id, input, requestContext(req)),
    );
  return {
    queue: (req: Request, res: Response) => renderQueue(service, req, res),
    showReview: (req: Request, res: Response) => renderReview(service, req, res, 200),
    postReview: (req: Request, res: Response) => postReview(service, req, res),
    verify: decision('verify', 'verified', (...a) => service.verify(...a)),
    close: decision('close', 'closed', (...a) => service.close(...a)),
    reopen: decision('reopen', 'reopened', (...a) => service.reopen(...a)),
    rate: decision('confidence', 'rated', (...a) => service.rate(...a)),
  };
}
