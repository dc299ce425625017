/**
 * The shared rate limiter on a real database (embedded, or a server with TEST_DATABASE_URL): fixed
 * windows on the app's clock, atomic counting, the caller's transaction, and two app instances on
 * one database sharing every count (on a server, through two separate connection pools).
 */
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { csrfFrom } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createRecommendation, createReport } from '../../../test/factories';
import { openServerDatabase } from '../../db/knex';
import { createLogger } from '../../logger';
import { fixedClock } from '../clock';
import { createRateLimiter, purgeExpiredRateLimits } from './rate-limit';

const START = '2026-11-28T12:00:00Z';
const at = (seconds: number) => new Date(Date.parse(START) + seconds * 1000);

describe('the shared rate limiter', () => {
  let db: TestDatabase;
  /** A second, separate pool on the same database where there is a server; else the same knex. */
  let other: { knex: Knex; close(): Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase();
    if (db.url) {
      const second = openServerDatabase(
        {
          kind: 'server',
          url: db.url,
          poolMax: 5,
          connectTimeoutMs: 5000,
          statementTimeoutMs: 30000,
        },
        createLogger('silent'),
      );
      other = { knex: second.knex, close: second.close };
    } else {
      other = { knex: db.knex, close: async () => {} };
    }
  });
  afterAll(async () => {
    await other?.close();
    await db.destroy();
  });

  const rule = (points: number, windowSeconds: number) => ({
    name: `test-${randomBytes(4).toString('hex')}`,
    points,
    windowSeconds,
  });
  const stored = async (name: string) =>
    (await db.knex('rate_limits').where('key', 'like', `${name}:%`).orderBy('key')).map((r) => ({
      key: r.key,
      points: Number(r.points),
      expire: Number(r.expire),
    }));

  it('allows the points in a window, then refuses until the window ends, on the app clock', async () => {
    const clock = fixedClock(START);
    const limit = createRateLimiter(db.knex, clock, rule(3, 600));
    for (let i = 1; i <= 3; i += 1) {
      clock.set(at(i * 10));
      expect(await limit.consume('203.0.113.9')).toEqual({ allowed: true });
    }
    expect(await limit.peek('203.0.113.9')).toEqual({ allowed: false, retryAfterMs: 580_000 });
    expect(await limit.consume('203.0.113.9')).toEqual({ allowed: false, retryAfterMs: 580_000 });
    // The window opened with the first attempt, at 10 s, and lasts ten minutes.
    expect(await stored(limit.rule.name)).toEqual([
      { key: `${limit.rule.name}:203.0.113.9`, points: 4, expire: at(610).getTime() },
    ]);
    // Another key is not held back.
    expect(await limit.peek('203.0.113.10')).toEqual({ allowed: true });

    clock.set(at(609));
    expect(await limit.peek('203.0.113.9')).toEqual({ allowed: false, retryAfterMs: 1000 });
    clock.set(at(610));
    expect(await limit.peek('203.0.113.9')).toEqual({ allowed: true });
    expect(await limit.consume('203.0.113.9')).toEqual({ allowed: true });
    expect(await stored(limit.rule.name)).toEqual([
      { key: `${limit.rule.name}:203.0.113.9`, points: 1, expire: at(1210).getTime() },
    ]);
  });

  it('peeks without writing anything', async () => {
    const limit = createRateLimiter(db.knex, fixedClock(START), rule(1, 60));
    expect(await limit.peek('nobody')).toEqual({ allowed: true });
    expect(await stored(limit.rule.name)).toEqual([]);
  });

  it('counts exactly, however many attempts arrive at once', async () => {
    const limit = createRateLimiter(db.knex, fixedClock(START), rule(5, 600));
    const twin = createRateLimiter(other.knex, fixedClock(START), limit.rule);
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? limit : twin).consume('burst')),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(5);
    expect((await stored(limit.rule.name))[0]!.points).toBe(16);
  });

  it("counts inside the caller's transaction, so a rolled-back attempt is not counted", async () => {
    const limit = createRateLimiter(db.knex, fixedClock(START), rule(1, 600));
    await expect(
      db.knex.transaction(async (trx) => {
        expect(await limit.consume('rolled back', trx)).toEqual({ allowed: true });
        throw new Error('the work after the count failed');
      }),
    ).rejects.toThrow('the work after the count failed');
    expect(await stored(limit.rule.name)).toEqual([]);
    expect(await limit.consume('rolled back')).toEqual({ allowed: true });
  });

  it('stores a key too long for the column as its hash, still counted per key', async () => {
    const limit = createRateLimiter(db.knex, fixedClock(START), rule(1, 600));
    const long = `${'x'.repeat(400)}@example.test`;
    expect(await limit.consume(long)).toEqual({ allowed: true });
    expect((await limit.consume(long)).allowed).toBe(false);
    expect(await limit.peek(`${'x'.repeat(401)}@example.test`)).toEqual({ allowed: true });
    const [row] = await stored(limit.rule.name);
    expect(row!.key).toMatch(new RegExp(`^${limit.rule.name}:sha256-[0-9a-f]{64}$`));
  });

  it('purges the counts whose window has ended, and only those', async () => {
    const clock = fixedClock(START);
    const short = createRateLimiter(db.knex, clock, rule(5, 60));
    const long = createRateLimiter(db.knex, clock, rule(5, 3600));
    await short.consume('a');
    await long.consume('a');
    clock.set(at(61));
    expect(await purgeExpiredRateLimits(db.knex, clock.now())).toBeGreaterThanOrEqual(1);
    expect(await stored(short.rule.name)).toEqual([]);
    expect(await stored(long.rule.name)).toHaveLength(1);
  });

  describe('two app instances on one database', () => {
    const secretKey = randomBytes(32);
    const instances = () =>
      [db.knex, other.knex].map(
        (knex) => buildTestApp(knex, { now: START, config: { trustProxy: 1, secretKey } }).app,
      ) as [Express, Express];

    it('share the count of failed API tokens from one address', async () => {
      const [a, b] = instances();
      const from = '198.51.100.20';
      const badToken = (app: Express) =>
        request(app)
          .get('/api/v1/reports')
          .set('X-Forwarded-For', from)
          .set('Authorization', `Bearer rtk_${'q'.repeat(43)}`);
      for (let i = 0; i < 10; i += 1) {
        expect((await badToken(a)).status).toBe(401);
        expect((await badToken(b)).status).toBe(401);
      }
      for (const app of [a, b]) {
        const res = await badToken(app);
        expect(res.status).toBe(429);
        expect(res.headers['retry-after']).toBe(String(15 * 60));
      }
      // Another address behind the same proxy is not held back.
      await request(b)
        .get('/api/v1/reports')
        .set('X-Forwarded-For', '198.51.100.21')
        .set('Authorization', `Bearer rtk_${'q'.repeat(43)}`)
        .expect(401);
    });

    it('share the count of feedback messages from one address', async () => {
      const rec = await createRecommendation(db.knex, await createReport(db.knex));
      const [a, b] = instances();
      const from = '198.51.100.30';
      const send = async (app: Express, message: string) => {
        const agent = request.agent(app);
        const form = await agent
          .get(`/recommendations/${rec.ref}/feedback`)
          .set('X-Forwarded-For', from)
          .expect(200);
        return agent
          .post(`/recommendations/${rec.ref}/feedback`)
          .set('X-Forwarded-For', from)
          .type('form')
          .send({ _csrf: csrfFrom(form.text), message });
      };
      for (let i = 1; i <= 5; i += 1)
        expect((await send(i % 2 ? a : b, `Message ${i}`)).status).toBe(303);
      for (const app of [a, b]) {
        const refused = await send(app, 'One too many');
        expect(refused.status).toBe(429);
        expect(refused.headers['retry-after']).toBe(String(60 * 60));
        expect(refused.text).toContain('Your message has not been sent');
      }
      const stored = await db
        .knex('feedback_messages')
        .where({ recommendation_id: rec.id })
        .pluck('message');
      expect(stored.sort()).toEqual([
        'Message 1',
        'Message 2',
        'Message 3',
        'Message 4',
        'Message 5',
      ]);
    });
  });
});
