/**
 * Invitations not yet accepted, on /admin/users: listed with truthful counts, resent (a new link,
 * emailed, the old one refused) and revoked (the link refused as withdrawn). Real database, real
 * HTTP.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, type TestUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation } from '../../../test/factories';

const CONTEXT = { ip: '127.0.0.1', userAgent: 'jest', requestId: null };
const NEW_PASSWORD = 'lantern orchard velvet 73';

const linkIn = (html: string) => {
  const match = html.match(/<textarea[^>]*readonly[^>]*>([^<]+)<\/textarea>/);
  if (!match) throw new Error('No link on the page');
  return match[1]!.trim();
};
const pathOf = (url: string) => new URL(url).pathname;
const counts = (html: string) =>
  html
    .match(/<p class="govuk-body" id="users-counts">([^<]*)<\/p>/)?.[1]
    ?.replace(/\s+/g, ' ')
    .trim();
const errorSummary = (html: string) =>
  html.match(/<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/)?.[1] ?? '';

describe('invitations not yet accepted', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let admin: TestUser;
  let cookie: string;
  let csrf: string;

  const post = (path: string, body: Record<string, string>) =>
    request(built.app).post(path).set('Cookie', cookie).type('form').send(body);
  const usersPage = () => request(built.app).get('/admin/users').set('Cookie', cookie).expect(200);

  async function invite(email: string, fields: Partial<Record<string, string>> = {}) {
    const res = await post('/admin/users/invite', {
      _csrf: csrf,
      name: fields.name ?? `Person ${email}`,
      email,
      role: fields.role ?? 'viewer',
      organisationId: fields.organisationId ?? '',
    }).expect(200);
    const row = await db
      .knex('one_time_tokens')
      .where({ purpose: 'invitation', email })
      .orderBy('id', 'desc')
      .first();
    return { link: linkIn(res.text), id: row.id as number };
  }

  /** The resend and revoke forms on the list, by the email they are for. */
  const actionsFor = (html: string, email: string) => ({
    resend: html.match(
      new RegExp(
        `action="(/admin/invitations/\\d+/resend)"[\\s\\S]{0,400}?invitation to ${email}<`,
      ),
    )?.[1],
    revoke: html.match(
      new RegExp(
        `action="(/admin/invitations/\\d+/revoke)"[\\s\\S]{0,400}?invitation to ${email}<`,
      ),
    )?.[1],
  });

  /** A fresh admin session (after the clock moves past the idle limit). */
  async function signInAgain() {
    const { token } = await built.services.sessions.start(db.knex, {
      userId: admin.id,
      state: 'active',
      context: CONTEXT,
    });
    cookie = `tracker-session=${token}`;
    csrf = csrfFrom((await request(built.app).get('/admin/users').set('Cookie', cookie)).text);
  }

  beforeEach(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2026-12-02T09:00:00Z' });
    admin = await createUser(db.knex, { role: 'admin', email: 'admin@example.test' });
    await signInAgain();
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('the users list shows each pending invitation and counts people and invitations truthfully', async () => {
    const org = await createOrganisation(db.knex, { name: 'Eastmoor Police' });
    await invite('ann@example.test', { name: 'Ann Able' });
    await invite('bob@example.test', {
      name: 'Bob Baker',
      role: 'org_lead',
      organisationId: String(org.id),
    });
    const carol = await invite('carol@example.test', { name: 'Carol Cole' });
    // Inviting Ann again replaces her first invitation: still one invitation for her.
    await invite('ann@example.test', { name: 'Ann Able' });

    const page = await usersPage();
    expect(counts(page.text)).toBe('1 user, 3 pending invitations.');
    expect(page.text).toContain('Invitations not yet accepted');
    for (const text of ['Ann Able', 'bob@example.test', 'Organisation lead: Eastmoor Police']) {
      expect(page.text).toContain(text);
    }
    expect(page.text.match(/invitation to ann@example\.test</g)).toHaveLength(2); // resend, revoke
    expect(page.text).toContain(`by ${'Test admin'}`);

    // Carol accepts: she is a user now, and no longer an invitation.
    const invitee = request.agent(built.app);
    const form = await invitee.get(pathOf(carol.link)).expect(200);
    await invitee
      .post(pathOf(carol.link))
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })
      .expect(303);
    const after = await usersPage();
    expect(counts(after.text)).toBe('2 users, 2 pending invitations.');
    expect(after.text).not.toContain('invitation to carol@example.test<');

    // Eight days on, the invitations have expired: listed as expired, still resendable.
    built.clock.set('2026-12-10T09:00:00Z');
    await signInAgain();
    const later = await usersPage();
    expect(counts(later.text)).toBe('2 users, 0 pending invitations and 2 expired invitations.');
    expect(later.text).toContain('Expired</strong> on 9 December 2026');
  });

  it('resending makes a new link that works, emails it, refuses the old link, and is audited', async () => {
    const first = await invite('dana@example.test', { name: 'Dana Dunn' });
    const { resend } = actionsFor((await usersPage()).text, 'dana@example\\.test');
    expect(resend).toBe(`/admin/invitations/${first.id}/resend`);

    const res = await post(resend!, { _csrf: csrf }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('Invitation sent again');
    const link = linkIn(res.text);
    expect(link).not.toBe(first.link);

    // The old link is refused; the new one opens the form.
    await request(built.app).get(pathOf(first.link)).expect(410);
    await request(built.app).get(pathOf(link)).expect(200);

    // The new link went out by email, like the first.
    const emails = await db
      .knex('email_outbox')
      .where({ purpose: 'invitation', to_address: 'dana@example.test' })
      .orderBy('id');
    expect(emails).toHaveLength(2);
    expect(emails[1].text_body).toContain(link);
    expect(emails[1].text_body).not.toContain(first.link);

    const [audit] = await db.knex('audit_events').where({ action: 'user.invitation_resent' });
    expect(audit.before).toMatchObject({ tokenId: first.id });
    expect(audit.after).toMatchObject({
      email: 'dana@example.test',
      supersededTokenIds: [first.id],
    });
    expect(JSON.stringify(audit)).not.toContain(link.slice(link.lastIndexOf('/') + 1));

    // The list shows the one new invitation, still one pending, valid for 7 days.
    const page = await usersPage();
    expect(counts(page.text)).toBe('1 user, 1 pending invitation.');
    expect(page.text).toContain('Pending</strong> until 9 December 2026');

    // The replaced invitation cannot be resent again; nothing new is made.
    const stale = await post(resend!, { _csrf: csrf }).expect(409);
    expect(errorSummary(stale.text)).toContain('A newer invitation to this email address');
    expect(await db.knex('one_time_tokens').where({ email: 'dana@example.test' })).toHaveLength(2);
  });

  it('revoking stops the link working (refused as withdrawn), removes it from the list, and is audited', async () => {
    const inv = await invite('eve@example.test', { name: 'Eve Ellis' });
    await invite('finn@example.test');
    const { revoke } = actionsFor((await usersPage()).text, 'eve@example\\.test');
    expect(revoke).toBe(`/admin/invitations/${inv.id}/revoke`);

    const res = await post(revoke!, { _csrf: csrf }).expect(303);
    expect(res.headers.location).toBe('/admin/users?done=invitation_revoked');
    const page = await request(built.app)
      .get(res.headers.location!)
      .set('Cookie', cookie)
      .expect(200);
    expect(page.text).toContain('Invitation revoked. Its link no longer works.');
    expect(counts(page.text)).toBe('1 user, 1 pending invitation.');
    expect(page.text).not.toContain('eve@example.test');

    const refused = await request(built.app).get(pathOf(inv.link)).expect(410);
    expect(refused.text).toContain('This invitation has been withdrawn');
    // Even a form post with a fresh session's token creates no account.
    const visitor = request.agent(built.app);
    const blank = await visitor.get('/sign-in').expect(200);
    await visitor
      .post(pathOf(inv.link))
      .type('form')
      .send({ _csrf: csrfFrom(blank.text), password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })
      .expect(410);
    expect(await db.knex('users').where({ email: 'eve@example.test' })).toHaveLength(0);

    const row = await db.knex('one_time_tokens').where({ id: inv.id }).first();
    expect(row.revoked_by).toBe(admin.id);
    const [audit] = await db.knex('audit_events').where({ action: 'user.invitation_revoked' });
    expect(audit).toMatchObject({ subject_type: 'invitation', subject_id: String(inv.id) });

    // Revoking or resending it again is refused and changes nothing.
    const again = await post(revoke!, { _csrf: csrf }).expect(409);
    expect(errorSummary(again.text)).toContain('already been revoked');
    await post(`/admin/invitations/${inv.id}/resend`, { _csrf: csrf }).expect(409);
    expect(await db.knex('one_time_tokens').where({ email: 'eve@example.test' })).toHaveLength(1);
  });

  it('without the CSRF token, or for an unknown invitation, nothing changes', async () => {
    const inv = await invite('gus@example.test');
    await post(`/admin/invitations/${inv.id}/revoke`, {}).expect(403);
    await post(`/admin/invitations/${inv.id}/resend`, {}).expect(403);
    await post('/admin/invitations/999999/revoke', { _csrf: csrf }).expect(404);
    await post('/admin/invitations/abc/resend', { _csrf: csrf }).expect(404);
    // A password reset link is not an invitation.
    const viewer = await createUser(db.knex, { role: 'viewer' });
    await post(`/admin/users/${viewer.id}/reset-link`, { _csrf: csrf }).expect(200);
    const reset = await db.knex('one_time_tokens').where({ purpose: 'password_reset' }).first();
    await post(`/admin/invitations/${reset.id}/revoke`, { _csrf: csrf }).expect(404);

    const row = await db.knex('one_time_tokens').where({ id: inv.id }).first();
    expect(row.revoked_at).toBeNull();
    await request(built.app).get(pathOf(inv.link)).expect(200);
  });

  it('an overseer cannot resend or revoke', async () => {
    const inv = await invite('hal@example.test');
    const overseer = await createUser(db.knex, { role: 'overseer' });
    const { token } = await built.services.sessions.start(db.knex, {
      userId: overseer.id,
      state: 'active',
      context: CONTEXT,
    });
    const theirs = `tracker-session=${token}`;
    const theirCsrf = csrfFrom(
      (await request(built.app).get('/workspace').set('Cookie', theirs)).text,
    );
    for (const action of ['resend', 'revoke']) {
      await request(built.app)
        .post(`/admin/invitations/${inv.id}/${action}`)
        .set('Cookie', theirs)
        .type('form')
        .send({ _csrf: theirCsrf })
        .expect(403);
    }
    expect(await db.knex('one_time_tokens').where({ email: 'hal@example.test' })).toHaveLength(1);
    expect((await db.knex('one_time_tokens').where({ id: inv.id }).first()).revoked_at).toBeNull();
  });
});
