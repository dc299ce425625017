/**
 * HTTP for the force leads' workspace pages: reads the request, asks the service, renders a view.
 * A refused or invalid form re-renders its page with the GOV.UK error summary and everything the
 * user typed, so a long response is never lost to a validation error.
 */
import type { Request, Response } from 'express';
import {
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type FieldError,
} from '../../shared/errors';
import { readDateFields } from '../../shared/date-input';
import { formatLongDate } from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import { refusalProblem, submitForm } from '../../shared/form-submit';
import { check, compileText } from '../../shared/validation';
import { errorSummary } from '../../shared/form-errors';
import { asText, pickFields } from '../../shared/form-input';
import { requestContext } from '../accounts/accounts.controller';
import type { CurrentUser } from '../accounts/accounts.types';
import { ASSIGNMENT_STATUSES, RESPONSE_STANCES } from '../../db/tables';
import { STANCE_LABELS, STATUS_LABELS } from '../register/register.labels';
import { pagination } from '../public-record/register.view-model';
import { ACTION_STATES, AssignmentsQuery, SORT_KEYS } from './responses.schemas';
import type { WorkspaceAssignmentsService } from './responses.service';
import {
  ACTION_STATE_LABELS,
  detailView,
  listItemView,
  revisionView,
} from './responses.view-model';

const validateQuery = compileText<AssignmentsQuery>(AssignmentsQuery);

const NOTICES: Record<string, string> = {
  response: 'Your response has been recorded.',
  extension: 'Your request for more time has been sent to the overseer.',
  granted: 'The request was granted and the due date has moved.',
  refused: 'The request was refused.',
  action: 'The action has been added to the plan.',
  revised: 'The action has been changed.',
  unchanged: 'Nothing was changed.',
};

const SORT_LABELS: Record<(typeof SORT_KEYS)[number], string> = {
  due: 'Response due date',
  reference: 'Reference',
  status: 'Status',
};

type Values = Record<string, string>;
type FormName = 'response' | 'extension' | 'decision' | 'action' | 'revise';

const FIELDS: Record<FormName, string[]> = {
  response: ['text', 'stance', 'sourceUrl'],
  extension: ['newDueOn', 'reason'],
  decision: ['decision', 'reason'],
  action: ['description', 'owner', 'targetOn', 'state'],
  revise: ['description', 'owner', 'targetOn', 'state', 'reason'],
};

const noStore = (res: Response) => res.set('Cache-Control', 'no-store');

function idParam(value: unknown): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > 2147483647)
    throw new NotFoundError('There is no assignment with that number, or it is not yours to see.');
  return n;
}

function options<T extends string>(
  values: readonly T[],
  labels: Record<T, string>,
  selected: string,
  id: string,
) {
  return values.map((value, i) => ({
    id: i === 0 ? id : `${id}-${i + 1}`,
    value,
    text: labels[value],
    checked: value === selected,
  }));
}

/** The prefixed field errors for one form, and the summary that links to them. */
function summaryFor(form: FormName, errors: FieldError[], refusal?: string) {
  const prefixed = errors.map((e) => ({ ...e, field: `${form}-${e.field}` }));
  const summary = errorSummary(
    prefixed,
    FIELDS[form].map((f) => `${form}-${f}`),
  );
  if (refusal) summary.errorList.push({ text: refusal, href: `#${form}-form` });
  return summary;
}

/**
 * Sections another module adds to the assignment page (the oversight office's panel, from
 * src/modules/assignments/decisions.service.ts), so this module need not know their rules. `problem` is that module's own
 * failed form when one of its POSTs re-renders the page; its errors join the page's error summary.
 */
export type AssignmentPageExtension = (
  req: Request,
  assignmentId: number,
  problem?: unknown,
) => Promise<{
  locals: Record<string, unknown>;
  notice?: string;
  errorList: { text: string; href: string }[];
  errors: Record<string, string>;
}>;

export function createWorkspaceAssignmentsController(
  service: WorkspaceAssignmentsService,
  extension?: AssignmentPageExtension,
) {
  const actor = (req: Request): CurrentUser => req.user!;

  async function renderShow(
    req: Request,
    res: Response,
    status: number,
    failed?: {
      form: FormName;
      values: Values;
      errors: FieldError[];
      refusal?: string;
      extensionId?: number;
    },
    extensionProblem?: unknown,
  ) {
    const id = idParam(req.params.id);
    const detail = await service.get(actor(req), id);
    const view = detailView(detail);
    const summary: { errorList: { text: string; href: string }[]; errors: Record<string, string> } =
      failed
        ? summaryFor(failed.form, failed.errors, failed.refusal)
        : { errorList: [], errors: {} };
    const extra = extension ? await extension(req, id, extensionProblem) : null;
    if (extra) {
      summary.errorList = [...summary.errorList, ...extra.errorList];
      summary.errors = { ...summary.errors, ...extra.errors };
    }
    const responseValues =
      failed?.form === 'response'
        ? failed.values
        : {
            text: detail.response?.text ?? '',
            stance: detail.response?.stance ?? '',
            sourceUrl: '',
          };
    const extensionValues =
      failed?.form === 'extension' ? failed.values : { newDueOn: '', reason: '' };
    const actionValues =
      failed?.form === 'action'
        ? failed.values
        : { description: '', owner: '', targetOn: '', state: 'planned' };
    noStore(res);
    res.status(status).render('workspace-assignments/show', {
      pageTitle: `${summary.errorList.length ? 'Error: ' : ''}${view.ref}: ${detail.organisation.name}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'My recommendations', href: paths.assignments.index() },
      ],
      a: view,
      notice: status === 200 ? (NOTICES[String(req.query.done ?? '')] ?? extra?.notice) : undefined,
      may: detail.may,
      extensionRefusal:
        detail.may.act && !detail.may.requestExtension.allowed
          ? detail.may.requestExtension.reason
          : null,
      responseForm: {
        action: paths.assignments.response(id),
        values: responseValues,
        stances: options(
          RESPONSE_STANCES,
          STANCE_LABELS,
          responseValues.stance ?? '',
          'response-stance',
        ),
        revising: detail.response !== null,
      },
      extensionForm: {
        action: paths.assignments.extensions(id),
        values: extensionValues,
        // A refused request keeps its form, so the reason the lead wrote is not lost.
        show: detail.may.requestExtension.allowed || failed?.form === 'extension',
      },
      decision:
        failed?.form === 'decision'
          ? { extensionId: failed.extensionId, values: failed.values }
          : null,
      actionForm: {
        action: paths.assignments.actions(id),
        values: actionValues,
        states: options(
          ACTION_STATES,
          ACTION_STATE_LABELS,
          actionValues.state ?? '',
          'action-state',
        ),
      },
      ...extra?.locals,
      ...summary,
    });
  }

  async function renderAction(
    req: Request,
    res: Response,
    status: number,
    failed?: { values: Values; errors: FieldError[]; refusal?: string },
  ) {
    const id = idParam(req.params.id);
    const actionId = idParam(req.params.actionId);
    const detail = await service.get(actor(req), id);
    // Those who may read the assignment but not act for the addressee are told so (403).
    if (!detail.may.act) throw new ForbiddenError();
    const action = detail.actions.find((x) => x.id === actionId);
    if (!action) throw new NotFoundError('There is no such action in this plan.');
    const values = failed?.values ?? {
      description: action.description,
      owner: action.owner,
      targetOn: action.targetOn,
      state: action.state,
      reason: '',
    };
    const summary = failed
      ? summaryFor('revise', failed.errors, failed.refusal)
      : { errorList: [], errors: {} };
    noStore(res);
    res.status(status).render('workspace-assignments/action', {
      pageTitle: `${summary.errorList.length ? 'Error: ' : ''}Change an action: ${detail.recommendation.ref}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'My recommendations', href: paths.assignments.index() },
        { text: detail.recommendation.ref, href: paths.assignments.show(id) },
      ],
      ref: detail.recommendation.ref,
      formAction: paths.assignments.action(id, actionId),
      currentTargetOn: action.targetOn,
      currentTargetHint: `The current target is ${action.targetOn ? formatLongDate(action.targetOn) : 'not set'}; if you change it, give a reason below. For example, 31 3 2022.`,
      values,
      states: options(ACTION_STATES, ACTION_STATE_LABELS, values.state ?? '', 'revise-state'),
      revisions: action.revisions.map(revisionView),
      ...summary,
    });
  }

  return {
    /** The assignment page with another module's failed form (see AssignmentPageExtension). */
    renderWithProblem: (req: Request, res: Response, status: number, problem: unknown) =>
      renderShow(req, res, status, undefined, problem),

    async list(req: Request, res: Response) {
      const query = check(validateQuery, { ...req.query });
      const user = actor(req);
      const result = await service.list(user, {
        status: query.status || undefined,
        organisation: query.organisation || undefined,
        sort: query.sort || undefined,
        page: query.page,
      });
      const keep = {
        status: query.status || undefined,
        organisation: query.organisation || undefined,
        sort: query.sort || undefined,
      };
      const hrefFor = (n: number) =>
        paths.assignments.index({ ...keep, page: n === 1 ? undefined : n });
      noStore(res);
      res.render('workspace-assignments/index', {
        pageTitle: 'My recommendations',
        breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
        isLead: user.role === 'org_lead',
        items: result.items.map(listItemView),
        total: result.total,
        statuses: [
          { value: '', text: 'Any status', selected: !query.status },
          ...ASSIGNMENT_STATUSES.map((s) => ({
            value: s,
            text: STATUS_LABELS[s],
            selected: s === query.status,
          })),
        ],
        organisations: result.organisations.length
          ? [
              { value: '', text: 'Any organisation', selected: !query.organisation },
              ...result.organisations.map((o) => ({
                value: o.slug,
                text: o.name,
                selected: o.slug === query.organisation,
              })),
            ]
          : null,
        sorts: SORT_KEYS.map((s) => ({
          value: s,
          text: SORT_LABELS[s],
          selected: s === (query.sort || 'due'),
        })),
        action: paths.assignments.index(),
        pagination: pagination(result.page, result.pageCount, hrefFor),
      });
    },

    async show(req: Request, res: Response) {
      await renderShow(req, res, 200);
    },

    async respond(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const form = pickFields(req.body, FIELDS.response);
      const values = { text: asText(form.text), stance: asText(form.stance) };
      await submitForm(
        res,
        async () => {
          await service.recordResponse(actor(req), id, form, requestContext(req));
          return paths.assignments.show(id) + '?done=response';
        },
        ({ status, errors, refusal }) =>
          renderShow(req, res, status, { form: 'response', values, errors, refusal }),
        refusalProblem,
      );
    },

    async requestExtension(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const dates = readDateFields(req.body, [{ name: 'newDueOn', label: 'The new due date' }]);
      const form = pickFields(dates.body, FIELDS.extension, ['newDueOn']);
      const values = { newDueOn: asText(form.newDueOn), reason: asText(form.reason) };
      await submitForm(
        res,
        async () => {
          if (dates.errors.length) throw new ValidationError(dates.errors);
          await service.requestExtension(actor(req), id, form, requestContext(req));
          return paths.assignments.show(id) + '?done=extension';
        },
        ({ status, errors, refusal }) =>
          renderShow(req, res, status, { form: 'extension', values, errors, refusal }),
        refusalProblem,
      );
    },

    async decideExtension(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const extensionId = idParam(req.params.extensionId);
      const form = pickFields(req.body, FIELDS.decision);
      const values = { decision: asText(form.decision), reason: asText(form.reason) };
      await submitForm(
        res,
        async () => {
          await service.decideExtension(
            actor(req),
            id,
            { extensionId, ...form },
            requestContext(req),
          );
          return `${paths.assignments.show(id)}?done=${values.decision === 'grant' ? 'granted' : 'refused'}`;
        },
        ({ status, errors, refusal }) =>
          renderShow(req, res, status, { form: 'decision', values, errors, refusal, extensionId }),
        refusalProblem,
      );
    },

    async addAction(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const dates = readDateFields(req.body, [{ name: 'targetOn', label: 'The target date' }]);
      const form = pickFields(dates.body, FIELDS.action, ['targetOn']);
      const values = Object.fromEntries(FIELDS.action.map((f) => [f, asText(form[f])]));
      await submitForm(
        res,
        async () => {
          if (dates.errors.length) throw new ValidationError(dates.errors);
          await service.addAction(actor(req), id, form, requestContext(req));
          return paths.assignments.show(id) + '?done=action';
        },
        ({ status, errors, refusal }) =>
          renderShow(req, res, status, { form: 'action', values, errors, refusal }),
        refusalProblem,
      );
    },

    async showAction(req: Request, res: Response) {
      await renderAction(req, res, 200);
    },

    async reviseAction(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const actionId = idParam(req.params.actionId);
      const dates = readDateFields(req.body, [{ name: 'targetOn', label: 'The target date' }]);
      const form = pickFields(dates.body, FIELDS.revise, ['targetOn']);
      const values = Object.fromEntries(FIELDS.revise.map((f) => [f, asText(form[f])]));
      await submitForm(
        res,
        async () => {
          if (dates.errors.length) throw new ValidationError(dates.errors);
          const { changed } = await service.reviseAction(
            actor(req),
            id,
            { actionId, ...form },
            requestContext(req),
          );
          return `${paths.assignments.show(id)}?done=${changed ? 'revised' : 'unchanged'}`;
        },
        ({ status, errors, refusal }) =>
          renderAction(req, res, status, { values, errors, refusal }),
        refusalProblem,
      );
    },
  };
}
