/** Inputs for managing users: the list's query, a user's id in the path, and the admin forms. */
import { Type, type Static } from '@sinclair/typebox';
import { asText } from '../../shared/form-input';
import { compileText, StringEnum, withMessages, type FieldMessages } from '../../shared/validation';
import { ROLES } from './accounts.types';

/** Users listed on one page of /admin/users. */
export const USERS_PAGE_SIZE = 50;
export const MAX_USERS_PAGE = 10000;
/** Pending invitations listed on /admin/users at most (the newest first; the count covers all). */
export const INVITATIONS_SHOWN = 100;

export const UsersQuery = Type.Object(
  {
    page: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_USERS_PAGE,
        description: `a whole number from 1 to ${MAX_USERS_PAGE}`,
      }),
    ),
    /** Which notice to show after a change that came back to the list. */
    done: Type.Optional(StringEnum(['invitation_revoked'])),
  },
  { additionalProperties: false },
);
export type UsersQuery = Static<typeof UsersQuery>;

export const UserIdParam = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: 2147483647 }) },
  { additionalProperties: false },
);
export type UserIdParam = Static<typeof UserIdParam>;

/** The organisation select: an organisation's id, or '' for none. */
const OrganisationChoice = Type.String({ pattern: '^([1-9][0-9]{0,9})?$', maxLength: 10 });

export const InviteForm = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.String({ minLength: 1, maxLength: 254, format: 'email' }),
    role: StringEnum(ROLES),
    organisationId: OrganisationChoice,
  },
  { additionalProperties: false },
);
export type InviteForm = Static<typeof InviteForm>;

export const RoleForm = Type.Object(
  { role: StringEnum(ROLES), organisationId: OrganisationChoice },
  { additionalProperties: false },
);
export type RoleForm = Static<typeof RoleForm>;

export const ORGANISATION_NEEDED = 'Select the organisation this person will lead for';

/** A person's name and email address, on a form filled in for them or by them (`whose`). */
export const personMessages = (whose: 'the person’s' | 'your'): FieldMessages => ({
  name: (given) =>
    asText(given).length > 200
      ? 'Full name must be 200 characters or fewer'
      : `Enter ${whose} full name`,
  email: (given) => {
    const text = asText(given);
    if (text === '') return `Enter ${whose} email address`;
    return text.length > 254
      ? 'Email address must be 254 characters or fewer'
      : 'Enter an email address in the correct format, like name@example.com';
  },
});

/** What the invitation and role forms say about each field (an organisation lead also needs one). */
const USER_FORM_MESSAGES: FieldMessages = {
  ...personMessages('the person’s'),
  role: 'Select a role',
  organisationId: ORGANISATION_NEEDED,
};

export const checkInviteForm = withMessages(
  compileText<InviteForm>(InviteForm),
  USER_FORM_MESSAGES,
);
export const checkRoleForm = withMessages(compileText<RoleForm>(RoleForm), USER_FORM_MESSAGES);
