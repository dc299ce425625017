/**
 * Growing and recovering: `npm run db:move` copies a populated embedded database into an empty
 * server database (the public pages then read the same and a user signs in with their password),
 * and `db:backup` of that server database restored by `db:restore` into another new database
 * serves the same public pages.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { applyLindenSeed } from '../seeds/operation-linden';
import { openEmbeddedDatabase, openServerDatabase, type Database } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { recordAudit } from '../src/modules/operations/audit.repository';
import { buildTestApp } from './app';
import { createUser, signIn, type TestUser } from './auth';
import { createServerDatabase, dropServerDatabase, usingServerDatabase } from './db';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const describeServer = usingServerDatabase ? describe : describe.skip;
const PAGES = [
  '/',
  '/recommendations',
  '/recommendations/LIN-01',
  '/organisations',
  '/data/recommendations.csv',
];
const NOW = '2026-12-02T10:00:00Z';

/** The public pages as text, with per-response tokens taken out. */
async function snapshot(db: Database): Promise<string[]> {
  const { app } = buildTestApp(db.knex, { now: NOW });
  const out: string[] = [];
  for (const page of PAGES) {
    const res = await request(app).get(page);
    expect({ page, status: res.status }).toEqual({ page, status: 200 });
    out.push(res.text.replace(/name="_csrf" value="[^"]+"/g, ''));
  }
  return out;
}

async function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/db-portable.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
}

describeServer('moving and restoring the database', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-move-'));
  const backupFile = path.join(dataDir, 'backup.jsonl.gz');
  const made: string[] = [];
  let user: TestUser;
  let before: string[];

  beforeAll(async () => {
    const source = await openEmbeddedDatabase(dataDir, createLogger('silent'));
    try {
      await migrateToLatest(source);
      await applyLindenSeed(source.knex);
      user = await createUser(source.knex, { role: 'viewer' });
      await recordAudit(source.knex, {
        actor: { type: 'system', label: 'test' },
        action: 'test.before_move',
        subjectType: 'test',
        after: { text: 'é ✓ "quoted"', list: [1, 2] },
      });
      before = await snapshot(source);
    } finally {
      await source.close();
    }
  }, 120_000);
  afterAll(async () => {
    for (const name of made) await dropServerDatabase(name);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('db:move copies the embedded database to a server; pages match and sign-in works there', async () => {
    const target = await createServerDatabase(false);
    made.push(target.name);
    const { stdout } = await cli(['move', target.url], { DATA_DIR: dataDir });
    expect(stdout).toMatch(/row counts match and the audit trail \(\d+ events\) verifies/);
    expect(stdout).toContain('DATABASE_URL=');
    expect(stdout).toContain('secret.key');

    const db = openServerDatabase(
      {
        kind: 'server',
        url: target.url,
        poolMax: 2,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 30000,
      },
      createLogger('silent'),
    );
    try {
      expect(await snapshot(db)).toEqual(before);
      const { app } = buildTestApp(db.knex, { now: NOW });
      const { res } = await signIn(app, user);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/workspace');
      const moved = await db
        .knex('audit_events')
        .where({ action: 'test.before_move' })
        .first('after');
      expect(moved.after).toEqual({ text: 'é ✓ "quoted"', list: [1, 2] });
      // New rows get new ids after the copied ones.
      await recordAudit(db.knex, {
        actor: { type: 'system' },
        action: 'test.after_move',
        subjectType: 'test',
      });
    } finally {
      await db.close();
    }

    // A second move into the now-populated database is refused and changes nothing.
    await expect(cli(['move', target.url], { DATA_DIR: dataDir })).rejects.toMatchObject({
      stderr: expect.stringContaining('is not empty'),
    });

    const { stdout: wrote } = await cli(['backup', backupFile], { DATABASE_URL: target.url });
    expect(wrote).toContain('Wrote');
    expect(fs.statSync(backupFile).mode & 0o077).toBe(0);
  }, 150_000);

  it('a backup restored into a new database serves the same public pages', async () => {
    const fresh = await createServerDatabase(false);
    made.push(fresh.name);
    const { stdout } = await cli(['restore', backupFile], { DATABASE_URL: fresh.url });
    expect(stdout).toContain('row counts match the backup');
    const db = openServerDatabase(
      {
        kind: 'server',
        url: fresh.url,
        poolMax: 2,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 30000,
      },
      createLogger('silent'),
    );
    try {
      expect(await snapshot(db)).toEqual(before);
      expect(
        await db.knex('audit_events').where({ action: 'test.after_move' }).first('id'),
      ).toBeDefined();
    } finally {
      await db.close();
    }
  }, 150_000);
});
