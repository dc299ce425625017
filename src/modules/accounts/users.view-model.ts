/** The users pages' words and data shaped for their templates: role choices, notices, a user's and an invitation's rows. */
import { paths } from '../../shared/paths';
import { ROLES, ROLE_LABELS, type Role } from './accounts.types';
import type { InvitationSummary, OrganisationOption, UserSummary } from './users.service';

export const ROLE_HINTS: Record<Role, string> = {
  admin: 'Manages users and the register. Must use two-factor authentication.',
  overseer:
    'Sees everything and decides whether recommendations are implemented. Must use two-factor authentication.',
  viewer: 'Can read everything, including material that is not public, but cannot change anything.',
  org_lead:
    'Responds to recommendations for one organisation, and sees only that organisation’s material.',
};

/** Messages for ?done= after a change, so nothing the visitor typed is shown back. */
export const NOTICES: Record<string, string> = {
  role_changed:
    'Role changed. The user has been signed out everywhere; the new role applies when they next sign in.',
  role_unchanged: 'Nothing was changed: the role and organisation were already as chosen.',
  disabled: 'Account disabled. The user has been signed out everywhere and cannot sign in.',
  already_disabled: 'The account was already disabled.',
  enabled: 'Account re-enabled. The user can sign in again.',
  already_enabled: 'The account was already enabled.',
};

/** Notices on the users list after an invitation is revoked. */
export const LIST_NOTICES: Record<string, string> = {
  invitation_revoked: 'Invitation revoked. Its link no longer works.',
};

export const LONG_DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
});
export const TIME = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'Europe/London',
});
export const longDate = (d: Date) => LONG_DATE.format(d);
export const dateAndTime = (d: Date) => `${LONG_DATE.format(d)} at ${TIME.format(d)} (UK time)`;

export const FIELD_ORDER = ['name', 'email', 'role', 'organisationId'];

/** Radios for the roles (the first one's id is the field's, for the error summary's link). */
export function roleOptions(selected: string) {
  return ROLES.map((role, i) => ({
    id: i === 0 ? 'role' : `role-${i + 1}`,
    value: role,
    text: ROLE_LABELS[role],
    hint: ROLE_HINTS[role],
    checked: role === selected,
    needsOrganisation: role === 'org_lead',
  }));
}

export function organisationOptions(organisations: OrganisationOption[], selected: string) {
  return [
    { value: '', text: 'Select an organisation', selected: selected === '' },
    ...organisations.map((o) => ({
      value: String(o.id),
      text: o.name,
      selected: String(o.id) === selected,
    })),
  ];
}

export function userView(user: UserSummary) {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    roleLabel: ROLE_LABELS[user.role],
    organisationName: user.organisationName,
    disabled: user.disabled,
    twoFactorEnabled: user.twoFactorEnabled,
    createdOn: longDate(user.createdAt),
    serviceAccount: user.serviceAccount,
    href: paths.admin.user(user.id),
  };
}

export function invitationView(invitation: InvitationSummary) {
  return {
    name: invitation.name,
    email: invitation.email,
    roleLabel: ROLE_LABELS[invitation.role],
    organisationName: invitation.organisationName,
    invitedOn: longDate(invitation.invitedAt),
    invitedByName: invitation.invitedByName,
    expired: invitation.expired,
    expires: longDate(invitation.expiresAt),
    resendAction: paths.admin.invitationResend(invitation.id),
    revokeAction: paths.admin.invitationRevoke(invitation.id),
  };
}
