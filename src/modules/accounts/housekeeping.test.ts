import { buildTestApp } from '../../../test/app';
import { createUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createRateLimiter } from '../../shared/rate-limit/rate-limit';
import { sweepAccounts } from './housekeeping';

describe('account housekeeping', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('removes expired sessions, rate-limit counts whose window has ended and long-expired links, and keeps live ones', async () => {
    const built = buildTestApp(db.knex, { now: '2026-01-01T09:00:00Z' });
    const { services, clock } = built;
    const context = { ip: '127.0.0.1', userAgent: null, requestId: null };
    const user = await createUser(db.knex, { role: 'viewer' });
    await services.sessions.start(db.knex, { userId: null, state: 'anonymous', context });
    // Two counts opened at 09:00: one with a 15-minute window, one with an hour's.
    const quarter = createRateLimiter(db.knex, clock, {
      name: 'quarter',
      points: 5,
      windowSeconds: 900,
    });
    const hour = createRateLimiter(db.knex, clock, {
      name: 'hour',
      points: 5,
      windowSeconds: 3600,
    });
    await quarter.consume('a@example.test');
    await hour.consume('127.0.0.1');
    const counters = () => db.knex('rate_limits').orderBy('key').pluck('key');
    expect(await counters()).toEqual(['hour:127.0.0.1', 'quarter:a@example.test']);
    await db.knex('one_time_tokens').insert({
      token_hash: 'a'.repeat(64),
      purpose: 'password_reset',
      user_id: user.id,
      created_at: clock.now(),
      expires_at: new Date('2026-01-02T09:00:00Z'),
    });

    clock.set('2026-01-01T09:20:00Z');
    const live = await services.sessions.start(db.knex, {
      userId: user.id,
      state: 'active',
      context,
    });
    // 09:20: the quarter-hour window has ended; the hour's has not.
    expect(await sweepAccounts(db.knex, clock, services.sessions)).toEqual({
      sessions: 0,
      rateLimits: 1,
      links: 0,
    });
    expect(await counters()).toEqual(['hour:127.0.0.1']);

    // 40 minutes on: the first session has been idle 40 minutes, the second only 20.
    clock.set('2026-01-01T09:40:00Z');
    expect(await sweepAccounts(db.knex, clock, services.sessions)).toEqual({
      sessions: 1,
      rateLimits: 0,
      links: 0,
    });
    expect(await db.knex('sessions').pluck('id')).toEqual([live.session.id]);

    // Ten days on: the hour's window has long ended and the link is a week past its expiry.
    clock.set('2026-01-11T09:40:00Z');
    expect(await sweepAccounts(db.knex, clock, services.sessions)).toEqual({
      sessions: 1,
      rateLimits: 1,
      links: 1,
    });
    expect(await counters()).toEqual([]);
  });
});
