/** The one write path on a real database: who may act, then input, then the locked change and its one audit event. */
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { createUser } from '../../../test/auth';
import { ValidationError } from '../../shared/errors';
import type { AssignmentRow } from '../../db/tables';
import type { CurrentUser, Role } from '../accounts/accounts.types';
import { beginAssignmentWrite, writeAssignment, type AssignmentWrite } from './assignment-write';

describe('writeAssignment', () => {
  let db: TestDatabase;
  let orgId: number;
  let lead: CurrentUser;
  let stranger: CurrentUser;
  let viewer: CurrentUser;
  const context = { ip: '192.0.2.7', userAgent: 'test', requestId: 'req-write' };

  const user = async (role: Role, organisationId: number | null): Promise<CurrentUser> => {
    const u = await createUser(db.knex, { role, organisationId });
    return { id: u.id, email: u.email, name: role, role, organisationId, twoFactorEnabled: false };
  };
  const fresh = async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    return createAssignment(db.knex, rec, { id: orgId });
  };
  const events = (id: number) =>
    db.knex('audit_events').where({ subject_type: 'assignment', subject_id: String(id) });
  const committedOn = async (id: number) =>
    (await db.knex('assignments').where({ id }).first('committed_on')).committed_on;

  /** A write that records a committed date, with its input and change counted. */
  const dateWrite = (
    actor: CurrentUser,
    assignmentId: number,
    overrides: Partial<AssignmentWrite<{ on: string }, string>> = {},
  ) => {
    const input = jest.fn(() => ({ on: '2030-01-31' }));
    const change = jest.fn(async (trx, a: AssignmentRow, valid: { on: string }) => {
      await trx('assignments').where({ id: a.id }).update({ committed_on: valid.on });
      return {
        action: 'assignment.test_write',
        before: { committedOn: a.committed_on },
        after: { committedOn: valid.on },
        result: 'done',
      };
    });
    const write = {
      actor,
      assignmentId,
      permission: 'assignment.act' as const,
      context,
      input,
      change,
      ...overrides,
    } as AssignmentWrite<{ on: string }, string>;
    return { write, input, change };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganisation(db.knex)).id;
    const otherOrg = (await createOrganisation(db.knex)).id;
    lead = await user('org_lead', orgId);
    stranger = await user('org_lead', otherOrg);
    viewer = await user('viewer', null);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('refuses a lead of another organisation with 404 before looking at what was sent', async () => {
    const a = await fresh();
    const { write, input, change } = dateWrite(stranger, a.id);
    await expect(writeAssignment(db.knex, write)).rejects.toMatchObject({ status: 404 });
    expect(input).not.toHaveBeenCalled();
    expect(change).not.toHaveBeenCalled();
    expect(await events(a.id)).toHaveLength(0);
  });

  it('refuses a viewer, who may see the assignment but not change it, with 403 before the input', async () => {
    const a = await fresh();
    const { write, input } = dateWrite(viewer, a.id);
    await expect(writeAssignment(db.knex, write)).rejects.toMatchObject({ status: 403 });
    expect(input).not.toHaveBeenCalled();
    expect(await committedOn(a.id)).toBeNull();
  });

  it('checks the input once the actor may act, and changes nothing when it is refused', async () => {
    const a = await fresh();
    const refused = new ValidationError([{ field: 'on', message: 'Enter the date' }]);
    const { write, change } = dateWrite(lead, a.id, {
      input: () => {
        throw refused;
      },
    });
    await expect(writeAssignment(db.knex, write)).rejects.toBe(refused);
    expect(change).not.toHaveBeenCalled();
    expect(await events(a.id)).toHaveLength(0);
  });

  it('writes nothing and no audit event when the change throws part way', async () => {
    const a = await fresh();
    const { write } = dateWrite(lead, a.id, {
      change: async (trx, row) => {
        await trx('assignments').where({ id: row.id }).update({ committed_on: '2030-01-31' });
        throw new Error('part way');
      },
    });
    await expect(writeAssignment(db.knex, write)).rejects.toThrow('part way');
    expect(await committedOn(a.id)).toBeNull();
    expect(await events(a.id)).toHaveLength(0);
  });

  it('writes exactly one audit event for a change, with its actor, subject, before, after, ip and request id', async () => {
    const a = await fresh();
    const { write } = dateWrite(lead, a.id);
    await expect(writeAssignment(db.knex, write)).resolves.toBe('done');
    expect(await committedOn(a.id)).toBe('2030-01-31');
    const rows = await events(a.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor_type: 'user',
      actor_id: String(lead.id),
      action: 'assignment.test_write',
      before: { committedOn: null },
      after: { committedOn: '2030-01-31' },
      ip_address: '192.0.2.7',
      request_id: 'req-write',
    });
  });

  it('records the event against the subject the change names, and none for a change that finds nothing to do', async () => {
    const a = await fresh();
    await writeAssignment(db.knex, {
      ...dateWrite(lead, a.id).write,
      change: async () => ({
        action: 'assignment.test_subject',
        subject: { type: 'test_subject', id: 42 },
        before: null,
        after: { assignmentId: a.id },
        result: 'done',
      }),
    });
    await writeAssignment(db.knex, {
      ...dateWrite(lead, a.id).write,
      change: async () => ({ unchanged: true as const, result: 'same' }),
    });
    expect(await events(a.id)).toHaveLength(0);
    const named = await db.knex('audit_events').where({ subject_type: 'test_subject' });
    expect(named.map((e) => [e.action, e.subject_id])).toEqual([['assignment.test_subject', '42']]);
  });

  it('makes a second write wait for the first and decides it on the row as the first left it', async () => {
    const a = await fresh();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const first = writeAssignment(db.knex, {
      ...dateWrite(lead, a.id).write,
      change: async (trx, row) => {
        order.push('first starts');
        await held;
        await trx('assignments').where({ id: row.id }).update({ committed_on: '2030-06-30' });
        order.push('first ends');
        return { action: 'assignment.test_first', before: null, after: null, result: 'first' };
      },
    });
    while (!order.length) await new Promise((resolve) => setTimeout(resolve, 10));
    let seen: string | null = 'not yet';
    const second = writeAssignment(db.knex, {
      ...dateWrite(lead, a.id).write,
      change: async (_trx, row) => {
        order.push('second starts');
        seen = row.committed_on;
        return { action: 'assignment.test_second', before: null, after: null, result: 'second' };
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(order).toEqual(['first starts']);
    release();
    await expect(Promise.all([first, second])).resolves.toEqual(['first', 'second']);
    expect(order).toEqual(['first starts', 'first ends', 'second starts']);
    expect(seen).toBe('2030-06-30');
  });

  it('checks the permission again under the lock: an assignment withdrawn meanwhile is 404', async () => {
    const a = await fresh();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const first = writeAssignment(db.knex, {
      ...dateWrite(lead, a.id).write,
      change: async (trx, row) => {
        started = true;
        await held;
        await trx('assignments')
          .where({ id: row.id })
          .update({ withdrawn_at: new Date(), withdrawn_reason: 'Withdrawn meanwhile.' });
        return { action: 'assignment.test_withdraw', before: null, after: null, result: 'x' };
      },
    });
    while (!started) await new Promise((resolve) => setTimeout(resolve, 10));
    const { write, change } = dateWrite(lead, a.id);
    const second = writeAssignment(db.knex, write);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await first;
    await expect(second).rejects.toMatchObject({ status: 404 });
    expect(change).not.toHaveBeenCalled();
  });

  it('reaches an assignment through an object inside it, with that object’s own 404 words', async () => {
    const a = await fresh();
    const through = { assignmentOf: async () => a.id, notFound: 'There is no such thing here.' };
    await expect(
      writeAssignment(db.knex, {
        ...dateWrite(stranger, a.id).write,
        assignmentId: undefined,
        through,
      }),
    ).rejects.toMatchObject({ status: 404, message: 'There is no such thing here.' });
    await writeAssignment(db.knex, {
      ...dateWrite(lead, a.id).write,
      assignmentId: undefined,
      through,
    });
    expect(await events(a.id)).toHaveLength(1);
  });
});

describe('beginAssignmentWrite (input that streams in)', () => {
  let db: TestDatabase;
  let lead: CurrentUser;
  let assignmentId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    const orgId = (await createOrganisation(db.knex)).id;
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    assignmentId = (await createAssignment(db.knex, rec, { id: orgId })).id;
    const u = await createUser(db.knex, { role: 'org_lead', organisationId: orgId });
    lead = { ...u, name: 'Lead', role: 'org_lead', organisationId: orgId, twoFactorEnabled: false };
  });
  afterAll(async () => {
    await db.destroy();
  });

  const events = () =>
    db.knex('audit_events').where({ subject_type: 'assignment', subject_id: String(assignmentId) });

  it('refuses a viewer before the transaction opens, and keeps nothing that is abandoned', async () => {
    const viewerRow = await createUser(db.knex, { role: 'viewer' });
    const viewer = { ...viewerRow, name: 'V', role: 'viewer' as const, twoFactorEnabled: false };
    await expect(
      beginAssignmentWrite(db.knex, { actor: viewer, assignmentId, permission: 'assignment.act' }),
    ).rejects.toMatchObject({ status: 403 });
    const open = await beginAssignmentWrite(db.knex, {
      actor: lead,
      assignmentId,
      permission: 'assignment.act',
    });
    await open
      .trx('assignments')
      .where({ id: assignmentId })
      .update({ committed_on: '2031-01-01' });
    await open.abandon();
    const row = await db.knex('assignments').where({ id: assignmentId }).first('committed_on');
    expect(row.committed_on).toBeNull();
    expect(await events()).toHaveLength(0);
  });

  it('commits the change with exactly one audit event when finished', async () => {
    const open = await beginAssignmentWrite(db.knex, {
      actor: lead,
      assignmentId,
      permission: 'assignment.act',
      context: { ip: '192.0.2.8', userAgent: null, requestId: 'req-stream' },
    });
    await open
      .trx('assignments')
      .where({ id: assignmentId })
      .update({ committed_on: '2031-02-02' });
    await open.finish({ action: 'assignment.test_stream', before: null, after: { n: 1 } });
    await open.abandon();
    const row = await db.knex('assignments').where({ id: assignmentId }).first('committed_on');
    expect(row.committed_on).toBe('2031-02-02');
    const rows = await events();
    expect(rows.map((e) => [e.action, e.ip_address, e.request_id])).toEqual([
      ['assignment.test_stream', '192.0.2.8', 'req-stream'],
    ]);
  });
});
