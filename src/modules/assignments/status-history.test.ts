/** Status changes leave history, and the past status is read back from it. */
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { IllegalTransitionError } from './lifecycle';
import { applyTransition, recordStatusesWithoutHistory, statusAtSql } from './status-history';

describe('status history', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.destroy());

  const actor = { id: null, label: 'tester' };
  const statusAt = async (id: number, at: string) =>
    (
      await db
        .knex('assignments as a')
        .where('a.id', id)
        .first(statusAtSql(db.knex, 'a', new Date(at)).wrap('(', ') as status'))
    ).status as string;

  it('records each change once, and reads the status at any instant', async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex);
    const a = await createAssignment(db.knex, rec, org);

    await db.knex.transaction(async (trx) => {
      const row = await trx('assignments').where({ id: a.id }).forUpdate().first();
      await applyTransition(
        trx,
        row,
        { kind: 'respond', stance: 'accepted' },
        { actor, at: new Date('2024-02-01T10:00:00Z') },
        { response_stance: 'accepted', responded_on: '2024-02-01', response_text: 'We accept.' },
      );
    });
    await db.knex.transaction(async (trx) => {
      const row = await trx('assignments').where({ id: a.id }).forUpdate().first();
      // A revised response changes nothing, so no history row.
      await applyTransition(
        trx,
        row,
        { kind: 'respond', stance: 'partially_accepted' },
        {
          actor,
          at: new Date('2024-02-02T10:00:00Z'),
        },
      );
      await applyTransition(
        trx,
        row,
        { kind: 'close', reason: 'superseded' },
        {
          actor,
          at: new Date('2024-05-01T09:00:00Z'),
          note: 'A later report replaced it.',
        },
      );
    });

    const history = await db
      .knex('assignment_status_changes')
      .where({ assignment_id: a.id })
      .orderBy('id');
    expect(history.map((h) => [h.from_status, h.to_status, h.closure_reason, h.event])).toEqual([
      ['awaiting_response', 'in_progress', null, 'respond'],
      ['in_progress', 'closed', 'superseded', 'close'],
    ]);
    expect(history[1].note).toBe('A later report replaced it.');
    expect((await db.knex('assignments').where({ id: a.id }).first()).closure_reason).toBe(
      'superseded',
    );

    expect(await statusAt(a.id, '2024-01-31T23:59:59Z')).toBe('awaiting_response');
    expect(await statusAt(a.id, '2024-02-01T10:00:00Z')).toBe('in_progress');
    expect(await statusAt(a.id, '2024-04-30T00:00:00Z')).toBe('in_progress');
    expect(await statusAt(a.id, '2024-05-02T00:00:00Z')).toBe('closed');
  });

  it('refuses an illegal transition and writes nothing', async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex);
    const a = await createAssignment(db.knex, rec, org);
    await expect(
      db.knex.transaction(async (trx) => {
        const row = await trx('assignments').where({ id: a.id }).forUpdate().first();
        await applyTransition(trx, row, { kind: 'reopen' }, { actor, at: new Date() });
      }),
    ).rejects.toBeInstanceOf(IllegalTransitionError);
    expect(await db.knex('assignment_status_changes').where({ assignment_id: a.id })).toEqual([]);
  });

  it('gives rows written with a status directly one dated change, once', async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex);
    const a = await createAssignment(db.knex, rec, org, {
      status: 'in_progress',
      response_stance: 'accepted',
      responded_on: '2022-04-20',
      response_text: 'Accepted in full.',
    });
    await recordStatusesWithoutHistory(db.knex, 'seed');
    await recordStatusesWithoutHistory(db.knex, 'seed');
    const rows = await db.knex('assignment_status_changes').where({ assignment_id: a.id });
    expect(rows).toHaveLength(1);
    expect(new Date(rows[0].changed_at).toISOString()).toBe('2022-04-20T12:00:00.000Z');
    expect(await statusAt(a.id, '2022-04-19T00:00:00Z')).toBe('awaiting_response');
    expect(await statusAt(a.id, '2022-04-21T00:00:00Z')).toBe('in_progress');
  });
});
