import { createHash } from 'node:crypto';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, signIn, TEST_PASSWORD, type TestUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { verifyAuditChain } from '../operations/audit.repository';
import { PASSWORD_PROBLEMS } from './password';
import { hashRecoveryCode, normaliseRecoveryCode } from './recovery-codes';
import { totpCode } from './totp';

type Agent = ReturnType<typeof request.agent>;

describe('your account: password and two-factor authentication', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  /** Everything secret typed or shown in these tests; none may appear in the audit trail. */
  const secrets = new Set<string>([TEST_PASSWORD]);

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex);
  });
  afterAll(async () => {
    await db.destroy();
  });

  // --- helpers ---------------------------------------------------------------------------------

  const cookieName = () => built.services.config.session.cookieName;
  const sessionCookie = (res: request.Response): string | undefined =>
    String(res.headers['set-cookie'] ?? '').match(new RegExp(`${cookieName()}=([^;]+)`))?.[1];
  const sessionId = (token: string) => createHash('sha256').update(token).digest('hex');
  /** Moves the app's clock on one TOTP step, so the next code is a new one. */
  const tick = () => built.clock.set(new Date(built.clock.now().getTime() + 30_000));
  const now = () => built.clock.now();

  const secretFrom = (html: string): string => {
    const match = html.match(/id="totp-secret"[^>]*>([A-Z2-7 ]+)</);
    if (!match) throw new Error('No set-up key in the page');
    return match[1]!.replace(/ /g, '');
  };
  const codesFrom = (html: string): string[] => {
    const list = html.match(/<ol[^>]*id="recovery-codes"[^>]*>([\s\S]*?)<\/ol>/)?.[1] ?? '';
    return [...list.matchAll(/>\s*([2-9a-z]{5}(?:-[2-9a-z]{5}){4})\s*</g)].map((m) => m[1]!);
  };
  const remember = (...values: string[]) => values.forEach((v) => secrets.add(v));

  /** Fetches `page` for the session's CSRF token, then posts the form. */
  async function submit(agent: Agent, page: string, action: string, fields: object) {
    const form = await agent.get(page).expect(200);
    return agent
      .post(action)
      .type('form')
      .send({ ...fields, _csrf: csrfFrom(form.text) });
  }

  async function signOut(agent: Agent) {
    const page = await agent.get('/');
    await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
  }

  /** Shows the set-up page and confirms it with the current code. */
  async function enrol(agent: Agent) {
    const page = await agent.get('/account/two-factor').expect(200);
    const secret = secretFrom(page.text);
    const res = await agent
      .post('/account/two-factor')
      .type('form')
      .send({ code: totpCode(secret, now()), _csrf: csrfFrom(page.text) })
      .expect(200);
    const codes = codesFrom(res.text);
    remember(secret, ...codes, ...codes.map(normaliseRecoveryCode));
    return { secret, codes, res };
  }

  /** A user of `role` who has signed in and set up two-factor; the clock is one step on. */
  async function enrolledUser(role: 'overseer' | 'viewer' = 'overseer') {
    const user = await createUser(db.knex, { role });
    const { agent } = await signIn(built.app, user);
    const enrolled = await enrol(agent);
    tick();
    return { user, agent, ...enrolled };
  }

  /** Signs in with the password, then the given TOTP or recovery code. */
  async function signInWithCode(user: TestUser, code: string) {
    const { agent, res } = await signIn(built.app, user);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/sign-in/two-factor');
    const page = await agent.get('/sign-in/two-factor').expect(200);
    const done = await agent
      .post('/sign-in/two-factor')
      .type('form')
      .send({ code, _csrf: csrfFrom(page.text) });
    return { agent, res: done };
  }

  const userRow = (id: number) => db.knex('users').where({ id }).first();
  const auditFor = (id: number) =>
    db
      .knex('audit_events')
      .where({ subject_type: 'user', subject_id: String(id) })
      .orderBy('id');

  // --- enrolment ---------------------------------------------------------------------------------

  it('an overseer signing in for the first time must set up two-factor before anything else', async () => {
    const overseer = await createUser(db.knex, { role: 'overseer' });
    const { agent, res } = await signIn(built.app, overseer);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/two-factor');
    const firstCookie = sessionCookie(res)!;

    // Signed-in areas send them back to the set-up page; public pages stay open.
    for (const path of [
      '/workspace',
      '/account',
      '/account/password',
      '/WORKSPACE',
      '/admin/users',
    ]) {
      const gated = await agent.get(path).expect(303);
      expect(gated.headers.location).toBe('/account/two-factor');
    }
    await agent.get('/').expect(200);

    const page = await agent.get('/account/two-factor').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<svg role="img" aria-label="QR code');
    expect(page.text).not.toMatch(/<svg[^>]*style=/);
    expect(page.text).toMatch(/id="totp-secret"[^>]*>[A-Z2-7]{4}( [A-Z2-7]{4}){7}</);
    expect(page.text).toContain('aria-describedby="code-hint"');
    const secret = secretFrom(page.text);
    remember(secret);
    // Reloading shows the same secret; it is stored sealed, and two-factor is not on yet.
    expect(secretFrom((await agent.get('/account/two-factor').expect(200)).text)).toBe(secret);
    let row = await userRow(overseer.id);
    expect(row.totp_secret_enc).toMatch(/^v1\./);
    expect(row.totp_secret_enc).not.toContain(secret);
    expect(row.totp_enabled_at).toBeNull();

    // A wrong code, or none, enables nothing.
    const right = totpCode(secret, now());
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const refused = await agent
      .post('/account/two-factor')
      .type('form')
      .send({ code: wrong, _csrf: csrfFrom(page.text) })
      .expect(400);
    expect(refused.text).toContain('The code is not correct');
    expect(refused.text).toContain('href="#code"');
    expect(refused.text).toContain('aria-describedby="code-hint code-error"');
    expect(refused.text).not.toContain(wrong);
    expect(secretFrom(refused.text)).toBe(secret);
    const empty = await agent
      .post('/account/two-factor')
      .type('form')
      .send({ code: '', _csrf: csrfFrom(page.text) })
      .expect(400);
    expect(empty.text).toContain('Enter the 6-digit code from your authenticator app');
    row = await userRow(overseer.id);
    expect(row.totp_enabled_at).toBeNull();
    expect(await db.knex('recovery_codes').where({ user_id: overseer.id })).toHaveLength(0);
    await agent.get('/workspace').expect(303);

    // The right code turns it on, shows 10 recovery codes once, and starts a new session.
    const done = await agent
      .post('/account/two-factor')
      .type('form')
      .send({ code: right, _csrf: csrfFrom(page.text) })
      .expect(200);
    expect(done.headers['cache-control']).toBe('no-store');
    expect(done.text).toContain('Save your recovery codes');
    const codes = codesFrom(done.text);
    remember(...codes, ...codes.map(normaliseRecoveryCode));
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const newCookie = sessionCookie(done)!;
    expect(newCookie).toBeDefined();
    expect(newCookie).not.toBe(firstCookie);
    expect(await db.knex('sessions').where({ id: sessionId(firstCookie) })).toHaveLength(0);
    expect(
      await db
        .knex('sessions')
        .where({ id: sessionId(newCookie) })
        .first(),
    ).toMatchObject({
      state: 'active',
      user_id: overseer.id,
    });

    row = await userRow(overseer.id);
    expect(row.totp_enabled_at).not.toBeNull();
    expect(Number(row.totp_last_step)).toBe(Math.floor(now().getTime() / 30_000));
    const stored = await db.knex('recovery_codes').where({ user_id: overseer.id });
    expect(stored.map((r) => r.code_hash).sort()).toEqual(
      codes.map((c) => hashRecoveryCode(normaliseRecoveryCode(c))).sort(),
    );
    expect(stored.every((r) => r.used_at === null)).toBe(true);

    // Now the workspace opens; the two-factor page manages it and never shows the codes again.
    const workspace = await agent.get('/workspace').expect(200);
    expect(workspace.text).toContain(overseer.email);
    const manage = await agent.get('/account/two-factor').expect(200);
    expect(manage.text).toContain('You have 10 unused recovery codes');
    for (const code of codes) expect(manage.text).not.toContain(code);
    await request(built.app)
      .get('/account')
      .set('Cookie', `${cookieName()}=${firstCookie}`)
      .expect(303)
      .expect('Location', '/sign-in');

    const actions = (await auditFor(overseer.id)).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'account.two_factor_setup_started',
        'account.two_factor_enabled',
        'auth.sign_in',
      ]),
    );
    const enabled = (await auditFor(overseer.id)).find(
      (e) => e.action === 'account.two_factor_enabled',
    );
    expect(enabled).toMatchObject({ actor_type: 'user', actor_label: overseer.email });
    expect(enabled.actor_id).toBe(String(overseer.id));
    expect(enabled.ip_address).toBeTruthy();
    expect(enabled.request_id).toBeTruthy();

    // Signing in again takes the password and a code from the app.
    await signOut(agent);
    tick();
    const again = await signInWithCode(overseer, totpCode(secret, now()));
    expect(again.res.status).toBe(303);
    expect(again.res.headers.location).toBe('/workspace');
    await again.agent.get('/workspace').expect(200);
  });

  it('a viewer may set up two-factor from the account page, keeping the session', async () => {
    const viewer = await createUser(db.knex, { role: 'viewer' });
    const { agent, res } = await signIn(built.app, viewer);
    expect(res.headers.location).toBe('/workspace');
    const account = await agent.get('/account').expect(200);
    expect(account.text).toContain('govuk-tag--grey">Off<');
    expect(account.text).toContain('href="/account/two-factor"');
    expect(account.text).toContain('href="/account/password"');
    const { res: done, codes } = await enrol(agent);
    expect(codes).toHaveLength(10);
    expect(sessionCookie(done)).toBeUndefined();
    expect(done.text).toContain('href="/account"');
    const after = await agent.get('/account').expect(200);
    expect(after.text).toContain('govuk-tag--green">On<');
    expect(after.text).toContain('10 unused recovery codes');
  });

  it('a secret being set up is never shown to another session', async () => {
    const overseer = await createUser(db.knex, { role: 'overseer' });
    const first = await signIn(built.app, overseer);
    const second = await signIn(built.app, overseer);
    const firstPage = await first.agent.get('/account/two-factor').expect(200);
    const secondPage = await second.agent.get('/account/two-factor').expect(200);
    const firstSecret = secretFrom(firstPage.text);
    const secondSecret = secretFrom(secondPage.text);
    remember(firstSecret, secondSecret);
    expect(secondSecret).not.toBe(firstSecret);

    // The first session's secret was replaced, so its code no longer turns anything on.
    const stale = await first.agent
      .post('/account/two-factor')
      .type('form')
      .send({ code: totpCode(firstSecret, now()), _csrf: csrfFrom(firstPage.text) })
      .expect(303);
    expect(stale.headers.location).toBe('/account/two-factor');
    expect((await userRow(overseer.id)).totp_enabled_at).toBeNull();

    // Whoever completes set-up ends the other half-signed-in session.
    await second.agent
      .post('/account/two-factor')
      .type('form')
      .send({ code: totpCode(secondSecret, now()), _csrf: csrfFrom(secondPage.text) })
      .expect(200);
    await first.agent.get('/account/two-factor').expect(303).expect('Location', '/sign-in');
  });

  // --- signing in with the second factor ---------------------------------------------------------

  it('a recovery code works once and not twice', async () => {
    const { user, agent, codes } = await enrolledUser();
    await signOut(agent);
    const code = codes[3]!;
    const typed = ` ${code.toUpperCase().replace(/-/g, ' ')} `;
    const once = await signInWithCode(user, typed);
    expect(once.res.status).toBe(303);
    expect(once.res.headers.location).toBe('/workspace');
    await signOut(once.agent);
    const twice = await signInWithCode(user, code);
    expect(twice.res.status).toBe(401);
    await twice.agent.get('/workspace').expect(303);
    const used = await db
      .knex('recovery_codes')
      .where({ user_id: user.id })
      .whereNotNull('used_at');
    expect(used).toHaveLength(1);
    expect(used[0].code_hash).toBe(hashRecoveryCode(code));
  });

  it('refuses a TOTP code used again in the same time step, including the set-up code', async () => {
    const user = await createUser(db.knex, { role: 'overseer' });
    const { agent } = await signIn(built.app, user);
    const { secret } = await enrol(agent);
    await signOut(agent);
    // The code that confirmed set-up cannot sign in within the same step.
    const setupCode = totpCode(secret, now());
    const replayedSetup = await signInWithCode(user, setupCode);
    expect(replayedSetup.res.status).toBe(401);

    tick();
    const code = totpCode(secret, now());
    const first = await signInWithCode(user, code);
    expect(first.res.status).toBe(303);
    await signOut(first.agent);
    const replay = await signInWithCode(user, code);
    expect(replay.res.status).toBe(401);
    expect(replay.res.text).toContain('already been used');
  });

  // --- changing the password ----------------------------------------------------------------------

  it('changing the password ends every other session; the new password works and the old does not', async () => {
    const viewer = await createUser(db.knex, { role: 'viewer' });
    const here = await signIn(built.app, viewer);
    const elsewhere = await signIn(built.app, viewer);
    await elsewhere.agent.get('/workspace').expect(200);
    const before = await userRow(viewer.id);

    const newPassword = 'violet umbrella quantum 73';
    remember(newPassword);
    const page = await here.agent.get('/account/password').expect(200);
    expect(page.text).toContain('autocomplete="current-password"');
    expect(page.text).toContain('aria-describedby="newPassword-hint"');
    const res = await here.agent
      .post('/account/password')
      .type('form')
      .send({
        currentPassword: viewer.password,
        newPassword,
        confirmPassword: newPassword,
        _csrf: csrfFrom(page.text),
      })
      .expect(303);
    expect(res.headers.location).toBe('/account?updated=password');
    const account = await here.agent.get(res.headers.location!).expect(200);
    expect(account.text).toContain('Your password has been changed');

    await here.agent.get('/workspace').expect(200);
    await elsewhere.agent.get('/workspace').expect(303).expect('Location', '/sign-in');

    const after = await userRow(viewer.id);
    expect(after.password_hash).not.toBe(before.password_hash);
    expect(new Date(after.password_changed_at).toISOString()).toBe(now().toISOString());
    const event = (await auditFor(viewer.id)).find((e) => e.action === 'account.password_changed');
    expect(event).toMatchObject({ actor_label: viewer.email, actor_id: String(viewer.id) });
    expect(event.after).toEqual({ otherSessionsEnded: 1 });

    expect((await signIn(built.app, viewer)).res.status).toBe(401);
    const withNew = await signIn(built.app, { email: viewer.email, password: newPassword });
    expect(withNew.res.status).toBe(303);
    expect(withNew.res.headers.location).toBe('/workspace');
  });

  it('refuses a weak or common password with the policy message, and sends back nothing typed', async () => {
    const viewer = await createUser(db.knex, { role: 'viewer' });
    const { agent } = await signIn(built.app, viewer);
    const before = await userRow(viewer.id);
    const change = (fields: object) =>
      submit(agent, '/account/password', '/account/password', fields);

    const common = await change({
      currentPassword: viewer.password,
      newPassword: 'password1234',
      confirmPassword: 'password1234',
    });
    expect(common.status).toBe(400);
    expect(common.text).toContain(PASSWORD_PROBLEMS.common);
    expect(common.text).toContain('<a href="#newPassword">');
    expect(common.text).toContain('id="newPassword-error"');
    expect(common.text).toContain('aria-describedby="newPassword-hint newPassword-error"');
    expect(common.text).toContain('<title>Error: Change your password');
    expect(common.text).not.toContain('password1234');
    expect(common.text).not.toContain(viewer.password);

    const short = await change({
      currentPassword: viewer.password,
      newPassword: 'short 1',
      confirmPassword: 'short 1',
    });
    expect(short.status).toBe(400);
    expect(short.text).toContain(PASSWORD_PROBLEMS.tooShort);

    const email = await change({
      currentPassword: viewer.password,
      newPassword: viewer.email,
      confirmPassword: viewer.email,
    });
    expect(email.status).toBe(400);
    expect(email.text).toContain(PASSWORD_PROBLEMS.email);

    const service = await change({
      currentPassword: viewer.password,
      newPassword: `${built.services.config.serviceName} 2026!`,
      confirmPassword: `${built.services.config.serviceName} 2026!`,
    });
    expect(service.status).toBe(400);
    expect(service.text).toContain(PASSWORD_PROBLEMS.contextWord);

    // A wrong current password and a mismatch are both named, each linked to its field.
    const both = await change({
      currentPassword: 'not my password at all',
      newPassword: 'violet umbrella quantum 74',
      confirmPassword: 'violet umbrella quantum 75',
    });
    remember('not my password at all', 'violet umbrella quantum 74', 'violet umbrella quantum 75');
    expect(both.status).toBe(400);
    expect(both.text).toContain(
      '<a href="#currentPassword">Your current password is not correct</a>',
    );
    expect(both.text).toContain('<a href="#confirmPassword">');
    expect(both.text).toContain('aria-describedby="currentPassword-error"');
    expect(both.text).not.toContain('violet umbrella');

    const empty = await change({ currentPassword: '', newPassword: '', confirmPassword: '' });
    expect(empty.status).toBe(400);
    for (const message of [
      'Enter your current password',
      'Enter a new password',
      'Enter your new password again',
    ])
      expect(empty.text).toContain(message);

    const after = await userRow(viewer.id);
    expect(after.password_hash).toBe(before.password_hash);
    expect((await auditFor(viewer.id)).map((e) => e.action)).not.toContain(
      'account.password_changed',
    );
    expect((await auditFor(viewer.id)).map((e) => e.action)).toContain(
      'account.reauthentication_failed',
    );
  });

  // --- managing two-factor ------------------------------------------------------------------------

  it('new recovery codes need the password, replace the old ones, and are shown once', async () => {
    const { user, agent, codes: oldCodes } = await enrolledUser();
    const regenerate = (password: string) =>
      submit(agent, '/account/two-factor', '/account/two-factor/recovery-codes', { password });

    const none = await regenerate('');
    expect(none.status).toBe(400);
    expect(none.text).toContain('<a href="#recoveryPassword">Enter your password</a>');
    const wrong = await regenerate('not my password at all');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Your password is not correct');
    expect(wrong.text).toContain('aria-describedby="recoveryPassword-hint recoveryPassword-error"');

    const done = await regenerate(user.password);
    expect(done.status).toBe(200);
    const codes = codesFrom(done.text);
    remember(...codes, ...codes.map(normaliseRecoveryCode));
    expect(codes).toHaveLength(10);
    expect(codes.some((c) => oldCodes.includes(c))).toBe(false);
    const stored = await db.knex('recovery_codes').where({ user_id: user.id });
    expect(stored.map((r) => r.code_hash).sort()).toEqual(codes.map(hashRecoveryCode).sort());
    expect((await auditFor(user.id)).map((e) => e.action)).toContain(
      'account.recovery_codes_regenerated',
    );

    await signOut(agent);
    expect((await signInWithCode(user, oldCodes[0]!)).res.status).toBe(401);
    expect((await signInWithCode(user, codes[0]!)).res.status).toBe(303);
  });

  it('an overseer cannot turn off two-factor', async () => {
    const { user, agent } = await enrolledUser('overseer');
    const page = await agent.get('/account/two-factor').expect(200);
    expect(page.text).toContain('you cannot turn it off');
    expect(page.text).not.toContain('action="/account/two-factor/disable"');
    const res = await agent
      .post('/account/two-factor/disable')
      .type('form')
      .send({ password: user.password, _csrf: csrfFrom(page.text) })
      .expect(403);
    expect(res.text).toContain('You cannot turn off two-factor authentication');
    expect(res.text).toContain('<a href="#turnOffTwoFactor">');
    const row = await userRow(user.id);
    expect(row.totp_enabled_at).not.toBeNull();
    expect(row.totp_secret_enc).not.toBeNull();
    expect(await db.knex('recovery_codes').where({ user_id: user.id })).toHaveLength(10);
    expect((await auditFor(user.id)).map((e) => e.action)).not.toContain(
      'account.two_factor_disabled',
    );
  });

  it('a viewer can turn off two-factor, with the password', async () => {
    const { user, agent } = await enrolledUser('viewer');
    const disable = (password: string) =>
      submit(agent, '/account/two-factor', '/account/two-factor/disable', { password });
    const wrong = await disable('not my password at all');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('<a href="#disablePassword">Your password is not correct</a>');
    expect((await userRow(user.id)).totp_enabled_at).not.toBeNull();

    const res = await disable(user.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?updated=two-factor-off');
    const account = await agent.get(res.headers.location!).expect(200);
    expect(account.text).toContain('Two-factor authentication is now off');
    const row = await userRow(user.id);
    expect(row.totp_enabled_at).toBeNull();
    expect(row.totp_secret_enc).toBeNull();
    expect(await db.knex('recovery_codes').where({ user_id: user.id })).toHaveLength(0);
    expect((await auditFor(user.id)).map((e) => e.action)).toContain('account.two_factor_disabled');

    await signOut(agent);
    const again = await signIn(built.app, user);
    expect(again.res.headers.location).toBe('/workspace');
  });

  // --- access and CSRF ------------------------------------------------------------------------------

  it('sends signed-out visitors, and people half-way through signing in, to sign in', async () => {
    for (const path of ['/account', '/account/password', '/account/two-factor']) {
      await request(built.app).get(path).expect(303).expect('Location', '/sign-in');
    }
    const { user } = await enrolledUser();
    const { agent, res } = await signIn(built.app, user);
    expect(res.headers.location).toBe('/sign-in/two-factor');
    for (const path of ['/account', '/account/password', '/account/two-factor']) {
      await agent.get(path).expect(303).expect('Location', '/sign-in');
    }
  });

  it('every form refuses a missing token and another session’s token, and changes nothing', async () => {
    // One viewer part-way through setting up two-factor, one with it on.
    const setting = await createUser(db.knex, { role: 'viewer' });
    const settingIn = await signIn(built.app, setting);
    const setupPage = await settingIn.agent.get('/account/two-factor').expect(200);
    const secret = secretFrom(setupPage.text);
    remember(secret);
    const enrolled = await enrolledUser('viewer');

    const snapshot = async () => ({
      users: await db
        .knex('users')
        .whereIn('id', [setting.id, enrolled.user.id])
        .orderBy('id')
        .select(
          'password_hash',
          'password_changed_at',
          'totp_secret_enc',
          'totp_enabled_at',
          'totp_last_step',
        ),
      codes: await db
        .knex('recovery_codes')
        .whereIn('user_id', [setting.id, enrolled.user.id])
        .orderBy('id'),
      sessions: await db
        .knex('sessions')
        .whereIn('user_id', [setting.id, enrolled.user.id])
        .orderBy('id')
        .select('id', 'state'),
      audit: Number((await db.knex('audit_events').count({ n: '*' }))[0]!.n),
    });
    const before = await snapshot();
    const otherToken = csrfFrom((await request(built.app).get('/sign-in').expect(200)).text);

    const forms: Array<[Agent, string, object]> = [
      [
        settingIn.agent,
        '/account/password',
        {
          currentPassword: setting.password,
          newPassword: 'violet umbrella quantum 76',
          confirmPassword: 'violet umbrella quantum 76',
        },
      ],
      [settingIn.agent, '/account/two-factor', { code: totpCode(secret, now()) }],
      [enrolled.agent, '/account/two-factor/recovery-codes', { password: enrolled.user.password }],
      [enrolled.agent, '/account/two-factor/disable', { password: enrolled.user.password }],
    ];
    for (const [agent, action, fields] of forms) {
      const missing = await agent.post(action).type('form').send(fields);
      expect([action, missing.status]).toEqual([action, 403]);
      const foreign = await agent
        .post(action)
        .type('form')
        .send({ ...fields, _csrf: otherToken });
      expect([action, foreign.status]).toEqual([action, 403]);
      expect(foreign.text).toContain('did not come from this site');
    }
    expect(await snapshot()).toEqual(before);
    await settingIn.agent.get('/workspace').expect(200);
  });

  // --- the audit trail -------------------------------------------------------------------------------

  it('records every change, and no audit event holds a password, TOTP secret or recovery code', async () => {
    const events = await db.knex('audit_events').select();
    const actions = new Set(events.map((e) => e.action));
    for (const action of [
      'account.password_changed',
      'account.two_factor_setup_started',
      'account.two_factor_enabled',
      'account.recovery_codes_regenerated',
      'account.two_factor_disabled',
      'account.reauthentication_failed',
      'auth.sign_in',
    ])
      expect(actions).toContain(action);
    const json = JSON.stringify(events);
    expect(secrets.size).toBeGreaterThan(50);
    for (const secret of secrets) {
      expect(json).not.toContain(secret);
      expect(json.toLowerCase()).not.toContain(secret.toLowerCase());
    }
    expect(json).not.toContain('scrypt$');
    expect(json).not.toMatch(/v1\.[A-Za-z0-9+/]{20,}/);
    for (const user of await db.knex('users').select('totp_secret_enc', 'password_hash')) {
      if (user.totp_secret_enc) expect(json).not.toContain(user.totp_secret_enc);
      if (user.password_hash) expect(json).not.toContain(user.password_hash);
    }
    expect(await verifyAuditChain(db.knex)).toMatchObject({ ok: true });
  });
});
