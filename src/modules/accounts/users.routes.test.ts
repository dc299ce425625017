import request from 'supertest';
import type { Knex } from 'knex';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, signIn, type TestUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation } from '../../../test/factories';
import { ForbiddenError } from '../../shared/errors';
import { hashToken } from './tokens';

const NEW_PASSWORD = 'lantern orchard velvet 73';
const CONTEXT = { ip: '127.0.0.1', userAgent: 'jest', requestId: null };

const errorSummary = (html: string) =>
  html.match(/<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/)?.[1] ?? '';

const linkIn = (html: string) => {
  const match = html.match(/<textarea[^>]*readonly[^>]*>([^<]+)<\/textarea>/);
  if (!match) throw new Error('No link on the page');
  return match[1]!.trim();
};

const pathOf = (url: string) => new URL(url).pathname;

async function auditRows(knex: Knex, action?: string) {
  const query = knex('audit_events').orderBy('id').select('*');
  if (action) query.where({ action });
  return query;
}

describe('managing users', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let admin: TestUser;

  /** A signed-in session (state active) for a user, as a Cookie header; no TOTP needed. */
  async function sessionCookie(userId: number): Promise<string> {
    const { token } = await built.services.sessions.start(db.knex, {
      userId,
      state: 'active',
      context: CONTEXT,
    });
    return `tracker-session=${token}`;
  }

  /** A cookie and the CSRF token from one of that session's pages. */
  async function asUser(userId: number, page = '/workspace') {
    const cookie = await sessionCookie(userId);
    const res = await request(built.app).get(page).set('Cookie', cookie);
    return { cookie, csrf: csrfFrom(res.text) };
  }

  const post = (path: string, cookie: string, body: Record<string, string>) =>
    request(built.app).post(path).set('Cookie', cookie).type('form').send(body);

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex);
    admin = await createUser(db.knex, { role: 'admin', email: 'admin@example.test' });
  });
  afterAll(async () => {
    await db.destroy();
  });

  describe('who may use /admin', () => {
    let target: TestUser;
    beforeAll(async () => {
      target = await createUser(db.knex, { role: 'viewer' });
    });

    const getPaths = () => [
      '/admin',
      '/admin/users',
      '/admin/users?page=2',
      '/admin/users/invite',
      `/admin/users/${target.id}`,
    ];
    const postPaths = () => [
      '/admin/users/invite',
      `/admin/users/${target.id}/role`,
      `/admin/users/${target.id}/disable`,
      `/admin/users/${target.id}/enable`,
      `/admin/users/${target.id}/reset-link`,
    ];

    it.each(['overseer', 'viewer', 'org_lead'] as const)(
      'a signed-in %s gets 403 on every /admin page and form, and changes nothing',
      async (role) => {
        const org = role === 'org_lead' ? await createOrganisation(db.knex) : null;
        const user = await createUser(db.knex, { role, organisationId: org?.id ?? null });
        const { cookie, csrf } = await asUser(user.id);
        for (const path of getPaths()) {
          const res = await request(built.app).get(path).set('Cookie', cookie);
          expect([path, res.status]).toEqual([path, 403]);
        }
        const auditBefore = (await auditRows(db.knex)).length;
        for (const path of postPaths()) {
          const res = await post(path, cookie, {
            _csrf: csrf,
            name: 'X',
            email: 'x@example.test',
            role: 'admin',
            organisationId: '',
          });
          expect([path, res.status]).toEqual([path, 403]);
        }
        expect((await auditRows(db.knex)).length).toBe(auditBefore);
        expect(await db.knex('users').where({ id: target.id }).first()).toMatchObject({
          role: 'viewer',
          disabled_at: null,
        });
        expect(await db.knex('one_time_tokens').where({ email: 'x@example.test' })).toHaveLength(0);
      },
    );

    it('a signed-out visitor is sent to sign in, and cannot post', async () => {
      for (const path of getPaths()) {
        const res = await request(built.app).get(path);
        expect([path, res.status, res.headers.location]).toEqual([path, 303, '/sign-in']);
      }
      const agent = request.agent(built.app);
      const form = await agent.get('/sign-in');
      for (const path of postPaths()) {
        await request(built.app).post(path).type('form').send({}).expect(403);
        const res = await agent
          .post(path)
          .type('form')
          .send({ _csrf: csrfFrom(form.text) });
        expect([path, res.status, res.headers.location]).toEqual([path, 303, '/sign-in']);
      }
    });

    it('an admin who has not finished two-factor is not yet an admin here', async () => {
      const pending = await createUser(db.knex, { role: 'admin' });
      const { agent, res } = await signIn(built.app, pending);
      expect(res.headers.location).toBe('/account/two-factor');
      const page = await agent.get('/admin/users');
      expect(page.status).toBe(303);
    });

    it('an unknown or malformed user id is a 404 for an admin', async () => {
      const { cookie } = await asUser(admin.id);
      await request(built.app).get('/admin/users/999999').set('Cookie', cookie).expect(404);
      await request(built.app).get('/admin/users/abc').set('Cookie', cookie).expect(404);
      await request(built.app).get('/admin/users?page=0').set('Cookie', cookie).expect(400);
    });
  });

  it('lists users with role, organisation, status and two-factor, 50 to a page', async () => {
    const org = await createOrganisation(db.knex, { name: 'Westvale Constabulary' });
    const lead = await createUser(db.knex, {
      role: 'org_lead',
      organisationId: org.id,
      email: 'aaa-lead@example.test',
    });
    await db.knex('users').where({ id: lead.id }).update({ name: 'Aaron Lead' });
    const off = await createUser(db.knex, { role: 'viewer', disabled: true });
    await db.knex('users').where({ id: off.id }).update({ name: 'Aaron Off' });
    const rows = Array.from({ length: 55 }, (_, i) => ({
      email: `bulk-${i}@example.test`,
      name: `Bulk ${String(i).padStart(2, '0')}`,
      role: 'viewer',
    }));
    await db.knex('users').insert(rows);
    const total = Number((await db.knex('users').count({ n: '*' }).first())!.n);

    const { cookie } = await asUser(admin.id);
    const first = await request(built.app).get('/admin/users').set('Cookie', cookie).expect(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.text.match(/<tr class="govuk-table__row">/g)).toHaveLength(51); // header + 50
    expect(first.text).toContain(`Showing 1 to 50 of ${total} users`);
    expect(first.text).toContain('Aaron Lead');
    expect(first.text).toContain('aaa-lead@example.test');
    expect(first.text).toContain('Organisation lead');
    expect(first.text).toContain('Westvale Constabulary');
    expect(first.text).toMatch(/Aaron Off[\s\S]*?Disabled/);
    expect(first.text).toContain('href="/admin/users?page&#x3D;2"');

    const second = await request(built.app)
      .get('/admin/users?page=2')
      .set('Cookie', cookie)
      .expect(200);
    expect(second.text.match(/<tr class="govuk-table__row">/g)).toHaveLength(total - 50 + 1);
    expect(second.text).toContain(`Showing 51 to ${total} of ${total} users`);
  });

  it('invites a user end to end: the link is shown once and creates the account', async () => {
    const org = await createOrganisation(db.knex, { name: 'Eastmoor Police' });
    const { cookie, csrf } = await asUser(admin.id, '/admin/users/invite');
    const form = await request(built.app)
      .get('/admin/users/invite')
      .set('Cookie', cookie)
      .expect(200);
    expect(form.text).toContain('Eastmoor Police');

    // An organisation lead needs an organisation; the form keeps what was typed.
    const noOrg = await post('/admin/users/invite', cookie, {
      _csrf: csrf,
      name: 'Olive Lead',
      email: 'olive@example.test',
      role: 'org_lead',
      organisationId: '',
    }).expect(400);
    expect(errorSummary(noOrg.text)).toContain('href="#organisationId"');
    expect(noOrg.text).toContain('value="Olive Lead"');
    expect(noOrg.text).toContain('value="olive@example.test"');

    const missing = await post('/admin/users/invite', cookie, {
      _csrf: csrf,
      name: '',
      email: 'nope',
      organisationId: '',
    }).expect(400);
    const summary = errorSummary(missing.text);
    expect(summary).toContain('href="#name"');
    expect(summary).toContain('href="#email"');
    expect(summary).toContain('href="#role"');

    // An email already used, in any case, is refused.
    const dup = await post('/admin/users/invite', cookie, {
      _csrf: csrf,
      name: 'Another Admin',
      email: 'ADMIN@example.TEST',
      role: 'viewer',
      organisationId: '',
    }).expect(400);
    expect(errorSummary(dup.text)).toContain('An account already uses this email address');

    const tokensBefore = await db.knex('one_time_tokens').count({ n: '*' }).first();
    expect(Number(tokensBefore!.n)).toBe(0);
    const ok = await post('/admin/users/invite', cookie, {
      _csrf: csrf,
      name: 'Olive Lead',
      email: 'olive@example.test',
      role: 'org_lead',
      organisationId: String(org.id),
    }).expect(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    const link = linkIn(ok.text);
    expect(link).toMatch(/^http:\/\/localhost:3000\/invitations\/[A-Za-z0-9_-]{43}$/);
    const token = link.slice(link.lastIndexOf('/') + 1);
    const row = await db.knex('one_time_tokens').where({ purpose: 'invitation' }).first();
    expect(row).toMatchObject({
      token_hash: hashToken(token),
      email: 'olive@example.test',
      role: 'org_lead',
      organisation_id: org.id,
      created_by: admin.id,
    });
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(
      7 * 24 * 3_600_000,
    );
    const [invited] = await auditRows(db.knex, 'user.invited');
    expect(invited.after).toMatchObject({ email: 'olive@example.test', tokenId: row.id });
    expect(JSON.stringify(await auditRows(db.knex))).not.toContain(token);
    expect(JSON.stringify(await auditRows(db.knex))).not.toContain(hashToken(token));

    // The invitee sets a password and signs in as an organisation lead.
    const invitee = request.agent(built.app);
    const page = await invitee.get(pathOf(link)).expect(200);
    expect(page.text).toContain('Eastmoor Police');
    await invitee
      .post(pathOf(link))
      .type('form')
      .send({ _csrf: csrfFrom(page.text), password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })
      .expect(303);
    const user = await db.knex('users').where({ email: 'olive@example.test' }).first();
    expect(user).toMatchObject({ role: 'org_lead', organisation_id: org.id, name: 'Olive Lead' });
    const signedIn = await signIn(built.app, {
      email: 'olive@example.test',
      password: NEW_PASSWORD,
    });
    expect(signedIn.res.headers.location).toBe('/workspace');
    await request(built.app).get(pathOf(link)).expect(410);

    // Now the email is taken, inviting it again is refused.
    const again = await post('/admin/users/invite', cookie, {
      _csrf: csrf,
      name: 'Olive Again',
      email: 'Olive@Example.test',
      role: 'viewer',
      organisationId: '',
    }).expect(400);
    expect(again.text).toContain('An account already uses this email address');
  });

  it('changing a role ends the user’s sessions and is audited with before and after', async () => {
    const org = await createOrganisation(db.knex);
    const user = await createUser(db.knex, { role: 'viewer' });
    const { agent } = await signIn(built.app, user);
    await agent.get('/workspace').expect(200);
    const { cookie, csrf } = await asUser(admin.id);

    const page = await request(built.app)
      .get(`/admin/users/${user.id}`)
      .set('Cookie', cookie)
      .expect(200);
    expect(page.text).toContain('Change role');

    const noOrg = await post(`/admin/users/${user.id}/role`, cookie, {
      _csrf: csrf,
      role: 'org_lead',
      organisationId: '',
    }).expect(400);
    expect(errorSummary(noOrg.text)).toContain('href="#organisationId"');
    await agent.get('/workspace').expect(200);

    const res = await post(`/admin/users/${user.id}/role`, cookie, {
      _csrf: csrf,
      role: 'org_lead',
      organisationId: String(org.id),
    }).expect(303);
    expect(res.headers.location).toBe(`/admin/users/${user.id}?done=role_changed`);
    const after = await request(built.app).get(res.headers.location!).set('Cookie', cookie);
    expect(after.text).toContain('Role changed');
    expect(await db.knex('users').where({ id: user.id }).first()).toMatchObject({
      role: 'org_lead',
      organisation_id: org.id,
    });
    await agent.get('/workspace').expect(303);
    expect(await db.knex('sessions').where({ user_id: user.id })).toHaveLength(0);
    const [event] = await auditRows(db.knex, 'user.role_changed');
    expect(event.subject_id).toBe(String(user.id));
    expect(event.actor_id).toBe(String(admin.id));
    expect(event.before).toEqual({ role: 'viewer', organisationId: null });
    expect(event.after).toMatchObject({ role: 'org_lead', organisationId: org.id });

    // Back to viewer: the organisation is dropped even if one is sent.
    await post(`/admin/users/${user.id}/role`, cookie, {
      _csrf: csrf,
      role: 'viewer',
      organisationId: String(org.id),
    }).expect(303);
    expect(await db.knex('users').where({ id: user.id }).first()).toMatchObject({
      role: 'viewer',
      organisation_id: null,
    });
  });

  it('disabling a user ends their sessions at once and stops them signing in; re-enabling lets them back', async () => {
    const user = await createUser(db.knex, { role: 'overseer' });
    const cookie = await sessionCookie(user.id);
    await request(built.app).get('/workspace').set('Cookie', cookie).expect(200);
    const adminSession = await asUser(admin.id);

    const res = await post(`/admin/users/${user.id}/disable`, adminSession.cookie, {
      _csrf: adminSession.csrf,
    }).expect(303);
    expect(res.headers.location).toBe(`/admin/users/${user.id}?done=disabled`);
    await request(built.app).get('/workspace').set('Cookie', cookie).expect(303);
    expect(await db.knex('sessions').where({ user_id: user.id })).toHaveLength(0);
    expect((await signIn(built.app, user)).res.status).toBe(401);
    const [event] = await auditRows(db.knex, 'user.disabled');
    expect(event.after).toMatchObject({ disabled: true, sessionsEnded: 1 });

    // No reset link for a disabled account.
    const reset = await post(`/admin/users/${user.id}/reset-link`, adminSession.cookie, {
      _csrf: adminSession.csrf,
    }).expect(409);
    expect(reset.text).toContain('Re-enable it before making a password reset link');

    await post(`/admin/users/${user.id}/enable`, adminSession.cookie, {
      _csrf: adminSession.csrf,
    }).expect(303);
    expect((await signIn(built.app, user)).res.status).toBe(303);
    expect(await auditRows(db.knex, 'user.enabled')).toHaveLength(1);
  });

  it('an admin cannot disable or demote themselves, and is told why', async () => {
    const { cookie, csrf } = await asUser(admin.id);
    const page = await request(built.app)
      .get(`/admin/users/${admin.id}`)
      .set('Cookie', cookie)
      .expect(200);
    expect(page.text).toContain('You cannot change your own role');
    expect(page.text).not.toContain('Disable account</button>');

    const demote = await post(`/admin/users/${admin.id}/role`, cookie, {
      _csrf: csrf,
      role: 'viewer',
      organisationId: '',
    }).expect(409);
    expect(errorSummary(demote.text)).toContain('You cannot change your own role');
    const disable = await post(`/admin/users/${admin.id}/disable`, cookie, {
      _csrf: csrf,
    }).expect(409);
    expect(errorSummary(disable.text)).toContain('You cannot disable your own account');
    expect(await db.knex('users').where({ id: admin.id }).first()).toMatchObject({
      role: 'admin',
      disabled_at: null,
    });
    await request(built.app).get('/admin/users').set('Cookie', cookie).expect(200);
  });

  it('another admin can be demoted; their admin session ends and their stale rights are refused', async () => {
    const other = await createUser(db.knex, { role: 'admin' });
    const otherSession = await asUser(other.id, '/admin/users');
    const { cookie, csrf } = await asUser(admin.id);
    await post(`/admin/users/${other.id}/role`, cookie, {
      _csrf: csrf,
      role: 'overseer',
      organisationId: '',
    }).expect(303);
    expect((await db.knex('users').where({ id: other.id }).first()).role).toBe('overseer');
    await request(built.app).get('/admin/users').set('Cookie', otherSession.cookie).expect(303);
    // Even a request already past the policy check is refused once the actor is no longer an
    // enabled admin (the service re-checks under a lock), so two admins cannot demote each other.
    await expect(
      built.services.users.changeRole({
        actor: {
          id: other.id,
          email: other.email,
          name: 'Test admin',
          role: 'admin',
          organisationId: null,
          twoFactorEnabled: true,
        },
        userId: admin.id,
        role: 'viewer',
        organisationId: null,
        context: CONTEXT,
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect((await db.knex('users').where({ id: admin.id }).first()).role).toBe('admin');
  });

  it('makes a password reset link, shown once, that the user can use', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const { cookie, csrf } = await asUser(admin.id);
    const res = await post(`/admin/users/${user.id}/reset-link`, cookie, { _csrf: csrf }).expect(
      200,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const link = linkIn(res.text);
    expect(link).toMatch(/\/reset-password\/[A-Za-z0-9_-]{43}$/);
    const token = link.slice(link.lastIndexOf('/') + 1);
    const row = await db
      .knex('one_time_tokens')
      .where({ token_hash: hashToken(token) })
      .first();
    expect(row).toMatchObject({ purpose: 'password_reset', user_id: user.id });
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(
      24 * 3_600_000,
    );
    // The user page does not show it again.
    const page = await request(built.app).get(`/admin/users/${user.id}`).set('Cookie', cookie);
    expect(page.text).not.toContain(token);

    const agent = request.agent(built.app);
    const form = await agent.get(pathOf(link)).expect(200);
    await agent
      .post(pathOf(link))
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })
      .expect(303);
    expect(
      (await signIn(built.app, { email: user.email, password: NEW_PASSWORD })).res.status,
    ).toBe(303);
    const audit = JSON.stringify(await auditRows(db.knex));
    expect(audit).not.toContain(token);
    expect(audit).not.toContain(hashToken(token));
    expect(audit).not.toContain(NEW_PASSWORD);
    expect(await auditRows(db.knex, 'user.password_reset_link_created')).not.toHaveLength(0);
  });

  it('refuses every admin form without a CSRF token or with another session’s token, storing nothing', async () => {
    const org = await createOrganisation(db.knex);
    const target = await createUser(db.knex, { role: 'viewer' });
    const { cookie, csrf } = await asUser(admin.id);
    const otherSession = await asUser(admin.id);
    expect(otherSession.csrf).not.toBe(csrf);
    const forms: [string, Record<string, string>][] = [
      [
        '/admin/users/invite',
        {
          name: 'Csrf Person',
          email: 'csrf-admin@example.test',
          role: 'viewer',
          organisationId: '',
        },
      ],
      [`/admin/users/${target.id}/role`, { role: 'org_lead', organisationId: String(org.id) }],
      [`/admin/users/${target.id}/disable`, {}],
      [`/admin/users/${target.id}/reset-link`, {}],
    ];
    const auditBefore = (await auditRows(db.knex)).length;
    const tokensBefore = Number((await db.knex('one_time_tokens').count({ n: '*' }).first())!.n);
    for (const [path, body] of forms) {
      await post(path, cookie, body).expect(403);
      await post(path, cookie, { ...body, _csrf: otherSession.csrf }).expect(403);
    }
    await db.knex('users').where({ id: target.id }).update({ disabled_at: new Date() });
    await post(`/admin/users/${target.id}/enable`, cookie, {}).expect(403);
    await post(`/admin/users/${target.id}/enable`, cookie, { _csrf: otherSession.csrf }).expect(
      403,
    );
    expect((await auditRows(db.knex)).length).toBe(auditBefore);
    expect(Number((await db.knex('one_time_tokens').count({ n: '*' }).first())!.n)).toBe(
      tokensBefore,
    );
    expect(await db.knex('users').where({ id: target.id }).first()).toMatchObject({
      role: 'viewer',
      organisation_id: null,
    });
    expect((await db.knex('users').where({ id: target.id }).first()).disabled_at).not.toBeNull();
  });
});
