import request from 'supertest';
import type { Knex } from 'knex';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom, type TestUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';

const CONTEXT = { ip: '127.0.0.1', userAgent: 'jest', requestId: null };

const errorSummary = (html: string) =>
  html.match(/<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/)?.[1] ?? '';

const auditCount = async (knex: Knex) =>
  Number((await knex('audit_events').count('* as n').first())?.n ?? 0);

describe('register management pages', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let admin: TestUser;
  let cookie: string;
  let csrf: string;

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
    const page = await request(built.app).get('/admin/reports').set('Cookie', cookie).expect(200);
    csrf = csrfFrom(
      (await request(built.app).get('/admin/reports/new').set('Cookie', cookie)).text,
    );
    expect(page.text).toContain('Operation Linden');
  });
  afterAll(async () => {
    await db.destroy();
  });

  const get = (path: string) => request(built.app).get(path).set('Cookie', cookie);
  const post = (path: string, body: Record<string, string | string[]>) =>
    request(built.app)
      .post(path)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, ...body });

  it('an admin fills in a pending Linden text, and the public page shows it', async () => {
    const pending = await db
      .knex('recommendations')
      .where({ text_status: 'pending' })
      .orderBy('ref')
      .first();
    expect(pending).toBeDefined();
    const before = await get(`/recommendations/${pending.ref}`).expect(200);
    expect(before.text).toContain('has not been entered yet');

    const form = await get(`/admin/recommendations/${pending.ref}/edit`).expect(200);
    expect(form.text).toContain(`value="${pending.ref}"`);
    const themes = [
      ...form.text.matchAll(/name="themes" type="checkbox" value="([^"]+)" checked/g),
    ].map((m) => m[1]!);
    const values: Record<string, string | string[]> = {
      ref: pending.ref,
      sourceNumber: '',
      position: String(pending.position),
      textStatus: 'verified',
      title: 'Review the handling of complaints about the investigation',
      text: 'The force should review how it handled complaints about the investigation & tell complainants.',
      themes,
      madeOn: pending.made_on,
      madeOnConfirmed: pending.made_on_confirmed ? 'yes' : '',
      sourceUrl: pending.source_url ?? '',
      repeatsRef: '',
    };
    const saved = await post(`/admin/recommendations/${pending.ref}/edit`, values).expect(303);
    expect(saved.headers.location).toBe(`/admin/recommendations/${pending.ref}?done=changed`);

    const after = await get(`/recommendations/${pending.ref}`).expect(200);
    expect(after.text).toContain('Review the handling of complaints about the investigation');
    expect(after.text).toContain('investigation &amp; tell complainants.');
    expect(after.text).toContain('checked against the source document');

    const event = await db.knex('audit_events').orderBy('id', 'desc').first();
    expect(event).toMatchObject({ action: 'recommendation.update', actor_id: String(admin.id) });
    expect(Object.keys(event.after).sort()).toEqual(['text', 'textStatus', 'title']);
    expect(event.before).toMatchObject({ textStatus: 'pending', text: null });

    const adminPage = await get(`/admin/recommendations/${pending.ref}`).expect(200);
    expect(adminPage.text).toContain('Recommendation changed');
  });

  it('a pending text with words typed in is refused with a clear message, keeping what was typed', async () => {
    const pending = await db.knex('recommendations').where({ text_status: 'pending' }).first();
    const auditBefore = await auditCount(db.knex);
    const res = await post(`/admin/recommendations/${pending.ref}/edit`, {
      ref: pending.ref,
      position: String(pending.position),
      textStatus: 'pending',
      title: '',
      text: 'Some words <b>typed</b>',
      madeOn: pending.made_on ?? '',
    }).expect(400);
    expect(errorSummary(res.text)).toContain('A pending recommendation has no text yet');
    expect(res.text).toContain('Some words &lt;b&gt;typed&lt;/b&gt;');
    expect(await auditCount(db.knex)).toBe(auditBefore);
    expect((await db.knex('recommendations').where({ id: pending.id }).first()).body).toBeNull();
  });

  it('creates a report and a recommendation in it, and a duplicate reference is a 409 beside the field', async () => {
    const created = await post('/admin/reports/new', {
      title: 'A new inspection',
      slug: 'new-inspection-2026',
      issuerName: 'HM Inspectorate of Constabulary',
      issuerShort: 'HMICFRS',
      publishedOn: '2026-10-01',
      datedOn: '',
      legalBasis: 'hmicfrs_s55',
      sourceUrl: 'https://example.org/inspection',
      summary: '',
      publishResponses: 'no',
    }).expect(303);
    expect(created.headers.location).toBe('/admin/reports/new-inspection-2026?done=created');
    const page = await get('/admin/reports/new-inspection-2026').expect(200);
    expect(page.text).toContain('Not published');
    expect(page.text).toContain('Report created');

    const recForm = {
      ref: 'hmi-01',
      position: '',
      textStatus: 'summary',
      title: 'Improve training',
      text: 'Forces should improve training.',
      madeOn: '2026-10-01',
      madeOnConfirmed: 'yes',
    };
    const rec = await post(
      '/admin/reports/new-inspection-2026/recommendations/new',
      recForm,
    ).expect(303);
    expect(rec.headers.location).toBe('/admin/recommendations/HMI-01?done=created');
    const dup = await post('/admin/reports/new-inspection-2026/recommendations/new', {
      ...recForm,
      ref: 'LIN-01',
    }).expect(409);
    expect(errorSummary(dup.text)).toContain('The reference LIN-01 is already used');
    expect(dup.text).toContain('href="#ref"');
  });

  it('takes dates in three boxes, refusing 31 February, a blank day and letters with the Design System’s words', async () => {
    const report = {
      title: 'Dated by boxes',
      slug: 'dated-by-boxes-2026',
      issuerName: 'HM Inspectorate of Constabulary',
      issuerShort: '',
      'datedOn-day': '',
      'datedOn-month': '',
      'datedOn-year': '',
      legalBasis: 'hmicfrs_s55',
      sourceUrl: '',
      summary: '',
      publishResponses: 'no',
    };
    const audit = await auditCount(db.knex);
    for (const [day, month, year, message] of [
      ['31', '2', '2026', 'Publication date must be a real date'],
      ['', '2', '2026', 'Publication date must include a day'],
      ['1st', 'Feb', '2026', 'Publication date must be a real date'],
    ] as const) {
      const res = await post('/admin/reports/new', {
        ...report,
        'publishedOn-day': day,
        'publishedOn-month': month,
        'publishedOn-year': year,
      }).expect(400);
      expect(errorSummary(res.text)).toContain(message);
      expect(res.text).toContain('href="#publishedOn"');
      // What was typed is put back in the boxes.
      expect(res.text).toContain(
        `name="publishedOn-day" type="text" inputmode="numeric" value="${day}"`,
      );
      expect(res.text).toContain(
        `name="publishedOn-month" type="text" inputmode="numeric" value="${month}"`,
      );
    }
    expect(await auditCount(db.knex)).toBe(audit);
    expect(await db.knex('reports').where({ slug: report.slug }).first()).toBeUndefined();

    await post('/admin/reports/new', {
      ...report,
      'publishedOn-day': '3',
      'publishedOn-month': 'March',
      'publishedOn-year': '2026',
    }).expect(303);
    const stored = await db.knex('reports').where({ slug: report.slug }).first();
    expect(stored.published_on).toBe('2026-03-03');
    expect(stored.dated_on).toBeNull();
    const edit = await get(`/admin/reports/${report.slug}/edit`).expect(200);
    expect(edit.text).toContain('name="publishedOn-day" type="text" inputmode="numeric" value="3"');
    expect(edit.text).toContain(
      'name="publishedOn-year" type="text" inputmode="numeric" value="2026"',
    );
  });

  it('addresses a recommendation to all police forces, saying how many were added and skipped', async () => {
    const report = await createReport(db.knex, { legal_basis: 'iopc_para_28a' });
    const rec = await createRecommendation(db.knex, report, { made_on: '2021-11-23' });
    const forces = await db.knex('organisations').where({ kind: 'police_force' }).orderBy('id');
    await createAssignment(db.knex, rec, forces[0]);
    const res = await post(`/admin/recommendations/${rec.ref}/addressees`, {
      kind: 'police_force',
    }).expect(303);
    const shown = await get(String(res.headers.location).replace(/#.*/, '')).expect(200);
    const added = forces.length - 1;
    expect(shown.text).toContain(
      `${added === 1 ? '1 organisation' : `${added} organisations`} added; 1 already addressed and skipped.`,
    );
    const rows = await db.knex('assignments').where({ recommendation_id: rec.id });
    expect(rows).toHaveLength(forces.length);
    const empty = await post(`/admin/recommendations/${rec.ref}/addressees`, { kind: '' }).expect(
      400,
    );
    expect(empty.text).toContain('Select at least one organisation');
  });

  it('withdraws an assignment with a reason; the public page lists it under Withdrawn and counts it no more', async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex, { name: 'Wrongshire Police' });
    const a = await createAssignment(db.knex, rec, org);
    await post(`/admin/assignments/${a.id}/withdraw`, { reason: '' }).expect(400);
    await post(`/admin/assignments/${a.id}/withdraw`, { reason: 'Addressed by mistake' }).expect(
      303,
    );
    const pub = await get(`/recommendations/${rec.ref}`).expect(200);
    expect(pub.text).toMatch(
      /<h2 class="govuk-heading-m">Withdrawn<\/h2>[\s\S]*Wrongshire Police[\s\S]*Addressed by mistake/,
    );
    expect(pub.text).toContain(
      'Who this recommendation is addressed to has not been recorded yet.',
    );
    const orgPage = await get(`/organisations/${org.slug}`).expect(200);
    expect(orgPage.text).not.toContain(rec.ref);
  });

  it('offers delete only without activity, and refuses it with 409 otherwise', async () => {
    const report = await createReport(db.knex);
    const busy = await createRecommendation(db.knex, report);
    await createAssignment(db.knex, busy, await createOrganisation(db.knex), {
      status: 'in_progress',
      response_stance: 'accepted',
      responded_on: '2024-02-01',
    });
    const page = await get(`/admin/recommendations/${busy.ref}`).expect(200);
    expect(page.text).toContain('It cannot be deleted');
    await post(`/admin/recommendations/${busy.ref}/delete`, {}).expect(409);
    expect(await db.knex('recommendations').where({ id: busy.id }).first()).toBeDefined();

    const idle = await createRecommendation(db.knex, report);
    const res = await post(`/admin/recommendations/${idle.ref}/delete`, {}).expect(303);
    expect(res.headers.location).toBe(`/admin/reports/${report.slug}?done=deleted`);
    expect(await db.knex('recommendations').where({ id: idle.id }).first()).toBeUndefined();
  });

  it('creates and edits an organisation, showing its history', async () => {
    await post('/admin/organisations/new', {
      name: 'Eastshire Police',
      slug: 'eastshire-police',
      kind: 'police_force',
    }).expect(303);
    const bad = await post('/admin/organisations/eastshire-police/edit', {
      name: '',
      slug: 'Eastshire',
      kind: 'planet',
    }).expect(400);
    expect(errorSummary(bad.text)).toContain('Enter the organisation’s name');
    await post('/admin/organisations/eastshire-police/edit', {
      name: 'Eastshire Constabulary',
      slug: 'eastshire-police',
      kind: 'police_force',
    }).expect(303);
    const page = await get('/admin/organisations/eastshire-police/edit').expect(200);
    expect(page.text).toMatch(
      /Organisation changed[\s\S]*Name: Eastshire Police → Eastshire Constabulary[\s\S]*Organisation created/,
    );
  });

  it('a withdrawn overdue assignment leaves the overview’s counts, overdue list and filters', async () => {
    const report = await createReport(db.knex, { title: 'Counting report' });
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex, { name: 'Overdueshire Police' });
    const a = await createAssignment(db.knex, rec, org, { response_due_on: '2024-03-05' });
    const totals = async () => (await built.services.register.overview()).totals.total;
    const before = await totals();
    let overview = await built.services.register.overview();
    expect(overview.overdue.map((o) => o.id)).toContain(a.id);
    const filtered = await get(`/recommendations?organisation=${org.slug}`).expect(200);
    expect(filtered.text).toContain(rec.ref);

    await post(`/admin/assignments/${a.id}/withdraw`, { reason: 'Not theirs' }).expect(303);
    overview = await built.services.register.overview();
    expect(overview.overdue.map((o) => o.id)).not.toContain(a.id);
    expect(await totals()).toBe(before - 1);
    const refiltered = await get(`/recommendations?organisation=${org.slug}`).expect(200);
    expect(refiltered.text).not.toContain(rec.ref);
  });

  it('a report set not to publish responses keeps their wording off the public page', async () => {
    const report = await createReport(db.knex, { publish_responses: false });
    const rec = await createRecommendation(db.knex, report);
    await createAssignment(db.knex, rec, await createOrganisation(db.knex), {
      status: 'in_progress',
      response_stance: 'accepted',
      responded_on: '2024-02-01',
      response_text: 'We will retrain every officer by spring.',
    });
    const hidden = await get(`/recommendations/${rec.ref}`).expect(200);
    expect(hidden.text).toContain('Accepted');
    expect(hidden.text).not.toContain('We will retrain every officer by spring.');
    await db.knex('reports').where({ id: report.id }).update({ publish_responses: true });
    const shown = await get(`/recommendations/${rec.ref}`).expect(200);
    expect(shown.text).toContain('We will retrain every officer by spring.');
  });

  it('a withdrawn recommendation stays on its public page and in lists, marked withdrawn', async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    await post(`/admin/recommendations/${rec.ref}/withdraw`, { reason: 'Entered twice' }).expect(
      303,
    );
    const page = await get(`/recommendations/${rec.ref}`).expect(200);
    expect(page.text).toMatch(/This recommendation was withdrawn on [^.]+\. Reason: Entered twice/);
    const list = await get(`/reports/${report.slug}`).expect(200);
    expect(list.text).toMatch(
      new RegExp(
        `href="/recommendations/${rec.ref}">[\\s\\S]*?</a>\\s*<strong class="govuk-tag govuk-tag--grey">Withdrawn`,
      ),
    );
  });

  it('the database refuses a withdrawal without a reason', async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    await expect(
      db.knex('recommendations').where({ id: rec.id }).update({ withdrawn_at: new Date() }),
    ).rejects.toThrow('recommendations_withdrawal_complete');
    const a = await createAssignment(db.knex, rec, await createOrganisation(db.knex));
    await expect(
      db
        .knex('assignments')
        .where({ id: a.id })
        .update({ withdrawn_at: new Date(), withdrawn_reason: '  ' }),
    ).rejects.toThrow('assignments_withdrawal_complete');
  });

  it('an unknown report, recommendation or assignment is a 404', async () => {
    await get('/admin/reports/no-such-report').expect(404);
    await get('/admin/recommendations/NO-SUCH-1').expect(404);
    await get('/admin/assignments/99999999/withdraw').expect(404);
    await get('/admin/assignments/abc/withdraw').expect(404);
  });
});
