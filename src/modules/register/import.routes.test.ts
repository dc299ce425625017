/**
 * The import pages through supertest: upload → preview → confirm → result; errors shown and nothing
 * stored; the upload limit (413) and CSRF on the multipart form (403) before anything is kept; the
 * fail-closed rule for multipart posts elsewhere; and the exports, which import back unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { sealSecret } from '../../shared/secret-box';
import { generateTotpSecret } from '../accounts/totp';
import { PROJECT_ROOT } from '../../shared/project-root';

const EXAMPLE_CSV = fs.readFileSync(
  path.join(PROJECT_ROOT, 'examples/import/illustrative-inspection.csv'),
);

describe('the import pages', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let cookie: string;
  let csrf: string;
  let otherCsrf: string;

  const counts = async () => {
    const n = async (t: string) => Number((await db.knex(t).count('* as n').first())?.n);
    return {
      imports: await n('imports'),
      reports: await n('reports'),
      recommendations: await n('recommendations'),
      assignments: await n('assignments'),
      audit: await n('audit_events'),
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex, { config: { importMaxBytes: 64 * 1024 } });
    const admin = await createUser(db.knex, {
      role: 'admin',
      totpSecretEnc: sealSecret(generateTotpSecret(), built.services.config.secretKey!),
    });
    const context = { ip: '127.0.0.1', userAgent: 'test', requestId: null };
    const mine = await built.services.sessions.start(db.knex, {
      userId: admin.id,
      state: 'active',
      context,
    });
    cookie = `tracker-session=${mine.token}`;
    csrf = mine.session.csrfToken;
    otherCsrf = csrfFrom((await request(built.app).get('/sign-in')).text);
  });
  afterAll(async () => {
    await db.destroy();
  });

  const upload = (bytes: Buffer, filename: string, token: string | null = csrf) => {
    const req = request(built.app).post('/admin/imports').set('Cookie', cookie);
    if (token !== null) req.field('_csrf', token);
    return req.attach('file', bytes, filename);
  };

  it('shows the upload form with the token before the file input', async () => {
    const res = await request(built.app)
      .get('/admin/imports/new')
      .set('Cookie', cookie)
      .expect(200);
    expect(res.text).toContain('enctype="multipart/form-data"');
    expect(res.text.indexOf('name="_csrf"')).toBeLessThan(res.text.indexOf('type="file"'));
  });

  it('previews a new report, then confirming imports it and shows the result', async () => {
    const res = await upload(EXAMPLE_CSV, 'inspection.csv').expect(303);
    const previewPath = res.headers.location as string;
    expect(previewPath).toMatch(/^\/admin\/imports\/[A-Za-z0-9_-]{22}$/);
    const preview = await request(built.app).get(previewPath).set('Cookie', cookie).expect(200);
    expect(preview.text).toContain('A new report will be created');
    expect(preview.text).toContain('never removes');
    expect(preview.text).toContain('EXA-01');
    const digest = preview.text.match(/name="digest" value="([0-9a-f]{64})"/)![1];
    const before = await counts();
    const done = await request(built.app)
      .post(`${previewPath}/confirm`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, digest })
      .expect(200);
    expect(done.text).toContain('Import complete');
    const after = await counts();
    expect(after.recommendations - before.recommendations).toBe(4);
    // Confirming again does nothing more.
    await request(built.app)
      .post(`${previewPath}/confirm`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, digest })
      .expect(409);
    expect(await counts()).toEqual(after);
  });

  it('lists every error with its row and column and stores nothing', async () => {
    const before = await counts();
    const file = Buffer.from(
      'report_slug,report_title,report_issuer_name,report_legal_basis,ref,title,body,text_status,made_on,colour\r\n',
    );
    const res = await upload(file, 'bad.csv').expect(400);
    expect(res.text).toContain('Row 1, column colour');
    const rows = Buffer.from(
      [
        'report_slug,report_title,report_issuer_name,report_legal_basis,ref,title,body,text_status,made_on',
        'r-x,Report,Office,none,X-1,T,B,summary,2021-02-30',
        'r-x,Report,Office,none,X-2,T,@SUM(A1),summary,',
      ].join('\n'),
    );
    const res2 = await upload(rows, 'bad.csv').expect(400);
    expect(res2.text).toContain('Row 2, column made_on');
    expect(res2.text).toContain('Row 3, column body');
    expect(res2.text).not.toContain('Confirm and import');
    expect(await counts()).toEqual(before);
  });

  it('refuses a file over IMPORT_MAX_BYTES with 413 and stores nothing', async () => {
    const before = await counts();
    const res = await upload(Buffer.alloc(200 * 1024, 'a'), 'big.csv');
    expect(res.status).toBe(413);
    expect(res.text).toContain('64 KB or smaller');
    const slightly = await upload(Buffer.alloc(64 * 1024 + 10, 'a'), 'big.csv');
    expect(slightly.status).toBe(413);
    const twoFiles = await upload(EXAMPLE_CSV, 'one.csv').attach('file', EXAMPLE_CSV, 'two.csv');
    expect(twoFiles.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it('refuses a multipart upload without the token, or with another session’s, with 403 and stores nothing', async () => {
    const before = await counts();
    expect((await upload(EXAMPLE_CSV, 'x.csv', null)).status).toBe(403);
    expect((await upload(EXAMPLE_CSV, 'x.csv', otherCsrf)).status).toBe(403);
    // A file sent before the token is refused too: the token must come first.
    const fileFirst = await request(built.app)
      .post('/admin/imports')
      .set('Cookie', cookie)
      .attach('file', EXAMPLE_CSV, 'x.csv')
      .field('_csrf', csrf);
    expect(fileFirst.status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('refuses a multipart post to any route that does not check the token itself', async () => {
    const target = await createUser(db.knex, { role: 'viewer' });
    const res = await request(built.app)
      .post(`/admin/users/${target.id}/disable`)
      .set('Cookie', cookie)
      .field('_csrf', csrf)
      .attach('file', Buffer.from('x'), 'x.txt');
    expect(res.status).toBe(403);
    const row = await db.knex('users').where({ id: target.id }).first();
    expect(row.disabled_at).toBeNull();
  });

  it('exports a report as CSV and JSON that import back with nothing to change', async () => {
    for (const format of ['csv', 'json'] as const) {
      const res = await request(built.app)
        .get(`/admin/reports/operation-linden-2021/export.${format}`)
        .set('Cookie', cookie)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        })
        .expect(200);
      expect(res.headers['content-disposition']).toContain(`operation-linden-2021.${format}`);
      const before = await counts();
      const preview = await upload(res.body as Buffer, `linden.${format}`).expect(200);
      expect(preview.text).toContain('Nothing to change');
      expect(preview.text).not.toContain('Confirm and import');
      expect(await counts()).toEqual(before);
    }
    await request(built.app)
      .get('/admin/reports/no-such-report/export.csv')
      .set('Cookie', cookie)
      .expect(404);
  });

  it('shows a new preview when the register changed between preview and confirm', async () => {
    const doc = await built.services.imports.exportReport('operation-linden-2021');
    doc.recommendations[0]!.title = 'Changed by the import';
    const res = await upload(Buffer.from(JSON.stringify(doc)), 'l.json').expect(303);
    const page = await request(built.app)
      .get(res.headers.location as string)
      .set('Cookie', cookie);
    const digest = page.text.match(/name="digest" value="([0-9a-f]{64})"/)![1];
    await db.knex('recommendations').where({ ref: 'LIN-01' }).update({ body: 'Edited meanwhile.' });
    const before = await counts();
    const stale = await request(built.app)
      .post(`${res.headers.location}/confirm`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, digest })
      .expect(409);
    expect(stale.text).toContain('The register changed after you checked this file');
    expect(stale.text).toContain('Edited meanwhile.');
    expect(await counts()).toEqual(before);
  });
});
