import request from 'supertest';
import type { Knex } from 'knex';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, signIn, TEST_PASSWORD } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation } from '../../../test/factories';
import { issueSetupLinkIfNoAdmin } from './one-time-links.service';
import { hashToken } from './tokens';

const START = '2026-11-28T12:00:00Z';
const NEW_PASSWORD = 'lantern orchard velvet 73';
const CONTEXT = { ip: '127.0.0.1', userAgent: 'jest', requestId: null };

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const pathOf = (url: string) => new URL(url).pathname;

/** Every stored audit event, as text, to check no secret was written. */
async function auditText(knex: Knex): Promise<string> {
  return JSON.stringify(await knex('audit_events').orderBy('id').select('*'));
}

async function auditActions(knex: Knex): Promise<string[]> {
  return (await knex('audit_events').orderBy('id').select('action')).map((r) => r.action);
}

const count = async (knex: Knex, table: string) =>
  Number((await knex(table).count({ n: '*' }).first())?.n ?? 0);

const errorSummary = (html: string) =>
  html.match(/<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/)?.[1] ?? '';

describe('first-run set-up link', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: START });
  });
  afterAll(async () => {
    await db.destroy();
  });
  afterEach(() => built.clock.set(START));

  const issue = () => issueSetupLinkIfNoAdmin(db.knex, built.clock, 'https://tracker.example.org/');

  it('makes a 24-hour link while there is no admin, storing only the token’s hash', async () => {
    const url = (await issue())!;
    expect(url).toMatch(/^https:\/\/tracker\.example\.org\/setup\/[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(url);
    const rows = await db.knex('one_time_tokens').where({ purpose: 'setup' }).select('*');
    const row = rows.find((r) => r.token_hash === hashToken(token));
    expect(row).toBeDefined();
    expect(new Date(row.expires_at).toISOString()).toBe('2026-11-29T12:00:00.000Z');
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(await auditText(db.knex)).not.toContain(token);
    expect(await auditText(db.knex)).not.toContain(hashToken(token));
    expect(await auditActions(db.knex)).toContain('account.setup_link_issued');
  });

  it('only the newest set-up link works', async () => {
    const older = (await issue())!;
    const newer = (await issue())!;
    const old = await request(built.app).get(pathOf(older)).expect(410);
    expect(old.text).toContain('This set-up link has expired');
    await request(built.app).get(pathOf(newer)).expect(200);
  });

  it('does not work after 24 hours, and stores nothing', async () => {
    const url = (await issue())!;
    built.clock.set('2026-11-29T12:00:01Z');
    const sessionsBefore = await count(db.knex, 'sessions');
    const page = await request(built.app).get(pathOf(url)).expect(410);
    expect(page.text).toContain('This set-up link has expired');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.headers['cache-control']).toBe('no-store');
    expect(await count(db.knex, 'sessions')).toBe(sessionsBefore);
  });

  it('says plainly that an unknown link is not valid (404), storing nothing', async () => {
    const sessionsBefore = await count(db.knex, 'sessions');
    for (const path of ['/setup/' + 'A'.repeat(43), '/setup/not-a-token']) {
      const res = await request(built.app).get(path).expect(404);
      expect(res.text).toContain('This set-up link is not valid');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(await count(db.knex, 'sessions')).toBe(sessionsBefore);
  });

  it('refuses a form without a CSRF token or with another session’s token, creating nobody', async () => {
    const url = (await issue())!;
    const agent = request.agent(built.app);
    await agent.get(pathOf(url)).expect(200);
    const form = {
      name: 'Ada Admin',
      email: 'ada@example.test',
      password: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    };
    await agent.post(pathOf(url)).type('form').send(form).expect(403);
    const other = await request(built.app).get('/sign-in');
    await agent
      .post(pathOf(url))
      .type('form')
      .send({ ...form, _csrf: csrfFrom(other.text) })
      .expect(403);
    expect(await count(db.knex, 'users')).toBe(0);
    const row = await db
      .knex('one_time_tokens')
      .where({ token_hash: hashToken(tokenOf(url)) })
      .first();
    expect(row.used_at).toBeNull();
  });

  it('re-shows the form naming each problem, keeping the name and email but not the password', async () => {
    const url = (await issue())!;
    const agent = request.agent(built.app);
    const form = await agent.get(pathOf(url)).expect(200);
    expect(form.text).toContain('Create the first administrator account');
    const res = await agent
      .post(pathOf(url))
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        name: '',
        email: 'not an email',
        password: 'short1',
        confirmPassword: 'short1',
      })
      .expect(400);
    const summary = errorSummary(res.text);
    expect(summary).toContain('href="#name"');
    expect(summary).toContain('href="#email"');
    expect(summary).toContain('href="#password"');
    expect(summary).toContain('Enter your full name');
    expect(summary).toContain('Enter an email address in the correct format');
    expect(summary).toContain('Password must be 12 characters or more');
    expect(res.text).toContain('value="not an email"');
    expect(res.text).not.toContain('short1');
    expect(res.text).toMatch(/<title>Error: /);

    const mismatch = await agent
      .post(pathOf(url))
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        name: 'Ada Admin',
        email: 'ada@example.test',
        password: NEW_PASSWORD,
        confirmPassword: `${NEW_PASSWORD}x`,
      })
      .expect(400);
    expect(errorSummary(mismatch.text)).toContain('href="#confirmPassword"');
    expect(mismatch.text).toContain('value="Ada Admin"');
    expect(mismatch.text).not.toContain(NEW_PASSWORD);

    const serviceName = await agent
      .post(pathOf(url))
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        name: 'Ada Admin',
        email: 'ada@example.test',
        password: 'Recommendation Tracker 2026',
        confirmPassword: 'Recommendation Tracker 2026',
      })
      .expect(400);
    expect(errorSummary(serviceName.text)).toContain('href="#password"');
    expect(await count(db.knex, 'users')).toBe(0);
  });

  it('creates the first admin once; the link then says it was used; no link is issued after', async () => {
    const url = (await issue())!;
    const token = tokenOf(url);
    const agent = request.agent(built.app);
    const form = await agent.get(pathOf(url)).expect(200);
    expect(form.headers['cache-control']).toBe('no-store');
    const res = await agent
      .post(pathOf(url))
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        name: ' Ada Admin ',
        email: 'Ada@Example.test',
        password: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      })
      .expect(303);
    expect(res.headers.location).toBe('/setup/complete');
    const done = await agent.get('/setup/complete').expect(200);
    expect(done.text).toContain('Administrator account created');

    const users = await db.knex('users').select('*');
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ name: 'Ada Admin', email: 'Ada@Example.test', role: 'admin' });
    expect(users[0].password_hash).toMatch(/^scrypt\$/);
    const row = await db
      .knex('one_time_tokens')
      .where({ token_hash: hashToken(token) })
      .first();
    expect(row.used_at).not.toBeNull();

    // Used: both the form and a replayed POST say so, and nothing more is created.
    const again = await request(built.app).get(pathOf(url)).expect(410);
    expect(again.text).toContain('This set-up link has already been used');
    const replay = await agent
      .post(pathOf(url))
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        name: 'Eve',
        email: 'eve@example.test',
        password: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      })
      .expect(410);
    expect(replay.text).toContain('already been used');
    expect(await count(db.knex, 'users')).toBe(1);
    expect(await issue()).toBeNull();

    const audit = await auditText(db.knex);
    expect(await auditActions(db.knex)).toContain('account.setup');
    expect(audit).not.toContain(token);
    expect(audit).not.toContain(hashToken(token));
    expect(audit).not.toContain(NEW_PASSWORD);
    expect(audit).not.toContain(users[0].password_hash);
    const event = await db.knex('audit_events').where({ action: 'account.setup' }).first();
    expect(event.after).toMatchObject({ role: 'admin', tokenId: row.id });

    // The admin signs in normally and must then enrol two-factor.
    const signedIn = await signIn(built.app, { email: 'ada@example.test', password: NEW_PASSWORD });
    expect(signedIn.res.status).toBe(303);
    expect(signedIn.res.headers.location).toBe('/account/two-factor');
  });
});

describe('a set-up link once an admin exists', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: START });
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('stops working when an admin exists, and makes no other admin', async () => {
    const url = (await issueSetupLinkIfNoAdmin(db.knex, built.clock, 'http://localhost:3000'))!;
    const agent = request.agent(built.app);
    const form = await agent.get(pathOf(url)).expect(200);
    await createUser(db.knex, { role: 'admin' });
    const page = await request(built.app).get(pathOf(url)).expect(410);
    expect(page.text).toContain('This service has already been set up');
    const res = await agent
      .post(pathOf(url))
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        name: 'Mallory',
        email: 'mallory@example.test',
        password: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      })
      .expect(410);
    expect(res.text).toContain('already been set up');
    expect(await count(db.knex, 'users')).toBe(1);
    expect(await issueSetupLinkIfNoAdmin(db.knex, built.clock, 'http://localhost:3000')).toBeNull();
  });
});

describe('invitation and password reset links', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let admin: Awaited<ReturnType<typeof createUser>>;
  const adminUser = () => ({
    id: admin.id,
    email: admin.email,
    name: 'Test admin',
    role: 'admin' as const,
    organisationId: null,
    twoFactorEnabled: true,
  });
  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: START });
    admin = await createUser(db.knex, { role: 'admin' });
  });
  afterAll(async () => {
    await db.destroy();
  });
  afterEach(() => built.clock.set(START));

  async function invite(email: string, role: 'viewer' | 'org_lead' = 'viewer', orgId?: number) {
    const outcome = await built.services.users.invite({
      actor: adminUser(),
      name: 'Ivy Invitee',
      email,
      role,
      organisationId: orgId ?? null,
      context: CONTEXT,
    });
    if (outcome.kind !== 'invited') throw new Error('invitation refused');
    return outcome.url;
  }

  async function resetLink(userId: number) {
    const outcome = await built.services.users.createResetLink({
      actor: adminUser(),
      userId,
      context: CONTEXT,
    });
    if (outcome.kind !== 'created') throw new Error('reset link refused');
    return outcome.url;
  }

  async function submit(url: string, password: string, confirmPassword = password) {
    const agent = request.agent(built.app);
    const form = await agent.get(pathOf(url));
    if (form.status !== 200) return form;
    return agent
      .post(pathOf(url))
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password, confirmPassword });
  }

  it('an invitation shows who it is for and creates the account with the invited role', async () => {
    const org = await createOrganisation(db.knex, { name: 'Northshire Police' });
    const url = await invite('lead@example.test', 'org_lead', org.id);
    expect(url).toMatch(/^http:\/\/localhost:3000\/invitations\/[A-Za-z0-9_-]{43}$/);
    const page = await request(built.app).get(pathOf(url)).expect(200);
    expect(page.text).toContain('lead@example.test');
    expect(page.text).toContain('Organisation lead');
    expect(page.text).toContain('Northshire Police');

    const weak = await submit(url, 'northshire police 1');
    expect(weak.status).toBe(400);
    expect(errorSummary(weak.text)).toContain('href="#password"');

    const res = await submit(url, NEW_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/invitations/accepted');
    const user = await db.knex('users').where({ email: 'lead@example.test' }).first();
    expect(user).toMatchObject({ role: 'org_lead', organisation_id: org.id, name: 'Ivy Invitee' });

    const reused = await request(built.app).get(pathOf(url)).expect(410);
    expect(reused.text).toContain('This invitation has already been used');
    const signedIn = await signIn(built.app, {
      email: 'lead@example.test',
      password: NEW_PASSWORD,
    });
    expect(signedIn.res.headers.location).toBe('/workspace');
    const audit = await auditText(db.knex);
    expect(audit).not.toContain(tokenOf(url));
    expect(audit).not.toContain(hashToken(tokenOf(url)));
    expect(audit).not.toContain(NEW_PASSWORD);
    expect(await auditActions(db.knex)).toContain('account.invitation_accepted');
  });

  it('an invitation expires after 7 days, and a newer invitation replaces an older one', async () => {
    const url = await invite('late@example.test');
    built.clock.set('2026-12-05T12:00:01Z');
    const late = await request(built.app).get(pathOf(url)).expect(410);
    expect(late.text).toContain('This invitation has expired');
    built.clock.set(START);

    const first = await invite('twice@example.test');
    const second = await invite('TWICE@example.test');
    await request(built.app).get(pathOf(first)).expect(410);
    await request(built.app).get(pathOf(second)).expect(200);
    const unknown = await request(built.app)
      .get('/invitations/' + 'B'.repeat(43))
      .expect(404);
    expect(unknown.text).toContain('This invitation link is not valid');
  });

  it('an invitation cannot be used once its email has an account', async () => {
    const url = await invite('taken@example.test');
    await createUser(db.knex, { role: 'viewer', email: 'Taken@Example.test' });
    const res = await request(built.app).get(pathOf(url)).expect(410);
    expect(res.text).toContain('An account already uses this email address');
  });

  it('a reset link sets a new password, signs the user out everywhere, and works once', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const one = await signIn(built.app, user);
    const two = await signIn(built.app, user);
    await one.agent.get('/workspace').expect(200);
    const url = await resetLink(user.id);
    expect(url).toMatch(/^http:\/\/localhost:3000\/reset-password\/[A-Za-z0-9_-]{43}$/);

    const page = await request(built.app).get(pathOf(url)).expect(200);
    expect(page.text).toContain(user.email);
    expect(page.headers['cache-control']).toBe('no-store');
    const mismatch = await submit(url, NEW_PASSWORD, 'something else entirely');
    expect(mismatch.status).toBe(400);
    expect(errorSummary(mismatch.text)).toContain('href="#confirmPassword"');

    const res = await submit(url, NEW_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/reset-password/complete');
    await one.agent.get('/workspace').expect(303);
    await two.agent.get('/workspace').expect(303);
    expect(await db.knex('sessions').where({ user_id: user.id }).first()).toBeUndefined();

    expect((await signIn(built.app, user)).res.status).toBe(401);
    const fresh = await signIn(built.app, { email: user.email, password: NEW_PASSWORD });
    expect(fresh.res.status).toBe(303);

    const reused = await request(built.app).get(pathOf(url)).expect(410);
    expect(reused.text).toContain('This password reset link has already been used');
    const audit = await auditText(db.knex);
    expect(audit).not.toContain(tokenOf(url));
    expect(audit).not.toContain(NEW_PASSWORD);
    const event = await db.knex('audit_events').where({ action: 'user.password_reset' }).first();
    expect(event.subject_id).toBe(String(user.id));
    expect(event.after.sessionsEnded).toBeGreaterThanOrEqual(2);
  });

  it('a reset link expires after 24 hours; a newer one replaces it; disabling the user cancels it', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const url = await resetLink(user.id);
    built.clock.set('2026-11-29T12:00:01Z');
    const late = await submit(url, NEW_PASSWORD);
    expect(late.status).toBe(410);
    expect(late.text).toContain('This password reset link has expired');
    built.clock.set(START);

    const first = await resetLink(user.id);
    const second = await resetLink(user.id);
    expect((await request(built.app).get(pathOf(first))).status).toBe(410);
    await request(built.app).get(pathOf(second)).expect(200);

    await built.services.users.disable({ actor: adminUser(), userId: user.id, context: CONTEXT });
    expect((await request(built.app).get(pathOf(second))).status).toBe(410);
    const stored = await db.knex('users').where({ id: user.id }).first('password_hash');
    const tried = await submit(second, NEW_PASSWORD);
    expect(tried.status).toBe(410);
    expect(
      (await db.knex('users').where({ id: user.id }).first('password_hash')).password_hash,
    ).toBe(stored.password_hash);
  });

  it('refuses a reset or an invitation form without a valid CSRF token, changing nothing', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const reset = await resetLink(user.id);
    const invitation = await invite('csrf@example.test');
    const other = await request(built.app).get('/sign-in');
    for (const url of [reset, invitation]) {
      const agent = request.agent(built.app);
      await agent.get(pathOf(url)).expect(200);
      const body = { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD };
      await agent.post(pathOf(url)).type('form').send(body).expect(403);
      await agent
        .post(pathOf(url))
        .type('form')
        .send({ ...body, _csrf: csrfFrom(other.text) })
        .expect(403);
      await request(built.app).get(pathOf(url)).expect(200);
    }
    expect(await db.knex('users').where({ email: 'csrf@example.test' }).first()).toBeUndefined();
    const signedIn = await signIn(built.app, { email: user.email, password: TEST_PASSWORD });
    expect(signedIn.res.status).toBe(303);
  });
});
