/**
 * The audit trail anyone can check: daily checkpoints of the chain head (stored once, however many
 * instances ask), published in /data and the Atom feed; and a rewrite with superuser rights (the
 * triggers disabled, a row changed) caught by the check, then, after every later hash was
 * recomputed to hide it, caught by the published checkpoint instead, on the admin page and by
 * `npm run audit:verify`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { applyLindenSeed } from '../seeds/operation-linden';
import { sealSecret } from '../src/shared/secret-box';
import { generateTotpSecret } from '../src/modules/accounts/totp';
import { recordAudit } from '../src/modules/operations/audit.repository';
import { buildTestApp } from './app';
import { createUser, startSession } from './auth';
import { createTestDatabase, usingServerDatabase, type TestDatabase } from './db';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

describe('the audit trail anyone can check', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let adminCookie: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    for (let i = 0; i < 5; i += 1)
      await recordAudit(db.knex, {
        actor: { type: 'system', label: 'test' },
        action: 'test.event',
        subjectType: 'test',
        subjectId: i,
        after: { i },
      });
    built = buildTestApp(db.knex, { now: '2026-12-02T09:00:00Z' });
    const admin = await createUser(db.knex, {
      role: 'admin',
      totpSecretEnc: sealSecret(generateTotpSecret(), built.services.config.secretKey!),
    });
    adminCookie = (await startSession(built.services, db.knex, admin.id)).cookie;
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('takes one checkpoint a London day, however many instances ask at once', async () => {
    const other = buildTestApp(db.knex, { now: '2026-12-02T09:00:00Z' });
    const results = await Promise.all([
      built.services.auditTrail.checkpoint(),
      other.services.auditTrail.checkpoint(),
      built.services.auditTrail.checkpoint(),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const rows = await db.knex('audit_checkpoints').select('*');
    expect(rows).toHaveLength(1);
    const head = await db.knex('audit_events').orderBy('id', 'desc').first('id', 'hash');
    expect(rows[0]).toMatchObject({
      day: '2026-12-02',
      head_event_id: Number(head.id),
      head_hash: head.hash,
    });
    // The next London day gets its own.
    const tomorrow = buildTestApp(db.knex, { now: '2026-12-03T00:30:00Z' });
    expect(await tomorrow.services.auditTrail.checkpoint()).toBe(true);
    expect(await tomorrow.services.auditTrail.checkpoint()).toBe(false);
  });

  it('publishes the checkpoints in /data, as CSV and JSON, and in the feed', async () => {
    const head = await db.knex('audit_checkpoints').orderBy('day', 'desc').first();
    const page = await request(built.app).get('/data').expect(200);
    expect(page.text).toContain('href="/data/audit-checkpoints.csv"');
    expect(page.text).toContain('id="dataset-audit-checkpoints"');
    const json = await request(built.app).get('/data/audit-checkpoints.json').expect(200);
    expect(json.body.data[0]).toEqual({
      day: '2026-12-03',
      head_event_id: Number(head.head_event_id),
      head_hash: head.head_hash,
      event_count: Number(head.event_count),
    });
    expect(json.body.row_count).toBe(2);
    const csv = await request(built.app).get('/data/audit-checkpoints.csv').expect(200);
    expect(csv.text).toContain(`2026-12-03,${head.head_event_id},${head.head_hash},`);
    const feed = await request(built.app).get('/data/feed.atom').expect(200);
    expect(feed.text).toContain('Audit trail checkpoint for 2026-12-03');
    expect(feed.text).toContain(head.head_hash);
  });

  it('reports an intact trail on the admin page', async () => {
    const res = await request(built.app).get('/admin/audit').set('Cookie', adminCookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('The audit trail checks out');
  });

  it('catches a superuser rewrite, and the checkpoint catches it once the chain is recomputed', async () => {
    const target = await db
      .knex('audit_events')
      .where({ action: 'test.event', subject_id: '1' })
      .first('id');
    const id = Number(target.id);
    // What an owner or superuser can do: switch the guard triggers off and change history.
    await db.knex.raw('alter table audit_events disable trigger user');
    try {
      await db.knex('audit_events').where({ id }).update({ actor_label: 'rewritten' });
      let report = await built.services.auditTrail.verify();
      expect(report.ok).toBe(false);
      expect(report.firstBroken).toMatchObject({ id, problem: 'hash', action: 'test.event' });

      // Hide it: recompute this event's hash and every later one's, in order.
      const later = await db.knex('audit_events').where('id', '>=', id).orderBy('id').select('id');
      let prev = (
        await db.knex('audit_events').where('id', '<', id).orderBy('id', 'desc').first('hash')
      ).hash as string;
      for (const row of later) {
        const [updated] = await db
          .knex('audit_events as e')
          .where('e.id', row.id)
          .update({
            prev_hash: prev,
            hash: db.knex.raw(
              `encode(sha256(convert_to(? || '|' || audit_event_content(e), 'UTF8')), 'hex')`,
              [prev],
            ),
          })
          .returning('hash');
        prev = updated.hash;
      }
      report = await built.services.auditTrail.verify();
      expect(report.firstBroken).toBeNull();
      expect(report.ok).toBe(false);
      expect(report.checkpoints.mismatched.map((m) => m.day)).toEqual(['2026-12-02', '2026-12-03']);

      const page = await request(built.app).get('/admin/audit').set('Cookie', adminCookie);
      expect(page.text).toContain('The audit trail does not check out');
      expect(page.text).toContain('The checkpoint of 2026-12-02 published hash');

      if (usingServerDatabase) {
        const cli = await run(process.execPath, ['--import', 'tsx', 'src/cli/audit-verify.ts'], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, DATABASE_URL: db.url, NODE_ENV: 'test' },
        }).then(
          () => ({ code: 0, stdout: '' }),
          (err: { code: number; stdout: string }) => err,
        );
        expect(cli.code).toBe(1);
        expect(cli.stdout).toContain('CHECKPOINT MISMATCH for 2026-12-02');
        expect(cli.stdout).toContain('Result: the audit trail has been changed.');
      }
    } finally {
      await db.knex.raw('alter table audit_events enable trigger user');
    }
  });
});
