/**
 * A signed-out visitor costs no session work: no session row read or written and no cookie set on a
 * page view, even holding an anonymous session's cookie from an earlier form. A form that needs a
 * CSRF token (public feedback) still gets one, and keeps the same session across views and posts.
 */
import type { Knex } from 'knex';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { csrfFrom } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createRecommendation, createReport } from '../../../test/factories';
import type { RecommendationRow } from '../../db/tables';

const NOW = '2026-11-28T12:00:00Z';

/** Counts the statements that touch the sessions table while `work` runs. */
async function sessionStatements(knex: Knex, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (q: { sql: string }) => {
    if (/\bsessions\b/.test(q.sql)) seen.push(q.sql);
  };
  knex.on('query', listener);
  try {
    await work();
  } finally {
    knex.removeListener('query', listener);
  }
  return seen;
}

describe('anonymous requests and the session table', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let rec: RecommendationRow;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: NOW });
    rec = await createRecommendation(db.knex, await createReport(db.knex));
  });
  afterAll(async () => {
    await db.destroy();
  });
  afterEach(() => built.clock.set(NOW));

  const sessionRows = async () => Number((await db.knex('sessions').count('* as n').first())?.n);

  it('answers a page view with no cookie without reading or writing a session, and sets none', async () => {
    const before = await sessionRows();
    const statements = await sessionStatements(db.knex, async () => {
      for (const path of ['/', '/recommendations', `/recommendations/${rec.ref}`, '/data']) {
        const res = await request(built.app).get(path).expect(200);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });
    expect(statements).toEqual([]);
    expect(await sessionRows()).toBe(before);
  });

  it('does no session work for a visitor holding an anonymous session cookie, until a form needs it', async () => {
    const agent = request.agent(built.app);
    const form = await agent.get(`/recommendations/${rec.ref}/feedback`).expect(200);
    const cookie = String(form.headers['set-cookie']);
    expect(cookie).toMatch(/tracker-session=a\./);
    const token = csrfFrom(form.text);
    const rows = await sessionRows();
    // Well past the interval at which a session in use is touched.
    built.clock.set('2026-11-28T12:10:00Z');

    const onPages = await sessionStatements(db.knex, async () => {
      const page = await agent.get(`/recommendations/${rec.ref}`).expect(200);
      expect(page.headers['set-cookie']).toBeUndefined();
      expect(page.text).toContain('Sign in');
    });
    expect(onPages).toEqual([]);

    // The form again: the same session (read once), no new row, no new cookie, the same token.
    const again = await agent.get(`/recommendations/${rec.ref}/feedback`).expect(200);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(csrfFrom(again.text)).toBe(token);
    expect(await sessionRows()).toBe(rows);

    await agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .type('form')
      .send({ _csrf: token, message: 'The public page is clear, thank you.' })
      .expect(303);
    expect(
      await db.knex('feedback_messages').where({ recommendation_id: rec.id }).count('* as n'),
    ).toEqual([{ n: 1 }]);
  });

  it('refuses a post whose token is not its anonymous session (the feedback form comes back, unsent)', async () => {
    const agent = request.agent(built.app);
    const form = await agent.get(`/recommendations/${rec.ref}/feedback`).expect(200);
    const count = async () =>
      Number((await db.knex('feedback_messages').count('* as n').first())?.n ?? 0);
    const before = await count();
    const back = await agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .type('form')
      .send({ _csrf: 'not-the-token', message: 'Hello' })
      .expect(200);
    expect(back.text).toContain('Your message has not been sent yet');
    expect(csrfFrom(back.text)).toBe(csrfFrom(form.text));
    expect(await count()).toBe(before);
    await agent
      .post('/sign-in')
      .type('form')
      .send({ _csrf: 'not-the-token', email: 'a@example.test', password: 'x' })
      .expect(403);
  });
});

describe('template caching', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('compiles templates once unless TEMPLATE_RELOAD asks for reloading', () => {
    expect(buildTestApp(db.knex).app.enabled('view cache')).toBe(true);
    expect(
      buildTestApp(db.knex, { config: { templateReload: true } }).app.enabled('view cache'),
    ).toBe(false);
  });
});
