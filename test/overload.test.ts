/**
 * Overload is not an error. With the pool exhausted, pages and the API answer 503 with Retry-After
 * (never a 500 carrying KnexTimeoutError), and answer normally once connections are free again.
 * A request's statements take turns on the pool: one connection at a time, even where the code
 * runs a page's sections "in parallel".
 */
import request from 'supertest';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { createUser } from './auth';
import { createTestDatabase, usingServerDatabase, type TestDatabase } from './db';
import { openServerDatabase, type Database } from '../src/db/knex';
import { createLogger } from '../src/logger';

const NOW = '2026-11-28T12:00:00Z';

(usingServerDatabase ? describe : describe.skip)('a tiny pool under load', () => {
  let db: TestDatabase;
  let small: Database;
  let built: ReturnType<typeof buildTestApp>;
  let cookie = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    // Two connections; a request waits at most 300 + 1000 ms for one.
    small = openServerDatabase(
      { kind: 'server', url: db.url!, poolMax: 2, connectTimeoutMs: 300, statementTimeoutMs: 5000 },
      createLogger('silent'),
    );
    built = buildTestApp(small.knex, { now: NOW });
    const user = await createUser(db.knex, { role: 'overseer' });
    const { token } = await built.services.sessions.start(db.knex, {
      userId: user.id,
      state: 'active',
      context: { ip: '127.0.0.1', userAgent: null, requestId: null },
    });
    cookie = `tracker-session=${token}`;
  });
  afterAll(async () => {
    await small.close();
    await db.destroy();
  });

  it('runs one statement at a time for a request whose code asks for several at once', async () => {
    let running = 0;
    let most = 0;
    const started = () => {
      running += 1;
      most = Math.max(most, running);
    };
    const ended = () => {
      running -= 1;
    };
    small.knex.on('query', started).on('query-response', ended).on('query-error', ended);
    try {
      // The overview reads its sections with Promise.all; nothing is kept yet.
      await request(built.app).get('/').expect(200);
      await request(built.app)
        .get('/workspace/dashboards/summary')
        .set('Cookie', cookie)
        .expect(200);
    } finally {
      small.knex.removeListener('query', started);
      small.knex.removeListener('query-response', ended);
      small.knex.removeListener('query-error', ended);
    }
    expect(most).toBe(1);
  });

  it('answers 503 with Retry-After while every connection is taken, then 200 again', async () => {
    type Client = {
      acquireConnection(): Promise<unknown>;
      releaseConnection(c: unknown): Promise<void>;
    };
    const client = small.knex.client as unknown as Client;
    const held = [await client.acquireConnection(), await client.acquireConnection()];
    try {
      const answers = await Promise.all([
        request(built.app).get('/organisations'),
        request(built.app).get('/api/v1/recommendations'),
        request(built.app).get('/workspace/dashboards/overdue').set('Cookie', cookie),
        request(built.app).get('/api/v1/organisations'),
      ]);
      for (const [i, res] of answers.entries()) {
        expect({ i, status: res.status }).toEqual({ i, status: 503 });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.text).not.toMatch(/KnexTimeoutError|Timeout acquiring/);
      }
      expect(answers[1]!.type).toBe('application/problem+json');
    } finally {
      for (const c of held) await client.releaseConnection(c);
    }
    await request(built.app).get('/organisations').expect(200);
    await request(built.app).get('/workspace/dashboards/overdue').set('Cookie', cookie).expect(200);
  });
});
