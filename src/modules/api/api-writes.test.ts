/**
 * Changing the register through the API with a token, as another system would: an administrator's
 * token fills in a pending Operation Linden text, imports a second report addressed to several
 * forces, and manages organisations and addressees; other roles' tokens are refused and change
 * nothing. Every answer is checked against the OpenAPI document.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { issueApiToken } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation } from '../../../test/factories';
import { loadContract, type Contract, type Json } from '../../../test/openapi-contract';
import { PROJECT_ROOT } from '../../shared/project-root';

const NOW = '2025-03-20T10:00:00Z';
const EXAMPLE = path.join(PROJECT_ROOT, 'examples/import/illustrative-inspection.json');

describe('writing to the register through /api/v1', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let contract: Contract;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    // More forces than the Linden seed has, so "every police force" means several.
    await createOrganisation(db.knex, { slug: 'west-yorkshire-police', kind: 'police_force' });
    await createOrganisation(db.knex, { slug: 'humberside-police', kind: 'police_force' });
    built = buildTestApp(db.knex, { now: NOW });
    contract = await loadContract(built.app);
    const org = await db.knex('organisations').where({ slug: 'south-yorkshire-police' }).first();
    token.admin = await issueApiToken(db.knex, { role: 'admin', name: 'Register sync' });
    token.viewer = await issueApiToken(db.knex, { role: 'viewer' });
    token.overseer = await issueApiToken(db.knex, { role: 'overseer' });
    token.orgLead = await issueApiToken(db.knex, { role: 'org_lead', organisationId: org.id });
  });
  afterAll(async () => {
    await db.destroy();
  });

  const api = () => request(built.app);
  const bearer = (who: string) => ({ Authorization: `Bearer ${token[who]}` });
  const auditCount = async () => Number((await db.knex('audit_events').count('* as n').first())?.n);

  /** The recommendation as the write routes take it, from the read route's answer. */
  function inputFrom(rec: Json) {
    return {
      ref: rec.ref,
      sourceNumber: rec.sourceNumber,
      title: rec.title,
      text: rec.text,
      textStatus: rec.textStatus,
      themes: rec.themes.map((t: Json) => t.slug),
      madeOn: rec.madeOn,
      madeOnConfirmed: rec.madeOnConfirmed,
      sourceUrl: rec.sourceUrl,
      repeatsRef: rec.repeats,
      position: null,
    };
  }

  it('fills in a pending Linden text with an administrator’s token', async () => {
    const pending = await db
      .knex('recommendations')
      .where({ text_status: 'pending' })
      .orderBy('ref')
      .first();
    expect(pending).toBeDefined();
    const ref: string = pending.ref;
    const current = (await api().get(`/api/v1/recommendations/${ref}`).expect(200)).body;
    const input = {
      ...inputFrom(current),
      title: 'Review how missing-child reports are linked to exploitation risk',
      text: 'Our summary of the recommendation, entered through the API.',
      textStatus: 'summary',
    };

    // A viewer's token reads but may not change anything.
    const before = await auditCount();
    const refused = await api()
      .put(`/api/v1/recommendations/${ref}`)
      .set(bearer('viewer'))
      .send(input);
    expect(refused.status).toBe(403);
    contract.conforms('/api/v1/recommendations/{ref}', 'put', refused);

    // A text marked as a summary without the text is refused, naming the field.
    const bad = await api()
      .put(`/api/v1/recommendations/${ref}`)
      .set(bearer('admin'))
      .send({ ...input, text: null });
    expect(bad.status).toBe(400);
    contract.conforms('/api/v1/recommendations/{ref}', 'put', bad);
    expect(JSON.parse(bad.text).errors.map((e: Json) => e.field)).toContain('text');
    expect(await auditCount()).toBe(before);
    expect((await db.knex('recommendations').where({ ref }).first()).text_status).toBe('pending');

    const done = await api().put(`/api/v1/recommendations/${ref}`).set(bearer('admin')).send(input);
    expect(done.status).toBe(200);
    contract.conforms('/api/v1/recommendations/{ref}', 'put', done);
    expect(done.body).toMatchObject({ ref, textStatus: 'summary', text: input.text });
    expect(done.headers['cache-control']).toBe('no-store');

    const page = await api().get(`/recommendations/${ref}`).expect(200);
    expect(page.text).toContain(input.text);
    const event = await db
      .knex('audit_events')
      .where({ action: 'recommendation.update' })
      .orderBy('id', 'desc')
      .first();
    expect(event.actor_label).toMatch(/\(API token \d+\)$/);
    expect(JSON.stringify(event)).not.toContain(token.admin);
  });

  it('imports a second report addressed to several forces: dry run, apply, then nothing to do', async () => {
    const document = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    const reportsBefore = Number((await db.knex('reports').count('* as n').first())?.n);

    const dry = await api().post('/api/v1/imports?dryRun=true').set(bearer('admin')).send(document);
    expect(dry.status).toBe(200);
    contract.conforms('/api/v1/imports', 'post', dry);
    expect(dry.body.applied).toBe(false);
    expect(dry.body.plan.report.action).toBe('create');
    expect(Number((await db.knex('reports').count('* as n').first())?.n)).toBe(reportsBefore);

    // The overseer's token may not import.
    const refused = await api().post('/api/v1/imports').set(bearer('overseer')).send(document);
    expect(refused.status).toBe(403);

    const applied = await api()
      .post(`/api/v1/imports?expectedDigest=${dry.body.digest}`)
      .set(bearer('admin'))
      .send(document);
    expect(applied.status).toBe(200);
    contract.conforms('/api/v1/imports', 'post', applied);
    expect(applied.body.applied).toBe(true);
    const first = applied.body.plan.recommendations[0];
    expect(first.addresseesToAdd).toEqual(
      expect.arrayContaining([
        'south-yorkshire-police',
        'west-yorkshire-police',
        'humberside-police',
      ]),
    );

    const forces = await db
      .knex('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .where({ 'r.ref': first.ref, 'o.kind': 'police_force' })
      .pluck('o.slug');
    expect(forces.length).toBeGreaterThanOrEqual(3);

    const read = await api().get(`/api/v1/recommendations/${first.ref}`).expect(200);
    expect(read.body.assignments.length).toBeGreaterThanOrEqual(3);

    const events = await auditCount();
    const again = await api().post('/api/v1/imports').set(bearer('admin')).send(document);
    expect(again.status).toBe(200);
    expect(again.body.plan.changesAnything).toBe(false);
    expect(await auditCount()).toBe(events);
  });

  it('refuses a bad import with every error named by row and column, changing nothing', async () => {
    const csv = [
      'report_slug,report_title,report_issuer_name,report_legal_basis,ref,title,body,text_status,made_on,addressees',
      'api-bad-import,A report,An issuer,none,BAD-01,One,=1+2,summary,2024-02-30,npcc',
      'api-bad-import,A report,An issuer,none,BAD-01,Two,Text,summary,2024-01-01,no-such-organisation',
    ].join('\n');
    const before = await auditCount();
    const res = await api().post('/api/v1/imports').set(bearer('admin')).send({ csv });
    expect(res.status).toBe(422);
    contract.conforms('/api/v1/imports', 'post', res);
    const errors: Json[] = JSON.parse(res.text).errors;
    const fields = errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['row 2, body', 'row 2, made_on', 'row 3, ref', 'row 3, addressees']),
    );
    expect(await db.knex('reports').where({ slug: 'api-bad-import' }).first()).toBeUndefined();
    expect(await auditCount()).toBe(before);
  });

  it('refuses to apply a dry run’s plan once the register has changed', async () => {
    const document = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
    document.report.slug = 'illustrative-copy';
    document.recommendations = [{ ...document.recommendations[0], ref: 'EXC-01' }];
    const dry = await api()
      .post('/api/v1/imports?dryRun=true')
      .set(bearer('admin'))
      .send(document)
      .expect(200);
    await createOrganisation(db.knex, { slug: 'cleveland-police', kind: 'police_force' });
    const stale = await api()
      .post(`/api/v1/imports?expectedDigest=${dry.body.digest}`)
      .set(bearer('admin'))
      .send(document);
    expect(stale.status).toBe(409);
    contract.conforms('/api/v1/imports', 'post', stale);
    expect(await db.knex('reports').where({ slug: 'illustrative-copy' }).first()).toBeUndefined();
  });

  it('creates a report and an organisation, addresses by kind, withdraws and deletes as allowed', async () => {
    const org = await api()
      .post('/api/v1/organisations')
      .set(bearer('admin'))
      .send({ name: 'Merseyside Police', slug: 'merseyside-police', kind: 'police_force' });
    expect(org.status).toBe(201);
    contract.conforms('/api/v1/organisations', 'post', org);
    expect(org.headers.location).toBe('/api/v1/organisations/merseyside-police');

    const duplicate = await api()
      .post('/api/v1/organisations')
      .set(bearer('admin'))
      .send({ name: 'Again', slug: 'merseyside-police', kind: 'police_force' });
    expect(duplicate.status).toBe(409);
    contract.conforms('/api/v1/organisations', 'post', duplicate);

    const renamed = await api()
      .put('/api/v1/organisations/merseyside-police')
      .set(bearer('admin'))
      .send({ name: 'Merseyside Police Force', slug: 'merseyside-police', kind: 'police_force' });
    expect(renamed.status).toBe(200);
    contract.conforms('/api/v1/organisations/{slug}', 'put', renamed);
    expect(renamed.body.name).toBe('Merseyside Police Force');

    const report = await api().post('/api/v1/reports').set(bearer('admin')).send({
      slug: 'api-report-2025',
      title: 'A report added through the API',
      issuerName: 'An inspectorate',
      issuerShort: null,
      publishedOn: '2025-03-01',
      datedOn: null,
      legalBasis: 'hmicfrs_s55',
      sourceUrl: null,
      summary: null,
      publishResponses: true,
    });
    expect(report.status).toBe(201);
    contract.conforms('/api/v1/reports', 'post', report);

    const rec = await api()
      .post('/api/v1/reports/api-report-2025/recommendations')
      .set(bearer('admin'))
      .send({
        ref: 'API-01',
        sourceNumber: '1',
        title: 'A recommendation',
        text: 'Its text.',
        textStatus: 'summary',
        themes: [],
        madeOn: '2025-03-01',
        madeOnConfirmed: true,
        sourceUrl: null,
        repeatsRef: null,
        position: null,
      });
    expect(rec.status).toBe(201);
    contract.conforms('/api/v1/reports/{slug}/recommendations', 'post', rec);

    const addressed = await api()
      .post('/api/v1/recommendations/API-01/addressees')
      .set(bearer('admin'))
      .send({ organisations: ['npcc'], kind: 'police_force' });
    expect(addressed.status).toBe(200);
    contract.conforms('/api/v1/recommendations/{ref}/addressees', 'post', addressed);
    expect(addressed.body.added.length).toBeGreaterThanOrEqual(5);
    // HMICFRS s.55 binds the local policing body only: forces and the NPCC have no statutory clock
    // (for a PCC's office it would be 56 days from publication, 1 March 2025 → 26 April 2025).
    const dues = addressed.body.recommendation.assignments.map((a: Json) => a.responseDue.dueOn);
    expect(new Set(dues)).toEqual(new Set([null]));

    const again = await api()
      .post('/api/v1/recommendations/API-01/addressees')
      .set(bearer('admin'))
      .send({ kind: 'police_force' });
    expect(again.body).toMatchObject({ added: [], skipped: addressed.body.added.length - 1 });

    const assignment = addressed.body.recommendation.assignments.find(
      (a: Json) => a.organisation.slug === 'npcc',
    );
    const withdrawn = await api()
      .post(`/api/v1/assignments/${assignment.id}/withdrawal`)
      .set(bearer('admin'))
      .send({ reason: 'Addressed by mistake' });
    expect(withdrawn.status).toBe(200);
    contract.conforms('/api/v1/assignments/{id}/withdrawal', 'post', withdrawn);
    expect(withdrawn.body.withdrawnAssignments).toEqual([
      expect.objectContaining({
        id: assignment.id,
        withdrawn: { on: '2025-03-20', reason: 'Addressed by mistake' },
      }),
    ]);
    const twice = await api()
      .post(`/api/v1/assignments/${assignment.id}/withdrawal`)
      .set(bearer('admin'))
      .send({ reason: 'Again' });
    expect(twice.status).toBe(409);

    // LIN-01 has a response, so it may only be withdrawn; API-01 has had nothing happen yet.
    const refused = await api().delete('/api/v1/recommendations/LIN-01').set(bearer('admin'));
    expect(refused.status).toBe(409);
    contract.conforms('/api/v1/recommendations/{ref}', 'delete', refused);
    const deleted = await api().delete('/api/v1/recommendations/API-01').set(bearer('admin'));
    expect(deleted.status).toBe(204);
    contract.conforms('/api/v1/recommendations/{ref}', 'delete', deleted);
    await api().get('/api/v1/recommendations/API-01').expect(404);

    const lin = await api()
      .post('/api/v1/recommendations/LIN-01/withdrawal')
      .set(bearer('admin'))
      .send({ reason: '  ' });
    expect(lin.status).toBe(400);
    contract.conforms('/api/v1/recommendations/{ref}/withdrawal', 'post', lin);
  });

  it('ignores a signed-in session on write routes and refuses other roles’ tokens', async () => {
    const body = { name: 'X', slug: 'x-org', kind: 'other' };
    const anonymous = await api().post('/api/v1/organisations').send(body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    for (const who of ['viewer', 'overseer', 'orgLead']) {
      const res = await api().post('/api/v1/organisations').set(bearer(who)).send(body);
      expect({ who, status: res.status }).toEqual({ who, status: 403 });
    }
    const wrongType = await api()
      .post('/api/v1/organisations')
      .set(bearer('admin'))
      .type('form')
      .send(body);
    expect(wrongType.status).toBe(415);
    expect(await db.knex('organisations').where({ slug: 'x-org' }).first()).toBeUndefined();
  });
});
