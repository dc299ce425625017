/**
 * API tokens end to end: an administrator issues one (shown once, stored as a hash, audited without
 * the value), it authenticates /api/v1 calls with its scope, and it stops working when revoked,
 * expired, or its owner is disabled or demoted. Cookies give no rights on the API; bad tokens are
 * throttled per address; last_used_at is written at most once a minute.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, issueApiToken, type TestUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation } from '../../../test/factories';
import { hashToken, scopeAllowed } from './api-tokens.service';

const CONTEXT = { ip: '127.0.0.1', userAgent: 'jest', requestId: null };
const NOW = '2026-11-28T12:00:00Z';

const tokenIn = (html: string) => html.match(/>(rtk_[A-Za-z0-9_-]{43})</)?.[1];
const errorSummary = (html: string) =>
  html.match(/<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/)?.[1] ?? '';

describe('API tokens', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let admin: TestUser;
  let cookie: string;
  let csrf: string;

  const bearer = (token: string, path = '/api/v1/reports') =>
    request(built.app).get(path).set('Authorization', `Bearer ${token}`);

  const issue = (fields: Record<string, string>) =>
    request(built.app)
      .post('/admin/tokens/new')
      .set('Cookie', cookie)
      .type('form')
      .send({
        _csrf: csrf,
        name: 'Dashboard',
        owner: 'service',
        userId: '',
        serviceName: 'Scrutiny dashboard',
        role: 'viewer',
        organisationId: '',
        expiresInDays: '90',
        ...fields,
      });

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: NOW });
    admin = await createUser(db.knex, { role: 'admin' });
    const { token } = await built.services.sessions.start(db.knex, {
      userId: admin.id,
      state: 'active',
      context: CONTEXT,
    });
    cookie = `tracker-session=${token}`;
    csrf = csrfFrom((await request(built.app).get('/admin/tokens/new').set('Cookie', cookie)).text);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('are issued for a new service account, shown once, stored only as a hash, and audited without the value', async () => {
    const res = await issue({ name: 'Council dashboard' }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const token = tokenIn(res.text)!;
    expect(token).toMatch(/^rtk_[A-Za-z0-9_-]{43}$/);
    const row = await db.knex('api_tokens').where({ name: 'Council dashboard' }).first();
    expect(row.token_hash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    const owner = await db.knex('users').where({ id: row.user_id }).first();
    expect(owner).toMatchObject({ kind: 'service', role: 'viewer', password_hash: null });
    const audit = await db
      .knex('audit_events')
      .whereIn('action', ['api_token.issue', 'user.create_service_account'])
      .select('action', 'before', 'after');
    expect(audit.map((a) => a.action).sort()).toEqual([
      'api_token.issue',
      'user.create_service_account',
    ]);
    expect(JSON.stringify(audit)).not.toContain(token.slice(4));
    // The list shows it as active, never the token itself.
    const list = await request(built.app).get('/admin/tokens').set('Cookie', cookie).expect(200);
    expect(list.text).toContain('Council dashboard');
    expect(list.text).toContain('Active');
    expect(list.text).not.toContain(token);
    // It works, and its use is recorded.
    const used = await bearer(token).expect(200);
    expect(used.headers['cache-control']).toBe('private, no-cache');
    const after = await db.knex('api_tokens').where({ id: row.id }).first();
    expect(new Date(after.last_used_at).toISOString()).toBe(new Date(NOW).toISOString());
  });

  it('refuse a scope beyond the owner, and missing fields, with a clear message and store nothing', async () => {
    const org = await createOrganisation(db.knex);
    const other = await createOrganisation(db.knex);
    const viewer = await createUser(db.knex, { role: 'viewer' });
    const lead = await createUser(db.knex, { role: 'org_lead', organisationId: org.id });
    const before = Number((await db.knex('api_tokens').count('* as n').first())!.n);
    const tooMuch = await issue({ owner: 'user', userId: String(viewer.id), role: 'admin' });
    expect(tooMuch.status).toBe(400);
    expect(errorSummary(tooMuch.text)).toContain('A token cannot do more than its owner');
    const otherOrg = await issue({
      owner: 'user',
      userId: String(lead.id),
      role: 'org_lead',
      organisationId: String(other.id),
    });
    expect(otherOrg.status).toBe(400);
    const empty = await issue({ name: '', owner: '', role: '', expiresInDays: '400' });
    expect(empty.status).toBe(400);
    const summary = errorSummary(empty.text);
    for (const text of [
      'Enter what the token is for',
      'Select who the token belongs to',
      'Select what the token may do',
      'Select when the token expires',
    ])
      expect(summary).toContain(text);
    expect(Number((await db.knex('api_tokens').count('* as n').first())!.n)).toBe(before);
    // Within the owner's scope, it is issued.
    const ok = await issue({
      owner: 'user',
      userId: String(lead.id),
      role: 'org_lead',
      organisationId: String(org.id),
    });
    expect(ok.status).toBe(200);
    expect(tokenIn(ok.text)).toBeDefined();
  });

  it('stop working when revoked (by POST with CSRF), and the revocation is audited', async () => {
    const res = await issue({ name: 'To revoke' }).expect(200);
    const token = tokenIn(res.text)!;
    await bearer(token).expect(200);
    const row = await db.knex('api_tokens').where({ name: 'To revoke' }).first();
    await request(built.app)
      .post(`/admin/tokens/${row.id}/revoke`)
      .set('Cookie', cookie)
      .type('form')
      .send({})
      .expect(403);
    const revoked = await request(built.app)
      .post(`/admin/tokens/${row.id}/revoke`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf })
      .expect(303);
    expect(revoked.headers.location).toBe('/admin/tokens?done=revoked');
    const refused = await bearer(token);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toContain('Bearer');
    expect(refused.type).toBe('application/problem+json');
    expect(
      await db
        .knex('audit_events')
        .where({ action: 'api_token.revoke', subject_id: String(row.id) }),
    ).toHaveLength(1);
    const list = await request(built.app).get('/admin/tokens').set('Cookie', cookie).expect(200);
    expect(list.text).toContain('Revoked');
  });

  it('stop working when expired, when the owner is disabled, and when the owner is demoted', async () => {
    const expired = await issueApiToken(db.knex, {
      role: 'viewer',
      expiresAt: new Date('2026-11-28T11:59:00Z'),
    });
    await bearer(expired).expect(401);

    const person = await createUser(db.knex, { role: 'overseer' });
    const res = await issue({ owner: 'user', userId: String(person.id), role: 'overseer' });
    const token = tokenIn(res.text)!;
    await bearer(token).expect(200);
    await db.knex('users').where({ id: person.id }).update({ role: 'viewer' });
    await bearer(token).expect(401);
    await db.knex('users').where({ id: person.id }).update({ role: 'overseer' });
    await bearer(token).expect(200);
    await db.knex('users').where({ id: person.id }).update({ disabled_at: new Date() });
    await bearer(token).expect(401);
  });

  it('ignore a signed-in session cookie on the API: it is anonymous there', async () => {
    const res = await request(built.app).get('/api/v1/reports').set('Cookie', cookie).expect(200);
    expect(res.headers['cache-control']).toBe('public, no-cache');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('throttle failed token attempts per client address with 429 and Retry-After', async () => {
    const throttled = buildTestApp(db.knex, { now: '2026-11-28T13:00:00Z' });
    const good = await issueApiToken(db.knex, { role: 'viewer' });
    let last: request.Response | undefined;
    for (let i = 0; i < 21; i++)
      last = await request(throttled.app)
        .get('/api/v1/reports')
        .set('Authorization', `Bearer rtk_${'x'.repeat(43)}`);
    expect(last!.status).toBe(429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    // A good token still works; anonymous reads too.
    await request(throttled.app)
      .get('/api/v1/reports')
      .set('Authorization', `Bearer ${good}`)
      .expect(200);
    await request(throttled.app).get('/api/v1/reports').expect(200);
    await db.knex('rate_limits').where('key', 'like', 'api-token-address:%').delete();
  });

  it('once an address is throttled, further bad tokens get 429 and store no more rows', async () => {
    const throttled = buildTestApp(db.knex, { now: '2026-11-28T13:30:00Z' });
    const statuses: number[] = [];
    /** What is stored for failed tokens: one counter per address, holding the failures counted. */
    const rows = async () => {
      const counters = await db.knex('rate_limits').where('key', 'like', 'api-token-address:%');
      return { counters: counters.length, n: counters.reduce((n, r) => n + Number(r.points), 0) };
    };
    for (let i = 0; i < 20; i++) {
      const res = await request(throttled.app)
        .get('/api/v1/reports')
        .set('Authorization', `Bearer rtk_${'y'.repeat(43)}`);
      statuses.push(res.status);
    }
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect(await rows()).toEqual({ counters: 1, n: 20 });
    for (let i = 0; i < 30; i++) {
      const res = await request(throttled.app)
        .get('/api/v1/reports')
        .set('Authorization', `Bearer rtk_${'z'.repeat(43)}`);
      expect(res.status).toBe(429);
    }
    expect(await rows()).toEqual({ counters: 1, n: 20 });
    await db.knex('rate_limits').where('key', 'like', 'api-token-address:%').delete();
  });

  it('record last use at most once a minute', async () => {
    const timed = buildTestApp(db.knex, { now: '2026-11-28T14:00:00Z' });
    const token = await issueApiToken(db.knex, { role: 'viewer' });
    const lastUsed = async () =>
      new Date(
        (
          await db
            .knex('api_tokens')
            .where({ token_hash: hashToken(token) })
            .first()
        ).last_used_at,
      ).toISOString();
    const bump = () =>
      request(timed.app).get('/api/v1/reports').set('Authorization', `Bearer ${token}`).expect(200);
    await bump();
    expect(await lastUsed()).toBe('2026-11-28T14:00:00.000Z');
    timed.clock.set('2026-11-28T14:00:30Z');
    await bump();
    expect(await lastUsed()).toBe('2026-11-28T14:00:00.000Z');
    timed.clock.set('2026-11-28T14:01:01Z');
    await bump();
    expect(await lastUsed()).toBe('2026-11-28T14:01:01.000Z');
  });

  it('belong to service accounts that cannot sign in or be sent a password reset', async () => {
    const res = await issue({ serviceName: 'No sign-in' }).expect(200);
    expect(tokenIn(res.text)).toBeDefined();
    const owner = await db.knex('users').where({ name: 'No sign-in', kind: 'service' }).first();
    const form = await request(built.app).get('/sign-in');
    const signInCookie = form.headers['set-cookie'];
    const attempt = await request(built.app)
      .post('/sign-in')
      .set('Cookie', signInCookie!)
      .type('form')
      .send({ email: owner.email, password: 'anything at all 123', _csrf: csrfFrom(form.text) });
    expect(attempt.status).toBe(401);
    expect(attempt.headers.location).toBeUndefined();
    const reset = await request(built.app)
      .post(`/admin/users/${owner.id}/reset-link`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf });
    expect(reset.status).toBe(409);
    expect(reset.text).toContain('This is a service account');
    const users = await request(built.app).get('/admin/users').set('Cookie', cookie).expect(200);
    expect(users.text).toContain('No sign-in</a> (service account)');
  });

  it('never exceed the owner: the scope rules', () => {
    expect(scopeAllowed({ role: 'admin', organisationId: null }, 'viewer', null)).toBe(true);
    expect(scopeAllowed({ role: 'admin', organisationId: null }, 'overseer', null)).toBe(false);
    expect(scopeAllowed({ role: 'viewer', organisationId: null }, 'overseer', null)).toBe(false);
    expect(scopeAllowed({ role: 'org_lead', organisationId: 3 }, 'org_lead', 3)).toBe(true);
    expect(scopeAllowed({ role: 'org_lead', organisationId: 3 }, 'org_lead', 4)).toBe(false);
    expect(scopeAllowed({ role: 'org_lead', organisationId: 3 }, 'viewer', null)).toBe(false);
  });
});
