import { createHmac } from 'node:crypto';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, signIn, TEST_PASSWORD } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation } from '../../../test/factories';
import { sealSecret } from '../../shared/secret-box';

describe('signing in and out', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('a force lead signs in with email and password, reaches the workspace, and signs out', async () => {
    const org = await createOrganisation(db.knex);
    const lead = await createUser(db.knex, { role: 'org_lead', organisationId: org.id });
    const { agent, res } = await signIn(built.app, {
      email: lead.email.toUpperCase(),
      password: lead.password,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/workspace');
    const ws = await agent.get('/workspace').expect(200);
    expect(ws.text).toContain(lead.email);
    expect(ws.headers['cache-control']).toBe('no-store');
    await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: csrfFrom(ws.text) })
      .expect(303);
    await agent.get('/workspace').expect(303);
  });

  it('the session id changes at sign-in, and the old cookie is worthless afterwards', async () => {
    const lead = await createUser(db.knex, { role: 'viewer' });
    const agent = request.agent(built.app);
    const form = await agent.get('/sign-in').expect(200);
    const before = String(form.headers['set-cookie']).match(/tracker-session=([^;]+)/)![1];
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: lead.email, password: lead.password, _csrf: csrfFrom(form.text) })
      .expect(303);
    const after = String(res.headers['set-cookie']).match(/tracker-session=([^;]+)/)![1];
    expect(after).not.toBe(before);
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i);
    expect(String(res.headers['set-cookie'])).toMatch(/SameSite=Lax/i);
    await request(built.app)
      .get('/workspace')
      .set('Cookie', `tracker-session=${before}`)
      .expect(303);
    await request(built.app)
      .get('/workspace')
      .set('Cookie', `tracker-session=${after}`)
      .expect(200);
  });

  it('says the same thing for an unknown email and a wrong password', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const wrong = await signIn(built.app, {
      email: user.email,
      password: 'not the password at all',
    });
    const unknown = await signIn(built.app, {
      email: 'nobody@example.test',
      password: TEST_PASSWORD,
    });
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    const message = (html: string) =>
      html.match(/<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/)![1];
    expect(message(wrong.res.text)).toBe(message(unknown.res.text));
    expect(wrong.res.text).toContain('Enter a correct email address and password');
    expect(wrong.res.text).not.toContain('not the password at all');
  });

  it('refuses a form without a CSRF token, or with another session’s token, and signs nobody in', async () => {
    const user = await createUser(db.knex, { role: 'viewer' });
    const agent = request.agent(built.app);
    await agent.get('/sign-in').expect(200);
    await agent
      .post('/sign-in')
      .type('form')
      .send({ email: user.email, password: user.password })
      .expect(403);
    const other = await request(built.app).get('/sign-in');
    await agent
      .post('/sign-in')
      .type('form')
      .send({ email: user.email, password: user.password, _csrf: csrfFrom(other.text) })
      .expect(403);
    await agent.get('/workspace').expect(303);
  });

  it('an overseer who enrolled before the TOTP library came in still signs in with their app, once per code', async () => {
    // A secret as the hand-written code stored it: 20 bytes as 32 base32 characters, sealed. These
    // are RFC 6238's SHA-1 test bytes ("12345678901234567890"), so the code can be checked by hand.
    const stored = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const key = Buffer.from('12345678901234567890', 'ascii');
    const overseer = await createUser(db.knex, {
      role: 'overseer',
      totpSecretEnc: sealSecret(stored, built.services.config.secretKey!),
    });
    // The code an authenticator app shows now, worked out with node:crypto alone (RFC 4226 5.3).
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(Math.floor(built.clock.now().getTime() / 30_000)));
    const mac = createHmac('sha1', key).update(counter).digest();
    const code = String((mac.readUInt32BE(mac[19]! & 0x0f) & 0x7fffffff) % 1_000_000).padStart(
      6,
      '0',
    );

    const twoFactor = async () => {
      const { agent, res } = await signIn(built.app, overseer);
      expect(res.headers.location).toBe('/sign-in/two-factor');
      const form = await agent.get('/sign-in/two-factor').expect(200);
      const answer = await agent
        .post('/sign-in/two-factor')
        .type('form')
        .send({ code, _csrf: csrfFrom(form.text) });
      return { agent, answer };
    };
    const first = await twoFactor();
    expect(first.answer.status).toBe(303);
    expect(first.answer.headers.location).toBe('/workspace');
    await first.agent.get('/workspace').expect(200);
    const row = await db.knex('users').where({ id: overseer.id }).first();
    expect(Number(row.totp_last_step)).toBe(Math.floor(built.clock.now().getTime() / 30_000));

    // The same code again (someone who watched it typed) is refused.
    const replay = await twoFactor();
    expect(replay.answer.status).toBe(401);
    await replay.agent.get('/workspace').expect(303);
  });
});
