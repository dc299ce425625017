/** The per-object check every workspace route goes through to reach an assignment. */
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { ForbiddenError, NotFoundError } from '../../shared/errors';
import type { CurrentUser, Role } from '../accounts/accounts.types';
import { authorisedAssignment } from './assignments.access';

describe('authorisedAssignment', () => {
  let db: TestDatabase;
  let mine: number;
  let theirs: number;
  let withdrawn: number;
  let ownOrg: number;

  const user = (role: Role, organisationId: number | null = null): CurrentUser => ({
    id: 1,
    email: 'someone@example.test',
    name: 'Someone',
    role,
    organisationId,
    twoFactorEnabled: true,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const a = await createOrganisation(db.knex);
    const b = await createOrganisation(db.knex);
    const c = await createOrganisation(db.knex);
    ownOrg = a.id;
    mine = (await createAssignment(db.knex, rec, a)).id;
    theirs = (await createAssignment(db.knex, rec, b)).id;
    withdrawn = (
      await createAssignment(db.knex, rec, c, {
        withdrawn_at: new Date(),
        withdrawn_reason: 'Addressed by mistake',
      })
    ).id;
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('gives a lead their own organisation’s assignment, to read and to act on', async () => {
    const lead = user('org_lead', ownOrg);
    expect((await authorisedAssignment(db.knex, lead, mine, 'assignment.read_private')).id).toBe(
      mine,
    );
    expect((await authorisedAssignment(db.knex, lead, mine, 'assignment.act')).id).toBe(mine);
  });

  it('answers another organisation’s assignment, a missing id and a withdrawn one with the same 404', async () => {
    const lead = user('org_lead', ownOrg);
    const messages: string[] = [];
    for (const id of [theirs, 999999, withdrawn, 0, -1, Number.NaN]) {
      const err = await authorisedAssignment(db.knex, lead, id, 'assignment.read_private').catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NotFoundError);
      messages.push((err as Error).message);
    }
    expect(new Set(messages).size).toBe(1);
  });

  it('lets overseers and viewers read, refuses them acting for the addressee (403), and refuses anonymous', async () => {
    for (const role of ['overseer', 'viewer', 'admin'] as const) {
      await expect(
        authorisedAssignment(db.knex, user(role), theirs, 'assignment.read_private'),
      ).resolves.toBeDefined();
      await expect(
        authorisedAssignment(db.knex, user(role), theirs, 'assignment.act'),
      ).rejects.toBeInstanceOf(ForbiddenError);
    }
    await expect(
      authorisedAssignment(db.knex, user('overseer'), theirs, 'oversight.decide'),
    ).resolves.toBeDefined();
    await expect(
      authorisedAssignment(db.knex, user('org_lead', ownOrg), mine, 'oversight.decide'),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      authorisedAssignment(db.knex, null, mine, 'assignment.read_private'),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
