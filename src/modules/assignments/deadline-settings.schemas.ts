/**
 * Inputs for an assignment's deadlines page: the administrator's clock override (and, in later
 * parts of issue 15, judicial review pauses and target dates). The same schemas serve the HTML
 * forms and the JSON API.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum, ajv, withMessages, type FieldMessages } from '../../shared/validation';

export const REASON_MAX = 2000;

/** An empty field, or a real date written YYYY-MM-DD. */
export const OptionalDateText = Type.Union([
  Type.Literal(''),
  Type.String({ format: 'date', description: 'a date, as YYYY-MM-DD' }),
]);
export const DateText = Type.String({ format: 'date', description: 'a date, as YYYY-MM-DD' });

/** Text a person must write: something other than spaces. */
export const Reason = Type.String({
  minLength: 1,
  maxLength: REASON_MAX,
  pattern: '\\S',
  description: `up to ${REASON_MAX} characters`,
});

/** 'rules' removes the override: the rule for the legal basis and addressee kind decides again. */
export const OVERRIDE_CHOICES = ['rules', 'statutory', 'none', 'date'] as const;
export type OverrideChoice = (typeof OVERRIDE_CHOICES)[number];

export const ClockOverrideInput = Type.Object(
  {
    mode: StringEnum(OVERRIDE_CHOICES),
    dueOn: Type.Optional(OptionalDateText),
    reason: Reason,
  },
  { additionalProperties: false },
);
export type ClockOverrideInput = Static<typeof ClockOverrideInput>;

/** An addressee's committed date: empty removes it. A reason is needed when an existing date moves. */
export const CommittedDateInput = Type.Object(
  {
    committedOn: OptionalDateText,
    reason: Type.Optional(Type.String({ maxLength: REASON_MAX })),
  },
  { additionalProperties: false },
);
export type CommittedDateInput = Static<typeof CommittedDateInput>;

export const WORDING_MAX = 300;

/** The recommendation's own "implement by" date from its source, with the source's wording. */
export const ImplementByInput = Type.Object(
  {
    implementBy: OptionalDateText,
    wording: Type.Optional(Type.String({ maxLength: WORDING_MAX })),
    reason: Type.Optional(Type.String({ maxLength: REASON_MAX })),
  },
  { additionalProperties: false },
);
export type ImplementByInput = Static<typeof ImplementByInput>;

/** A judicial review pause: from a date, to a date or still open, with a reason. */
export const PauseInput = Type.Object(
  { fromOn: DateText, toOn: OptionalDateText, reason: Reason },
  { additionalProperties: false },
);
export type PauseInput = Static<typeof PauseInput>;

/** The day proceedings ended, for a pause recorded as still open. */
export const EndPauseInput = Type.Object({ toOn: DateText }, { additionalProperties: false });
export type EndPauseInput = Static<typeof EndPauseInput>;

/** The outcome of a sustainment check: sustained (with a progress update as evidence) or reopened. */
export const CheckOutcomeInput = Type.Object(
  {
    outcome: StringEnum(['sustained', 'reopened'] as const),
    note: Reason,
    evidenceUpdateId: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,9})?$' })),
  },
  { additionalProperties: false },
);
export type CheckOutcomeInput = Static<typeof CheckOutcomeInput>;

/** The words for the date forms' fields (committed date, implement-by, pauses, checks). */
export const DATE_FORM_MESSAGES: FieldMessages = {
  committedOn: 'Enter the committed date as a real date, like 2025-03-31, or leave it empty',
  fromOn: 'Enter the day the proceedings began as a real date, like 2022-01-10',
  outcome: 'Select whether the change has lasted or the assignment is reopened',
  note: 'Enter what the check found (up to 2,000 characters)',
  evidenceUpdateId: 'Select the progress update that shows the change has lasted',
  toOn: 'Enter the day the proceedings ended as a real date, like 2022-02-10, or leave it empty if they are still in progress',
  implementBy: 'Enter the date as a real date, like 2024-12-31, or leave it empty',
  wording: 'The wording must be 300 characters or fewer',
  reason: 'The reason must be 2,000 characters or fewer',
};

/** The words for the clock override form's fields. */
export const OVERRIDE_MESSAGES: FieldMessages = {
  mode: 'Select how the response clock should apply to this organisation',
  dueOn: 'Enter the due date as a real date, like 2024-12-31',
  reason: `Enter the reason (up to 2,000 characters)`,
};

const dateForm = <T extends TSchema>(schema: T) =>
  withMessages(ajv.compile<Static<T>>(schema), DATE_FORM_MESSAGES);

/** The deadline forms' schemas with their messages. */
export const checkOverride = withMessages(
  ajv.compile<ClockOverrideInput>(ClockOverrideInput),
  OVERRIDE_MESSAGES,
);
export const checkCommittedDate = dateForm(CommittedDateInput);
export const checkImplementBy = dateForm(ImplementByInput);
export const checkPause = dateForm(PauseInput);
export const checkEndPause = dateForm(EndPauseInput);
export const checkOutcome = dateForm(CheckOutcomeInput);
