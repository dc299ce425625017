/**
 * Two database roles on a PostgreSQL server: the start-up migrates and seeds as the owner
 * (DATABASE_MIGRATION_URL) and grants the app role (DATABASE_URL). Under the app role the app
 * serves pages and signs people in, and the audit trail cannot be changed: no UPDATE, DELETE,
 * TRUNCATE, and no ALTER TABLE ... DISABLE TRIGGER (only an owner may).
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import request from 'supertest';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { prepareDatabase } from '../src/startup';
import type { Database } from '../src/db/knex';
import { recordAudit, verifyAuditChain } from '../src/modules/operations/audit.repository';
import { buildTestApp } from './app';
import { createUser, signIn } from './auth';
import { createServerDatabase, dropServerDatabase, usingServerDatabase } from './db';

const describeServer = usingServerDatabase ? describe : describe.skip;

describeServer('the app role (server PostgreSQL)', () => {
  const role = `tracker_app_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let database: { name: string; url: string };
  let admin: Knex;
  let app: Database;

  beforeAll(async () => {
    database = await createServerDatabase(false);
    admin = knexFactory({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    await admin.raw(`create role ?? login password '${password}'`, [role]);
    await admin.raw('grant connect on database ?? to ??', [database.name, role]);
    const appUrl = new URL(database.url);
    appUrl.username = role;
    appUrl.password = password;
    const config = {
      ...loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        PASSWORD_HASH_COST: 'test',
        DATABASE_URL: appUrl.toString(),
        DATABASE_MIGRATION_URL: database.url,
      }),
      secretKey: randomBytes(32),
    };
    app = await prepareDatabase(config, createLogger('silent'));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await admin?.destroy();
    if (database) await dropServerDatabase(database.name);
    const server = knexFactory({
      client: 'pg',
      connection: process.env.TEST_DATABASE_URL!,
      pool: { min: 0, max: 1 },
    });
    try {
      await server.raw('drop role if exists ??', [role]);
    } finally {
      await server.destroy();
    }
  });

  it('runs as the app role, which owns nothing', async () => {
    expect((await app.knex.raw('select current_user as u')).rows[0].u).toBe(role);
    const owned = await admin.raw(
      `select count(*)::int as n from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = ?`,
      [role],
    );
    expect(owned.rows[0].n).toBe(0);
  });

  it('serves the public pages and signs a user in, writing audit events', async () => {
    const { app: express } = buildTestApp(app.knex);
    const home = await request(express).get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Operation Linden');
    const user = await createUser(app.knex, { role: 'viewer' });
    const before = Number((await app.knex('audit_events').count({ n: '*' }))[0]!.n);
    const { res } = await signIn(express, user);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/workspace');
    const after = Number((await app.knex('audit_events').count({ n: '*' }))[0]!.n);
    expect(after).toBeGreaterThan(before);
  });

  it('counts failed sign-ins in the rate limit table it could not have created itself', async () => {
    const { app: express } = buildTestApp(app.knex);
    const user = await createUser(app.knex, { role: 'viewer' });
    await expect(app.knex.raw('create table rate_limits_copy (key text)')).rejects.toMatchObject({
      code: '42501',
    });
    for (let i = 0; i < 5; i += 1)
      expect((await signIn(express, { ...user, password: 'wrong' })).res.status).toBe(401);
    expect((await signIn(express, user)).res.status).toBe(429);
    const counted = await admin('rate_limits').where({ key: `sign-in-account:${user.email}` });
    expect(counted.map((r) => Number(r.points))).toEqual([5]);
  });

  it.each([
    ["disable the audit trail's own triggers", 'alter table audit_events disable trigger user'],
    ["disable all of the audit trail's triggers", 'alter table audit_events disable trigger all'],
    ['update an audit event', `update audit_events set actor_label = 'rewritten'`],
    ['delete an audit event', 'delete from audit_events'],
    ['truncate the audit trail', 'truncate audit_events'],
    ['drop the audit trail', 'drop table audit_events'],
    [
      'replace the function that chains events',
      'create or replace function audit_events_chain() returns trigger language plpgsql as $$ begin return new; end $$',
    ],
  ])('cannot %s', async (_what, sql) => {
    const labels = await admin('audit_events').select('id', 'actor_label', 'hash').orderBy('id');
    await expect(app.knex.raw(sql)).rejects.toMatchObject({
      code: expect.stringMatching(/^(42501)$/),
    });
    expect(await admin('audit_events').select('id', 'actor_label', 'hash').orderBy('id')).toEqual(
      labels,
    );
    const triggers = await admin.raw(
      `select tgname, tgenabled from pg_trigger where tgrelid = 'audit_events'::regclass and not tgisinternal order by tgname`,
    );
    expect(triggers.rows.every((t: { tgenabled: string }) => t.tgenabled === 'O')).toBe(true);
  });

  it('can still add to and read the audit trail, and the chain verifies', async () => {
    await recordAudit(app.knex, {
      actor: { type: 'system', label: 'roles test' },
      action: 'test.event',
      subjectType: 'test',
    });
    const check = await verifyAuditChain(app.knex);
    expect(check.ok).toBe(true);
  });
});
