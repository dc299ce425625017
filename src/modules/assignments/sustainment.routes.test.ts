/**
 * Sustainment checks through the pages: an overseer verifies implementation and sets a date to
 * check that the change has lasted; when it comes, the check is in the workspace and the overseers'
 * reminders; the outcome here is that it has not lasted, which reopens the assignment, and the
 * public page shows when the check was due and how it ended.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, startSession } from '../../../test/auth';
import { dateBoxes } from '../../../test/date-boxes';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { sealSecret } from '../../shared/secret-box';
import { generateTotpSecret } from '../accounts/totp';

describe('sustainment checks', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let overseerId: number;
  let session = { cookie: '', csrf: '' };

  async function signIn() {
    session = await startSession(built.services, db.knex, overseerId);
  }
  const post = (path: string, body: Record<string, string>) =>
    request(built.app)
      .post(path)
      .set('Cookie', session.cookie)
      .type('form')
      .send({ ...body, _csrf: session.csrf });
  const get = (path: string) => request(built.app).get(path).set('Cookie', session.cookie);

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2024-03-01T12:00:00Z' });
    overseerId = (
      await createUser(db.knex, {
        role: 'overseer',
        totpSecretEnc: sealSecret(generateTotpSecret(), built.services.config.secretKey!),
      })
    ).id;
    await signIn();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('sets a check when verifying, shows it when due, and reopens the assignment when the change has not lasted', async () => {
    const org = await createOrganisation(db.knex, { name: 'Example Police' });
    const report = await createReport(db.knex, { legal_basis: 'iopc_para_28a' });
    const rec = await createRecommendation(db.knex, report, {
      ref: 'SUS-01',
      made_on: '2023-06-01',
    });
    const a = await createAssignment(db.knex, rec, org, {
      status: 'awaiting_verification',
      response_stance: 'accepted',
      response_text: 'Accepted.',
      responded_on: '2023-07-01',
      response_due_on: '2023-07-26',
    });
    const [update] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: a.id,
        author_label: 'Force lead',
        self_assessment: 'complete',
        narrative: 'The new policy is in force.',
        created_at: new Date('2024-02-01T10:00:00Z'),
      })
      .returning('id');
    await db.knex('progress_update_reviews').insert({
      progress_update_id: update.id,
      decision: 'accepted',
      reviewer_label: 'Overseer',
      created_at: new Date('2024-02-02T10:00:00Z'),
    });

    const url = `/workspace/assignments/${a.id}/verification`;
    const past = await post(url, { note: '', ...dateBoxes('checkOn', '2024-02-01') }).expect(400);
    expect(past.text).toContain('must be in the future');
    expect((await db.knex('assignments').where({ id: a.id }).first()).status).toBe(
      'awaiting_verification',
    );
    await post(url, { note: 'Seen in practice.', ...dateBoxes('checkOn', '2024-09-01') }).expect(
      303,
    );
    expect((await db.knex('assignments').where({ id: a.id }).first()).status).toBe('implemented');
    const check = await db.knex('sustainment_checks').where({ assignment_id: a.id }).first();
    expect(check).toMatchObject({ due_on: '2024-09-01', outcome: null });

    let publicPage = (await request(built.app).get('/recommendations/SUS-01').expect(200)).text;
    expect(publicPage).toContain('A check that the change has lasted is due on 1 September 2024');

    // Not yet due: listed, without the "Due" tag; no reminder.
    let list = await get('/workspace/sustainment-checks').expect(200);
    expect(list.text).toContain('SUS-01');
    expect(list.text).not.toContain('govuk-tag--orange">Due');
    await built.services.notifications.tick();
    expect(await db.knex('notifications').where({ kind: 'sustainment_check_due' })).toHaveLength(0);

    built.clock.set('2024-09-02T09:00:00Z');
    await signIn();
    list = await get('/workspace/sustainment-checks').expect(200);
    expect(list.text).toContain('govuk-tag--orange">Due');
    await built.services.notifications.tick();
    await built.services.notifications.tick();
    expect(
      await db
        .knex('notifications')
        .where({ kind: 'sustainment_check_due', user_id: overseerId })
        .pluck('dedupe_key'),
    ).toEqual([`sustainment_check_due:${check.id}:2024-09-01:${overseerId}`]);

    // "It has lasted" needs a progress update since the check was set as evidence.
    const noEvidence = await post(`/workspace/assignments/${a.id}/sustainment-check`, {
      outcome: 'sustained',
      note: 'Looks fine.',
      evidenceUpdateId: '',
    }).expect(400);
    expect(noEvidence.text).toContain('Select a progress update posted since the check was set');
    const stale = await post(`/workspace/assignments/${a.id}/sustainment-check`, {
      outcome: 'sustained',
      note: 'Looks fine.',
      evidenceUpdateId: String(update.id),
    }).expect(400);
    expect(stale.text).toContain('Select a progress update posted since the check was set');

    await post(`/workspace/assignments/${a.id}/sustainment-check`, {
      outcome: 'reopened',
      note: 'Dip sampling in August found the policy is no longer followed.',
      evidenceUpdateId: '',
    }).expect(303);
    const after = await db.knex('assignments').where({ id: a.id }).first();
    expect(after.status).toBe('in_progress');
    expect(await db.knex('sustainment_checks').where({ id: check.id }).first()).toMatchObject({
      outcome: 'reopened',
      decided_on: '2024-09-02',
    });
    const change = await db
      .knex('assignment_status_changes')
      .where({ assignment_id: a.id, event: 'reopen' })
      .first();
    expect(change.note).toContain('no longer followed');

    publicPage = (await request(built.app).get('/recommendations/SUS-01').expect(200)).text;
    expect(publicPage).toContain(
      'Checked: the change had not lasted, so it was reopened (2 September 2024)',
    );
    // A second outcome for the same check is refused.
    await post(`/workspace/assignments/${a.id}/sustainment-check`, {
      outcome: 'reopened',
      note: 'Again',
      evidenceUpdateId: '',
    }).expect(409);
    list = await get('/workspace/sustainment-checks').expect(200);
    expect(list.text).not.toContain('SUS-01');
  });
});
