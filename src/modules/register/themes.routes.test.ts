/**
 * Themes in the admin pages: create, rename, retire and bring back, with form errors, CSRF and
 * audit events; a retired theme stays where it is but cannot be chosen, by the forms or by an
 * import. Real database, real HTTP, Operation Linden seed.
 */
import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, type TestUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';

const CONTEXT = { ip: '127.0.0.1', userAgent: 'jest', requestId: null };
const errorSummary = (html: string) =>
  html.match(/<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/)?.[1] ?? '';
const offered = (html: string) =>
  [...html.matchAll(/name="themes" type="checkbox" value="([^"]+)"/g)].map((m) => m[1]!);

describe('managing themes', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let admin: TestUser;
  let cookie: string;
  let csrf: string;

  const get = (path: string) => request(built.app).get(path).set('Cookie', cookie);
  const post = (path: string, body: Record<string, string | string[]>, token = csrf) =>
    request(built.app)
      .post(path)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: token, ...body });
  const audit = (action: string) =>
    db.knex('audit_events').where({ action, subject_type: 'theme' }).orderBy('id');

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex);
    admin = await createUser(db.knex, { role: 'admin' });
    const { token } = await built.services.sessions.start(db.knex, {
      userId: admin.id,
      state: 'active',
      context: CONTEXT,
    });
    cookie = `tracker-session=${token}`;
    csrf = csrfFrom((await get('/admin/themes/new').expect(200)).text);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('an admin creates a theme; bad and clashing input re-shows the form with errors and stores nothing', async () => {
    const before = await db.knex('themes').count({ n: '*' }).first();

    const empty = await post('/admin/themes/new', { name: ' ', slug: 'Not A Slug' }).expect(400);
    expect(errorSummary(empty.text)).toContain('href="#name"');
    expect(errorSummary(empty.text)).toContain('href="#slug"');
    expect(empty.text).toContain('value="Not A Slug"');

    // Names are unique whatever their case; short names are unique.
    const sameName = await post('/admin/themes/new', { name: 'TRAINING', slug: 'training-2' });
    expect(sameName.status).toBe(409);
    expect(errorSummary(sameName.text)).toContain('Another theme is already called');
    const sameSlug = await post('/admin/themes/new', { name: 'Drills', slug: 'training' });
    expect(sameSlug.status).toBe(409);
    expect(errorSummary(sameSlug.text)).toContain('already uses the short name training');
    expect(await db.knex('themes').count({ n: '*' }).first()).toEqual(before);

    const ok = await post('/admin/themes/new', {
      name: 'Multi-agency working',
      slug: 'multi-agency',
    }).expect(303);
    expect(ok.headers.location).toBe('/admin/themes/multi-agency/edit?done=created');
    const list = await get('/admin/themes').expect(200);
    expect(list.text).toContain('Multi-agency working');
    const created = (await audit('theme.create')).at(-1);
    expect(created.after).toEqual({ slug: 'multi-agency', name: 'Multi-agency working' });
    expect(created.actor_label).toBe(admin.email);
  });

  it('renaming keeps the short name and every recommendation, and is audited with before and after', async () => {
    const theme = await db.knex('themes').where({ slug: 'crime-recording' }).first();
    const linked = await db.knex('recommendation_themes').where({ theme_id: theme.id });
    expect(linked.length).toBeGreaterThan(0);

    const bad = await post('/admin/themes/crime-recording/edit', { name: '' }).expect(400);
    expect(errorSummary(bad.text)).toContain('Enter the theme’s name');

    await post('/admin/themes/crime-recording/edit', { name: 'Recording crime' }).expect(303);
    const after = await db.knex('themes').where({ id: theme.id }).first();
    expect(after).toMatchObject({ slug: 'crime-recording', name: 'Recording crime' });
    expect(await db.knex('recommendation_themes').where({ theme_id: theme.id })).toHaveLength(
      linked.length,
    );
    const [renamed] = await audit('theme.update');
    expect(renamed.before).toEqual({ name: 'Crime recording' });
    expect(renamed.after).toEqual({ name: 'Recording crime' });

    // Saving the same name again changes nothing and writes no event.
    const same = await post('/admin/themes/crime-recording/edit', {
      name: 'Recording crime',
    }).expect(303);
    expect(same.headers.location).toContain('done=unchanged');
    expect(await audit('theme.update')).toHaveLength(1);
  });

  it('a retired theme stays on its recommendations, cannot be chosen for others or imported, and can come back', async () => {
    const theme = await db.knex('themes').where({ slug: 'law-reform' }).first();
    const holder = await db
      .knex('recommendation_themes as rt')
      .join('recommendations as r', 'r.id', 'rt.recommendation_id')
      .where('rt.theme_id', theme.id)
      .first('r.ref', 'r.report_id');
    const report = await db.knex('reports').where({ id: holder.report_id }).first('slug');

    const res = await post('/admin/themes/law-reform/retire', {}).expect(303);
    expect(res.headers.location).toBe('/admin/themes/law-reform/edit?done=retired');
    expect((await get(res.headers.location!).expect(200)).text).toContain('Theme retired.');
    const [retired] = await audit('theme.retire');
    expect(retired.after).toMatchObject({ retired: true });

    // The recommendation keeps it, publicly too.
    expect(await db.knex('recommendation_themes').where({ theme_id: theme.id })).not.toHaveLength(
      0,
    );
    const publicPage = await request(built.app).get(`/recommendations/${holder.ref}`).expect(200);
    expect(publicPage.text).toContain('Law reform');

    // A new recommendation is not offered it, and a hand-made form naming it is refused.
    const newForm = await get(`/admin/reports/${report.slug}/recommendations/new`).expect(200);
    expect(offered(newForm.text)).not.toContain('law-reform');
    expect(offered(newForm.text)).toContain('training');
    const refused = await post(`/admin/reports/${report.slug}/recommendations/new`, {
      ref: 'LIN-90',
      sourceNumber: '',
      position: '',
      textStatus: 'summary',
      title: 'A new recommendation',
      text: 'Some text.',
      themes: ['law-reform'],
      madeOn: '',
      madeOnConfirmed: 'yes',
      sourceUrl: '',
      repeatsRef: '',
    }).expect(400);
    expect(errorSummary(refused.text)).toContain('The theme “Law reform” is retired');
    expect(await db.knex('recommendations').where({ ref: 'LIN-90' })).toHaveLength(0);

    // The recommendation that has it is offered it, marked retired and still ticked.
    const editForm = await get(`/admin/recommendations/${holder.ref}/edit`).expect(200);
    expect(editForm.text).toMatch(/value="law-reform" checked/);
    expect(editForm.text).toContain('Law reform (retired)');

    // An import giving it to a recommendation is refused, row and column named, nothing stored.
    const actor = {
      userId: admin.id,
      audit: { type: 'user' as const, id: String(admin.id), label: admin.email },
    };
    const file = [
      'report_slug,report_title,report_issuer_name,report_legal_basis,report_published_on,ref,title,body,text_status,made_on,themes,addressees',
      'retired-theme-report,Retired theme report,Test Office,iopc_para_28a,2024-01-10,RT-01,Title,Body,summary,,law-reform,',
    ].join('\r\n');
    const preview = await built.services.imports.preview(actor, {
      filename: 'r.csv',
      bytes: Buffer.from(`${file}\r\n`),
    });
    const themeError = preview.errors.find((e) => e.column === 'themes');
    expect(themeError?.row).toBe(2); // the file's line, after the header
    expect(themeError?.message).toContain('The theme “Law reform” is retired');
    expect(themeError?.message).toContain('law-reform');
    expect(preview.importId).toBeNull();

    // Brought back, it is offered again.
    await post('/admin/themes/law-reform/reinstate', {}).expect(303);
    expect(
      offered((await get(`/admin/reports/${report.slug}/recommendations/new`)).text),
    ).toContain('law-reform');
    expect(await audit('theme.reinstate')).toHaveLength(1);
  });

  it('without the CSRF token nothing changes; an unknown theme is 404', async () => {
    await post('/admin/themes/new', { name: 'Sneaky', slug: 'sneaky' }, 'wrong').expect(403);
    await post('/admin/themes/training/retire', {}, 'wrong').expect(403);
    await post('/admin/themes/training/edit', { name: 'Sneaky' }, 'wrong').expect(403);
    expect(await db.knex('themes').where({ slug: 'sneaky' })).toHaveLength(0);
    expect(await db.knex('themes').where({ slug: 'training' }).first()).toMatchObject({
      name: 'Training',
      retired_at: null,
    });
    await get('/admin/themes/no-such-theme/edit').expect(404);
    await post('/admin/themes/no-such-theme/retire', {}).expect(404);
  });
});
