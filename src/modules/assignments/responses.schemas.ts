/**
 * Inputs for the force leads' workspace: the list's query, and the response, extension and action
 * plan forms. The same schemas serve the HTML forms and (later) the JSON API.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum, ajv, withMessages, type FieldMessages } from '../../shared/validation';
import { ASSIGNMENT_STATUSES, RESPONSE_STANCES } from '../../db/tables';

export const ASSIGNMENTS_PAGE_SIZE = 50;
export const MAX_PAGE = 10000;
export const RESPONSE_MAX = 50000;
export const REASON_MAX = 5000;
export const ACTION_DESCRIPTION_MAX = 2000;
export const ACTION_OWNER_MAX = 200;
export const ACTION_REASON_MAX = 2000;

export const ACTION_STATES = ['planned', 'in_progress', 'done', 'dropped'] as const;
export type ActionState = (typeof ACTION_STATES)[number];
export const EXTENSION_STATES = ['pending', 'granted', 'refused'] as const;
export type ExtensionState = (typeof EXTENSION_STATES)[number];

export const SORT_KEYS = ['due', 'reference', 'status'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const CalendarDateText = (description: string) =>
  Type.String({ format: 'date', description: `${description}, as YYYY-MM-DD` });

/** Text a person must write: something other than spaces, up to `max` characters. */
const Narrative = (max: number) =>
  Type.String({
    minLength: 1,
    maxLength: max,
    pattern: '\\S',
    description: `up to ${max} characters`,
  });

export const AssignmentsQuery = Type.Object(
  {
    status: Type.Optional(StringEnum([...ASSIGNMENT_STATUSES, ''] as const)),
    organisation: Type.Optional(Type.String({ maxLength: 80 })),
    sort: Type.Optional(StringEnum([...SORT_KEYS, ''] as const)),
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
export type AssignmentsQuery = Static<typeof AssignmentsQuery>;

export const IdParam = Type.Integer({ minimum: 1, maximum: 2147483647 });

export const ResponseInput = Type.Object(
  {
    text: Narrative(RESPONSE_MAX),
    stance: StringEnum(RESPONSE_STANCES),
    /** Where this version was published, if it was (empty when it is given here first). */
    sourceUrl: Type.Optional(
      Type.String({
        maxLength: 2000,
        pattern: '^(\\s*|https?://\\S+)$',
        description: 'a web address starting with http:// or https://, or empty',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ResponseInput = Static<typeof ResponseInput>;

export const ExtensionRequestInput = Type.Object(
  { newDueOn: CalendarDateText('the date you are asking for'), reason: Narrative(REASON_MAX) },
  { additionalProperties: false },
);
export type ExtensionRequestInput = Static<typeof ExtensionRequestInput>;

export const ExtensionDecisionInput = Type.Object(
  { decision: StringEnum(['grant', 'refuse'] as const), reason: Narrative(REASON_MAX) },
  { additionalProperties: false },
);
export type ExtensionDecisionInput = Static<typeof ExtensionDecisionInput>;

export const ActionInput = Type.Object(
  {
    description: Narrative(ACTION_DESCRIPTION_MAX),
    owner: Narrative(ACTION_OWNER_MAX),
    targetOn: CalendarDateText('the target date'),
    state: StringEnum(ACTION_STATES),
  },
  { additionalProperties: false },
);
export type ActionInput = Static<typeof ActionInput>;

/** A change to an action: the same fields, and a reason, required when the target date moves. */
export const ActionRevisionInput = Type.Object(
  {
    ...ActionInput.properties,
    reason: Type.Optional(Type.String({ maxLength: ACTION_REASON_MAX })),
  },
  { additionalProperties: false },
);
export type ActionRevisionInput = Static<typeof ActionRevisionInput>;

const emptyOr = (given: unknown) => String(given ?? '').trim() === '';

/**
 * The words for each field of the forms above, in terms a person can act on: one for a field left
 * empty or missing, another for one too long or malformed. A field none of these schemas knows is
 * named as not recognised.
 */
export const RESPONSE_FIELD_MESSAGES: FieldMessages = {
  text: (v) =>
    emptyOr(v) ? 'Enter the response' : `The response must be ${RESPONSE_MAX} characters or fewer`,
  stance: 'Select whether the recommendation is accepted, partially accepted or not accepted',
  sourceUrl:
    'Enter where the response was published as a web address starting with http:// or https://, or leave it empty',
  newDueOn: (v) =>
    emptyOr(v)
      ? 'Enter the date you are asking for'
      : 'Enter the date you are asking for as a real date, like 2022-02-14',
  reason: (v) =>
    emptyOr(v) ? 'Enter a reason' : `The reason must be ${REASON_MAX} characters or fewer`,
  decision: 'Select whether to grant or refuse the request',
  description: (v) =>
    emptyOr(v)
      ? 'Enter what the action is'
      : `The description must be ${ACTION_DESCRIPTION_MAX} characters or fewer`,
  owner: (v) =>
    emptyOr(v)
      ? 'Enter who owns the action (a name or role)'
      : `The owner must be ${ACTION_OWNER_MAX} characters or fewer`,
  targetOn: (v) =>
    emptyOr(v) ? 'Enter the target date' : 'Enter the target date as a real date, like 2022-03-31',
  state: 'Select the state of the action',
  '*': (_given, _input, _error, field) => `${field} is not a recognised field`,
};

const checked = <T extends TSchema>(schema: T) =>
  withMessages(ajv.compile<Static<T>>(schema), RESPONSE_FIELD_MESSAGES);

/** The forms' schemas with their messages: call one to get the checked input or a ValidationError. */
export const checkResponse = checked(ResponseInput);
export const checkExtensionRequest = checked(ExtensionRequestInput);
export const checkExtensionDecision = checked(ExtensionDecisionInput);
export const checkAction = checked(ActionInput);
export const checkActionRevision = checked(ActionRevisionInput);
