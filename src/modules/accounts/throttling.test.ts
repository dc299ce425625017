import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, TEST_PASSWORD } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { sealSecret } from '../../shared/secret-box';
import { THROTTLE } from './sign-in.service';
import { generateTotpSecret, totpCode, TOTP_PERIOD_SECONDS } from './totp';

const START = '2026-11-28T12:00:00Z';
const minutes = (n: number) => new Date(Date.parse(START) + n * 60_000);

/** The text of the GOV.UK error summary, without the email echoed back into the form. */
const errorSummary = (html: string) =>
  html.match(/<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/)?.[1]?.trim();

/** A browser on the sign-in page: one session, one CSRF token, many attempts. */
async function signInPage(app: Express, headers: Record<string, string> = {}) {
  const agent = request.agent(app);
  const form = await agent.get('/sign-in').set(headers).expect(200);
  const csrf = csrfFrom(form.text);
  return {
    agent,
    attempt: (email: string, password: string, extra: Record<string, string> = {}) =>
      agent
        .post('/sign-in')
        .set({ ...headers, ...extra })
        .type('form')
        .send({ email, password, _csrf: csrf }),
  };
}

const unknownEmail = (n: number | string) => `nobody-${n}-${Date.now()}@example.test`;

/** Asserts a throttled answer: 429, Retry-After in seconds, and the minutes to wait in plain words. */
function expectThrottled(res: request.Response): number {
  expect(res.status).toBe(429);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  const seconds = Number(res.headers['retry-after']);
  expect(seconds).toBeGreaterThan(0);
  const wait = Math.ceil(seconds / 60);
  expect(errorSummary(res.text)).toContain(
    `Too many attempts to sign in. Wait ${wait} ${wait === 1 ? 'minute' : 'minutes'} and try again.`,
  );
  return seconds;
}

describe('throttling sign-in attempts', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let proxied: ReturnType<typeof buildTestApp>;
  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: START });
    proxied = buildTestApp(db.knex, { now: START, config: { trustProxy: 1 } });
  });
  beforeEach(async () => {
    // Every supertest request comes from the same socket address, so each test starts from a clean
    // count and the same time; otherwise one test's failures would throttle the next.
    await db.knex('rate_limits').delete();
    built.clock.set(START);
    proxied.clock.set(START);
  });
  afterAll(async () => {
    await db.destroy();
  });

  /** The client addresses the sign-in limit has counted failures for. */
  const countedAddresses = async () =>
    (await db.knex('rate_limits').where('key', 'like', 'sign-in-address:%').pluck('key')).map(
      (key: string) => key.slice('sign-in-address:'.length),
    );

  const activeSessionsOf = async (userId: number) =>
    Number(
      (
        await db
          .knex('sessions')
          .where({ user_id: userId, state: 'active' })
          .count<{ count: string }[]>('* as count')
      )[0]!.count,
    );

  it('refuses the 6th attempt on one account, even with the right password, then lets it in after the window', async () => {
    expect(THROTTLE).toEqual({ windowMinutes: 15, perAccount: 5, perAddress: 20 });
    const user = await createUser(db.knex, { role: 'viewer' });
    const page = await signInPage(built.app);
    for (let i = 1; i <= 5; i += 1) {
      const res = await page.attempt(user.email, `wrong password ${i}`);
      expect(res.status).toBe(401);
    }

    const sixth = await page.attempt(user.email, user.password);
    const seconds = expectThrottled(sixth);
    expect(seconds).toBe(15 * 60);
    expect(sixth.text).toContain('Wait 15 minutes');
    expect(sixth.headers['set-cookie']).toBeUndefined();
    await page.agent.get('/workspace').expect(303).expect('Location', '/sign-in');
    expect(await activeSessionsOf(user.id)).toBe(0);

    // Still throttled near the end of the window, with the wait counted down.
    built.clock.set(minutes(14));
    const later = await page.attempt(user.email, user.password);
    expect(expectThrottled(later)).toBe(60);
    expect(later.text).toContain('Wait 1 minute and try again.');

    // A throttle, not a lock-out: once the window has passed the right password works.
    built.clock.set(minutes(15.5));
    const res = await page.attempt(user.email, user.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/workspace');
    await page.agent.get('/workspace').expect(200);
    expect(await activeSessionsOf(user.id)).toBe(1);
  });

  it('counts the email case-insensitively, so changing its case does not reset the count', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const page = await signInPage(built.app);
    const spellings = [
      user.email,
      user.email.toUpperCase(),
      ` ${user.email}`,
      user.email.replace(/^./, (c) => c.toUpperCase()),
      user.email,
    ];
    for (const email of spellings) expect((await page.attempt(email, 'wrong')).status).toBe(401);
    expectThrottled(await page.attempt(user.email.toUpperCase(), user.password));
  });

  it('throttles an unknown email after the same count, with the same answer as for a real account', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const ghost = unknownEmail('ghost');
    const page = await signInPage(built.app);
    for (let i = 1; i <= 5; i += 1) {
      expect((await page.attempt(user.email, 'wrong password')).status).toBe(401);
      expect((await page.attempt(ghost, 'wrong password')).status).toBe(401);
    }
    const known = await page.attempt(user.email, user.password);
    const unknown = await page.attempt(ghost, TEST_PASSWORD);
    expectThrottled(known);
    expectThrottled(unknown);
    expect(unknown.status).toBe(known.status);
    expect(unknown.headers['retry-after']).toBe(known.headers['retry-after']);
    expect(errorSummary(unknown.text)).toBe(errorSummary(known.text));
  });

  it('throttles one client address after 20 failures across many different emails', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const page = await signInPage(built.app);
    for (let i = 1; i <= 20; i += 1) {
      const res = await page.attempt(unknownEmail(i), 'wrong password');
      expect(res.status).toBe(401);
    }
    // An account with no failures of its own, and the right password: the address is throttled.
    const res = await page.attempt(user.email, user.password);
    expectThrottled(res);
    expect(await activeSessionsOf(user.id)).toBe(0);
  });

  it('keeps the count in the database, so a second app instance sees the same failures', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const other = buildTestApp(db.knex, { now: built.clock.now().toISOString() });
    const first = await signInPage(built.app);
    const second = await signInPage(other.app);
    for (let i = 1; i <= 3; i += 1)
      expect((await first.attempt(user.email, 'wrong')).status).toBe(401);
    for (let i = 1; i <= 2; i += 1)
      expect((await second.attempt(user.email, 'wrong')).status).toBe(401);
    expectThrottled(await first.attempt(user.email, user.password));
    expectThrottled(await second.attempt(user.email, user.password));
    const counted = await db.knex('rate_limits').orderBy('key').select('key', 'points');
    expect(counted.map((r) => [r.key.replace(/:.*$/, ''), Number(r.points)])).toEqual([
      ['sign-in-account', 5],
      ['sign-in-address', 5],
    ]);
    expect(counted[0].key).toBe(`sign-in-account:${user.email}`);
  });

  it('ignores X-Forwarded-For when no proxy is trusted, so forging it does not reset the address count', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const page = await signInPage(built.app);
    for (let i = 1; i <= 20; i += 1) {
      const res = await page.attempt(unknownEmail(i), 'wrong password', {
        'X-Forwarded-For': `198.51.100.${i}`,
      });
      expect(res.status).toBe(401);
    }
    const res = await page.attempt(user.email, user.password, {
      'X-Forwarded-For': '192.0.2.77',
    });
    expectThrottled(res);
    const addresses = await countedAddresses();
    expect(addresses).toHaveLength(1);
    expect(addresses[0]).not.toMatch(/^(198\.51\.100\.|192\.0\.2\.)/);
  });

  it('behind one trusted proxy, counts the address the proxy appended, whatever the client prepends', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const neighbour = await createUser(db.knex, { role: 'viewer' });
    const realClient = '203.0.113.7';
    const page = await signInPage(proxied.app);
    for (let i = 1; i <= 20; i += 1) {
      // The client sends a made-up X-Forwarded-For; the proxy appends the address it saw. With
      // trust proxy = 1, Express takes the right-most entry: the proxy's, not the client's.
      const res = await page.attempt(unknownEmail(i), 'wrong password', {
        'X-Forwarded-For': `198.51.100.${i}, ${realClient}`,
      });
      expect(res.status).toBe(401);
    }
    const addresses = await countedAddresses();
    expect(addresses).toEqual([realClient]);

    expectThrottled(
      await page.attempt(user.email, user.password, {
        'X-Forwarded-For': `1.2.3.4, ${realClient}`,
      }),
    );
    expectThrottled(
      await page.attempt(user.email, user.password, {
        'X-Forwarded-For': `1.2.3.4, 5.6.7.8, ${realClient}`,
      }),
    );
    // Another client behind the same proxy is not affected.
    const res = await page.attempt(neighbour.email, neighbour.password, {
      'X-Forwarded-For': '203.0.113.8',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/workspace');
  });

  it('throttles the two-factor step: after 5 wrong codes even the right code is refused', async () => {
    const secret = generateTotpSecret();
    const user = await createUser(db.knex, {
      role: 'viewer',
      totpSecretEnc: sealSecret(secret, built.services.config.secretKey!),
    });
    const page = await signInPage(built.app);
    const res = await page.attempt(user.email, user.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/sign-in/two-factor');
    const form = await page.agent.get('/sign-in/two-factor').expect(200);
    const csrf = csrfFrom(form.text);
    const enter = (code: string) =>
      page.agent.post('/sign-in/two-factor').type('form').send({ code, _csrf: csrf });

    // Codes for the steps around now (accepted for clock drift); the wrong code is none of them.
    const codesNear = (at: Date) =>
      [-1, 0, 1].map((d) =>
        totpCode(secret, new Date(at.getTime() + d * TOTP_PERIOD_SECONDS * 1000)),
      );
    const near = codesNear(built.clock.now());
    let wrong = 0;
    while (near.includes(String(wrong).padStart(6, '0'))) wrong += 1;
    for (let i = 1; i <= 5; i += 1) {
      const r = await enter(String(wrong).padStart(6, '0'));
      expect(r.status).toBe(401);
    }

    const right = await enter(totpCode(secret, built.clock.now()));
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBe(15 * 60);
    expect(right.text).toContain('Too many attempts. Wait 15 minutes and try again.');
    expect(right.headers['set-cookie']).toBeUndefined();
    await page.agent.get('/workspace').expect(303);
    expect(await activeSessionsOf(user.id)).toBe(0);

    built.clock.set(minutes(16));
    const after = await enter(totpCode(secret, built.clock.now()));
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/workspace');
    expect(await activeSessionsOf(user.id)).toBe(1);
  });
});
