/**
 * Public status notes through the real app: an overseer publishes why an assignment stands where
 * it does; the public pages show it with the date of the last review; a newer note replaces it; a
 * withdrawal takes the words off the public page and shows the reason; the record as of a past day
 * shows the note that was current then; leads and viewers cannot publish; private commentary never
 * appears.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createSignedInUser, csrfFrom } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import type { Role } from '../accounts/accounts.types';

describe('public status notes', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let assignmentId: number;
  let ref: string;
  const sessions = new Map<string, string>();

  async function sessionFor(key: string, role: Role, organisationId: number | null) {
    const { cookie } = await createSignedInUser(built.services, db.knex, role, organisationId);
    sessions.set(key, cookie);
  }

  async function post(key: string, path: string, form: Record<string, string>) {
    const cookie = sessions.get(key)!;
    const page = await request(built.app)
      .get(`/workspace/assignments/${assignmentId}/status-notes`)
      .set('Cookie', cookie);
    const csrf =
      page.status === 200
        ? csrfFrom(page.text)
        : csrfFrom((await request(built.app).get('/workspace').set('Cookie', cookie)).text);
    return request(built.app)
      .post(path)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, ...form });
  }

  const publicPage = async (query = '') =>
    (await request(built.app).get(`/recommendations/${ref}${query}`).expect(200)).text;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2026-03-03T10:00:00Z' });
    const org = await createOrganisation(db.knex);
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    ref = rec.ref;
    assignmentId = (
      await createAssignment(db.knex, rec, org, {
        status: 'in_progress',
        responded_on: '2024-02-01',
        response_stance: 'accepted',
      })
    ).id;
    await sessionFor('overseer', 'overseer', null);
    await sessionFor('lead', 'org_lead', org.id);
    await sessionFor('viewer', 'viewer', null);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('before any note, the public page says the office has not reviewed it yet', async () => {
    expect(await publicPage()).toContain('Not yet reviewed by the oversight office.');
  });

  it('refuses an empty note and a missing occasion, storing nothing', async () => {
    const res = await post('overseer', `/workspace/assignments/${assignmentId}/status-notes`, {
      note: '  ',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter the note the public will see');
    expect(res.text).toContain('Select when you are writing it');
    expect(await db.knex('status_notes').count('* as n').first()).toEqual({ n: 0 });
  });

  it('does not let a lead or a viewer publish a note', async () => {
    for (const key of ['lead', 'viewer']) {
      const res = await post(key, `/workspace/assignments/${assignmentId}/status-notes`, {
        note: 'Not mine to write.',
        occasion: 'rate',
      });
      expect([403, 404]).toContain(res.status);
    }
    expect(await db.knex('status_notes').count('* as n').first()).toEqual({ n: 0 });
  });

  it('publishes a note the public sees with the day of the review, audited', async () => {
    const res = await post('overseer', `/workspace/assignments/${assignmentId}/status-notes`, {
      note: 'Training records for all 12 teams were checked; two teams are still to finish.',
      occasion: 'rate',
    });
    expect(res.status).toBe(303);
    const page = await publicPage();
    expect(page).toContain('Last reviewed by the oversight office on 3 March 2026.');
    expect(page).toContain(
      'Why: Training records for all 12 teams were checked; two teams are still to finish.',
    );
    const audit = await db.knex('audit_events').where({ action: 'status_note.publish' }).first();
    expect(audit).toBeDefined();
    const api = await request(built.app).get(`/api/v1/recommendations/${ref}`).expect(200);
    expect(JSON.stringify(api.body)).toContain('two teams are still to finish');
  });

  it('a newer note replaces it; a withdrawal shows the reason, not the words; as of a past day shows the note then', async () => {
    // Sessions end after 30 minutes idle, so each jump of the clock needs a new sign-in.
    built.clock.set('2026-04-10T10:00:00Z');
    await sessionFor('overseer', 'overseer', null);
    await post('overseer', `/workspace/assignments/${assignmentId}/status-notes`, {
      note: 'All teams have now finished the training.',
      occasion: 'review',
    }).then((r) => expect(r.status).toBe(303));
    let page = await publicPage();
    expect(page).toContain('Why: All teams have now finished the training.');
    expect(page).not.toContain('two teams are still to finish');

    built.clock.set('2026-05-01T10:00:00Z');
    await sessionFor('overseer', 'overseer', null);
    const latest = await db.knex('status_notes').orderBy('id', 'desc').first();
    const withdrawn = await post('overseer', `/workspace/status-notes/${latest.id}/withdrawal`, {
      reason: 'Two teams had not finished after all.',
    });
    expect(withdrawn.status).toBe(303);
    page = await publicPage();
    expect(page).not.toContain('All teams have now finished the training.');
    expect(page).toContain(
      'A status note published on 10 April 2026 was withdrawn on 1 May 2026. Reason: Two teams had not finished after all.',
    );
    expect(page).toContain('Last reviewed by the oversight office on 1 May 2026.');

    const march = await publicPage('?as_of=2026-03-31');
    expect(march).toContain('Why: Training records for all 12 teams were checked');
    expect(march).toContain('Last reviewed by the oversight office on 3 March 2026.');
    const april = await publicPage('?as_of=2026-04-20');
    expect(april).toContain('Why: All teams have now finished the training.');
    expect(april).not.toContain('was withdrawn');
    const before = await publicPage('?as_of=2026-03-01');
    expect(before).toContain('Not yet reviewed by the oversight office.');

    // Withdrawing twice is refused.
    const again = await post('overseer', `/workspace/status-notes/${latest.id}/withdrawal`, {
      reason: 'Again.',
    });
    expect(again.status).toBe(409);
  });
});
