import { NotFoundError, ForbiddenError } from '../../shared/errors';
import type { CurrentUser, Role } from './accounts.types';
import { authorise, can, type Action } from './policy';

const user = (role: Role, organisationId: number | null = null): CurrentUser => ({
  id: 1,
  email: `${role}@example.test`,
  name: role,
  role,
  organisationId,
  twoFactorEnabled: true,
});

const ACTIONS: Action[] = [
  'workspace.view',
  'account.manage',
  'users.manage',
  'register.manage',
  'assignment.read_private',
  'assignment.act',
  'oversight.decide',
];

describe('the access policy', () => {
  const ownObject = { organisationId: 7 };
  const otherObject = { organisationId: 8 };

  it.each([
    // role, organisation, action, on own object?, expected
    ['admin', null, 'users.manage', undefined, true],
    ['overseer', null, 'users.manage', undefined, false],
    ['viewer', null, 'users.manage', undefined, false],
    ['org_lead', 7, 'users.manage', undefined, false],
    ['admin', null, 'register.manage', undefined, true],
    ['overseer', null, 'register.manage', undefined, false],
    ['overseer', null, 'oversight.decide', undefined, true],
    ['viewer', null, 'oversight.decide', undefined, false],
    ['admin', null, 'oversight.decide', undefined, false],
    ['viewer', null, 'assignment.read_private', otherObject, true],
    ['overseer', null, 'assignment.read_private', otherObject, true],
    ['org_lead', 7, 'assignment.read_private', ownObject, true],
    ['org_lead', 7, 'assignment.read_private', otherObject, false],
    ['org_lead', 7, 'assignment.act', ownObject, true],
    ['org_lead', 7, 'assignment.act', otherObject, false],
    ['overseer', null, 'assignment.act', ownObject, false],
    ['viewer', null, 'assignment.act', ownObject, false],
  ] as const)('%s (organisation %s) %s on %j → %s', (role, org, action, object, expected) => {
    expect(can(user(role, org), action, object)).toBe(expected);
  });

  it('refuses everything to a signed-out visitor', () => {
    for (const action of ACTIONS) expect(can(null, action, ownObject)).toBe(false);
  });

  it('refuses an action it does not know (deny by default)', () => {
    expect(can(user('admin'), 'reports.delete_everything' as Action)).toBe(false);
  });

  it('answers 404, not 403, when an organisation lead reaches for another organisation’s object', () => {
    expect(() => authorise(user('org_lead', 7), 'assignment.act', otherObject)).toThrow(
      NotFoundError,
    );
    expect(() => authorise(user('viewer'), 'assignment.act', otherObject)).toThrow(ForbiddenError);
    expect(() => authorise(user('org_lead', 7), 'assignment.act', ownObject)).not.toThrow();
  });
});
