/**
 * The shapes /api/v1 answers with for an organisation's assignments, as TypeBox schemas: the
 * published contract in the OpenAPI document, which the tests check real responses against. Objects
 * are closed (additionalProperties: false), so a field the code sends but the document does not
 * describe fails the tests.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { paginationQuery } from '../../shared/api/pagination';
import { StringEnum } from '../../shared/validation';
import { ASSIGNMENT_STATUSES, RESPONSE_STANCES } from '../../db/tables';
import { SELF_ASSESSMENTS } from './progress-updates.service';
import { ACTION_STATES, EXTENSION_STATES } from './responses.schemas';

const closed = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});
const DateText = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });
const Instant = Type.String({ format: 'date-time', description: 'An instant, in UTC' });
const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });

export const IdParam = closed({ id: Id });
export const ExtensionParams = closed({ id: Id, extensionId: Id });
export const ActionParams = closed({ id: Id, actionId: Id });
export const ListQuery = closed({
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

export const AssignmentSummarySchema = closed({
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

export const UpdatesSchema = closed({
  assignment: Id,
  items: Type.Array(UpdateSchema, { description: 'Newest first, at most 100' }),
  more: Type.Boolean({ description: 'Older updates exist beyond these' }),
});

export const UpdateCreatedSchema = closed({
  id: Id,
  status: StringEnum(ASSIGNMENT_STATUSES, {
    description:
      'The assignment’s status after the update (awaiting_verification after one marked complete)',
  }),
  files: Type.Integer({ minimum: 0 }),
  links: closed({ updates: Type.String() }),
});

export const UpdateUpload = closed({
  narrative: Type.String({ description: 'What has happened since the last update' }),
  selfAssessment: StringEnum(SELF_ASSESSMENTS),
  files: Type.Optional(
    Type.Array(Type.String({ contentMediaType: 'application/octet-stream' }), {
      description: 'Evidence files, each sent as a part named "files"',
    }),
  ),
});
