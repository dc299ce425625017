/** The workspace service on its own: audit events, locking under concurrent writes, list order. */
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { createUser } from '../../../test/auth';
import { fixedClock } from '../../shared/clock';
import { ValidationError } from '../../shared/errors';
import { IllegalTransitionError } from './lifecycle';
import type { CurrentUser } from '../accounts/accounts.types';
import { createWorkspaceAssignmentsService } from './responses.service';

describe('the workspace assignments service', () => {
  let db: TestDatabase;
  let service: ReturnType<typeof createWorkspaceAssignmentsService>;
  let lead: CurrentUser;
  let overseer: CurrentUser;
  let orgId: number;
  let reportId: number;
  const clock = fixedClock('2022-01-10T12:00:00Z');

  const fresh = async (fields: Record<string, unknown> = {}) => {
    const rec = await createRecommendation(db.knex, { id: reportId }, { made_on: '2021-11-23' });
    return createAssignment(
      db.knex,
      rec,
      { id: orgId },
      { response_due_on: '2022-01-17', ...fields },
    );
  };
  const events = (id: number) =>
    db
      .knex('audit_events')
      .where({ subject_type: 'assignment', subject_id: String(id) })
      .orderBy('id');

  beforeAll(async () => {
    db = await createTestDatabase();
    service = createWorkspaceAssignmentsService({ knex: db.knex, clock });
    orgId = (await createOrganisation(db.knex)).id;
    reportId = (await createReport(db.knex, { legal_basis: 'iopc_para_28a' })).id;
    const l = await createUser(db.knex, { role: 'org_lead', organisationId: orgId });
    const o = await createUser(db.knex, { role: 'overseer' });
    lead = {
      id: l.id,
      email: l.email,
      name: 'Lead',
      role: 'org_lead',
      organisationId: orgId,
      twoFactorEnabled: false,
    };
    overseer = {
      id: o.id,
      email: o.email,
      name: 'Overseer',
      role: 'overseer',
      organisationId: null,
      twoFactorEnabled: true,
    };
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('writes exactly one audit event per write, naming the user, the request and the change', async () => {
    const a = await fresh();
    const context = { ip: '192.0.2.1', userAgent: 'test', requestId: 'req-1' };
    await service.recordResponse(lead, a.id, { text: 'We accept.', stance: 'accepted' }, context);
    const { id: extensionId } = await service.requestExtension(
      { ...lead },
      (await fresh()).id,
      { newDueOn: '2022-02-14', reason: 'Time.' },
      context,
    );
    expect(extensionId).toBeGreaterThan(0);
    const { id: actionId } = await service.addAction(lead, a.id, {
      description: 'Step.',
      owner: 'Someone',
      targetOn: '2022-03-01',
      state: 'planned',
    });
    await service.reviseAction(lead, a.id, {
      actionId,
      description: 'Step.',
      owner: 'Someone',
      targetOn: '2022-03-01',
      state: 'done',
      reason: '',
    });
    const rows = await events(a.id);
    expect(rows.map((r) => [r.action, r.actor_type, r.actor_id])).toEqual([
      ['assignment.response_recorded', 'user', String(lead.id)],
      ['assignment.action_added', 'user', String(lead.id)],
      ['assignment.action_revised', 'user', String(lead.id)],
    ]);
    expect(rows[0]).toMatchObject({ ip_address: '192.0.2.1', request_id: 'req-1' });
    expect(rows[0].after).toMatchObject({ status: 'in_progress', stance: 'accepted', version: 1 });
    expect(rows[2].before).toMatchObject({ state: 'planned' });
    expect(rows[2].after).toMatchObject({ state: 'done' });
  });

  it('gives concurrent revisions of a response distinct version numbers (the row lock orders them)', async () => {
    const a = await fresh();
    await Promise.all(
      [1, 2, 3].map((n) =>
        service.recordResponse(lead, a.id, { text: `Version ${n}.`, stance: 'accepted' }),
      ),
    );
    const versions = await db
      .knex('assignment_responses')
      .where({ assignment_id: a.id })
      .orderBy('version')
      .pluck('version');
    expect(versions).toEqual([1, 2, 3]);
    expect(await events(a.id)).toHaveLength(3);
  });

  it('allows only one pending request for more time, even when two arrive at once', async () => {
    const a = await fresh();
    const results = await Promise.allSettled(
      [1, 2].map(() =>
        service.requestExtension(lead, a.id, { newDueOn: '2022-02-14', reason: 'Time.' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await db.knex('extension_requests').where({ assignment_id: a.id })).toHaveLength(1);
  });

  it('refuses a decision from anyone but an overseer, and an illegal response, changing nothing', async () => {
    const a = await fresh();
    const { id } = await service.requestExtension(lead, a.id, {
      newDueOn: '2022-02-14',
      reason: 'Time.',
    });
    await expect(
      service.decideExtension(lead, a.id, { extensionId: id, decision: 'grant', reason: 'Mine.' }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      service.decideExtension(overseer, a.id, { extensionId: id, decision: 'maybe', reason: '' }),
    ).rejects.toBeInstanceOf(ValidationError);
    const closed = await fresh({ status: 'closed', closure_reason: 'superseded' });
    await expect(
      service.recordResponse(lead, closed.id, { text: 'x', stance: 'accepted' }),
    ).rejects.toBeInstanceOf(IllegalTransitionError);
    expect(await events(closed.id)).toHaveLength(0);
    expect((await db.knex('extension_requests').where({ id }).first()).state).toBe('pending');
  });

  it('sorts the list by status in the order of an assignment’s life', async () => {
    const rec = await createRecommendation(db.knex, { id: reportId }, { made_on: '2021-11-23' });
    const org = await createOrganisation(db.knex);
    await createAssignment(db.knex, rec, org, { status: 'closed', closure_reason: 'superseded' });
    const rec2 = await createRecommendation(db.knex, { id: reportId }, { made_on: '2021-11-23' });
    await createAssignment(db.knex, rec2, org);
    const list = await service.list(overseer, { organisation: org.slug, sort: 'status' });
    expect(list.items.map((i) => i.status)).toEqual(['awaiting_response', 'closed']);
    expect(list.total).toBe(2);
  });
});
