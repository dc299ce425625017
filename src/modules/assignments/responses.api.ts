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
import { Type, type TSchema } from '@sinclair/typebox';
import { paths, routes, withQuery } from '../../shared/paths';
import { defineApiRoute, type ApiRoute } from '../../shared/api/api-route';
import {
  DEFAULT_LIMIT,
  paginationQuery,
  pageOf,
  type CursorCodec,
} from '../../shared/api/pagination';
import { StringEnum } from '../../shared/validation';
import type { CurrentUser } from '../accounts/accounts.types';
import { ValidationError } from '../../shared/errors';
import { ASSIGNMENT_STATUSES, RESPONSE_STANCES } from '../../db/tables';
import type { ResponseClock } from './deadlines';
import { cursorLinks } from '../public-record/register.api';
import type { ProgressUpdatesService } from './progress-updates.service';
import { SELF_ASSESSMENTS } from './progress-updates.service';
import {
  closesConnection,
  receiveUpdate,
  sendEvidence,
} from './progress-updates.transfer';
import type {
  AssignmentDetail,
  AssignmentListItem,
  WorkspaceAssignmentsService,
} from './responses.service';
import {
  ACTION_STATES,
  ActionInput,
  ActionRevisionInput,
  EXTENSION_STATES,
  ExtensionDecisionInput,
  ExtensionRequestInput,
  ResponseInput,
} from './responses.schemas';

const closed = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});
const DateText = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });
const Instant = Type.String({ format: 'date-time', description: 'An instant, in UTC' });
const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });

const IdParam = closed({ id: Id });
const ExtensionParams = closed({ id: Id, extensionId: Id });
const ActionParams = closed({ id: Id, actionId: Id });
const ListQuery = closed({
  status: Type.Optional(StringEnum(ASSIGNMENT_STATUSES)),
  organisation: Type.Optional(
    Type.String({ minLength: 1, maxLength: 80, description: 'an organisation’s slug' }),
  ),
  ...paginationQuery,
});

const ClockSchema = closed(
  {
    dueOn: Nullable(DateText),
    daysRemaining: Nullable(
      Type.Integer({ description: 'Days to the due date while unanswered; negative when overdue' }),
    ),
    overdue: Type.Boolean(),
    overdueByDays: Type.Integer({ minimum: 0 }),
    respondedLate: Nullable(Type.Boolean()),
    respondedDaysLate: Nullable(Type.Integer({ minimum: 0 })),
    paused: Type.Boolean({ description: 'Judicial review is stopping the clock today' }),
    state: Type.String({ description: 'The clock in one word, e.g. due_later, overdue' }),
  },
  'The statutory response clock, worked out today',
);

const AssignmentSummarySchema = closed({
  id: Id,
  reference: Type.String(),
  title: Nullable(Type.String()),
  organisation: Type.String({ description: 'The addressee’s name' }),
  status: StringEnum(ASSIGNMENT_STATUSES),
  responseClock: ClockSchema,
  nextActionOn: Nullable(DateText),
  lastChangedAt: Nullable(Instant),
  links: closed({ self: Type.String(), html: Type.String() }),
});

const ResponseVersionSchema = closed({
  version: Type.Integer({
    minimum: 1,
    description:
      'From 1, in the order recorded; a response loaded by a seed or an import is a version like any other',
  }),
  stance: StringEnum(RESPONSE_STANCES),
  text: Nullable(
    Type.String(),
    'null when only the stance is known (a response reported, not quoted)',
  ),
  respondedOn: DateText,
  respondedOnConfirmed: Type.Boolean({
    description: 'false when only the day the response was reported is known',
  }),
  sourceUrl: Nullable(Type.String(), 'Where this version was published, if anywhere'),
  recordedBy: Nullable(Type.String(), 'A user, or the seed or import that loaded it'),
  recordedAt: Instant,
});

const ExtensionSchema = closed({
  id: Id,
  dueOnWhenRequested: DateText,
  requestedDueOn: DateText,
  reason: Type.String(),
  requestedBy: Nullable(Type.String()),
  requestedAt: Instant,
  state: StringEnum(EXTENSION_STATES),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Instant),
  decidedOn: Nullable(DateText),
  decisionReason: Nullable(Type.String()),
});

const ActionSchema = closed({
  id: Id,
  description: Type.String(),
  owner: Type.String(),
  targetOn: DateText,
  state: StringEnum(ACTION_STATES),
  overdue: Type.Boolean({ description: 'Past its target date and not done or dropped' }),
  revisions: Type.Array(
    closed({
      description: Type.String(),
      owner: Type.String(),
      previousTargetOn: Nullable(DateText),
      targetOn: DateText,
      state: StringEnum(ACTION_STATES),
      reason: Nullable(Type.String()),
      revisedBy: Nullable(Type.String()),
      revisedAt: Instant,
    }),
    { description: 'Every version, newest first' },
  ),
});

export const AssignmentDetailSchema = closed({
  id: Id,
  status: StringEnum(ASSIGNMENT_STATUSES),
  organisation: closed({ name: Type.String(), slug: Type.String() }),
  recommendation: closed({
    reference: Type.String(),
    title: Nullable(Type.String()),
    text: Nullable(Type.String()),
  }),
  report: closed({ title: Type.String(), slug: Type.String() }),
  responseClock: ClockSchema,
  response: Nullable(
    Type.Composite([ResponseVersionSchema, closed({ late: Nullable(Type.Boolean()) })], {
      additionalProperties: false,
      description: 'The current response (its latest version)',
    }),
  ),
  responseVersions: Type.Array(ResponseVersionSchema, { description: 'Newest first' }),
  judicialReviewPauses: Type.Array(closed({ from: DateText, to: Nullable(DateText) }), {
    description:
      'Judicial review proceedings that stop the response clock (IOPC recommendations); to is null while they are still in progress',
  }),
  extensions: Type.Array(ExtensionSchema, { description: 'Newest first' }),
  actions: Type.Array(ActionSchema, { description: 'By target date' }),
  links: closed({ self: Type.String(), html: Type.String(), updates: Type.String() }),
});

const EvidenceFileSchema = closed({
  id: Id,
  name: Type.String(),
  contentType: Type.String({ description: 'Worked out from the file’s bytes, not its name' }),
  sizeBytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  links: closed({ download: Type.String() }),
});

const UpdateSchema = closed({
  id: Id,
  createdAt: Instant,
  author: Type.String(),
  selfAssessment: StringEnum(SELF_ASSESSMENTS),
  narrative: Type.String(),
  files: Type.Array(EvidenceFileSchema),
});

const UpdatesSchema = closed({
  assignment: Id,
  items: Type.Array(UpdateSchema, { description: 'Newest first, at most 100' }),
  more: Type.Boolean({ description: 'Older updates exist beyond these' }),
});

const UpdateCreatedSchema = closed({
  id: Id,
  status: StringEnum(ASSIGNMENT_STATUSES, {
    description:
      'The assignment’s status after the update (awaiting_verification after one marked complete)',
  }),
  files: Type.Integer({ minimum: 0 }),
  links: closed({ updates: Type.String() }),
});

const UpdateUpload = closed({
  narrative: Type.String({ description: 'What has happened since the last update' }),
  selfAssessment: StringEnum(SELF_ASSESSMENTS),
  files: Type.Optional(
    Type.Array(Type.String({ contentMediaType: 'application/octet-stream' }), {
      description: 'Evidence files, each sent as a part named "files"',
    }),
  ),
});

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
    extensions: d.extensions.map((e) => ({
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
    })),
    actions: d.actions.map((x) => ({
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
    })),
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

export function workspaceAssignmentsApiRoutes(
  service: WorkspaceAssignmentsService,
  updates: ProgressUpdatesService,
  cursors: CursorCodec,
): ApiRoute[] {
  const may =
    (action: 'assignment.act' | 'assignment.read_private' | 'oversight.decide') =>
    async ({ params, user }: { params: Record<string, unknown>; user: CurrentUser | null }) =>
      service.authorise(user, params.id as number, action);
  const detail = async (user: Parameters<WorkspaceAssignmentsService['get']>[0], id: number) =>
    presentDetail(await service.get(user, id));

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

    defineApiRoute({
      method: 'post',
      path: routes.api.assignmentResponse,
      operationId: 'recordResponse',
      summary: 'Record (or revise) the formal response',
      description:
        'Only the addressee’s own lead. Every version is kept. An accepted or partially accepted first response moves the assignment to in_progress; a late response is accepted and shown as late.',
      tags: TAGS,
      auth: READ,
      params: IdParam,
      authorise: may('assignment.act'),
      body: ResponseInput,
      errors: [409],
      responses: { 200: DETAIL },
      handler: async ({ params, body, user, context }) => {
        await service.recordResponse(user!, params.id, body, context);
        return { body: await detail(user!, params.id) };
      },
    }),

    defineApiRoute({
      method: 'post',
      path: routes.api.assignmentExtensions,
      operationId: 'requestExtension',
      summary: 'Ask for more time to respond',
      description:
        'Only before the response is due, before a response, and one pending request at a time (409 otherwise, saying why).',
      tags: TAGS,
      auth: READ,
      params: IdParam,
      authorise: may('assignment.act'),
      body: ExtensionRequestInput,
      errors: [409],
      responses: { 201: DETAIL },
      handler: async ({ params, body, user, context }) => {
        await service.requestExtension(user!, params.id, body, context);
        return {
          status: 201,
          body: await detail(user!, params.id),
          headers: { Location: paths.api.assignment(params.id) },
        };
      },
    }),

    defineApiRoute({
      method: 'post',
      path: routes.api.assignmentExtensionDecision,
      operationId: 'decideExtension',
      summary: 'Grant or refuse an extension request (overseers)',
      description: 'A granted request moves the response due date.',
      tags: TAGS,
      auth: { action: 'oversight.decide' },
      params: ExtensionParams,
      authorise: may('oversight.decide'),
      body: ExtensionDecisionInput,
      errors: [409],
      responses: { 200: DETAIL },
      handler: async ({ params, body, user, context }) => {
        await service.decideExtension(
          user!,
          params.id,
          { ...body, extensionId: params.extensionId },
          context,
        );
        return { body: await detail(user!, params.id) };
      },
    }),

    defineApiRoute({
      method: 'post',
      path: routes.api.assignmentActions,
      operationId: 'addAction',
      summary: 'Add an action to the action plan',
      tags: TAGS,
      auth: READ,
      params: IdParam,
      authorise: may('assignment.act'),
      body: ActionInput,
      errors: [409],
      responses: { 201: DETAIL },
      handler: async ({ params, body, user, context }) => {
        await service.addAction(user!, params.id, body, context);
        return {
          status: 201,
          body: await detail(user!, params.id),
          headers: { Location: paths.api.assignment(params.id) },
        };
      },
    }),

    defineApiRoute({
      method: 'put',
      path: routes.api.assignmentAction,
      operationId: 'reviseAction',
      summary: 'Change an action',
      description:
        'Send the whole action. Moving the target date needs a `reason`; the earlier version is kept.',
      tags: TAGS,
      auth: READ,
      params: ActionParams,
      authorise: may('assignment.act'),
      body: ActionRevisionInput,
      errors: [409],
      responses: { 200: DETAIL },
      handler: async ({ params, body, user, context }) => {
        await service.reviseAction(
          user!,
          params.id,
          { ...body, actionId: params.actionId },
          context,
        );
        return { body: await detail(user!, params.id) };
      },
    }),

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
          body: {
            assignment: params.id,
            items: data.updates.map((u) => ({
              id: u.id,
              createdAt: u.createdAt.toISOString(),
              author: u.author,
              selfAssessment: u.selfAssessment,
              narrative: u.narrative,
              files: u.files.map((f) => ({
                ...f,
                links: { download: paths.api.evidenceFile(f.id) },
              })),
            })),
            more: data.more,
          },
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
