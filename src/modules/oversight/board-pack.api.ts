/**
 * /api/v1/board-pack: the board pack as JSON, for a token allowed 'oversight.view' (admin,
 * overseer, viewer; a force lead's token gets 403). The same service and period rules as the page,
 * so the two agree item for item.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { paths, routes } from '../../shared/paths';
import { defineApiRoute, type ApiRoute } from '../../shared/api/api-route';
import { StringEnum } from '../../shared/validation';
import { ASSIGNMENT_STATUSES, CLOSURE_REASONS, RESPONSE_STANCES } from '../../db/tables';
import type { BoardPackService } from './board-pack.service';

const closed = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateText = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });
const Instant = Type.String({ format: 'date-time' });
const RagValue = StringEnum(['red', 'amber', 'green'] as const);
const TAGS = ['Dashboards'];

/** Loose on purpose: the service checks the dates and answers 400 naming the bad one. */
const BoardPackQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        description: 'First day of the period, YYYY-MM-DD (default: a month before `to`)',
      }),
    ),
    to: Type.Optional(
      Type.String({ description: 'Last day of the period, YYYY-MM-DD (default: today)' }),
    ),
  },
  { additionalProperties: false },
);

const assignmentFields = {
  assignmentId: Type.Integer(),
  ref: Type.String(),
  title: Nullable(Type.String()),
  organisation: Type.String(),
  links: closed({ html: Type.String({ description: 'A path on this server' }) }),
};

const BoardPackSchema = closed({
  from: DateText,
  to: DateText,
  today: DateText,
  reviewWaitingDays: Type.Integer({ minimum: 1 }),
  changed: closed({
    statusChanges: Type.Array(
      closed({
        ...assignmentFields,
        changedAt: Instant,
        from: Nullable(StringEnum(ASSIGNMENT_STATUSES)),
        to: StringEnum(ASSIGNMENT_STATUSES),
        closureReason: Nullable(StringEnum(CLOSURE_REASONS)),
      }),
    ),
    responses: Type.Array(
      closed({
        ...assignmentFields,
        respondedOn: DateText,
        stance: StringEnum(RESPONSE_STANCES),
        version: Type.Integer({ minimum: 1 }),
      }),
    ),
    reviews: Type.Array(
      closed({
        ...assignmentFields,
        updateId: Type.Integer(),
        decidedAt: Instant,
        decision: StringEnum(['accepted', 'returned'] as const),
      }),
    ),
    extensions: Type.Array(
      closed({
        ...assignmentFields,
        requestId: Type.Integer(),
        decision: StringEnum(['granted', 'refused'] as const),
        decidedOn: DateText,
        dueOnWhenRequested: DateText,
        requestedDueOn: DateText,
      }),
    ),
  }),
  overdue: closed({
    responses: closed({
      total: Type.Integer({ minimum: 0 }),
      items: Type.Array(
        closed({
          ...assignmentFields,
          dueOn: DateText,
          extended: Type.Boolean(),
          daysOverdue: Type.Integer(),
        }),
      ),
    }),
    actions: closed({
      total: Type.Integer({ minimum: 0 }),
      items: Type.Array(
        closed({
          ...assignmentFields,
          actionId: Type.Integer(),
          description: Type.String(),
          targetOn: DateText,
          daysOverdue: Type.Integer(),
        }),
      ),
    }),
  }),
  ragChanges: Type.Array(
    closed({
      ...assignmentFields,
      ratedOn: DateText,
      previous: Nullable(RagValue),
      rating: RagValue,
    }),
  ),
  decisions: closed({
    pendingExtensions: Type.Array(
      closed({
        ...assignmentFields,
        requestId: Type.Integer(),
        requestedAt: Instant,
        dueOnWhenRequested: DateText,
        requestedDueOn: DateText,
      }),
    ),
    awaitingVerification: Type.Array(closed({ ...assignmentFields, since: Nullable(Instant) })),
    notAccepted: Type.Array(closed({ ...assignmentFields, respondedOn: DateText })),
    updatesWaiting: closed({
      total: Type.Integer({ minimum: 0 }),
      items: Type.Array(
        closed({
          ...assignmentFields,
          updateId: Type.Integer(),
          postedAt: Instant,
          daysWaiting: Type.Integer(),
        }),
      ),
    }),
  }),
});

const ref = (x: {
  assignment_id: number;
  ref: string;
  title: string | null;
  organisation_name: string;
}) => ({
  assignmentId: x.assignment_id,
  ref: x.ref,
  title: x.title,
  organisation: x.organisation_name,
  links: { html: paths.assignments.show(x.assignment_id) },
});
const ref2 = (x: {
  assignmentId: number;
  ref: string;
  title: string | null;
  organisationName: string;
}) => ({
  assignmentId: x.assignmentId,
  ref: x.ref,
  title: x.title,
  organisation: x.organisationName,
  links: { html: paths.assignments.show(x.assignmentId) },
});

export function boardPackApiRoutes(service: BoardPackService): ApiRoute[] {
  return [
    defineApiRoute({
      method: 'get',
      path: routes.boardPack.api,
      operationId: 'getBoardPack',
      summary: 'The board pack for a period',
      description:
        'For a period of London calendar days (both included; by default the month up to today): status changes, responses, progress update reviews and extension decisions in the period; responses and actions overdue now; delivery confidence ratings given in the period with the rating before each; and what waits for a decision now (pending extension requests, assignments awaiting verification, open assignments whose response did not accept the recommendation, progress updates waiting for review too long). Only live assignments count.',
      tags: TAGS,
      auth: { action: 'oversight.view' },
      query: BoardPackQuery,
      responses: { 200: { description: 'The pack', schema: BoardPackSchema } },
      handler: async ({ query, user }) => {
        const p = await service.pack(user, service.period(query));
        return {
          body: {
            from: p.from,
            to: p.to,
            today: p.today,
            reviewWaitingDays: p.reviewWaitingDays,
            changed: {
              statusChanges: p.changed.statusChanges.map((c) => ({
                ...ref(c),
                changedAt: c.changed_at.toISOString(),
                from: c.from_status,
                to: c.to_status,
                closureReason: c.closure_reason,
              })),
              responses: p.changed.responses.map((x) => ({
                ...ref(x),
                respondedOn: x.responded_on,
                stance: x.stance,
                version: x.version,
              })),
              reviews: p.changed.reviews.map((v) => ({
                ...ref(v),
                updateId: v.update_id,
                decidedAt: v.created_at.toISOString(),
                decision: v.decision,
              })),
              extensions: p.changed.extensions.map((e) => ({
                ...ref(e),
                requestId: e.request_id,
                decision: e.state as 'granted' | 'refused',
                decidedOn: e.decided_on!,
                dueOnWhenRequested: e.due_on_when_requested,
                requestedDueOn: e.requested_due_on,
              })),
            },
            overdue: {
              responses: {
                total: p.overdue.responses.total,
                items: p.overdue.responses.items.map((r) => ({
                  ...ref2(r),
                  dueOn: r.dueOn,
                  extended: r.extended,
                  daysOverdue: r.daysOverdue,
                })),
              },
              actions: {
                total: p.overdue.actions.total,
                items: p.overdue.actions.items.map((x) => ({
                  ...ref2(x),
                  actionId: x.actionId,
                  description: x.description,
                  targetOn: x.targetOn,
                  daysOverdue: x.daysOverdue,
                })),
              },
            },
            ragChanges: p.ragChanges.map((x) => ({
              ...ref(x),
              ratedOn: x.rated_on,
              previous: x.previous_rating,
              rating: x.rating,
            })),
            decisions: {
              pendingExtensions: p.decisions.pendingExtensions.map((e) => ({
                ...ref(e),
                requestId: e.request_id,
                requestedAt: e.requested_at.toISOString(),
                dueOnWhenRequested: e.due_on_when_requested,
                requestedDueOn: e.requested_due_on,
              })),
              awaitingVerification: p.decisions.awaitingVerification.map((a) => ({
                ...ref(a),
                since: a.since ? a.since.toISOString() : null,
              })),
              notAccepted: p.decisions.notAccepted.map((x) => ({
                ...ref(x),
                respondedOn: x.responded_on,
              })),
              updatesWaiting: {
                total: p.decisions.updatesWaiting.total,
                items: p.decisions.updatesWaiting.items.map((u) => ({
                  ...ref2(u),
                  updateId: u.updateId,
                  postedAt: u.postedAt.toISOString(),
                  daysWaiting: u.daysWaiting,
                })),
              },
            },
          },
        };
      },
    }),
  ];
}
