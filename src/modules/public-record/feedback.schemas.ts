/** Inputs of the feedback form and the inbox, checked with the app's Ajv instance. */
import { Type, type Static } from '@sinclair/typebox';

export const FEEDBACK_STATES = ['new', 'read', 'handled'] as const;
export type FeedbackState = (typeof FEEDBACK_STATES)[number];

export const FeedbackForm = Type.Object(
  {
    message: Type.String({
      minLength: 1,
      maxLength: 2000,
      pattern: '\\S',
      description: '2,000 characters or fewer',
    }),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type FeedbackForm = Static<typeof FeedbackForm>;

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
