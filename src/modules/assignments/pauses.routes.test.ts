/**
 * Judicial review pauses through the pages: an overseer records proceedings that stop an IOPC
 * response clock, the due date moves later by the paused days (also while they are still in
 * progress, counting up to today), and the pause shows on the deadlines page, the public timeline
 * and in the API. Only overseers record them, only where the legal basis lets them stop the clock.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { issueApiToken } from '../../../test/auth';
import { dateBoxes, typedBoxes } from '../../../test/date-boxes';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import type { OrganisationRow } from '../../db/tables';
import { signedInPeople } from './test-support';

describe('judicial review pauses', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let org: OrganisationRow;
  let reportId: number;

  const { add: person, signInAll, get, post } = signedInPeople(() => ({ built, knex: db.knex }));

  /** An IOPC recommendation made on 23 November 2021: due 17 January 2022. */
  async function linden(ref: string) {
    const rec = await createRecommendation(
      db.knex,
      { id: reportId },
      { ref, made_on: '2021-11-23' },
    );
    return (await createAssignment(db.knex, rec, org, { response_due_on: '2022-01-17' })).id;
  }
  const stored = async (id: number) =>
    (await db.knex('assignments').where({ id }).first()).response_due_on;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2022-01-20T12:00:00Z' });
    org = await createOrganisation(db.knex, { name: 'Example Police' });
    reportId = (await createReport(db.knex, { legal_basis: 'iopc_para_28a' })).id;
    await person('overseer', 'overseer');
    await person('lead', 'org_lead', org.id);
    await signInAll();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('moves the due date later by the days paused, and shows the pause everywhere', async () => {
    const id = await linden('JRV-01');
    const url = `/workspace/assignments/${id}/pauses`;
    // 17 Jan has passed: overdue by 3 days on 20 Jan.
    const before = await get('lead', `/workspace/assignments/${id}`).expect(200);
    expect(before.text).toContain('Overdue by 3 days');

    await post('lead', url, {
      ...dateBoxes('fromOn', '2022-01-10'),
      ...dateBoxes('toOn', '2022-01-19'),
      reason: 'x',
    }).expect(403);
    const bad = await post('overseer', url, {
      ...dateBoxes('fromOn', '2022-01-19'),
      ...dateBoxes('toOn', '2022-01-10'),
      reason: 'Claim CO/123/2022',
    }).expect(400);
    expect(bad.text).toContain('must be on or after the day they began');
    expect(await db.knex('assignment_pauses').where({ assignment_id: id })).toHaveLength(0);

    await post('overseer', url, {
      ...dateBoxes('fromOn', '2022-01-10'),
      ...dateBoxes('toOn', '2022-01-19'),
      reason: 'Claim for judicial review of the recommendation (CO/123/2022).',
    }).expect(303);
    // 10 to 19 January is 10 days: 17 Jan + 10 = 27 Jan.
    expect(await stored(id)).toBe('2022-01-27');
    const page = await get('lead', `/workspace/assignments/${id}`).expect(200);
    expect(page.text).toContain('27 January 2022');
    expect(page.text).toContain('7 days left');
    const deadlines = await get('lead', `/workspace/assignments/${id}/deadlines`).expect(200);
    expect(deadlines.text).toContain('From 10 January 2022 to 19 January 2022');
    expect(deadlines.text).toContain('CO/123/2022');

    const card = (await request(built.app).get('/recommendations/JRV-01').expect(200)).text;
    expect(card).toContain(
      'Judicial review proceedings: the response clock stopped from 10 January 2022 to 19 January 2022',
    );
    expect(card).toContain('27 January 2022');
    // The reason is not published.
    expect(card).not.toContain('CO/123/2022');

    const token = await issueApiToken(db.knex, { role: 'overseer' });
    const api = await request(built.app)
      .get(`/api/v1/assignments/${id}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(api.body.judicialReviewPauses).toEqual([{ from: '2022-01-10', to: '2022-01-19' }]);
    expect(api.body.responseClock.dueOn).toBe('2022-01-27');
    const audit = await db
      .knex('audit_events')
      .where({ action: 'assignment.pause_recorded', subject_id: String(id) })
      .first();
    expect(audit.after).toMatchObject({
      from: '2022-01-10',
      to: '2022-01-19',
      dueOn: '2022-01-27',
    });
  });

  it('keeps moving the due date while the proceedings are still in progress, then fixes it when they end', async () => {
    const id = await linden('JRV-02');
    await post('overseer', `/workspace/assignments/${id}/pauses`, {
      ...dateBoxes('fromOn', '2022-01-10'),
      ...typedBoxes('toOn', '', '', ''),
      reason: 'Proceedings issued; no hearing date yet.',
    }).expect(303);
    // Open: 10 to 20 January so far, 11 days: 17 Jan + 11 = 28 Jan; not stored while it moves.
    expect(await stored(id)).toBeNull();
    let page = await get('lead', `/workspace/assignments/${id}`).expect(200);
    expect(page.text).toContain('28 January 2022');
    expect(page.text).toContain('Paused for judicial review, 8 days left');

    built.clock.set('2022-01-25T12:00:00Z');
    await signInAll();
    // 10 to 25 January, 16 days: 17 Jan + 16 = 2 Feb; still 8 days left, and never overdue.
    page = await get('lead', `/workspace/assignments/${id}`).expect(200);
    expect(page.text).toContain('2 February 2022');
    expect(page.text).toContain('Paused for judicial review, 8 days left');
    const overdue = await request(built.app).get('/').expect(200);
    expect(overdue.text).not.toContain('JRV-02');

    const pause = await db.knex('assignment_pauses').where({ assignment_id: id }).first();
    await post('overseer', `/workspace/assignments/${id}/pauses/${pause.id}/end`, {
      ...dateBoxes('toOn', '2022-01-26'),
    }).expect(400);
    await post('overseer', `/workspace/assignments/${id}/pauses/${pause.id}/end`, {
      ...dateBoxes('toOn', '2022-01-24'),
    }).expect(303);
    // 10 to 24 January, 15 days: 17 Jan + 15 = 1 Feb.
    expect(await stored(id)).toBe('2022-02-01');
    await post('overseer', `/workspace/assignments/${id}/pauses/${pause.id}/end`, {
      ...dateBoxes('toOn', '2022-01-24'),
    }).expect(409);
    const card = (await request(built.app).get('/recommendations/JRV-02').expect(200)).text;
    expect(card).toContain('stopped from 10 January 2022 to 24 January 2022');
  });

  it('refuses a pause where the legal basis does not let proceedings stop the clock', async () => {
    const hmi = await createReport(db.knex, {
      legal_basis: 'hmicfrs_s55',
      published_on: '2022-01-04',
    });
    const pcc = await createOrganisation(db.knex, { kind: 'pcc_office' });
    const rec = await createRecommendation(db.knex, hmi, { ref: 'JRV-03', made_on: '2022-01-04' });
    const a = await createAssignment(db.knex, rec, pcc, { response_due_on: '2022-03-01' });
    await post('overseer', `/workspace/assignments/${a.id}/pauses`, {
      ...dateBoxes('fromOn', '2022-01-10'),
      ...typedBoxes('toOn', '', '', ''),
      reason: 'Not applicable',
    }).expect(409);
    expect(await db.knex('assignment_pauses').where({ assignment_id: a.id })).toHaveLength(0);
    const page = await get('overseer', `/workspace/assignments/${a.id}/deadlines`).expect(200);
    expect(page.text).not.toContain('id="pause-form"');
  });
});
