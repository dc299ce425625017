/**
 * Publication control through the real app on a real database: only an overseer publishes or
 * withdraws, each change is stored with its audit event, a withdrawn summary's words never reach the
 * public page (only that it was withdrawn, and why), published evidence is downloadable by anyone
 * until withdrawn, and an update of a withdrawn assignment cannot be published.
 */
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
import type { AssignmentRow, RecommendationRow } from '../../db/tables';
import type { Role } from '../accounts/accounts.types';
import { sealSecret } from '../../shared/secret-box';
import { generateTotpSecret } from '../accounts/totp';

describe('publication control', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let org: { id: number; slug: string };
  let rec: RecommendationRow;
  let assignment: AssignmentRow;
  let updateId: number;
  let fileId: number;
  const cookies = new Map<string, { cookie: string; csrf: string }>();
  const FILE_BYTES = Buffer.from('%PDF-1.7\npublished evidence bytes\n');

  async function sessionFor(key: string, role: Role, organisationId: number | null) {
    const needsTwoFactor = role === 'admin' || role === 'overseer';
    const user = await createUser(db.knex, {
      role,
      organisationId,
      totpSecretEnc: needsTwoFactor
        ? sealSecret(generateTotpSecret(), built.services.config.secretKey!)
        : null,
    });
    const { token, session } = await built.services.sessions.start(db.knex, {
      userId: user.id,
      state: 'active',
      context: { ip: '127.0.0.1', userAgent: 'test', requestId: null },
    });
    cookies.set(key, { cookie: `tracker-session=${token}`, csrf: session.csrfToken });
  }

  const post = (key: string, path: string, form: Record<string, string> = {}) => {
    const { cookie, csrf } = cookies.get(key)!;
    return request(built.app)
      .post(path)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, ...form });
  };
  const get = (key: string, path: string) =>
    request(built.app).get(path).set('Cookie', cookies.get(key)!.cookie);

  const count = async (table: string) => Number((await db.knex(table).count('* as n').first())?.n);
  const auditActions = async () =>
    (await db.knex('audit_events').orderBy('id').select('action')).map((r) => r.action as string);

  async function addUpdate(a: { id: number }, narrative: string) {
    const [row] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: a.id,
        author_label: 'Lead',
        self_assessment: 'on_track',
        narrative,
        created_at: new Date('2024-03-01T10:00:00Z'),
      })
      .returning(['id']);
    return row.id as number;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex);
    org = await createOrganisation(db.knex);
    const other = await createOrganisation(db.knex);
    const report = await createReport(db.knex);
    rec = await createRecommendation(db.knex, report);
    assignment = await createAssignment(db.knex, rec, org, {
      status: 'in_progress',
      responded_on: '2024-02-01',
      response_stance: 'accepted',
    });
    updateId = await addUpdate(
      assignment,
      'Private narrative about the work.\n\nSecond paragraph.',
    );
    const [file] = await db
      .knex('evidence_files')
      .insert({
        progress_update_id: updateId,
        original_name: 'plan.pdf',
        content_type: 'application/pdf',
        size_bytes: FILE_BYTES.length,
        sha256: 'b'.repeat(64),
        created_at: new Date('2024-03-01T10:00:00Z'),
      })
      .returning(['id']);
    fileId = file.id;
    await db.knex('evidence_file_chunks').insert({ file_id: fileId, seq: 0, bytes: FILE_BYTES });
    await sessionFor('overseer', 'overseer', null);
    await sessionFor('viewer', 'viewer', null);
    await sessionFor('admin', 'admin', null);
    await sessionFor('lead', 'org_lead', org.id);
    await sessionFor('otherLead', 'org_lead', other.id);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('shows the publication page to an overseer only: readers 403, another force 404', async () => {
    const path = `/workspace/updates/${updateId}/publication`;
    expect((await get('overseer', path)).status).toBe(200);
    expect((await get('viewer', path)).status).toBe(403);
    expect((await get('admin', path)).status).toBe(403);
    expect((await get('lead', path)).status).toBe(403);
    expect((await get('otherLead', path)).status).toBe(404);
    expect((await get('overseer', '/workspace/updates/999999/publication')).status).toBe(404);
    const updates = await get('overseer', `/workspace/assignments/${assignment.id}/updates`);
    expect(updates.text).toContain(`/workspace/updates/${updateId}/publication`);
    const leadUpdates = await get('lead', `/workspace/assignments/${assignment.id}/updates`);
    expect(leadUpdates.text).not.toContain(`/workspace/updates/${updateId}/publication`);
  });

  it('refuses an empty summary, and a reader, and stores nothing', async () => {
    const before = await count('update_publications');
    const empty = await post('overseer', `/workspace/updates/${updateId}/publication`, {
      summary: '   ',
    });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Enter the summary the public will see');
    const reader = await post('viewer', `/workspace/updates/${updateId}/publication`, {
      summary: 'A summary',
    });
    expect(reader.status).toBe(403);
    expect(await count('update_publications')).toBe(before);
  });

  it('publishes a summary with its audit event, shows it publicly, refuses a second live one, and withdraws with a reason', async () => {
    const publicPath = `/recommendations/${rec.ref}`;
    const res = await post('overseer', `/workspace/updates/${updateId}/publication`, {
      summary: 'Training has begun in every district.',
    });
    expect(res.status).toBe(303);
    const stored = await db.knex('update_publications').where({ progress_update_id: updateId });
    expect(stored).toHaveLength(1);
    expect(stored[0].summary).toBe('Training has begun in every district.');
    expect(await auditActions()).toContain('update_publication.publish');

    const page = await request(built.app).get(publicPath).expect(200);
    expect(page.text).toContain('Training has begun in every district.');
    expect(page.text).not.toContain('Private narrative about the work.');

    const again = await post('overseer', `/workspace/updates/${updateId}/publication`, {
      summary: 'A second summary',
    });
    expect(again.status).toBe(409);
    expect(again.text).toContain('A second summary');
    expect(await count('update_publications')).toBe(1);

    const noReason = await post(
      'overseer',
      `/workspace/updates/${updateId}/publication/withdrawal`,
      { reason: '' },
    );
    expect(noReason.status).toBe(400);
    expect(
      (await db.knex('update_publications').where({ progress_update_id: updateId }).first())
        .withdrawn_at,
    ).toBeNull();

    const withdrawn = await post(
      'overseer',
      `/workspace/updates/${updateId}/publication/withdrawal`,
      { reason: 'It named a member of staff.' },
    );
    expect(withdrawn.status).toBe(303);
    expect(await auditActions()).toContain('update_publication.withdraw');
    const after = await request(built.app).get(publicPath).expect(200);
    expect(after.text).not.toContain('Training has begun in every district.');
    expect(after.text).toContain('was withdrawn');
    expect(after.text).toContain('It named a member of staff.');

    // A correction is a new publication; the old one stays withdrawn, unchanged.
    const corrected = await post('overseer', `/workspace/updates/${updateId}/publication`, {
      use: 'narrative',
    });
    expect(corrected.status).toBe(303);
    const rows = await db
      .knex('update_publications')
      .where({ progress_update_id: updateId })
      .orderBy('id');
    expect(rows.map((r) => [r.summary, r.withdrawn_reason])).toEqual([
      ['Training has begun in every district.', 'It named a member of staff.'],
      ['Private narrative about the work.\n\nSecond paragraph.', null],
    ]);
  });

  it('publishes evidence for anyone to download, audited, until it is withdrawn', async () => {
    const publicPath = `/evidence/${fileId}`;
    await request(built.app).get(publicPath).expect(404);
    expect((await post('viewer', `/workspace/evidence/${fileId}/publication`)).status).toBe(403);
    expect((await post('otherLead', `/workspace/evidence/${fileId}/publication`)).status).toBe(404);
    const res = await post('overseer', `/workspace/evidence/${fileId}/publication`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(
      `/workspace/updates/${updateId}/publication?done=file-published`,
    );
    expect((await post('overseer', `/workspace/evidence/${fileId}/publication`)).status).toBe(409);

    const download = await request(built.app)
      .get(publicPath)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(Buffer.compare(download.body as Buffer, FILE_BYTES)).toBe(0);
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.headers.etag).toEqual(expect.any(String));
    const audit = await db
      .knex('audit_events')
      .where({ action: 'evidence.public_download', subject_id: String(fileId) })
      .first();
    expect(audit.actor_type).toBe('public');
    await request(built.app)
      .get(publicPath)
      .set('If-None-Match', download.headers.etag!)
      .expect(304);

    const page = await request(built.app).get(`/recommendations/${rec.ref}`).expect(200);
    expect(page.text).toContain(`href="/evidence/${fileId}"`);

    expect(
      (
        await post('overseer', `/workspace/evidence/${fileId}/publication/withdrawal`, {
          reason: '',
        })
      ).status,
    ).toBe(400);
    const withdrawn = await post(
      'overseer',
      `/workspace/evidence/${fileId}/publication/withdrawal`,
      { reason: 'Contains personal data.' },
    );
    expect(withdrawn.status).toBe(303);
    await request(built.app).get(publicPath).expect(404);
    const after = await request(built.app).get(`/recommendations/${rec.ref}`).expect(200);
    expect(after.text).not.toContain('plan.pdf');
    expect(after.text).toContain('Contains personal data.');
    expect(await auditActions()).toEqual(
      expect.arrayContaining(['evidence_publication.publish', 'evidence_publication.withdraw']),
    );
  });

  it('answers 404 for an update of a withdrawn assignment, and stores nothing', async () => {
    const gone = await createAssignment(
      db.knex,
      await createRecommendation(db.knex, { id: rec.report_id }),
      org,
      {
        withdrawn_at: new Date('2024-05-01T12:00:00Z'),
        withdrawn_reason: 'Wrong addressee',
      },
    );
    const goneUpdate = await addUpdate(gone, 'Words on a withdrawn assignment.');
    const before = await count('update_publications');
    const res = await post('overseer', `/workspace/updates/${goneUpdate}/publication`, {
      summary: 'Should not publish',
    });
    expect(res.status).toBe(404);
    expect((await get('overseer', `/workspace/updates/${goneUpdate}/publication`)).status).toBe(
      404,
    );
    expect(await count('update_publications')).toBe(before);
  });
});
