import { buildTestApp } from '../../../test/app';
import { createUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { sweepAccounts } from './housekeeping';

describe('account housekeeping', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('removes expired sessions, old sign-in attempts and long-expired links, and keeps live ones', async () => {
    const built = buildTestApp(db.knex, { now: '2026-01-01T09:00:00Z' });
    const { services, clock } = built;
    const context = { ip: '127.0.0.1', userAgent: null, requestId: null };
    const user = await createUser(db.knex, { role: 'viewer' });
    await services.sessions.start(db.knex, { userId: null, state: 'anonymous', context });
    await db.knex('sign_in_attempts').insert({
      email_key: 'a@example.test',
      ip_address: '127.0.0.1',
      succeeded: false,
      attempted_at: clock.now(),
    });
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
    expect(await sweepAccounts(db.knex, clock, services.sessions)).toEqual({
      sessions: 0,
      attempts: 0,
      links: 0,
    });

    // 40 minutes on: the first session has been idle 40 minutes, the second only 20.
    clock.set('2026-01-01T09:40:00Z');
    expect(await sweepAccounts(db.knex, clock, services.sessions)).toEqual({
      sessions: 1,
      attempts: 0,
      links: 0,
    });
    expect(await db.knex('sessions').pluck('id')).toEqual([live.session.id]);

    // Ten days on: the attempt is past a day old and the link a week past its expiry.
    clock.set('2026-01-11T09:40:00Z');
    expect(await sweepAccounts(db.knex, clock, services.sessions)).toEqual({
      sessions: 1,
      attempts: 1,
      links: 1,
    });
  });
});
