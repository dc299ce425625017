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
import { paths } from '../../shared/paths';
import { refusalProblem, submitForm } from '../../shared/form-submit';
import { compileText, withMessages } from '../../shared/validation';
import { requestContext } from '../accounts/accounts.controller';
import type { CurrentUser } from '../accounts/accounts.types';
import { pagination } from '../public-record/register.view-model';
import { AssignmentsQuery } from './responses.schemas';
import type { WorkspaceAssignmentsService } from './responses.service';
import {
  actionPageView,
  assignmentPageView,
  listFiltersView,
  listItemView,
  type AssignmentForm,
} from './responses.view-model';
import type { OversightService } from './decisions.service';
import { oversightPanel, type PanelProblem } from './decisions.controller';
import {
  NO_SUCH_ASSIGNMENT,
  formSummary,
  idParam,
  joinSummaries,
  noErrors,
  readForm,
  type DateField,
} from './page-forms';

const checkQuery = withMessages(compileText<AssignmentsQuery>(AssignmentsQuery));

const NOTICES: Record<string, string> = {
  response: 'Your response has been recorded.',
  extension: 'Your request for more time has been sent to the overseer.',
  granted: 'The request was granted and the due date has moved.',
  refused: 'The request was refused.',
  action: 'The action has been added to the plan.',
  revised: 'The action has been changed.',
  unchanged: 'Nothing was changed.',
};

type Values = Record<string, string>;
type FormName = AssignmentForm | 'revise';

const FIELDS: Record<FormName, string[]> = {
  response: ['text', 'stance', 'sourceUrl'],
  extension: ['newDueOn', 'reason'],
  decision: ['decision', 'reason'],
  action: ['description', 'owner', 'targetOn', 'state'],
  revise: ['description', 'owner', 'targetOn', 'state', 'reason'],
};

/** The dates each form takes in three boxes. */
const DATES: Record<FormName, DateField[]> = {
  response: [],
  extension: [{ name: 'newDueOn', label: 'The new due date' }],
  decision: [],
  action: [{ name: 'targetOn', label: 'The target date' }],
  revise: [{ name: 'targetOn', label: 'The target date' }],
};

/** The fields a failed form shows again: all of them, but a response's source link is asked afresh. */
const KEPT: Partial<Record<FormName, string[]>> = { response: ['text', 'stance'] };

const noStore = (res: Response) => res.set('Cache-Control', 'no-store');
const pathId = (value: unknown) => idParam(value, NO_SUCH_ASSIGNMENT);

/**
 * The panels the assignment page shows beside its own sections, each drawn by the part of this
 * context that owns its rules: the oversight office's panel (status history, delivery confidence and
 * the overseers' decision forms, from decisions.controller.ts). Wired by name in src/app.ts.
 */
export interface AssignmentPagePanels {
  oversight: OversightService;
}

interface FailedForm {
  form: FormName;
  values: Values;
  errors: FieldError[];
  refusal?: string;
  extensionId?: number;
}

/** Saves a form; answers with the notice to show, by its name in NOTICES. */
type SaveForm<K extends string> = (
  req: Request,
  id: number,
  input: Record<string, unknown>,
  ids: Record<K, number>,
) => Promise<string>;

const actor = (req: Request): CurrentUser => req.user!;

/** The assignment page: its own sections, then each of its panels (AssignmentPagePanels). */
async function renderShow(
  service: WorkspaceAssignmentsService,
  panels: AssignmentPagePanels,
  req: Request,
  res: Response,
  status: number,
  failed?: FailedForm & { form: AssignmentForm },
  panelProblem?: PanelProblem,
) {
  const id = pathId(req.params.id);
  const detail = await service.get(actor(req), id);
  const oversight = await oversightPanel(panels.oversight, req, id, panelProblem);
  const summary = joinSummaries(
    failed
      ? formSummary(failed.form, FIELDS[failed.form], failed.errors, failed.refusal)
      : noErrors(),
    oversight.summary,
  );
  const page = assignmentPageView(detail, failed);
  noStore(res);
  res.status(status).render('workspace-assignments/show', {
    pageTitle: `${summary.errorList.length ? 'Error: ' : ''}${page.a.ref}: ${detail.organisation.name}`,
    breadcrumbs: [
      { text: 'Workspace', href: paths.workspace() },
      { text: 'My recommendations', href: paths.assignments.index() },
    ],
    notice:
      status === 200 ? (NOTICES[String(req.query.done ?? '')] ?? oversight.notice) : undefined,
    ...page,
    oversight: oversight.view,
    ...summary,
  });
}

/** The page for changing one action of the plan. */
async function renderAction(
  service: WorkspaceAssignmentsService,
  req: Request,
  res: Response,
  status: number,
  failed?: FailedForm,
) {
  const id = pathId(req.params.id);
  const actionId = pathId(req.params.actionId);
  const detail = await service.get(actor(req), id);
  // Those who may read the assignment but not act for the addressee are told so (403).
  if (!detail.may.act) throw new ForbiddenError();
  const action = detail.actions.find((x) => x.id === actionId);
  if (!action) throw new NotFoundError('There is no such action in this plan.');
  const summary = failed
    ? formSummary('revise', FIELDS.revise, failed.errors, failed.refusal)
    : noErrors();
  noStore(res);
  res.status(status).render('workspace-assignments/action', {
    pageTitle: `${summary.errorList.length ? 'Error: ' : ''}Change an action: ${detail.recommendation.ref}`,
    breadcrumbs: [
      { text: 'Workspace', href: paths.workspace() },
      { text: 'My recommendations', href: paths.assignments.index() },
      { text: detail.recommendation.ref, href: paths.assignments.show(id) },
    ],
    ...actionPageView(detail, action, failed?.values),
    ...summary,
  });
}

/** The list of assignments, filtered and sorted as the query says. */
async function renderList(service: WorkspaceAssignmentsService, req: Request, res: Response) {
  const query = checkQuery({ ...req.query });
  const user = actor(req);
  const keep = {
    status: query.status || undefined,
    organisation: query.organisation || undefined,
    sort: query.sort || undefined,
  };
  const result = await service.list(user, { ...keep, page: query.page });
  const hrefFor = (n: number) =>
    paths.assignments.index({ ...keep, page: n === 1 ? undefined : n });
  noStore(res);
  res.render('workspace-assignments/index', {
    pageTitle: 'My recommendations',
    breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
    isLead: user.role === 'org_lead',
    items: result.items.map(listItemView),
    total: result.total,
    ...listFiltersView(query, result.organisations),
    action: paths.assignments.index(),
    pagination: pagination(result.page, result.pageCount, hrefFor),
  });
}

/**
 * A form posted from the assignment page (or, for `revise`, the action's page): saved, it goes
 * back to the page with its notice; refused or invalid, the page again with what was typed.
 * The other ids in the path (`pathIds`) are read, 404 when wrong, before the form is.
 */
function formPost(
  again: (req: Request, res: Response, status: number, failed: FailedForm) => Promise<void>,
) {
  return <K extends string = never>(form: FormName, save: SaveForm<K>, pathIds: K[] = []) =>
    async (req: Request, res: Response) => {
      const id = pathId(req.params.id);
      const ids = Object.fromEntries(
        pathIds.map((name) => [name, pathId(req.params[name])]),
      ) as Record<K, number>;
      const { input, dateErrors, values } = readForm(req.body, FIELDS[form], DATES[form]);
      const typed = values(KEPT[form]);
      await submitForm(
        res,
        async () => {
          if (dateErrors.length) throw new ValidationError(dateErrors);
          return `${paths.assignments.show(id)}?done=${await save(req, id, input, ids)}`;
        },
        ({ status, errors, refusal }) => {
          const failed = {
            form,
            values: typed,
            errors,
            refusal,
            extensionId: (ids as Partial<Record<string, number>>).extensionId,
          };
          return again(req, res, status, failed);
        },
        refusalProblem,
      );
    };
}

export function createWorkspaceAssignmentsController(
  service: WorkspaceAssignmentsService,
  panels: AssignmentPagePanels,
) {
  const renderFailed = (req: Request, res: Response, status: number, failed: FailedForm) =>
    failed.form === 'revise'
      ? renderAction(service, req, res, status, failed)
      : renderShow(service, panels, req, res, status, { ...failed, form: failed.form });
  const post = formPost(renderFailed);

  return {
    /** The assignment page with one of the oversight panel's forms failed (see oversightPanel). */
    renderWithProblem: (req: Request, res: Response, status: number, problem: PanelProblem) =>
      renderShow(service, panels, req, res, status, undefined, problem),
    list: (req: Request, res: Response) => renderList(service, req, res),
    show: (req: Request, res: Response) => renderShow(service, panels, req, res, 200),

    respond: post('response', async (req, id, input) => {
      await service.recordResponse(actor(req), id, input, requestContext(req));
      return 'response';
    }),

    requestExtension: post('extension', async (req, id, input) => {
      await service.requestExtension(actor(req), id, input, requestContext(req));
      return 'extension';
    }),

    decideExtension: post(
      'decision',
      async (req, id, input, { extensionId }) => {
        await service.decideExtension(
          actor(req),
          id,
          { extensionId, ...input },
          requestContext(req),
        );
        return input.decision === 'grant' ? 'granted' : 'refused';
      },
      ['extensionId'],
    ),

    addAction: post('action', async (req, id, input) => {
      await service.addAction(actor(req), id, input, requestContext(req));
      return 'action';
    }),

    showAction: (req: Request, res: Response) => renderAction(service, req, res, 200),

    reviseAction: post(
      'revise',
      async (req, id, input, { actionId }) => {
        const { changed } = await service.reviseAction(
          actor(req),
          id,
          { actionId, ...input },
          requestContext(req),
        );
        return changed ? 'revised' : 'unchanged';
      },
      ['actionId'],
    ),
  };
}
