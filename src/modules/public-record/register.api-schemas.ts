/**
 * The shapes the register's JSON API answers with, as TypeBox schemas: they are the published
 * contract in the OpenAPI document, and the tests check real responses against them. Fields are
 * added, never renamed or removed; objects are closed (additionalProperties: false) so a field the
 * code sends but the document does not describe fails the tests. Clients should ignore fields they
 * do not know.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import {
  ASSIGNMENT_STATUSES,
  CLOSURE_REASONS,
  ORGANISATION_KINDS,
  RESPONSE_STANCES,
  TEXT_STATUSES,
} from '../../db/tables';
import { LEGAL_BASES } from '../assignments/deadlines.rules';
import { StringEnum } from '../../shared/validation';
import { pageOf } from '../../shared/api/pagination';
import { CAVEAT_CODES } from './register.caveats';

const closed = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateText = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });
const Path = Type.String({ description: 'A path on this server' });

/** Set when an administrator withdrew the item, with the date and the reason given. */
const WithdrawnSchema = Nullable(
  closed({ on: DateText, reason: Type.String() }, 'Withdrawn by an administrator: no longer live'),
);

export const StatusCountsSchema = closed(
  {
    total: Type.Integer({ minimum: 0 }),
    ...Object.fromEntries(ASSIGNMENT_STATUSES.map((s) => [s, Type.Integer({ minimum: 0 })])),
  },
  'Assignments by status, and their total',
);

export const ReportSchema = closed({
  slug: Type.String(),
  title: Type.String(),
  issuer: closed({ name: Type.String(), shortName: Nullable(Type.String()) }),
  publishedOn: Nullable(DateText),
  datedOn: Nullable(DateText),
  legalBasis: closed({
    code: StringEnum(LEGAL_BASES),
    label: Type.String(),
    shortLabel: Type.String(),
  }),
  sourceUrl: Nullable(Type.String()),
  summary: Nullable(Type.String()),
  recommendationCount: Type.Integer({ minimum: 0 }),
  assignmentsByStatus: StatusCountsSchema,
  links: closed({ self: Path, html: Path, recommendations: Path }),
});

export const AssignmentSchema = closed(
  {
    organisation: closed({
      slug: Type.String(),
      name: Type.String(),
      kind: StringEnum(ORGANISATION_KINDS),
    }),
    recommendation: closed({
      ref: Type.String(),
      title: Nullable(Type.String()),
      textStatus: StringEnum(TEXT_STATUSES, {
        description:
          'verified (checked against the source), summary (our own summary) or pending (not yet public)',
      }),
      madeOnConfirmed: Type.Boolean({
        description: 'False when the date made is not confirmed and the report’s date is used',
      }),
    }),
    addresseeConfirmed: Type.Boolean({
      description: 'False when no public source confirms this organisation was addressed',
    }),
    status: StringEnum(ASSIGNMENT_STATUSES),
    closureReason: Nullable(StringEnum(CLOSURE_REASONS)),
    response: Nullable(
      closed({
        stance: StringEnum(RESPONSE_STANCES),
        respondedOn: DateText,
        dateConfirmed: Type.Boolean(),
        text: Nullable(Type.String()),
        sourceUrl: Nullable(Type.String()),
        late: Nullable(Type.Boolean()),
      }),
    ),
    id: Type.Integer({ description: 'The assignment id, used by the routes that act on it' }),
    responseDue: closed({
      dueOn: Nullable(DateText),
      daysRemaining: Nullable(Type.Integer()),
      overdue: Type.Boolean(),
      overdueByDays: Type.Integer({ minimum: 0 }),
      description: Type.String(),
    }),
    withdrawn: WithdrawnSchema,
    lastReviewedOn: Nullable(
      Type.String({
        format: 'date',
        description: 'The day the oversight office last decided or published anything about it',
      }),
    ),
    statusNote: Nullable(
      closed(
        {
          text: Nullable(Type.String({ description: 'Null once the note was withdrawn' })),
          publishedOn: DateText,
          withdrawn: Nullable(closed({ on: DateText, reason: Type.String() })),
        },
        'The public status note: why it stands where it does',
      ),
    ),
    caveats: Type.Array(
      closed({
        code: StringEnum(CAVEAT_CODES),
        text: Type.String({ description: 'The caveat in the words the page and open data use' }),
      }),
      {
        description:
          'What the public page warns about this assignment, in this order: an addressee not confirmed by public sources, a response date that is only the day it was reported, a text that is our summary or not yet public, a date made that is assumed from the report. Empty when there is nothing to warn about.',
      },
    ),
  },
  'One recommendation addressed to one organisation',
);

const recommendationFields = {
  ref: Type.String(),
  sourceNumber: Nullable(Type.String()),
  title: Nullable(Type.String()),
  text: Nullable(Type.String()),
  textStatus: StringEnum(TEXT_STATUSES),
  madeOn: Nullable(DateText),
  madeOnConfirmed: Type.Boolean(),
  sourceUrl: Nullable(Type.String()),
  repeats: Nullable(Type.String({ description: 'The ref of the earlier recommendation repeated' })),
  report: closed({ slug: Type.String(), title: Type.String() }),
  themes: Type.Array(closed({ slug: Type.String(), name: Type.String() })),
  addressees: closed({
    total: Type.Integer({ minimum: 0 }),
    byStatus: StatusCountsSchema,
    overdueResponses: Type.Integer({ minimum: 0 }),
  }),
  withdrawn: WithdrawnSchema,
  links: closed({ self: Path, html: Path }),
};

export const RecommendationSummarySchema = closed(recommendationFields);
export const RecommendationSchema = closed({
  ...recommendationFields,
  assignments: Type.Array(AssignmentSchema),
  withdrawnAssignments: Type.Array(AssignmentSchema),
});

export const OrganisationSummarySchema = closed({
  slug: Type.String(),
  name: Type.String(),
  kind: StringEnum(ORGANISATION_KINDS),
  assignmentCount: Type.Integer({ minimum: 0 }),
  openCount: Type.Integer({ minimum: 0 }),
  links: closed({ self: Path, html: Path }),
});

export const OrganisationSchema = closed({
  slug: Type.String(),
  name: Type.String(),
  kind: StringEnum(ORGANISATION_KINDS),
  assignmentsByStatus: StatusCountsSchema,
  overdueResponses: Type.Integer({ minimum: 0 }),
  assignments: Type.Array(AssignmentSchema),
  links: closed({ self: Path, html: Path }),
});

export const ReportPageSchema = pageOf(ReportSchema);
export const OrganisationPageSchema = pageOf(OrganisationSummarySchema);
export const RecommendationPageSchema = pageOf(RecommendationSummarySchema, {
  page: Type.Optional(Type.Integer({ description: 'Only with the older ?page= paging' })),
  pageSize: Type.Optional(Type.Integer({ description: 'Only with the older ?page= paging' })),
  pageCount: Type.Optional(Type.Integer({ description: 'Only with the older ?page= paging' })),
});
