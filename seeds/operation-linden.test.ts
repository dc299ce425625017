import { statutoryDueDate } from '../src/modules/assignments/deadlines';
import { verifyAuditChain } from '../src/modules/operations/audit.repository';
import { createTestDatabase, type TestDatabase } from '../test/db';
import { applyLindenSeed } from './operation-linden';

describe('the Operation Linden seed', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('creates the report, all 12 recommendations, the organisations, addressees and the two known responses', async () => {
    const result = await applyLindenSeed(db.knex);
    expect(result).toEqual({
      applied: true,
      created: { organisations: 7, themes: 7, reports: 1, recommendations: 12, assignments: 7 },
    });

    const recs = await db
      .knex('recommendations')
      .orderBy('ref')
      .select('ref', 'text_status', 'made_on', 'made_on_confirmed');
    expect(recs.map((r) => r.ref)).toEqual([
      'LIN-01',
      'LIN-02',
      'LIN-03',
      'LIN-04',
      'LIN-05',
      'LIN-06',
      'LIN-07',
      'LIN-08',
      'LIN-09',
      'LIN-10',
      'LIN-11',
      'LIN-12',
    ]);
    expect(recs.filter((r) => r.text_status === 'pending').map((r) => r.ref)).toEqual([
      'LIN-08',
      'LIN-09',
      'LIN-10',
      'LIN-11',
      'LIN-12',
    ]);
    expect(recs.filter((r) => r.text_status === 'summary')).toHaveLength(7);
    expect(recs.every((r) => r.made_on === '2021-11-23' && r.made_on_confirmed === false)).toBe(
      true,
    );

    const assignments = await db
      .knex('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .orderBy('r.ref')
      .select(
        'r.ref',
        'o.slug',
        'a.status',
        'a.response_due_on',
        'a.response_stance',
        'a.responded_on',
        'a.response_date_confirmed',
        'a.addressee_confirmed',
      );
    expect(assignments).toEqual([
      expect.objectContaining({
        ref: 'LIN-01',
        slug: 'south-yorkshire-police',
        status: 'in_progress',
        response_stance: 'accepted',
        responded_on: '2022-04-20',
        response_date_confirmed: false,
        addressee_confirmed: true,
      }),
      expect.objectContaining({
        ref: 'LIN-02',
        slug: 'south-yorkshire-police',
        status: 'in_progress',
        response_stance: 'accepted',
      }),
      expect.objectContaining({
        ref: 'LIN-03',
        slug: 'law-commission',
        status: 'in_progress',
        response_stance: 'accepted',
        responded_on: '2022-02-03',
      }),
      expect.objectContaining({
        ref: 'LIN-04',
        slug: 'college-of-policing',
        status: 'awaiting_response',
        response_stance: null,
        addressee_confirmed: false,
      }),
      expect.objectContaining({
        ref: 'LIN-05',
        slug: 'south-yorkshire-police',
        status: 'in_progress',
        addressee_confirmed: false,
      }),
      expect.objectContaining({
        ref: 'LIN-06',
        slug: 'npcc',
        status: 'awaiting_response',
        response_stance: null,
      }),
      expect.objectContaining({
        ref: 'LIN-07',
        slug: 'south-yorkshire-police',
        status: 'in_progress',
      }),
    ]);
    // IOPC para 28A: 56 days beginning with 23 Nov 2021 ends on 17 Jan 2022.
    expect(new Set(assignments.map((a) => a.response_due_on))).toEqual(new Set(['2022-01-17']));
    // The stored date is the deadlines module's answer, not a second calculation.
    expect(
      statutoryDueDate({
        legalBasis: 'iopc_para_28a',
        addresseeKind: 'police_force',
        recommendationMadeOn: '2021-11-23',
        reportPublishedOn: '2021-11-23',
        reportDatedOn: null,
      }),
    ).toBe('2022-01-17');
  });

  it('records every created row as an audit event in an intact hash chain', async () => {
    const actions = await db
      .knex('audit_events')
      .select('action')
      .count('* as n')
      .groupBy('action')
      .orderBy('action');
    expect(Object.fromEntries(actions.map((a) => [a.action, Number(a.n)]))).toEqual({
      'assignment.create': 7,
      'organisation.create': 7,
      'recommendation.create': 12,
      'report.create': 1,
      'seed.apply': 1,
      'theme.create': 7,
    });
    expect(await verifyAuditChain(db.knex)).toEqual({ ok: true, events: 35 });
  });

  it('when run again, changes nothing and does not duplicate rows', async () => {
    const before = await db.knex('recommendations').count('* as n').first();
    expect(await applyLindenSeed(db.knex)).toEqual({
      applied: false,
      created: { organisations: 0, themes: 0, reports: 0, recommendations: 0, assignments: 0 },
    });
    expect(await db.knex('recommendations').count('* as n').first()).toEqual(before);
    expect(Number((await db.knex('audit_events').count('* as n').first())?.n)).toBe(35);
  });

  it('never overwrites or restores what users changed in the app', async () => {
    await db.knex('recommendations').where({ ref: 'LIN-08' }).update({
      title: 'Entered by an admin',
      body: 'Text entered by an admin.',
      text_status: 'verified',
    });
    const npcc = await db.knex('organisations').where({ slug: 'npcc' }).first('id');
    await db.knex('assignments').where({ organisation_id: npcc.id }).delete();

    await applyLindenSeed(db.knex);

    expect(
      await db.knex('recommendations').where({ ref: 'LIN-08' }).first('title', 'text_status'),
    ).toEqual({ title: 'Entered by an admin', text_status: 'verified' });
    expect(await db.knex('assignments').where({ organisation_id: npcc.id })).toHaveLength(0);
  });
});
