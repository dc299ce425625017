/**
 * People are shown by name, not email address, in status history and in the board pack: new rows
 * keep the name, and the migration rewrites the email labels that earlier rows kept.
 */
import request from 'supertest';
import { buildTestApp } from './app';
import { createUser, type TestUser } from './auth';
import { createTestDatabase, type TestDatabase } from './db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from './factories';
import { sealSecret } from '../src/shared/secret-box';
import { generateTotpSecret } from '../src/modules/accounts/totp';
import { up as rewriteLabels } from '../migrations/20261202155300_names_in_history_labels';

const CONTEXT = { ip: '127.0.0.1', userAgent: 'jest', requestId: null };

describe('people’s names in status history and board packs', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let overseer: TestUser;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2026-11-28T12:00:00Z' });
    overseer = await createUser(db.knex, {
      role: 'overseer',
      email: 'olivia.o@example.test',
      totpSecretEnc: sealSecret(generateTotpSecret(), built.services.config.secretKey!),
    });
    await db.knex('users').where({ id: overseer.id }).update({ name: 'Olivia Overseer' });
    const { token, session } = await built.services.sessions.start(db.knex, {
      userId: overseer.id,
      state: 'active',
      context: CONTEXT,
    });
    cookie = `tracker-session=${token}`;
    csrf = session.csrfToken;
  });
  afterAll(async () => {
    await db.destroy();
  });

  const post = (path: string, body: Record<string, string>) =>
    request(built.app)
      .post(path)
      .set('Cookie', cookie)
      .type('form')
      .send({ ...body, _csrf: csrf });
  const get = (path: string) => request(built.app).get(path).set('Cookie', cookie).expect(200);

  it('a review and a verification show the overseer’s name, and never their email, on the assignment page and in the board pack', async () => {
    const org = await createOrganisation(db.knex, { name: 'Names Police' });
    const report = await createReport(db.knex, { title: 'Names inspection' });
    const rec = await createRecommendation(db.knex, report);
    const a = await createAssignment(db.knex, rec, org, {
      status: 'awaiting_verification',
      responded_on: '2026-01-10',
      response_stance: 'accepted',
      response_text: 'Agreed.',
    } as never);
    const [update] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: a.id,
        author_label: 'A lead',
        self_assessment: 'complete',
        narrative: 'All done.',
        created_at: new Date('2026-11-20T10:00:00Z'),
      })
      .returning(['id']);

    await post(`/workspace/reviews/${update.id}`, { decision: 'accepted' }).expect(303);
    await post(`/workspace/assignments/${a.id}/verification`, { note: 'Seen it.' }).expect(303);

    const change = await db
      .knex('assignment_status_changes')
      .where({ assignment_id: a.id })
      .orderBy('id', 'desc')
      .first();
    expect(change.actor_label).toBe('Olivia Overseer');
    const review = await db
      .knex('progress_update_reviews')
      .where({ progress_update_id: update.id })
      .first();
    expect(review.reviewer_label).toBe('Olivia Overseer');
    // The audit trail still says exactly which account acted.
    const event = await db.knex('audit_events').orderBy('id', 'desc').first();
    expect(event.actor_label).toBe('olivia.o@example.test');

    const page = await get(`/workspace/assignments/${a.id}`);
    expect(page.text).toMatch(/data-label="By">Olivia Overseer</);
    expect(page.text).not.toContain('olivia.o@example.test');

    const pack = await get('/workspace/board-pack');
    expect(pack.text).toContain('Accepted, by Olivia Overseer');
    expect(pack.text).not.toContain('olivia.o@example.test');
  });

  it('the migration turns email labels into names (API token labels too) and leaves other labels alone', async () => {
    const org = await createOrganisation(db.knex);
    const report = await createReport(db.knex);
    const a = await createAssignment(db.knex, await createRecommendation(db.knex, report), org);
    const other = await createUser(db.knex, { role: 'overseer', email: 'Pat_x@example.test' });
    await db.knex('users').where({ id: other.id }).update({ name: '  Pat Person ' });
    const rows = await db
      .knex('assignment_status_changes')
      .insert(
        [
          { label: other.email, actor: other.id },
          { label: `${other.email} (API token 7)`, actor: other.id },
          { label: 'Operation Linden seed', actor: null },
          { label: 'someone@else.test', actor: other.id },
          { label: 'Patzx@example.test', actor: other.id },
        ].map((r, i) => ({
          assignment_id: a.id,
          from_status: 'awaiting_response',
          to_status: 'awaiting_response',
          event: 'recorded',
          actor_id: r.actor,
          actor_label: r.label,
          changed_at: new Date(Date.UTC(2026, 0, 1 + i)),
        })),
      )
      .returning(['id']);
    const [update] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: a.id,
        author_label: 'A lead',
        self_assessment: 'on_track',
        narrative: 'Going.',
        created_at: new Date('2026-01-01T10:00:00Z'),
      })
      .returning(['id']);
    await db.knex('progress_update_reviews').insert({
      progress_update_id: update.id,
      decision: 'accepted',
      reviewer_id: other.id,
      reviewer_label: other.email,
      created_at: new Date('2026-01-02T10:00:00Z'),
    });

    await rewriteLabels(db.knex);

    const labels = await db
      .knex('assignment_status_changes')
      .whereIn(
        'id',
        rows.map((r: { id: number }) => r.id),
      )
      .orderBy('id')
      .pluck('actor_label');
    expect(labels).toEqual([
      'Pat Person',
      'Pat Person (API token 7)',
      'Operation Linden seed',
      'someone@else.test',
      'Patzx@example.test',
    ]);
    const review = await db
      .knex('progress_update_reviews')
      .where({ progress_update_id: update.id })
      .first();
    expect(review.reviewer_label).toBe('Pat Person');
  });
});
