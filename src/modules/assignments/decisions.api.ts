/**
 * The oversight office through /api/v1: the review queue, reviews, verification, closure,
 * reopening and delivery confidence, with the same service, schemas and audit as the pages.
 * Decisions need a token allowed `oversight.decide` (an overseer's); the queue needs
 * `oversight.view`. An assignment's ratings and status history may also be read by its own
 * organisation's lead: the route lets any token in, and the service checks the assignment itself
 * (another organisation's is 404, as a missing id).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { paths, routes, withQuery } from '../../shared/paths';
import { defineApiRoute, type ApiRoute } from '../../shared/api/api-route';
import { DEFAULT_LIMIT, pageOf, type CursorCodec } from '../../shared/api/pagination';
import { StringEnum } from '../../shared/validation';
import { ASSIGNMENT_STATUSES, CLOSURE_REASONS } from '../../db/tables';
import { SELF_ASSESSMENTS } from './progress-updates.service';
import {
  ClosureInput,
  ConfidenceInput,
  IdParams,
  RATINGS,
  REVIEW_DECISIONS,
  ReopeningInput,
  ReviewInput,
  ReviewQueueApiQuery,
  VerificationInput,
} from './decisions.schemas';
import type {
  ConfidenceRating,
  OversightService,
  QueueItem,
  QueueKey,
  StatusChange,
} from './decisions.service';

const TAGS = ['Oversight'];
const DECIDE = { action: 'oversight.decide' } as const;
const VIEW = { action: 'oversight.view' } as const;
/** Any token; the service decides per assignment (see the header). */
const SIGNED_IN = { action: 'workspace.view' } as const;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Status = StringEnum(ASSIGNMENT_STATUSES);
const Reason = StringEnum(CLOSURE_REASONS);
const DateTime = Type.String({ format: 'date-time' });

export const ReviewQueueItemSchema = Type.Object(
  {
    progressUpdateId: Type.Integer(),
    assignmentId: Type.Integer(),
    postedAt: DateTime,
    ageDays: Type.Integer({ minimum: 0, description: 'Whole days since it was posted (UK dates)' }),
    organisation: Type.Object(
      { name: Type.String(), slug: Type.String() },
      { additionalProperties: false },
    ),
    recommendation: Type.Object(
      { ref: Type.String(), title: Nullable(Type.String()) },
      { additionalProperties: false },
    ),
    report: Type.Object(
      { title: Type.String(), slug: Type.String() },
      { additionalProperties: false },
    ),
    selfAssessment: StringEnum(SELF_ASSESSMENTS),
    author: Type.String(),
    evidenceFiles: Type.Integer({ minimum: 0 }),
    assignmentStatus: Status,
  },
  { additionalProperties: false },
);

export const ReviewSchema = Type.Object(
  {
    progressUpdateId: Type.Integer(),
    decision: StringEnum(REVIEW_DECISIONS),
    feedback: Nullable(Type.String()),
    reviewer: Type.String(),
    reviewedAt: DateTime,
    assignmentStatus: Status,
  },
  { additionalProperties: false },
);

export const TransitionSchema = Type.Object(
  {
    assignmentId: Type.Integer(),
    status: Status,
    closureReason: Nullable(Reason),
  },
  { additionalProperties: false },
);

export const RatingSchema = Type.Object(
  {
    id: Type.Integer(),
    rating: StringEnum(RATINGS),
    commentary: Type.String(),
    ratedOn: Type.String({ format: 'date' }),
    rater: Type.String(),
    recordedAt: DateTime,
  },
  { additionalProperties: false },
);

export const ConfidenceSchema = Type.Object(
  {
    assignmentId: Type.Integer(),
    current: Nullable(RatingSchema),
    ratings: Type.Array(RatingSchema, { description: 'Every rating, newest first' }),
  },
  { additionalProperties: false },
);

export const StatusHistorySchema = Type.Object(
  {
    assignmentId: Type.Integer(),
    status: Status,
    closureReason: Nullable(Reason),
    changes: Type.Array(
      Type.Object(
        {
          fromStatus: Nullable(Status),
          toStatus: Status,
          closureReason: Nullable(Reason),
          event: Type.String({
            description:
              'respond, claim_complete, return_update, verify, close, reopen, or recorded (from before history was kept)',
          }),
          note: Nullable(Type.String()),
          actor: Type.String(),
          changedAt: DateTime,
        },
        { additionalProperties: false },
      ),
      { description: 'Every change, newest first' },
    ),
  },
  { additionalProperties: false },
);

const presentQueueItem = (i: QueueItem) => ({
  progressUpdateId: i.updateId,
  assignmentId: i.assignmentId,
  postedAt: i.createdAt.toISOString(),
  ageDays: i.ageDays,
  organisation: i.organisation,
  recommendation: i.recommendation,
  report: i.report,
  selfAssessment: i.selfAssessment,
  author: i.author,
  evidenceFiles: i.evidenceFiles,
  assignmentStatus: i.status,
});

const presentRating = (r: ConfidenceRating) => ({
  id: r.id,
  rating: r.rating,
  commentary: r.commentary,
  ratedOn: r.ratedOn,
  rater: r.rater,
  recordedAt: r.createdAt.toISOString(),
});

const presentChange = (c: StatusChange) => ({
  fromStatus: c.fromStatus,
  toStatus: c.toStatus,
  closureReason: c.closureReason,
  event: c.event,
  note: c.note,
  actor: c.actor,
  changedAt: c.changedAt.toISOString(),
});

/** The review queue, and a review of one progress update. */
function reviewRoutes(service: OversightService, cursors: CursorCodec): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'get',
      path: routes.api.reviews,
      operationId: 'listReviewQueue',
      summary: 'Progress updates waiting for a review',
      description:
        'Updates nobody has reviewed yet, on live assignments, oldest first. Filter by `organisation` or `report` (slugs).',
      tags: TAGS,
      auth: VIEW,
      query: ReviewQueueApiQuery,
      paginated: true,
      responses: {
        200: { description: 'A page of the queue', schema: pageOf(ReviewQueueItemSchema) },
      },
      handler: async ({ query, user }) => {
        const { limit: asked, cursor, ...filters } = query;
        const limit = asked ?? DEFAULT_LIMIT;
        // Cursors are signed, so a decoded key is one this route made: [microseconds, id].
        const after = cursor ? (cursors.decode('reviews', cursor, 2) as QueueKey) : null;
        const page = await service.queuePage(user!, filters, { limit, after });
        const link = (q: Record<string, string | number | undefined>) =>
          withQuery(paths.api.reviews(), { ...filters, ...q });
        return {
          body: {
            items: page.items.map(presentQueueItem),
            limit,
            total: page.total,
            links: {
              self: link({ limit: asked, cursor }),
              next: page.nextKey
                ? link({ limit: asked, cursor: cursors.encode('reviews', page.nextKey) })
                : null,
              prev: null,
            },
          },
        };
      },
    }),

    defineApiRoute({
      method: 'post',
      path: routes.api.reviewOfUpdate,
      operationId: 'reviewProgressUpdate',
      summary: 'Accept a progress update, or return it with feedback',
      description:
        'Feedback is required when returning. Returning an update marked complete takes an assignment awaiting verification back to in progress. Each update has one review: a second is refused with 409.',
      tags: TAGS,
      auth: DECIDE,
      params: IdParams,
      body: ReviewInput,
      errors: [409],
      responses: { 201: { description: 'The review as recorded', schema: ReviewSchema } },
      handler: async ({ params, body, user, context }) => {
        const r = await service.review(user!, params.id, body, context);
        return {
          status: 201,
          body: {
            progressUpdateId: params.id,
            decision: r.decision,
            feedback: r.feedback,
            reviewer: r.reviewer,
            reviewedAt: r.reviewedAt.toISOString(),
            assignmentStatus: r.status,
          },
        };
      },
    }),
  ];
}

type Transition = 'verify' | 'close' | 'reopen';

/** The status decisions: each answers with the assignment's new status, or 409 and no change. */
const TRANSITIONS: {
  run: Transition;
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  body: typeof VerificationInput | typeof ClosureInput | typeof ReopeningInput;
}[] = [
  {
    run: 'verify',
    path: routes.api.assignmentVerification,
    operationId: 'verifyAssignment',
    summary: 'Verify that a recommendation is implemented',
    description:
      'Only for an assignment awaiting verification whose latest update marked complete has been accepted; otherwise 409, with the reason, and nothing changes.',
    body: VerificationInput,
  },
  {
    run: 'close',
    path: routes.api.assignmentClosure,
    operationId: 'closeAssignment',
    summary: 'Close an open assignment with a reason and an explanation',
    body: ClosureInput,
  },
  {
    run: 'reopen',
    path: routes.api.assignmentReopening,
    operationId: 'reopenAssignment',
    summary: 'Reopen an implemented assignment, with an explanation',
    body: ReopeningInput,
  },
];

function transitionRoutes(service: OversightService): ApiRoute[] {
  return TRANSITIONS.map(({ run, body, ...words }) =>
    defineApiRoute({
      method: 'post',
      ...words,
      tags: TAGS,
      auth: DECIDE,
      params: IdParams,
      body,
      errors: [409],
      responses: { 200: { description: 'The new status', schema: TransitionSchema } },
      handler: async ({ params, body: input, user, context }) => {
        const r = await service[run](user!, params.id, input, context);
        return {
          body: { assignmentId: params.id, status: r.status, closureReason: r.closureReason },
        };
      },
    }),
  );
}

/** Delivery confidence (rating it, and reading the ratings) and the status history. */
function recordRoutes(service: OversightService): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'post',
      path: routes.api.assignmentConfidence,
      operationId: 'rateAssignmentConfidence',
      summary: 'Rate delivery confidence (red, amber or green) with a commentary',
      description:
        '`ratedOn` defaults to today (UK date) and may not be in the future. Every rating is kept; the newest is current.',
      tags: TAGS,
      auth: DECIDE,
      params: IdParams,
      body: ConfidenceInput,
      responses: { 201: { description: 'The rating as recorded', schema: RatingSchema } },
      handler: async ({ params, body, user, context }) => ({
        status: 201,
        body: presentRating(await service.rate(user!, params.id, body, context)),
      }),
    }),

    defineApiRoute({
      method: 'get',
      path: routes.api.assignmentConfidence,
      operationId: 'getAssignmentConfidence',
      summary: 'An assignment’s delivery confidence: the current rating and every earlier one',
      description:
        'For the oversight office and viewers, and for the lead of the assignment’s own organisation.',
      tags: TAGS,
      auth: SIGNED_IN,
      params: IdParams,
      responses: { 200: { description: 'The ratings', schema: ConfidenceSchema } },
      handler: async ({ params, user }) => {
        const { assignmentId, ratings } = await service.confidence(user!, params.id);
        const all = ratings.map(presentRating);
        return { body: { assignmentId, current: all[0] ?? null, ratings: all } };
      },
    }),

    defineApiRoute({
      method: 'get',
      path: routes.api.assignmentStatusHistory,
      operationId: 'getAssignmentStatusHistory',
      summary: 'Every change of an assignment’s status, newest first',
      description:
        'For the oversight office and viewers, and for the lead of the assignment’s own organisation.',
      tags: TAGS,
      auth: SIGNED_IN,
      params: IdParams,
      responses: { 200: { description: 'The history', schema: StatusHistorySchema } },
      handler: async ({ params, user }) => {
        const h = await service.statusHistory(user!, params.id);
        return {
          body: {
            assignmentId: h.assignmentId,
            status: h.status,
            closureReason: h.closureReason,
            changes: h.changes.map(presentChange),
          },
        };
      },
    }),
  ];
}

export function oversightApiRoutes(service: OversightService, cursors: CursorCodec): ApiRoute[] {
  return [
    ...reviewRoutes(service, cursors),
    ...transitionRoutes(service),
    ...recordRoutes(service),
  ];
}
