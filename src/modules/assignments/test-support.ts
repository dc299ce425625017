/**
 * Setup shared by this context's page tests (not used by the app): people by name with sessions
 * started straight in the database, overseers and administrators with the two-factor secret their
 * role requires, and requests made as one of them (a form POST carries their CSRF token).
 *
 * Usage, inside a `describe` whose `beforeAll` sets `db` and `built`:
 * `const { person, get, post } = signedInPeople(() => ({ built, knex: db.knex }));`
 */
import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import type { buildTestApp } from '../../../test/app';
import { createUser, startSession, type TestSession } from '../../../test/auth';
import { sealSecret } from '../../shared/secret-box';
import type { Role } from '../accounts/accounts.types';
import { generateTotpSecret } from '../accounts/totp';

type Built = ReturnType<typeof buildTestApp>;

/** GET and form POST as `who`, whose session `sessionOf` gives. */
export function requestsAs<W extends string>(
  app: () => Express,
  sessionOf: (who: W) => TestSession,
) {
  return {
    get: (who: W, path: string) => request(app()).get(path).set('Cookie', sessionOf(who).cookie),
    post: (who: W, path: string, body: Record<string, string> = {}) =>
      request(app())
        .post(path)
        .set('Cookie', sessionOf(who).cookie)
        .type('form')
        .send({ ...body, _csrf: sessionOf(who).csrf }),
  };
}

/** People by name; `current` gives the test's app and database once its beforeAll has run. */
export function signedInPeople(current: () => { built: Built; knex: Knex }) {
  const people = new Map<string, TestSession & { id: number }>();

  /** Adds a user of `role`, not signed in yet (see signInAll). */
  async function add(name: string, role: Role, organisationId: number | null = null) {
    const { built, knex } = current();
    const needsTwoFactor = role === 'overseer' || role === 'admin';
    const user = await createUser(knex, {
      role,
      organisationId,
      totpSecretEnc: needsTwoFactor
        ? sealSecret(generateTotpSecret(), built.services.config.secretKey!)
        : null,
    });
    people.set(name, { cookie: '', csrf: '', id: user.id });
  }

  const signIn = async (name: string) => {
    const { built, knex } = current();
    const { id } = people.get(name)!;
    people.set(name, { ...(await startSession(built.services, knex, id)), id });
  };

  /** A fresh session for everyone added (sessions end when the test clock jumps days ahead). */
  async function signInAll() {
    for (const name of people.keys()) await signIn(name);
  }

  /** Adds a user of `role` and signs them in. */
  async function person(name: string, role: Role, organisationId: number | null = null) {
    await add(name, role, organisationId);
    await signIn(name);
  }

  const as = (name: string) => people.get(name)!;
  return {
    people,
    add,
    signInAll,
    person,
    as,
    ...requestsAs(() => current().built.app, as),
  };
}
