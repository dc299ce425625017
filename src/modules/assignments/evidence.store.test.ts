/**
 * Evidence kept in files named by their SHA-256 (the embedded database's store), through the real
 * upload and download routes: no bytes in the database, the same bytes back, one file for identical
 * uploads, nothing half-written left behind by a refused upload, and files stored in chunks before
 * the switch still readable.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { databaseEvidenceStore, fileEvidenceStore } from './evidence.store';

const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size - 9)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('evidence kept in files under DATA_DIR', () => {
  let db: TestDatabase;
  let dir: string;
  let built: ReturnType<typeof buildTestApp>;
  let assignmentId = 0;
  let lead = { cookie: '', csrf: '' };
  let viewerCookie = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-evidence-'));
    built = buildTestApp(db.knex, { evidenceStore: fileEvidenceStore(dir) });
    const org = await createOrganisation(db.knex);
    const rec = await createRecommendation(db.knex, await createReport(db.knex));
    const assignment = await createAssignment(db.knex, rec, org, {
      status: 'in_progress',
      responded_on: '2024-02-01',
      response_stance: 'accepted',
    });
    assignmentId = assignment.id;
    for (const role of ['org_lead', 'viewer'] as const) {
      const user = await createUser(db.knex, {
        role,
        organisationId: role === 'org_lead' ? org.id : null,
      });
      const { token, session } = await built.services.sessions.start(db.knex, {
        userId: user.id,
        state: 'active',
        context: { ip: '127.0.0.1', userAgent: 'test', requestId: null },
      });
      if (role === 'org_lead')
        lead = { cookie: `tracker-session=${token}`, csrf: session.csrfToken };
      else viewerCookie = `tracker-session=${token}`;
    }
  });
  afterAll(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const upload = (files: { name: string; bytes: Buffer }[]) => {
    const req = request(built.app)
      .post(`/workspace/assignments/${assignmentId}/updates`)
      .set('Cookie', lead.cookie)
      .field('_csrf', lead.csrf)
      .field('narrative', 'Evidence attached.')
      .field('selfAssessment', 'on_track');
    for (const f of files) req.attach('files', f.bytes, f.name);
    return req;
  };
  const chunks = async () =>
    Number((await db.knex('evidence_file_chunks').count('* as n').first())?.n);
  const download = (id: number) =>
    request(built.app)
      .get(`/workspace/evidence/${id}`)
      .set('Cookie', viewerCookie)
      .buffer(true)
      .parse((res, done) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => done(null, Buffer.concat(parts)));
      });

  it('writes the bytes to a file named by their hash, none to the database, and reads them back', async () => {
    const bytes = pdf(600 * 1024);
    const before = await chunks();
    await upload([{ name: 'minutes.pdf', bytes }]).expect(303);
    expect(await chunks()).toBe(before);
    const row = await db.knex('evidence_files').orderBy('id', 'desc').first();
    expect(row.sha256).toBe(sha(bytes));
    const file = path.join(dir, row.sha256.slice(0, 2), row.sha256);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    const res = await download(row.id).expect(200);
    expect((res.body as Buffer).equals(bytes)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('keeps one file for identical uploads, and leaves nothing behind when an upload is refused', async () => {
    const bytes = pdf(4000);
    await upload([{ name: 'a.pdf', bytes }]).expect(303);
    await upload([{ name: 'b.pdf', bytes }]).expect(303);
    expect(fs.readdirSync(path.join(dir, sha(bytes).slice(0, 2)))).toContain(sha(bytes));
    const files = await db.knex('evidence_files').where({ sha256: sha(bytes) });
    expect(files).toHaveLength(2);
    const refused = await upload([
      { name: 'fine.pdf', bytes: pdf(3000) },
      { name: 'page.html', bytes: Buffer.from('<html><script>alert(1)</script></html>') },
    ]);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('still reads a file stored in chunks before the switch', async () => {
    const bytes = pdf(2000);
    const before = buildTestApp(db.knex, { evidenceStore: databaseEvidenceStore });
    const res = await request(before.app)
      .post(`/workspace/assignments/${assignmentId}/updates`)
      .set('Cookie', lead.cookie)
      .field('_csrf', lead.csrf)
      .field('narrative', 'Stored in chunks.')
      .field('selfAssessment', 'on_track')
      .attach('files', bytes, 'old.pdf');
    expect(res.status).toBe(303);
    const row = await db.knex('evidence_files').orderBy('id', 'desc').first();
    expect(fs.existsSync(path.join(dir, row.sha256.slice(0, 2), row.sha256))).toBe(false);
    const back = await download(row.id).expect(200);
    expect((back.body as Buffer).equals(bytes)).toBe(true);
  });
});
