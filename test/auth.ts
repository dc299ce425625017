/**
 * Helpers for tests that need a signed-in user: create a user with a known password (and optionally
 * two-factor), and sign in through the real forms with a supertest agent that keeps the cookie.
 */
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import type { Role } from '../src/modules/accounts/accounts.types';
import { createPasswordHasher, TEST_SCRYPT_PARAMS } from '../src/modules/accounts/password';
import { hashToken, newTokenValue } from '../src/modules/accounts/api-tokens.service';
import { generateTotpSecret } from '../src/modules/accounts/totp';
import { sealSecret } from '../src/shared/secret-box';
import type { buildServices } from '../src/services';

export const TEST_PASSWORD = 'correct horse battery staple 42';
const hasher = createPasswordHasher(TEST_SCRYPT_PARAMS);

export interface TestUser {
  id: number;
  email: string;
  password: string;
  role: Role;
  organisationId: number | null;
}

export async function createUser(
  knex: Knex,
  fields: {
    role: Role;
    organisationId?: number | null;
    email?: string;
    disabled?: boolean;
    totpSecretEnc?: string | null;
  },
): Promise<TestUser> {
  const email = fields.email ?? `user-${randomBytes(4).toString('hex')}@example.test`;
  const [row] = await knex('users')
    .insert({
      email,
      name: `Test ${fields.role}`,
      role: fields.role,
      organisation_id: fields.organisationId ?? null,
      password_hash: await hasher.hash(TEST_PASSWORD),
      password_changed_at: new Date(),
      disabled_at: fields.disabled ? new Date() : null,
      totp_secret_enc: fields.totpSecretEnc ?? null,
      totp_enabled_at: fields.totpSecretEnc ? new Date() : null,
    })
    .returning(['id']);
  return {
    id: row.id,
    email,
    password: TEST_PASSWORD,
    role: fields.role,
    organisationId: fields.organisationId ?? null,
  };
}

/** The CSRF token in a rendered form. */
export function csrfFrom(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]+)"/);
  if (!match) throw new Error('No CSRF token in the page');
  return match[1]!;
}

/** Signs in through GET and POST /sign-in; returns the agent (cookie kept) and where it was sent. */
export async function signIn(app: Express, user: { email: string; password: string }) {
  const agent = request.agent(app);
  const form = await agent.get('/sign-in').expect(200);
  const res = await agent
    .post('/sign-in')
    .type('form')
    .send({ email: user.email, password: user.password, _csrf: csrfFrom(form.text) });
  return { agent, res };
}

/**
 * A usable API token (the `rtk_...` string) for a new service account with this role (and
 * organisation, for org_lead), valid for 30 days from the real clock unless `expiresAt` says
 * otherwise. Send it as `Authorization: Bearer <token>`.
 */
export async function issueApiToken(
  knex: Knex,
  fields: { role: Role; organisationId?: number | null; expiresAt?: Date; name?: string },
): Promise<string> {
  const organisationId = fields.role === 'org_lead' ? (fields.organisationId ?? null) : null;
  const [owner] = await knex('users')
    .insert({
      email: `service-${randomBytes(4).toString('hex')}@service-accounts.invalid`,
      name: fields.name ?? `Test ${fields.role} service`,
      role: fields.role,
      organisation_id: organisationId,
      kind: 'service',
    })
    .returning(['id']);
  const token = newTokenValue();
  const now = new Date();
  await knex('api_tokens').insert({
    token_hash: hashToken(token),
    token_hint: token.slice(0, 10),
    name: `Test token for ${fields.role}`,
    user_id: owner.id,
    role: fields.role,
    organisation_id: organisationId,
    created_at:
      fields.expiresAt && fields.expiresAt < now
        ? new Date(fields.expiresAt.getTime() - 86_400_000)
        : now,
    expires_at: fields.expiresAt ?? new Date(now.getTime() + 30 * 86_400_000),
  });
  return token;
}

type Services = Pick<ReturnType<typeof buildServices>, 'sessions' | 'config'>;

/** A signed-in browser's cookie and the session's CSRF token. */
export interface TestSession {
  cookie: string;
  csrf: string;
}

/**
 * A session started straight in the database, as a sign-in would leave it (or an anonymous one
 * when userId is null), without going through the sign-in forms.
 */
export async function startSession(
  services: Services,
  knex: Knex,
  userId: number | null,
): Promise<TestSession> {
  const { token, session } = await services.sessions.start(knex, {
    userId,
    state: userId === null ? 'anonymous' : 'active',
    context: { ip: '127.0.0.1', userAgent: 'test', requestId: null },
  });
  return { cookie: `tracker-session=${token}`, csrf: session.csrfToken };
}

/**
 * A user of the role with a session started for them; overseers and administrators get the
 * two-factor secret their role requires.
 */
export async function createSignedInUser(
  services: Services,
  knex: Knex,
  role: Role,
  organisationId: number | null = null,
): Promise<TestSession & { user: TestUser }> {
  const needsTwoFactor = role === 'overseer' || role === 'admin';
  const user = await createUser(knex, {
    role,
    organisationId,
    totpSecretEnc: needsTwoFactor
      ? sealSecret(generateTotpSecret(), services.config.secretKey!)
      : null,
  });
  return { ...(await startSession(services, knex, user.id)), user };
}
