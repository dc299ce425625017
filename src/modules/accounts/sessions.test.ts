import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, signIn } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { loadConfig } from '../../config';

const START = '2026-11-28T12:00:00Z';
const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000);

/** The stored id of a session: the SHA-256 of the cookie value (the token itself is never stored). */
const sessionId = (token: string) => createHash('sha256').update(token).digest('hex');

/** The value of a cookie set by a response, and the attributes it was set with. */
function setCookie(res: request.Response, name: string) {
  const header = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith(`${name}=`));
  if (!header) return null;
  const [pair, ...attributes] = header.split(';').map((p) => p.trim());
  return { value: pair!.slice(name.length + 1), attributes, header };
}

describe('sessions', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let cookieName: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: START });
    cookieName = built.services.config.session.cookieName;
  });
  beforeEach(() => {
    built.clock.set(START);
  });
  afterAll(async () => {
    await db.destroy();
  });

  const sessionRow = (token: string) =>
    db
      .knex('sessions')
      .where({ id: sessionId(token) })
      .first();
  const sessionsOf = (userId: number) => db.knex('sessions').where({ user_id: userId });

  /** Signs a new user in at the clock's current time; returns the agent and the cookie value. */
  async function signedIn() {
    const user = await createUser(db.knex, { role: 'viewer' });
    const { agent, res } = await signIn(built.app, user);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/workspace');
    const token = setCookie(res, cookieName)!.value;
    return { user, agent, token };
  }

  it('keeps a session alive while it is used, and ends it after 30 idle minutes', async () => {
    const { user, agent, token } = await signedIn();

    // A request within the first minute does not rewrite the row (at most one touch a minute).
    built.clock.set(at(0.5));
    await agent.get('/workspace').expect(200);
    expect(new Date((await sessionRow(token)).last_seen_at)).toEqual(at(0));

    built.clock.set(at(29));
    await agent.get('/workspace').expect(200);
    expect(new Date((await sessionRow(token)).last_seen_at)).toEqual(at(29));

    // 29 minutes after the last use, 58 after sign-in: still signed in, because use refreshed it.
    built.clock.set(at(58));
    await agent.get('/workspace').expect(200);

    // Then 31 idle minutes: sent to sign in, and the row is gone.
    built.clock.set(at(58 + 31));
    await agent.get('/workspace').expect(303).expect('Location', '/sign-in');
    expect(await sessionRow(token)).toBeUndefined();
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });

  it('ends a session 12 hours after sign-in however busy it is kept', async () => {
    const { user, agent, token } = await signedIn();
    for (let minutes = 10; minutes < 12 * 60; minutes += 10) {
      built.clock.set(at(minutes));
      await agent.get('/workspace').expect(200);
    }
    // Last used 11 minutes ago (well inside the idle limit), but signed in 12 h 1 min ago.
    built.clock.set(at(12 * 60 + 1));
    await agent.get('/workspace').expect(303).expect('Location', '/sign-in');
    expect(await sessionRow(token)).toBeUndefined();
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });

  it('refuses a cookie replayed after signing out', async () => {
    const { agent, token } = await signedIn();
    const page = await agent.get('/workspace').expect(200);
    const out = await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    const cleared = setCookie(out, cookieName);
    expect(cleared?.value).toBe('');
    expect(await sessionRow(token)).toBeUndefined();

    await request(built.app)
      .get('/workspace')
      .set('Cookie', `${cookieName}=${token}`)
      .expect(303)
      .expect('Location', '/sign-in');
  });

  it('refuses the session of a user disabled in the database on the next request', async () => {
    const { user, agent, token } = await signedIn();
    await agent.get('/workspace').expect(200);
    await db.knex('users').where({ id: user.id }).update({ disabled_at: built.clock.now() });
    await agent.get('/workspace').expect(303).expect('Location', '/sign-in');
    expect(await sessionRow(token)).toBeUndefined();
    // Re-enabling the account does not bring the old session back.
    await db.knex('users').where({ id: user.id }).update({ disabled_at: null });
    await request(built.app).get('/workspace').set('Cookie', `${cookieName}=${token}`).expect(303);
  });

  it('starts a new session id at sign-in even when the browser already had an anonymous one', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const agent = request.agent(built.app);
    const form = await agent.get('/sign-in').expect(200);
    const anonymous = setCookie(form, cookieName)!.value;
    const before = await sessionRow(anonymous);
    expect(before).toMatchObject({ user_id: null, state: 'anonymous' });

    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: user.email, password: user.password, _csrf: csrfFrom(form.text) })
      .expect(303);
    const token = setCookie(res, cookieName)!.value;
    expect(token).not.toBe(anonymous);

    expect(await sessionRow(anonymous)).toBeUndefined();
    const rows = await sessionsOf(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: sessionId(token), state: 'active' });
    expect(rows[0].id).not.toBe(before.id);
    expect(rows[0].csrf_token).not.toBe(before.csrf_token);
    // The table holds a hash, never the cookie value itself.
    expect(await db.knex('sessions').where({ id: token }).first()).toBeUndefined();
    await agent.get('/workspace').expect(200);
  });

  const expectTreatedAsSignedOut = async (value: string) => {
    const cookie = `${cookieName}=${value}`;
    await request(built.app).get('/').set('Cookie', cookie).expect(200);
    await request(built.app)
      .get('/workspace')
      .set('Cookie', cookie)
      .expect(303)
      .expect('Location', '/sign-in');
    const form = await request(built.app).get('/sign-in').set('Cookie', cookie).expect(200);
    // A fresh anonymous session replaces the useless cookie, so the form still works.
    expect(setCookie(form, cookieName)?.value).toMatch(/^a\.[A-Za-z0-9_-]{43}$/);
  };

  it.each([
    ['a random value', randomBytes(32).toString('base64url')],
    ['a very long value', 'A'.repeat(4000)],
    ['an empty value', ''],
    ['a value with odd characters', 'abc"def\\ghi,jkl'],
  ])('treats %s in the session cookie as signed out, not as an error', async (_label, value) => {
    await expectTreatedAsSignedOut(value);
  });

  // A malformed percent-encoding once threw in readCookie and made every page answer 500.
  it.each([
    ['a malformed percent-encoding', '%E0%A4%A'],
    ['a lone percent sign', '%'],
  ])('treats %s in the session cookie as signed out, not as an error', async (_label, value) => {
    await expectTreatedAsSignedOut(value);
  });

  it('sets the cookie HttpOnly, SameSite=Lax, Path=/ and (over plain http) not Secure', async () => {
    expect(cookieName).toBe('tracker-session');
    const form = await request(built.app).get('/sign-in').expect(200);
    const cookie = setCookie(form, cookieName)!;
    const attributes = cookie.attributes.map((a) => a.toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=lax');
    expect(attributes).toContain('path=/');
    expect(attributes).not.toContain('secure');
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);

    const { res } = await signIn(built.app, await createUser(db.knex, { role: 'viewer' }));
    const signedInCookie = setCookie(res, cookieName)!;
    expect(signedInCookie.attributes.map((a) => a.toLowerCase())).toEqual(
      expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']),
    );
    // A session cookie: it ends with the browser; the server enforces the time limits.
    expect(signedInCookie.attributes.some((a) => /^(expires|max-age)=/i.test(a))).toBe(false);
  });

  it('behind https, names the cookie __Host-tracker-session and marks it Secure', async () => {
    const https = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PASSWORD_HASH_COST: 'test',
      PUBLIC_BASE_URL: 'https://tracker.example.org',
    });
    const secure = buildTestApp(db.knex, {
      now: START,
      config: { publicBaseUrl: https.publicBaseUrl, session: https.session },
    });
    expect(secure.services.config.session.cookieName).toBe('__Host-tracker-session');

    const user = await createUser(db.knex, { role: 'viewer' });
    const form = await request(secure.app).get('/sign-in').expect(200);
    const anonymous = setCookie(form, '__Host-tracker-session')!;
    expect(anonymous).not.toBeNull();
    expect(setCookie(form, 'tracker-session')).toBeNull();
    const attributes = anonymous.attributes.map((a) => a.toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['secure', 'httponly', 'path=/']));
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);

    // supertest speaks plain http, so the Secure cookie is sent by hand.
    const res = await request(secure.app)
      .post('/sign-in')
      .set('Cookie', `__Host-tracker-session=${anonymous.value}`)
      .type('form')
      .send({ email: user.email, password: user.password, _csrf: csrfFrom(form.text) })
      .expect(303);
    const token = setCookie(res, '__Host-tracker-session')!;
    expect(token.attributes.map((a) => a.toLowerCase())).toContain('secure');
    await request(secure.app)
      .get('/workspace')
      .set('Cookie', `__Host-tracker-session=${token.value}`)
      .expect(200);
    // The plain name means nothing to the https app.
    await request(secure.app)
      .get('/workspace')
      .set('Cookie', `tracker-session=${token.value}`)
      .expect(303);
  });
});
