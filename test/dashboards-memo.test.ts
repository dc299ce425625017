/**
 * The dashboards' figures are computed once per data version and shared by everyone allowed to
 * see them: a second look reads nothing again, a write shows at once, and someone not allowed
 * (an organisation's lead) is refused however warm the memo is. The summary lists organisations a
 * page at a time.
 */
import request from 'supertest';
import { buildTestApp } from './app';
import { createUser } from './auth';
import { createTestDatabase, type TestDatabase } from './db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from './factories';

const NOW = '2026-11-28T12:00:00Z';

describe('dashboards computed once per data version', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  const cookies = new Map<string, string>();
  let firstOrg = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: NOW });
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    // More organisations than one page of the summary shows.
    for (let i = 0; i < 55; i++) {
      const org = await createOrganisation(db.knex, {
        name: `Summary Force ${String(i).padStart(2, '0')}`,
      });
      if (i === 0) firstOrg = org.slug;
      await createAssignment(db.knex, rec, org);
    }
    const lead = await db.knex('organisations').where({ slug: firstOrg }).first('id');
    for (const [name, role, organisationId] of [
      ['overseer', 'overseer', null],
      ['viewer', 'viewer', null],
      ['lead', 'org_lead', lead.id],
    ] as const) {
      const user = await createUser(db.knex, { role, organisationId });
      const { token } = await built.services.sessions.start(db.knex, {
        userId: user.id,
        state: 'active',
        context: { ip: '127.0.0.1', userAgent: null, requestId: null },
      });
      cookies.set(name, `tracker-session=${token}`);
    }
  });
  afterAll(async () => {
    await db.destroy();
  });

  /** The by-organisation table of a summary page (the filter form lists every organisation). */
  const organisationTable = (html: string) =>
    html.slice(html.indexOf('id="by-organisation"'), html.indexOf('id="by-theme"'));
  const get = (who: string, path: string) =>
    request(built.app).get(path).set('Cookie', cookies.get(who)!);

  it('computes the summary once for everyone allowed, and again after a write', async () => {
    const first = await get('overseer', '/workspace/dashboards/summary').expect(200);
    const hits = built.services.memo.stats().hits;
    const second = await get('viewer', '/workspace/dashboards/summary').expect(200);
    expect(built.services.memo.stats().hits).toBeGreaterThan(hits);
    expect(second.text).toContain('Summary Force 00');
    expect(first.headers['cache-control']).toBe('no-store');

    const rec = await createRecommendation(db.knex, await createReport(db.knex));
    await createAssignment(
      db.knex,
      rec,
      await createOrganisation(db.knex, { name: 'Summary Force AA' }),
    );
    const after = await get('viewer', '/workspace/dashboards/summary?page=2').expect(200);
    expect(organisationTable(after.text)).toContain('Summary Force AA');
  });

  it('keeps the body once for everyone allowed, but gives each visitor their own header and token', async () => {
    const sessionToken = async (role: 'overseer' | 'viewer') => {
      const user = await createUser(db.knex, { role });
      return built.services.sessions.start(db.knex, {
        userId: user.id,
        state: 'active',
        context: { ip: '127.0.0.1', userAgent: null, requestId: null },
      });
    };
    const one = await sessionToken('overseer');
    const two = await sessionToken('overseer');
    const page = (token: string) =>
      request(built.app)
        .get('/workspace/board-pack')
        .set('Cookie', `tracker-session=${token}`)
        .expect(200);
    const first = await page(one.token);
    const hits = built.services.memo.stats().hits;
    const second = await page(two.token);
    expect(built.services.memo.stats().hits).toBeGreaterThan(hits);
    expect(first.text).toContain(one.session.csrfToken);
    expect(second.text).toContain(two.session.csrfToken);
    expect(second.text).not.toContain(one.session.csrfToken);
    const body = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>'));
    expect(body(second.text)).toBe(body(first.text));
    expect(second.headers['cache-control']).toBe('no-store');
  });

  it('refuses an organisation lead however warm the memo is', async () => {
    await get('overseer', '/workspace/dashboards/progress').expect(200);
    for (const path of ['', '/overdue', '/progress', '/summary'])
      await get('lead', `/workspace/dashboards${path}`).expect(403);
    await get('overseer', '/workspace/board-pack').expect(200);
    await get('lead', '/workspace/board-pack').expect(403);
  });

  it('lists organisations fifty to a page on the summary', async () => {
    const one = await get('overseer', '/workspace/dashboards/summary').expect(200);
    expect(one.text).toContain('Organisations 1 to 50 of 56');
    expect(organisationTable(one.text)).not.toContain('Summary Force AA');
    const two = await get('overseer', '/workspace/dashboards/summary?page=2').expect(200);
    expect(two.text).toContain('Organisations 51 to 56 of 56');
    expect(organisationTable(two.text)).toContain('Summary Force AA');
    expect(organisationTable(two.text)).not.toContain('Summary Force 00');
    await get('overseer', '/workspace/dashboards/summary?page=0').expect(400);
  });
});
