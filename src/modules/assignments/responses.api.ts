/**
 * The force leads' workspace through /api/v1: an organisation's assignments, the formal response,
 * extension requests (and an overseer's decision on them), the action plan, progress updates with
 * evidence files, and evidence downloads. The same services, input schemas and per-object checks as
 * the workspace pages: a token acts as its user, an org_lead's token reaches only its own
 * organisation's assignments (another's is the same 404 as a missing one).
 *
 * Each write answers with the assignment as GET /api/v1/assignments/{id} shows it afterwards, so a
 * client sees the new status, due date or action without a second request.
 */
import { paths, routes, withQuery } from '../../shared/paths';
import type { TObject, TSchema } from '@sinclair/typebox';
import {
  defineApiRoute,
  type ApiContext,
  type ApiRoute,
  type ApiRouteSpec,
} from '../../shared/api/api-route';
import { DEFAULT_LIMIT, pageOf, type CursorCodec } from '../../shared/api/pagination';
import type { CurrentUser } from '../accounts/accounts.types';
import { ValidationError } from '../../shared/errors';
import type { ResponseClock } from './deadlines';
import { cursorLinks } from '../public-record/register.api';
import type { ProgressUpdatesService } from './progress-updates.service';
import { closesConnection, receiveUpdate, sendEvidence } from './progress-updates.transfer';
import type {
  AssignmentDetail,
  AssignmentListItem,
  WorkspaceAssignmentsService,
} from './responses.service';
import {
  ActionInput,
  ActionRevisionInput,
  ExtensionDecisionInput,
  ExtensionRequestInput,
  ResponseInput,
} from './responses.schemas';
import {
  ActionParams,
  AssignmentDetailSchema,
  AssignmentSummarySchema,
  ExtensionParams,
  IdParam,
  ListQuery,
  UpdateCreatedSchema,
  UpdateUpload,
  UpdatesSchema,
} from './responses.api-schemas';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const presentClock = (c: ResponseClock) => ({
  dueOn: c.dueOn,
  daysRemaining: c.daysRemaining,
  overdue: c.overdue,
  overdueByDays: c.overdueByDays,
  respondedLate: c.respondedLate,
  respondedDaysLate: c.respondedDaysLate,
  paused: c.paused,
  state: c.state,
});

function presentSummary(a: AssignmentListItem) {
  return {
    id: a.id,
    reference: a.ref,
    title: a.title,
    organisation: a.organisationName,
    status: a.status,
    responseClock: presentClock(a.clock),
    nextActionOn: a.nextActionOn,
    lastChangedAt: iso(a.lastChangedAt),
    links: { self: paths.api.assignment(a.id), html: paths.assignments.show(a.id) },
  };
}

const presentVersion = (v: AssignmentDetail['responseVersions'][number]) => ({
  version: v.version,
  stance: v.stance,
  text: v.text,
  respondedOn: v.respondedOn,
  respondedOnConfirmed: v.respondedOnConfirmed,
  sourceUrl: v.sourceUrl,
  recordedBy: v.recordedBy,
  recordedAt: iso(v.recordedAt)!,
});

const presentExtension = (e: AssignmentDetail['extensions'][number]) => ({
  id: e.id,
  dueOnWhenRequested: e.dueOnWhenRequested,
  requestedDueOn: e.requestedDueOn,
  reason: e.reason,
  requestedBy: e.requestedBy,
  requestedAt: iso(e.requestedAt)!,
  state: e.state,
  decidedBy: e.decidedBy,
  decidedAt: iso(e.decidedAt),
  decidedOn: e.decidedOn,
  decisionReason: e.decisionReason,
});

const presentAction = (x: AssignmentDetail['actions'][number]) => ({
  id: x.id,
  description: x.description,
  owner: x.owner,
  targetOn: x.targetOn,
  state: x.state,
  overdue: x.overdue,
  revisions: x.revisions.map((r) => ({
    description: r.description,
    owner: r.owner,
    previousTargetOn: r.previousTargetOn,
    targetOn: r.targetOn,
    state: r.state,
    reason: r.reason,
    revisedBy: r.revisedBy,
    revisedAt: iso(r.revisedAt)!,
  })),
});

type ProgressUpdate = Awaited<ReturnType<ProgressUpdatesService['listFor']>>['updates'][number];

const presentUpdate = (u: ProgressUpdate) => ({
  id: u.id,
  createdAt: u.createdAt.toISOString(),
  author: u.author,
  selfAssessment: u.selfAssessment,
  narrative: u.narrative,
  files: u.files.map((f) => ({ ...f, links: { download: paths.api.evidenceFile(f.id) } })),
});

export function presentDetail(d: AssignmentDetail) {
  return {
    id: d.id,
    status: d.status,
    organisation: { name: d.organisation.name, slug: d.organisation.slug },
    recommendation: {
      reference: d.recommendation.ref,
      title: d.recommendation.title,
      text: d.recommendation.text,
    },
    report: { title: d.report.title, slug: d.report.slug },
    responseClock: presentClock(d.clock),
    response: d.response ? { ...presentVersion(d.response), late: d.response.late } : null,
    responseVersions: d.responseVersions.map(presentVersion),
    judicialReviewPauses: d.pauses.map((p) => ({ from: p.from, to: p.to })),
    extensions: d.extensions.map(presentExtension),
    actions: d.actions.map(presentAction),
    links: {
      self: paths.api.assignment(d.id),
      html: paths.assignments.show(d.id),
      updates: paths.api.assignmentUpdates(d.id),
    },
  };
}

const TAGS = ['Assignments'];
const READ = { action: 'workspace.view' } as const;
const DETAIL = { description: 'The assignment afterwards', schema: AssignmentDetailSchema };

/** What every group of routes below is built from. */
interface RouteKit {
  service: WorkspaceAssignmentsService;
  updates: ProgressUpdatesService;
  cursors: CursorCodec;
  /** The per-object check a write's route runs before it reads the body. */
  may: (
    action: 'assignment.act' | 'assignment.read_private' | 'oversight.decide',
  ) => NonNullable<ApiRoute['authorise']>;
  /** The assignment as GET /api/v1/assignments/{id} shows it. */
  detail: (user: CurrentUser, id: number) => Promise<ReturnType<typeof presentDetail>>;
  /** A 201 for a write that added to the assignment: the assignment afterwards, and where it is. */
  created: (
    user: CurrentUser,
    id: number,
  ) => Promise<{
    status: 201;
    body: ReturnType<typeof presentDetail>;
    headers: { Location: string };
  }>;
}

/** The list of an organisation's assignments, and one assignment. */
function assignmentRoutes({ service, cursors, detail }: RouteKit): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'get',
      path: routes.api.assignments,
      operationId: 'listAssignments',
      summary: 'List assignments you may see',
      description:
        'An org_lead’s token lists its own organisation’s live assignments; overseers, viewers and administrators see every organisation’s (filter with `organisation`). Ordered by id.',
      tags: TAGS,
      auth: READ,
      query: ListQuery,
      paginated: true,
      responses: {
        200: { description: 'A page of assignments', schema: pageOf(AssignmentSummarySchema) },
      },
      handler: async ({ query, user }) => {
        const limit = query.limit ?? DEFAULT_LIMIT;
        const afterId = query.cursor
          ? Number(cursors.decode('assignments', query.cursor, 1)[0])
          : null;
        if (afterId !== null && !Number.isSafeInteger(afterId))
          throw new ValidationError([{ field: 'cursor', message: 'cursor is not valid' }]);
        const filters = { status: query.status, organisation: query.organisation };
        const page = await service.listAfter(user!, filters, { afterId, limit });
        const last = page.items[page.items.length - 1];
        const next = page.more && last ? cursors.encode('assignments', [last.id]) : null;
        return {
          body: {
            items: page.items.map(presentSummary),
            limit,
            total: page.total,
            links: cursorLinks(
              (q) => withQuery(paths.api.assignments(), { ...filters, ...q }),
              query,
              next,
            ),
          },
        };
      },
    }),

    defineApiRoute({
      method: 'get',
      path: routes.api.assignment,
      operationId: 'getAssignment',
      summary: 'An assignment with its response, extension requests and action plan',
      tags: TAGS,
      auth: { action: 'workspace.view' },
      params: IdParam,
      responses: { 200: { description: 'The assignment', schema: AssignmentDetailSchema } },
      handler: async ({ params, user }) => ({ body: await detail(user!, params.id) }),
    }),
  ];
}

/**
 * A write to an assignment that answers with the assignment afterwards: 201 with where it is when
 * the write added a request or an action (`adds`), 200 otherwise. 409 when the lifecycle refuses.
 */
function assignmentWrite<P extends TObject, B extends TSchema>(
  { may, detail, created }: RouteKit,
  spec: Pick<
    ApiRouteSpec<P, undefined, B>,
    'method' | 'path' | 'operationId' | 'summary' | 'description'
  > & {
    params: P;
    body: B;
    /** Who may make it: the addressee's lead, or an overseer. */
    action: 'assignment.act' | 'oversight.decide';
    adds?: boolean;
    run: (ctx: ApiContext<P, undefined, B>) => Promise<unknown>;
  },
): ApiRoute {
  const { method, path, operationId, summary, description, params, body, action, adds, run } = spec;
  return defineApiRoute<P, undefined, B>({
    method,
    path,
    operationId,
    summary,
    ...(description === undefined ? {} : { description }),
    tags: TAGS,
    auth: action === 'oversight.decide' ? { action } : READ,
    params,
    authorise: may(action),
    body,
    errors: [409],
    responses: adds ? { 201: DETAIL } : { 200: DETAIL },
    handler: async (ctx) => {
      await run(ctx);
      const { id } = ctx.params as unknown as { id: number };
      return adds ? created(ctx.user!, id) : { body: await detail(ctx.user!, id) };
    },
  });
}

/** The formal response, requests for more time (and an overseer's decision), the action plan. */
function writeRoutes(kit: RouteKit): ApiRoute[] {
  const { service } = kit;
  return [
    assignmentWrite(kit, {
      method: 'post',
      path: routes.api.assignmentResponse,
      operationId: 'recordResponse',
      summary: 'Record (or revise) the formal response',
      description:
        'Only the addressee’s own lead. Every version is kept. An accepted or partially accepted first response moves the assignment to in_progress; a late response is accepted and shown as late.',
      params: IdParam,
      action: 'assignment.act',
      body: ResponseInput,
      run: ({ params, body, user, context }) =>
        service.recordResponse(user!, params.id, body, context),
    }),
    assignmentWrite(kit, {
      method: 'post',
      path: routes.api.assignmentExtensions,
      operationId: 'requestExtension',
      summary: 'Ask for more time to respond',
      description:
        'Only before the response is due, before a response, and one pending request at a time (409 otherwise, saying why).',
      params: IdParam,
      action: 'assignment.act',
      body: ExtensionRequestInput,
      adds: true,
      run: ({ params, body, user, context }) =>
        service.requestExtension(user!, params.id, body, context),
    }),
    assignmentWrite(kit, {
      method: 'post',
      path: routes.api.assignmentExtensionDecision,
      operationId: 'decideExtension',
      summary: 'Grant or refuse an extension request (overseers)',
      description: 'A granted request moves the response due date.',
      params: ExtensionParams,
      action: 'oversight.decide',
      body: ExtensionDecisionInput,
      run: ({ params, body, user, context }) =>
        service.decideExtension(
          user!,
          params.id,
          { ...body, extensionId: params.extensionId },
          context,
        ),
    }),
    assignmentWrite(kit, {
      method: 'post',
      path: routes.api.assignmentActions,
      operationId: 'addAction',
      summary: 'Add an action to the action plan',
      params: IdParam,
      action: 'assignment.act',
      body: ActionInput,
      adds: true,
      run: ({ params, body, user, context }) => service.addAction(user!, params.id, body, context),
    }),
    assignmentWrite(kit, {
      method: 'put',
      path: routes.api.assignmentAction,
      operationId: 'reviseAction',
      summary: 'Change an action',
      description:
        'Send the whole action. Moving the target date needs a `reason`; the earlier version is kept.',
      params: ActionParams,
      action: 'assignment.act',
      body: ActionRevisionInput,
      run: ({ params, body, user, context }) =>
        service.reviseAction(user!, params.id, { ...body, actionId: params.actionId }, context),
    }),
  ];
}

/** Progress updates with their evidence files, posting one, and downloading a file. */
function progressUpdateRoutes({ updates, may }: RouteKit): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'get',
      path: routes.api.assignmentUpdates,
      operationId: 'listProgressUpdates',
      summary: 'An assignment’s progress updates with their evidence files',
      tags: TAGS,
      auth: READ,
      params: IdParam,
      responses: { 200: { description: 'Newest first', schema: UpdatesSchema } },
      handler: async ({ params, user }) => {
        const data = await updates.listFor(user!, params.id);
        return {
          body: { assignment: params.id, items: data.updates.map(presentUpdate), more: data.more },
        };
      },
    }),

    defineApiRoute({
      method: 'post',
      path: routes.api.assignmentUpdates,
      operationId: 'postProgressUpdate',
      summary: 'Post a progress update, with evidence files',
      description: `Only the addressee’s own lead. Send multipart/form-data: the text parts first, then each file as a part named "files". The update and its files are stored together or not at all. Self-assessment \`complete\` claims implementation and moves the assignment to awaiting_verification. Files: PDF, Word, Excel, CSV, plain text, PNG or JPEG, checked from their bytes (422 otherwise); at most ${updates.maxFiles} files of ${updates.maxFileBytes} bytes each (413 otherwise).`,
      tags: TAGS,
      auth: READ,
      params: IdParam,
      authorise: may('assignment.act'),
      multipart: {
        schema: UpdateUpload,
        description: `At most ${updates.maxFiles} files of ${updates.maxFileBytes} bytes each`,
      },
      errors: [409, 413, 422],
      responses: { 201: { description: 'The update was stored', schema: UpdateCreatedSchema } },
      handler: async ({ params, user, context, req, res }) => {
        const outcome = await receiveUpdate(updates, req, user!, context, params.id, 'bearer');
        if (!outcome.ok) {
          if (closesConnection(outcome.error)) res.set('Connection', 'close');
          throw outcome.error;
        }
        return {
          status: 201,
          body: {
            id: outcome.saved.id,
            status: outcome.saved.status,
            files: outcome.saved.files,
            links: { updates: paths.api.assignmentUpdates(params.id) },
          },
          headers: { Location: paths.api.assignmentUpdates(params.id) },
        };
      },
    }),

    defineApiRoute({
      method: 'get',
      path: routes.api.evidenceFile,
      operationId: 'downloadEvidence',
      summary: 'Download an evidence file',
      description:
        'Sent as an attachment with its stored type and `X-Content-Type-Options: nosniff`; `Repr-Digest` carries its SHA-256. Every download is recorded in the audit trail.',
      tags: TAGS,
      auth: READ,
      params: IdParam,
      responses: { 200: { description: 'The file', binary: true } },
      handler: async ({ params, user, context, res }) => {
        await sendEvidence(res, await updates.openDownload(user!, context, params.id));
        return { sent: true };
      },
    }),
  ];
}

/** Every /api/v1 route for an organisation's assignments, in the order the OpenAPI document lists them. */
export function workspaceAssignmentsApiRoutes(
  service: WorkspaceAssignmentsService,
  updates: ProgressUpdatesService,
  cursors: CursorCodec,
): ApiRoute[] {
  const detail = async (user: CurrentUser, id: number) =>
    presentDetail(await service.get(user, id));
  const kit: RouteKit = {
    service,
    updates,
    cursors,
    may:
      (action) =>
      async ({ params, user }) =>
        service.authorise(user, params.id as number, action),
    detail,
    created: async (user, id) => ({
      status: 201,
      body: await detail(user, id),
      headers: { Location: paths.api.assignment(id) },
    }),
  };
  return [...assignmentRoutes(kit), ...writeRoutes(kit), ...progressUpdateRoutes(kit)];
}
