/**
 * The illustrative HMICFRS 2023 example (examples/import/hmicfrs-2023-group-based-cse-illustrative.json)
 * imports through the product's own import, with each recommendation's own date to implement by;
 * on a day long after publication, no national body or department shows a statutory response as
 * overdue, while the PCC's office does, and the recommendations past their own dates say so.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { createUser } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { PROJECT_ROOT } from '../../shared/project-root';
import { userActor } from '../operations/audit.repository';
import type { CurrentUser } from '../accounts/accounts.types';

const EXAMPLE = fs.readFileSync(
  path.join(PROJECT_ROOT, 'examples/import/hmicfrs-2023-group-based-cse-illustrative.json'),
);

describe('the illustrative HMICFRS 2023 import', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2026-11-28T12:00:00Z' });
    await applyLindenSeed(db.knex);
    const user = await createUser(db.knex, { role: 'admin' });
    const admin: CurrentUser = {
      id: user.id,
      email: user.email,
      name: 'Test admin',
      role: 'admin',
      organisationId: null,
      twoFactorEnabled: true,
    };
    // The organisations the example names that the Linden seed does not have: added first, as the
    // import format asks.
    for (const o of [
      {
        slug: 'department-for-education',
        name: 'Department for Education',
        kind: 'government_department',
      },
      { slug: 'welsh-government', name: 'Welsh Government', kind: 'government_department' },
      { slug: 'national-crime-agency', name: 'National Crime Agency', kind: 'national_body' },
    ])
      await built.services.registerAdmin.createOrganisation(admin, o);
    const actor = { audit: userActor(admin), userId: admin.id };
    const preview = await built.services.imports.preview(actor, {
      filename: 'hmicfrs-2023-group-based-cse-illustrative.json',
      bytes: EXAMPLE,
    });
    expect(preview.errors).toEqual([]);
    const applied = await built.services.imports.apply(actor, {
      importId: preview.importId!,
      expectedDigest: preview.digest!,
    });
    expect(applied!.kind).toBe('applied');
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('imports nine recommendations with their own dates, and a statutory clock for the PCC’s office only', async () => {
    const recs = await db
      .knex('recommendations')
      .where('ref', 'like', 'HMI23-%')
      .orderBy('ref')
      .select('ref', 'implement_by', 'implement_by_wording');
    expect(recs).toHaveLength(9);
    expect(recs[0]).toEqual({
      ref: 'HMI23-01',
      implement_by: '2024-12-31',
      implement_by_wording: 'by 31 December 2024 (illustrative)',
    });
    expect(
      await db
        .knex('recommendation_target_dates')
        .whereIn(
          'recommendation_id',
          db.knex('recommendations').where('ref', 'like', 'HMI23-%').select('id'),
        ),
    ).toHaveLength(9);

    const assignments = await db
      .knex('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .where('r.ref', 'like', 'HMI23-%')
      .select('r.ref', 'o.slug', 'o.kind', 'a.response_due_on');
    expect(assignments.length).toBeGreaterThan(9);
    for (const a of assignments)
      // 1 Aug 2023 + 56 days = 26 Sep 2023, for the local policing body only.
      expect([a.ref, a.slug, a.response_due_on]).toEqual([
        a.ref,
        a.slug,
        a.kind === 'pcc_office' ? '2023-09-26' : null,
      ]);
    expect(new Set(assignments.map((a) => a.kind))).toEqual(
      new Set(['pcc_office', 'government_department', 'national_body']),
    );
  });

  it('shows no national body or department with a statutory response overdue, anywhere the public looks', async () => {
    const national = [
      'Home Office',
      'Department for Education',
      'Welsh Government',
      'National Crime Agency',
    ];
    // The overview's table by organisation names everyone addressed; the list of responses
    // overdue must name none of the national bodies.
    const overview = (await request(built.app).get('/').expect(200)).text;
    const overdue = overview.slice(
      overview.indexOf('id="overdue"'),
      overview.indexOf('id="organisations"'),
    );
    expect(overdue.length).toBeGreaterThan(0);
    for (const name of national) expect(overdue).not.toContain(name);

    for (const slug of [
      'home-office',
      'department-for-education',
      'welsh-government',
      'national-crime-agency',
    ]) {
      const page = (await request(built.app).get(`/organisations/${slug}`).expect(200)).text;
      expect(page).not.toMatch(/Response overdue/);
      expect(page).toContain('No statutory deadline for this organisation');
    }
    const pcc = (await request(built.app).get('/organisations/south-yorkshire-pcc').expect(200))
      .text;
    expect(pcc).toMatch(/Response overdue by \d+ (years?|months?)/);

    const data = await request(built.app).get('/data/assignments.csv').expect(200);
    const [head, ...rows] = data.text.trim().split('\n');
    const cols = head!.split(',');
    const at = (name: string) => cols.indexOf(name);
    const hmi = rows.filter((r) => r.includes(',HMI23-'));
    expect(hmi.length).toBeGreaterThan(9);
    for (const row of hmi) {
      const cells = row.split(',');
      if (cells[at('organisation_kind')] === 'pcc_office') continue;
      expect(cells[at('response_overdue')]).toBe('false');
      expect(cells[at('response_clock')]).toBe('not_this_addressee');
    }

    // Its own date passed on 31 December 2024: the recommendation page says so for every addressee.
    const page = (await request(built.app).get('/recommendations/HMI23-01').expect(200)).text;
    expect(page).toContain('The source says: by 31 December 2024 (illustrative)');
    expect(page).toContain('Past target date');
  });
});
