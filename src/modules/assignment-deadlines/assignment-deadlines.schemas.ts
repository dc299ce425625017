/**
 * Inputs for an assignment's deadlines page: the administrator's clock override (and, in later
 * parts of issue 15, judicial review pauses and target dates). The same schemas serve the HTML
 * forms and the JSON API.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../../shared/validation';

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
