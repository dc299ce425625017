/** Inputs for managing users: the list's query, a user's id in the path, and the admin forms. */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../../shared/validation';
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
