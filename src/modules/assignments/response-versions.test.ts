/**
 * Responses are a record: the Operation Linden seed's South Yorkshire Police response is version 1,
 * a new response from the force lead is version 2 and leaves version 1 visible with its own date
 * and source, the record as of a day between the two shows version 1, the feed and the API agree,
 * and the database refuses to rewrite or remove a version.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, startSession } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { applyLindenSeed } from '../../../seeds/operation-linden';

const COUNCIL_MINUTES = 'https://moderngov.rotherham.gov.uk/mgAi.aspx?ID=93656';
// As it appears in HTML (Handlebars escapes the equals sign).
const COUNCIL_MINUTES_HTML = COUNCIL_MINUTES.replace('=', '&#x3D;');
const NEW_TEXT = 'Version two: the force has appointed a lead for each recommendation.';

describe('response versions from the first one', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let assignmentId: number;
  let cookie = '';
  let csrf = '';

  const publicCard = (html: string) => {
    const start = html.indexOf('>South Yorkshire Police</a></h3>');
    const end = html.indexOf('govuk-summary-card__title-wrapper', start);
    return html.slice(start, end < 0 ? undefined : end);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2026-11-28T12:00:00Z' });
    await applyLindenSeed(db.knex);
    const row = await db
      .knex('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .where({ 'r.ref': 'LIN-01', 'o.slug': 'south-yorkshire-police' })
      .first('a.id', 'a.organisation_id');
    assignmentId = row.id;
    const lead = await createUser(db.knex, {
      role: 'org_lead',
      organisationId: row.organisation_id,
    });
    ({ cookie, csrf } = await startSession(built.services, db.knex, lead.id));
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('keeps the seed’s response as version 1 with its reported date, confidence and source', async () => {
    const versions = await db
      .knex('assignment_responses')
      .where({ assignment_id: assignmentId })
      .select(
        'version',
        'responded_on',
        'responded_on_confirmed',
        'source_url',
        'recorded_by_label',
      );
    expect(versions).toEqual([
      {
        version: 1,
        responded_on: '2022-04-20',
        responded_on_confirmed: false,
        source_url: COUNCIL_MINUTES,
        recorded_by_label: 'Operation Linden seed (public sources)',
      },
    ]);
  });

  it('records a new version that leaves the first visible, dated and sourced, on every page', async () => {
    await request(built.app)
      .post(`/workspace/assignments/${assignmentId}/response`)
      .set('Cookie', cookie)
      .type('form')
      .send({ text: NEW_TEXT, stance: 'accepted', sourceUrl: '', _csrf: csrf })
      .expect(303);

    const stored = await db
      .knex('assignment_responses')
      .where({ assignment_id: assignmentId })
      .orderBy('version')
      .select('version', 'responded_on', 'source_url', 'text');
    expect(stored.map((v) => [v.version, v.responded_on, v.source_url])).toEqual([
      [1, '2022-04-20', COUNCIL_MINUTES],
      [2, '2026-11-28', null],
    ]);
    const assignment = await db.knex('assignments').where({ id: assignmentId }).first();
    // The clock was stopped by the first response; the copy follows the current version.
    expect(assignment.responded_on).toBe('2022-04-20');
    expect(assignment.response_text).toBe(NEW_TEXT);
    expect(assignment.response_source_url).toBeNull();

    const card = publicCard(
      (await request(built.app).get('/recommendations/LIN-01').expect(200)).text,
    );
    const [current, earlier] = card.split('Earlier versions of this response (1)');
    expect(current).toContain(NEW_TEXT);
    expect(current).toContain('Responded on 28 November 2026');
    expect(current).not.toContain(COUNCIL_MINUTES_HTML);
    expect(current).not.toContain('Responded on 20 April 2022');
    expect(earlier).toContain('Version 1');
    expect(earlier).toContain('Reported on 20 April 2022');
    expect(earlier).toContain(COUNCIL_MINUTES_HTML);
    expect(earlier).toContain('accepted the recommendations in full');
    expect(card).toContain('Response revised (version 2)');

    const page = await request(built.app)
      .get(`/workspace/assignments/${assignmentId}`)
      .set('Cookie', cookie)
      .expect(200);
    expect(page.text).toContain('Earlier versions (1)');
    expect(page.text).toContain('Version 1: Accepted, reported on 20 April 2022');
    expect(page.text).toContain('by Operation Linden seed (public sources)');

    const feed = await request(built.app).get('/data/feed.atom').expect(200);
    expect(feed.text).toContain('formal response revised (version 2)');
    expect(feed.text).toContain(
      'A response from South Yorkshire Police was reported on 20 April 2022; the date of the response itself is not confirmed.',
    );
  });

  it('shows, as of a day between the two versions, the version current then', async () => {
    const card = publicCard(
      (await request(built.app).get('/recommendations/LIN-01?as_of=2024-06-01').expect(200)).text,
    );
    expect(card).toContain('accepted the recommendations in full');
    expect(card).toContain('Reported on 20 April 2022');
    expect(card).toContain(COUNCIL_MINUTES_HTML);
    expect(card).not.toContain(NEW_TEXT);
    expect(card).not.toContain('Earlier versions of this response');
  });

  it('refuses, in the database, to change or remove a version', async () => {
    await expect(
      db
        .knex('assignment_responses')
        .where({ assignment_id: assignmentId, version: 1 })
        .update({ text: 'Rewritten' }),
    ).rejects.toThrow(/never changed/);
    await expect(
      db.knex('assignment_responses').where({ assignment_id: assignmentId, version: 1 }).delete(),
    ).rejects.toThrow(/never removed/);
    const first = await db
      .knex('assignment_responses')
      .where({ assignment_id: assignmentId, version: 1 })
      .first('text');
    expect(first.text).toContain('accepted the recommendations in full');
  });
});
