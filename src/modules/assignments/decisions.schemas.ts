/**
 * Inputs for the oversight office's decisions: a review of a progress update, verification,
 * closure, reopening and a delivery confidence rating, and the review queue's filters. The same
 * schemas serve the HTML forms and the JSON API.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../../shared/validation';
import { paginationQuery } from '../../shared/api/pagination';
import { CLOSURE_REASONS } from '../../db/tables';

export const REVIEW_DECISIONS = ['accepted', 'returned'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
export const RATINGS = ['red', 'amber', 'green'] as const;
export type Rating = (typeof RATINGS)[number];

/** The database allows 5,000 characters for feedback, notes and commentary. */
export const NOTE_MAX = 5000;
export const QUEUE_PAGE_SIZE = 50;
export const MAX_PAGE = 10000;

/** Text a person may leave empty; checked for length only. */
const OptionalText = (max: number) =>
  Type.String({ maxLength: max, description: `up to ${max} characters` });
/** Text a person must write: something other than spaces. */
const Narrative = (max: number) =>
  Type.String({
    minLength: 1,
    maxLength: max,
    pattern: '\\S',
    description: `up to ${max} characters`,
  });

export const ReviewInput = Type.Object(
  {
    decision: StringEnum(REVIEW_DECISIONS, {
      description: 'accepted, or returned (feedback required)',
    }),
    feedback: Type.Optional(OptionalText(NOTE_MAX)),
  },
  { additionalProperties: false },
);
export type ReviewInput = Static<typeof ReviewInput>;

export const VerificationInput = Type.Object(
  {
    note: Type.Optional(OptionalText(NOTE_MAX)),
    /** A day to check that the change has lasted (a sustainment check); empty for none. */
    checkOn: Type.Optional(
      Type.Union([
        Type.Literal(''),
        Type.String({ format: 'date', description: 'a date, as YYYY-MM-DD' }),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type VerificationInput = Static<typeof VerificationInput>;

export const ClosureInput = Type.Object(
  {
    reason: StringEnum(CLOSURE_REASONS),
    note: Narrative(NOTE_MAX),
  },
  { additionalProperties: false },
);
export type ClosureInput = Static<typeof ClosureInput>;

export const ReopeningInput = Type.Object(
  { note: Narrative(NOTE_MAX) },
  { additionalProperties: false },
);
export type ReopeningInput = Static<typeof ReopeningInput>;

export const ConfidenceInput = Type.Object(
  {
    rating: StringEnum(RATINGS),
    commentary: Narrative(NOTE_MAX),
    ratedOn: Type.Optional(
      Type.String({
        format: 'date',
        description: 'the date of the rating, as YYYY-MM-DD (today when left out)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ConfidenceInput = Static<typeof ConfidenceInput>;

const filters = {
  organisation: Type.Optional(
    Type.String({ maxLength: 80, description: 'an organisation’s slug' }),
  ),
  report: Type.Optional(Type.String({ maxLength: 120, description: 'a report’s slug' })),
};

export const ReviewQueueQuery = Type.Object(
  {
    ...filters,
    page: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PAGE,
        description: `a whole number from 1 to ${MAX_PAGE}`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReviewQueueQuery = Static<typeof ReviewQueueQuery>;

export const ReviewQueueApiQuery = Type.Object(
  { ...filters, ...paginationQuery },
  { additionalProperties: false },
);
export type ReviewQueueApiQuery = Static<typeof ReviewQueueApiQuery>;

export const IdParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: 2147483647 }) },
  { additionalProperties: false },
);
