/**
 * Inputs of the feedback form and the inbox, checked with the app's Ajv instance, and what the form
 * says when its message is wrong.
 */
import { Type, type Static } from '@sinclair/typebox';
import { compileText, withMessages, type FieldMessages } from '../../shared/validation';

/** The longest message accepted, in characters. */
export const FEEDBACK_MAX_CHARS = 2000;

export const FEEDBACK_STATES = ['new', 'read', 'handled'] as const;
export type FeedbackState = (typeof FEEDBACK_STATES)[number];

export const FeedbackForm = Type.Object(
  {
    message: Type.String({
      minLength: 1,
      maxLength: FEEDBACK_MAX_CHARS,
      pattern: '\\S',
      description: '2,000 characters or fewer',
    }),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type FeedbackForm = Static<typeof FeedbackForm>;

/** Only the message is checked (trimmed): the form's other fields are not the visitor's words. */
const FEEDBACK_FORM_MESSAGES: FieldMessages = {
  message: (given) => {
    const length = [...(typeof given === 'string' ? given : '')].length;
    return length > FEEDBACK_MAX_CHARS
      ? `Your message must be ${FEEDBACK_MAX_CHARS.toLocaleString('en-GB')} characters or fewer: it has ${length.toLocaleString('en-GB')}`
      : 'Enter your message';
  },
};
export const checkFeedbackForm = withMessages(
  compileText<FeedbackForm>(FeedbackForm),
  FEEDBACK_FORM_MESSAGES,
);

export const StateForm = Type.Object(
  {
    state: Type.Union([Type.Literal('read'), Type.Literal('handled')], {
      description: 'read or handled',
    }),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type StateForm = Static<typeof StateForm>;

export const InboxQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Union(
        [Type.Literal('all'), Type.Literal('new'), Type.Literal('read'), Type.Literal('handled')],
        { description: 'all, new, read or handled' },
      ),
    ),
    page: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100000, description: 'a page number' }),
    ),
  },
  { additionalProperties: false },
);
export type InboxQuery = Static<typeof InboxQuery>;
