/**
 * Searching recommendations (`q` on /recommendations): by reference, title or text, case-insensitive,
 * with LIKE's wildcards taken literally, kept with the other filters and the pages, and limited in
 * length.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import type { RecommendationRow } from '../../db/tables';

describe('searching recommendations', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let training: RecommendationRow;
  let vetting: RecommendationRow;
  let percent: RecommendationRow;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex);
    const report = await createReport(db.knex);
    const org = await createOrganisation(db.knex);
    training = await createRecommendation(db.knex, report, {
      title: 'Call handler training',
      body: 'Train every call handler in the handling of vulnerable callers.',
    });
    vetting = await createRecommendation(db.knex, report, {
      title: 'Vetting',
      body: 'Review the vetting of officers.',
    });
    percent = await createRecommendation(db.knex, report, {
      title: 'Targets',
      body: 'Answer 100% of calls within 10 seconds.',
    });
    for (const r of [training, vetting, percent]) await createAssignment(db.knex, r, org);
  });
  afterAll(async () => {
    await db.destroy();
  });

  const refsIn = (html: string) =>
    [training, vetting, percent]
      .filter((r) => html.includes(`/recommendations/${r.ref}"`))
      .map((r) => r.ref);

  it('finds words in the title or text, whatever their case, and a reference', async () => {
    const words = await request(built.app).get('/recommendations?q=VULNERABLE').expect(200);
    expect(refsIn(words.text)).toEqual([training.ref]);
    expect(words.text).toContain('value="VULNERABLE"');
    const title = await request(built.app).get('/recommendations?q=vetting').expect(200);
    expect(refsIn(title.text)).toEqual([vetting.ref]);
    const ref = await request(built.app)
      .get(`/recommendations?q=${encodeURIComponent(percent.ref.toLowerCase())}`)
      .expect(200);
    expect(refsIn(ref.text)).toEqual([percent.ref]);
  });

  it('takes % and _ literally, treats an empty box as no search, and refuses a long one', async () => {
    const literal = await request(built.app).get('/recommendations?q=100%25').expect(200);
    expect(refsIn(literal.text)).toEqual([percent.ref]);
    const wildcard = await request(built.app).get('/recommendations?q=%25').expect(200);
    expect(refsIn(wildcard.text)).toEqual([percent.ref]);
    const underscore = await request(built.app).get('/recommendations?q=_').expect(200);
    expect(refsIn(underscore.text)).toEqual([]);
    const empty = await request(built.app).get('/recommendations?q=%20%20').expect(200);
    expect(refsIn(empty.text).sort()).toEqual([training.ref, vetting.ref, percent.ref].sort());
    await request(built.app)
      .get(`/recommendations?q=${'a'.repeat(101)}`)
      .expect(400);
  });
});
