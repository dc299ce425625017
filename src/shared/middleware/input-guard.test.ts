/**
 * The requests that used to reach PostgreSQL and fail with 500, each now refused in one place with
 * a clear answer, and nothing stored.
 */
import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { csrfFrom, issueApiToken } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { badText, bodyProblems, encodedProblems } from './input-guard';

describe('the input guard', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('tells text it refuses from text it keeps', () => {
    expect(badText('a\u0000b')).toMatch(/control characters/);
    expect(badText('a\uD800b')).toMatch(/broken character/);
    expect(badText('line one\r\nline two\tend')).toBeNull();
    expect(badText('emoji \uD83D\uDE00 and accents é')).toBeNull();
    expect(badText('a\tb', true)).toMatch(/control/);
    expect(encodedProblems('q=%E0%A4%A&page=2')).toEqual([
      { field: 'q', message: 'q is not correctly percent-encoded' },
    ]);
    expect(bodyProblems({ a: { b: [1, Infinity] } })).toEqual([
      { field: 'a.b.1', message: 'a.b.1 must be a finite number' },
    ]);
  });

  it('a NUL in a search answers 400 naming the parameter', async () => {
    const res = await request(built.app).get('/recommendations?q=%00');
    expect(res.status).toBe(400);
    expect(res.text).toContain('q must not contain control characters');
  });

  it('a NUL or a malformed escape in a path identifier answers 404', async () => {
    for (const url of ['/organisations/%00', '/recommendations/LIN-01%00', '/reports/%E0%A4%A']) {
      const res = await request(built.app).get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
    }
  });

  it('a NUL in a sign-in form answers 400 and counts no attempt', async () => {
    const agent = request.agent(built.app);
    const form = await agent.get('/sign-in').expect(200);
    const before = await db.knex('audit_events').count({ n: '*' }).first();
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: 'a\u0000@example.test', password: 'x', _csrf: csrfFrom(form.text) });
    expect(res.status).toBe(400);
    const after = await db.knex('audit_events').count({ n: '*' }).first();
    expect(after!.n).toBe(before!.n);
  });

  it('on the API, the answer is problem+json naming the parameter', async () => {
    const token = await issueApiToken(db.knex, { role: 'overseer' });
    const res = await request(built.app)
      .get('/api/v1/assignments?organisation=%00')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(JSON.parse(res.text).errors).toEqual([
      { field: 'organisation', message: 'organisation must not contain control characters' },
    ]);
    const body = await request(built.app)
      .post('/api/v1/reports')
      .set('Authorization', `Bearer ${await issueApiToken(db.knex, { role: 'admin' })}`)
      .set('Content-Type', 'application/json')
      .send('{"title":"a\\u0000b","slug":"x"}');
    expect(body.status).toBe(400);
    expect(JSON.parse(body.text).errors[0].field).toBe('title');
  });

  it.each(['Infinity', '1e309', '-Infinity'])(
    'limit=%s on the overdue dashboard API answers 400 naming limit',
    async (value) => {
      const token = await issueApiToken(db.knex, { role: 'overseer' });
      const res = await request(built.app)
        .get(`/api/v1/dashboards/overdue?limit=${value}`)
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).errors[0]).toEqual({
        field: 'limit',
        message: 'limit must be a finite number',
      });
    },
  );
});
