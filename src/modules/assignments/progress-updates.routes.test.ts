/**
 * Progress updates with evidence, through the real app on a real database: files stream into
 * chunks and come back byte for byte; types are sniffed from the bytes; limits, refusals, lifecycle
 * conflicts, CSRF failures and a client that goes away mid-upload all leave nothing stored; another
 * organisation's lead sees 404 everywhere; viewers read but do not post; downloads are audited and
 * sent with safe headers.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { csrfFrom } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import type { AssignmentRow } from '../../db/tables';
import { signedInPeople } from './test-support';

const MAX_FILE = 1024 * 1024;
const MAX_FILES = 10;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Minimal files whose first bytes say what they are. */
function zipWith(entry: string): Buffer {
  const name = Buffer.from(entry, 'latin1');
  const data = Buffer.from('<xml/>');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(name.length, 26);
  const content = Buffer.concat([header, name, data]);
  // A second entry, as real documents have several.
  const second = Buffer.from(content);
  return Buffer.concat([zipHeader('[Content_Types].xml'), content, second]);
}
function zipHeader(entry: string): Buffer {
  const name = Buffer.from(entry, 'latin1');
  const data = Buffer.from('<Types/>');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name, data]);
}
const OLE2 = Buffer.concat([
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
  randomBytes(2000),
]);
const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size - 9)]);
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  randomBytes(500),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(500)]);

describe('progress updates and evidence files', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let org: { id: number };
  let assignment: AssignmentRow;
  let waiting: AssignmentRow;

  const counts = async () => {
    const n = async (t: string) => Number((await db.knex(t).count('* as n').first())?.n);
    return {
      updates: await n('progress_updates'),
      files: await n('evidence_files'),
      chunks: await n('evidence_file_chunks'),
      audit: await n('audit_events'),
    };
  };

  const { person: sessionFor, as } = signedInPeople(() => ({ built, knex: db.knex }));
  const updatesPath = (a: { id: number }) => `/workspace/assignments/${a.id}/updates`;

  function post(
    key: string,
    a: { id: number },
    form: { narrative?: string; selfAssessment?: string; csrf?: string | null },
    files: { name: string; bytes: Buffer }[] = [],
  ) {
    const { cookie, csrf } = as(key);
    const req = request(built.app).post(updatesPath(a)).set('Cookie', cookie);
    const token = form.csrf === undefined ? csrf : form.csrf;
    if (token !== null) req.field('_csrf', token);
    if (form.narrative !== undefined) req.field('narrative', form.narrative);
    if (form.selfAssessment !== undefined) req.field('selfAssessment', form.selfAssessment);
    for (const f of files) req.attach('files', f.bytes, f.name);
    return req;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, {
      config: { evidence: { maxFileBytes: MAX_FILE, maxFiles: MAX_FILES } },
    });
    org = await createOrganisation(db.knex);
    const other = await createOrganisation(db.knex);
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    assignment = await createAssignment(db.knex, rec, org, {
      status: 'in_progress',
      responded_on: '2024-02-01',
      response_stance: 'accepted',
    });
    waiting = await createAssignment(db.knex, await createRecommendation(db.knex, report), org);
    await sessionFor('lead', 'org_lead', org.id);
    await sessionFor('otherLead', 'org_lead', other.id);
    await sessionFor('viewer', 'viewer', null);
    await sessionFor('overseer', 'overseer', null);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('stores several files in chunks, byte for byte, with their hashes, and one audit event', async () => {
    const big = pdf(700 * 1024);
    const csv = Buffer.from('a,b\n1,2\n');
    const before = await counts();
    const res = await post(
      'lead',
      assignment,
      { narrative: 'Training done.', selfAssessment: 'on_track' },
      [
        { name: 'report.pdf', bytes: big },
        { name: 'photo.png', bytes: PNG },
        { name: 'figures.csv', bytes: csv },
      ],
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${updatesPath(assignment)}?posted=1`);
    const after = await counts();
    expect(after.updates).toBe(before.updates + 1);
    expect(after.files).toBe(before.files + 3);
    expect(after.audit).toBe(before.audit + 1);
    // 700 KB is three chunks of at most 256 KB; the small files one each.
    expect(after.chunks).toBe(before.chunks + 5);

    const files = await db.knex('evidence_files').orderBy('id', 'desc').limit(3);
    const byName = Object.fromEntries(files.map((f) => [f.original_name, f]));
    expect(byName['report.pdf'].content_type).toBe('application/pdf');
    expect(byName['photo.png'].content_type).toBe('image/png');
    expect(byName['figures.csv'].content_type).toBe('text/csv; charset=utf-8');
    for (const [name, bytes] of [
      ['report.pdf', big],
      ['photo.png', PNG],
      ['figures.csv', csv],
    ] as const) {
      const f = byName[name];
      expect(f.sha256).toBe(sha(bytes));
      expect(Number(f.size_bytes)).toBe(bytes.length);
      const download = await request(built.app)
        .get(`/workspace/evidence/${f.id}`)
        .set('Cookie', as('lead').cookie)
        .buffer(true)
        .parse((r, cb) => {
          const parts: Buffer[] = [];
          r.on('data', (c: Buffer) => parts.push(c));
          r.on('end', () => cb(null, Buffer.concat(parts)));
        });
      expect(download.status).toBe(200);
      expect(Buffer.compare(download.body as Buffer, bytes)).toBe(0);
    }

    const event = await db
      .knex('audit_events')
      .where({ action: 'progress_update.create' })
      .orderBy('id', 'desc')
      .first();
    const recorded = typeof event.after === 'string' ? JSON.parse(event.after) : event.after;
    expect(recorded.files).toEqual(
      expect.arrayContaining([
        {
          name: 'report.pdf',
          contentType: 'application/pdf',
          sizeBytes: big.length,
          sha256: sha(big),
        },
      ]),
    );
    expect(JSON.stringify(recorded)).not.toContain(big.subarray(9, 40).toString('base64'));

    const page = await request(built.app)
      .get(updatesPath(assignment))
      .set('Cookie', as('lead').cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Training done.');
    expect(page.text).toContain(sha(big));
    expect(page.text).toContain(`href="/workspace/evidence/${byName['report.pdf'].id}"`);
    expect(page.text).toContain(`href="/workspace/assignments/${assignment.id}"`);
  });

  it("heads each update with the London date it was posted and its author's name", async () => {
    const res = await post('lead', assignment, {
      narrative: 'Dated heading.',
      selfAssessment: 'on_track',
    });
    expect(res.status).toBe(303);
    const page = await request(built.app)
      .get(updatesPath(assignment))
      .set('Cookie', as('lead').cookie);
    expect(page.status).toBe(200);
    // The test clock stands at 2026-11-28T12:00:00Z; the heading once printed ", by …" alone.
    expect(page.text).toMatch(
      /<h3 class="govuk-summary-card__title"><time datetime="2026-11-28T12:00:00.000Z">28 November 2026<\/time>, by [^<]+<\/h3>/,
    );
    expect(page.text).not.toContain('"></time>, by');
  });

  it('accepts each allowed type, recording the type the bytes say', async () => {
    const res = await post(
      'lead',
      assignment,
      { narrative: 'Every type.', selfAssessment: 'at_risk' },
      [
        { name: 'a.pdf', bytes: pdf(3000) },
        { name: 'b.docx', bytes: zipWith('word/document.xml') },
        { name: 'c.xlsx', bytes: zipWith('xl/workbook.xml') },
        { name: 'd.doc', bytes: OLE2 },
        { name: 'e.xls', bytes: OLE2 },
        { name: 'f.csv', bytes: Buffer.from('x,y\n') },
        { name: 'g.txt', bytes: Buffer.from('Plain words — with UTF-8.\n') },
        { name: 'h.png', bytes: PNG },
        { name: 'i.jpg', bytes: JPEG },
      ],
    );
    expect(res.status).toBe(303);
    const files = await db.knex('evidence_files').orderBy('id', 'desc').limit(9);
    expect(Object.fromEntries(files.map((f) => [f.original_name, f.content_type]))).toEqual({
      'a.pdf': 'application/pdf',
      'b.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'c.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'd.doc': 'application/msword',
      'e.xls': 'application/vnd.ms-excel',
      'f.csv': 'text/csv; charset=utf-8',
      'g.txt': 'text/plain; charset=utf-8',
      'h.png': 'image/png',
      'i.jpg': 'image/jpeg',
    });
  });

  it.each([
    [
      'an executable renamed .pdf',
      Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), randomBytes(4000)]),
    ],
    ['HTML renamed .pdf', Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>')],
  ])('refuses %s with 422 naming the file, and stores nothing', async (_label, bytes) => {
    const before = await counts();
    const res = await post(
      'lead',
      assignment,
      { narrative: 'Sneaky.', selfAssessment: 'on_track' },
      [
        { name: 'fine.png', bytes: PNG },
        { name: 'evidence.pdf', bytes },
      ],
    );
    expect(res.status).toBe(422);
    expect(res.text).toContain('evidence.pdf');
    expect(res.text).toContain('not a type the tracker accepts');
    expect(res.text).toContain('Sneaky.');
    expect(await counts()).toEqual(before);
  });

  it('refuses a file over the limit with 413, keeps the narrative, and stores nothing', async () => {
    const before = await counts();
    const res = await post(
      'lead',
      assignment,
      { narrative: 'Too big.', selfAssessment: 'on_track' },
      [
        { name: 'ok.pdf', bytes: pdf(300 * 1024) },
        { name: 'huge.pdf', bytes: pdf(MAX_FILE + 1) },
      ],
    );
    expect(res.status).toBe(413);
    expect(res.text).toContain('1 MB or smaller');
    expect(res.text).toContain('Too big.');
    expect(await counts()).toEqual(before);
  });

  it('accepts a file of exactly the size limit', async () => {
    const exact = pdf(MAX_FILE);
    const res = await post(
      'lead',
      assignment,
      { narrative: 'Just fits.', selfAssessment: 'on_track' },
      [{ name: 'exact.pdf', bytes: exact }],
    );
    expect(res.status).toBe(303);
    const file = await db.knex('evidence_files').orderBy('id', 'desc').first();
    expect(Number(file.size_bytes)).toBe(MAX_FILE);
    expect(file.sha256).toBe(sha(exact));
  });

  it('refuses more files than allowed with 413 and stores nothing', async () => {
    const before = await counts();
    const files = Array.from({ length: MAX_FILES + 1 }, (_, i) => ({
      name: `p${i}.png`,
      bytes: PNG,
    }));
    const res = await post(
      'lead',
      assignment,
      { narrative: 'Many.', selfAssessment: 'on_track' },
      files,
    );
    expect(res.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it('refuses a missing narrative or self-assessment with 400 and stores nothing', async () => {
    const before = await counts();
    const res = await post('lead', assignment, { narrative: '  ' }, [
      { name: 'a.png', bytes: PNG },
    ]);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter what has happened since the last update');
    expect(res.text).toContain('Choose how the work is going');
    expect(await counts()).toEqual(before);
  });

  it('leaves nothing when the client goes away mid-upload', async () => {
    const before = await counts();
    const server = built.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    const boundary = '----abort-test';
    const head = Buffer.from(
      [
        `--${boundary}`,
        'Content-Disposition: form-data; name="_csrf"',
        '',
        as('lead').csrf,
        `--${boundary}`,
        'Content-Disposition: form-data; name="narrative"',
        '',
        'Half an upload.',
        `--${boundary}`,
        'Content-Disposition: form-data; name="selfAssessment"',
        '',
        'on_track',
        `--${boundary}`,
        'Content-Disposition: form-data; name="files"; filename="half.pdf"',
        'Content-Type: application/pdf',
        '',
        '',
      ].join('\r\n'),
    );
    const part = pdf(600 * 1024);
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: updatesPath(assignment),
        headers: {
          Cookie: as('lead').cookie,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': String(head.length + 900 * 1024),
        },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(head);
      req.write(part, () => {
        // Let the server store some chunks before the connection drops.
        setTimeout(() => req.destroy(), 300);
      });
    });
    // The rollback happens when the server notices; wait for it.
    let after = await counts();
    for (let i = 0; i < 40 && JSON.stringify(after) !== JSON.stringify(before); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await counts();
    }
    await new Promise((r) => server.close(r));
    expect(after).toEqual(before);
  });

  it('moves the assignment to awaiting verification when an update claims completion', async () => {
    const res = await post(
      'lead',
      assignment,
      { narrative: 'All done.', selfAssessment: 'complete' },
      [{ name: 'proof.pdf', bytes: pdf(2000) }],
    );
    expect(res.status).toBe(303);
    const row = await db.knex('assignments').where({ id: assignment.id }).first();
    expect(row.status).toBe('awaiting_verification');
    const event = await db
      .knex('audit_events')
      .where({ action: 'progress_update.create' })
      .orderBy('id', 'desc')
      .first();
    const after = typeof event.after === 'string' ? JSON.parse(event.after) : event.after;
    expect(after.status).toBe('awaiting_verification');
  });

  it('refuses a claim of completion the lifecycle forbids with 409 and stores nothing', async () => {
    const before = await counts();
    const res = await post(
      'lead',
      waiting,
      { narrative: 'Done already.', selfAssessment: 'complete' },
      [{ name: 'proof.pdf', bytes: pdf(2000) }],
    );
    expect(res.status).toBe(409);
    expect(res.text).toContain('Record the formal response first');
    expect(res.text).toContain('Done already.');
    expect(await counts()).toEqual(before);
    expect((await db.knex('assignments').where({ id: waiting.id }).first()).status).toBe(
      'awaiting_response',
    );
  });

  it('answers another organisation’s lead 404 on the page, the post and the download', async () => {
    const file = await db.knex('evidence_files').first('id');
    const before = await counts();
    const page = await request(built.app)
      .get(updatesPath(assignment))
      .set('Cookie', as('otherLead').cookie);
    expect(page.status).toBe(404);
    const posted = await post(
      'otherLead',
      assignment,
      { narrative: 'Not mine.', selfAssessment: 'on_track' },
      [{ name: 'a.png', bytes: PNG }],
    );
    expect(posted.status).toBe(404);
    const download = await request(built.app)
      .get(`/workspace/evidence/${file.id}`)
      .set('Cookie', as('otherLead').cookie);
    expect(download.status).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it('lets a viewer read and download but not post', async () => {
    const file = await db.knex('evidence_files').first('id');
    const page = await request(built.app)
      .get(updatesPath(assignment))
      .set('Cookie', as('viewer').cookie);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('Post update');
    const download = await request(built.app)
      .get(`/workspace/evidence/${file.id}`)
      .set('Cookie', as('viewer').cookie);
    expect(download.status).toBe(200);
    const before = await counts();
    const posted = await post(
      'viewer',
      assignment,
      { narrative: 'Viewer.', selfAssessment: 'on_track' },
      [{ name: 'a.png', bytes: PNG }],
    );
    expect(posted.status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('audits every download and sends it as an attachment with safe headers', async () => {
    await post('lead', assignment, { narrative: 'Odd name.', selfAssessment: 'on_track' }, [
      { name: 'Rapport d’été final.pdf', bytes: pdf(1000) },
    ]).expect(303);
    const file = await db.knex('evidence_files').orderBy('id', 'desc').first();
    const before = await counts();
    const res = await request(built.app)
      .get(`/workspace/evidence/${file.id}`)
      .set('Cookie', as('overseer').cookie);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="Rapport d__t_ final.pdf"; filename*=UTF-8''Rapport%20d%E2%80%99%C3%A9t%C3%A9%20final.pdf`,
    );
    const after = await counts();
    expect(after.audit).toBe(before.audit + 1);
    const event = await db.knex('audit_events').orderBy('id', 'desc').first();
    expect(event.action).toBe('evidence.download');
    expect(event.subject_id).toBe(String(file.id));
  });

  it('refuses the multipart form without a CSRF token, or with the file first, with 403 before storing', async () => {
    const before = await counts();
    const missing = await post(
      'lead',
      assignment,
      { narrative: 'No token.', selfAssessment: 'on_track', csrf: null },
      [{ name: 'a.png', bytes: PNG }],
    );
    expect(missing.status).toBe(403);
    const foreign = await post(
      'lead',
      assignment,
      {
        narrative: 'Foreign.',
        selfAssessment: 'on_track',
        csrf: csrfFrom((await request(built.app).get('/sign-in')).text),
      },
      [{ name: 'a.png', bytes: PNG }],
    );
    expect(foreign.status).toBe(403);
    const fileFirst = await request(built.app)
      .post(updatesPath(assignment))
      .set('Cookie', as('lead').cookie)
      .attach('files', PNG, 'a.png')
      .field('_csrf', as('lead').csrf)
      .field('narrative', 'Late token.')
      .field('selfAssessment', 'on_track');
    expect(fileFirst.status).toBe(403);
    expect(await counts()).toEqual(before);
  });
});
