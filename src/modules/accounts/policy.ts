/**
 * The one place that answers "may this user do this to this object?". Deny by default: an action
 * not listed here is refused for everyone. Every HTML and API route asks through `can` or
 * `authorise`, never by checking roles itself.
 */
import { ForbiddenError, NotFoundError } from '../../shared/errors';
import type { CurrentUser, Role } from './accounts.types';

export type Action =
  | 'workspace.view'
  | 'account.manage'
  | 'users.manage'
  | 'register.manage'
  | 'assignment.read_private'
  | 'assignment.act'
  | 'oversight.view'
  | 'oversight.decide';

/** An object owned by an organisation (an assignment and everything under it). */
export interface OrganisationOwned {
  organisationId: number;
}

type Rule = (user: CurrentUser, object?: OrganisationOwned) => boolean;

const anyRole =
  (...roles: Role[]): Rule =>
  (user) =>
    roles.includes(user.role);
const ownOrganisation: Rule = (user, object) =>
  user.role === 'org_lead' && object !== undefined && user.organisationId === object.organisationId;

const RULES: Record<Action, Rule> = {
  'workspace.view': anyRole('admin', 'overseer', 'viewer', 'org_lead'),
  'account.manage': anyRole('admin', 'overseer', 'viewer', 'org_lead'),
  'users.manage': anyRole('admin'),
  'register.manage': anyRole('admin'),
  'assignment.read_private': (user, object) =>
    anyRole('admin', 'overseer', 'viewer')(user) || ownOrganisation(user, object),
  'assignment.act': ownOrganisation,
  /** Dashboards, the review queue, the board pack and exports: read-only oversight views. */
  'oversight.view': anyRole('admin', 'overseer', 'viewer'),
  'oversight.decide': anyRole('overseer'),
};

export function can(user: CurrentUser | null, action: Action, object?: OrganisationOwned): boolean {
  if (!user) return false;
  const rule = RULES[action];
  return rule ? rule(user, object) : false;
}

/**
 * Throws unless allowed. For an object the user may not even read, a 404 (not a 403) is thrown, so
 * a force lead probing another force's ids learns nothing about what exists.
 */
export function authorise(
  user: CurrentUser | null,
  action: Action,
  object?: OrganisationOwned,
): void {
  if (can(user, action, object)) return;
  if (object && !can(user, 'assignment.read_private', object)) throw new NotFoundError();
  throw new ForbiddenError();
}
