/**
 * Inputs for the oversight office's decisions: a review of a progress update, verification,
 * closure, reopening and a delivery confidence rating, and the review queue's filters. The same
 * schemas serve the HTML forms and the JSON API.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum, ajv, withMessages, type FieldMessages } from '../../shared/validation';
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

/** What the office is told when a decision cannot be made as sent. */
export const OVERSIGHT_MESSAGES = Object.freeze({
  alreadyReviewed:
    'This update has already been reviewed. Each update has one review; the decision stands as recorded.',
  feedbackNeeded: 'Enter feedback for the organisation: say what is missing or needs to change',
  noteNeeded: 'Enter an explanation',
  reasonNeeded: 'Select the reason for closing',
  ratingNeeded: 'Select red, amber or green',
  commentaryNeeded: 'Enter a commentary on the rating',
  ratedOnBad: 'Enter the date of the rating as a real date, like 2022-03-01',
  ratedOnFuture: 'The date of the rating cannot be in the future',
  decisionNeeded: 'Select whether to accept the update or return it with feedback',
});

const isEmpty = (given: unknown) => String(given ?? '').trim() === '';

/** The words for the decision forms' fields, in terms a person can act on. */
export const DECISION_FIELD_MESSAGES: FieldMessages = {
  decision: OVERSIGHT_MESSAGES.decisionNeeded,
  feedback: 'Feedback must be 5,000 characters or fewer',
  note: (v) =>
    isEmpty(v)
      ? OVERSIGHT_MESSAGES.noteNeeded
      : 'The explanation must be 5,000 characters or fewer',
  reason: OVERSIGHT_MESSAGES.reasonNeeded,
  rating: OVERSIGHT_MESSAGES.ratingNeeded,
  commentary: (v) =>
    isEmpty(v)
      ? OVERSIGHT_MESSAGES.commentaryNeeded
      : 'The commentary must be 5,000 characters or fewer',
  ratedOn: OVERSIGHT_MESSAGES.ratedOnBad,
  checkOn: 'Enter the date to check that the change has lasted as a real date, like 2026-06-30',
};

const checked = <T extends TSchema>(schema: T) =>
  withMessages(ajv.compile<Static<T>>(schema), DECISION_FIELD_MESSAGES);

/** The decision forms' schemas with their messages. */
export const checkReview = checked(ReviewInput);
export const checkVerification = checked(VerificationInput);
export const checkClosure = checked(ClosureInput);
export const checkReopening = checked(ReopeningInput);
export const checkConfidence = checked(ConfidenceInput);
