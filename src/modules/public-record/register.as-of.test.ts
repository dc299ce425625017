/**
 * The record on any date, checked against a history built by hand: statuses from the status
 * history (a change late on a summer evening counts on the next London day), responses once
 * received, due dates moved only by extensions granted by then, publications live then,
 * recommendations made by then, assignments not yet withdrawn. Then the conditional GETs: ETag and
 * Last-Modified, 304 when unchanged, and a fresh page as soon as anything is published.
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
import type { OrganisationRow, RecommendationRow } from '../../db/tables';
import { endOfLondonDay } from './register.service';

describe('the public record as of a date', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let x: OrganisationRow;
  let y: OrganisationRow;
  let recA: RecommendationRow;
  let recB: RecommendationRow;
  let a1Id: number;
  let updateId: number;

  const page = (path: string) => request(built.app).get(path);
  const cardOf = (html: string, orgName: string) => {
    const start = html.indexOf(`>${orgName}</a></h3>`);
    if (start < 0) return '';
    const end = html.indexOf('govuk-summary-card__title-wrapper', start);
    return html.slice(start, end < 0 ? undefined : end);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex);
    x = await createOrganisation(db.knex);
    y = await createOrganisation(db.knex);
    const report = await createReport(db.knex, { published_on: '2024-01-10' });
    recA = await createRecommendation(db.knex, report, { made_on: '2024-01-10' });
    recB = await createRecommendation(db.knex, report, { made_on: '2024-06-01' });
    const a1 = await createAssignment(db.knex, recA, x, {
      status: 'implemented',
      responded_on: '2024-04-15',
      response_stance: 'accepted',
      response_date_confirmed: true,
      response_due_on: '2024-04-30',
    });
    a1Id = a1.id;
    const b1 = await createAssignment(db.knex, recB, x, {
      status: 'closed',
      closure_reason: 'not_implemented',
    });
    await createAssignment(db.knex, recA, y, {
      withdrawn_at: new Date('2024-05-01T12:00:00Z'),
      withdrawn_reason: 'Not an addressee after all',
    });
    await db.knex('extension_requests').insert({
      assignment_id: a1.id,
      due_on_when_requested: '2024-03-05',
      requested_due_on: '2024-04-30',
      reason: 'Private reason for more time',
      state: 'granted',
      decided_at: new Date('2024-02-20T10:00:00Z'),
      decided_on: '2024-02-20',
      decision_reason: 'Private decision reason',
    });
    const change = (
      id: number,
      from: string,
      to: string,
      event: string,
      at: string,
      extra: Record<string, unknown> = {},
    ) =>
      db.knex('assignment_status_changes').insert({
        assignment_id: id,
        from_status: from,
        to_status: to,
        event,
        actor_label: 'test',
        changed_at: new Date(at),
        ...extra,
      });
    await change(a1.id, 'awaiting_response', 'in_progress', 'respond', '2024-04-15T09:00:00Z');
    await change(
      a1.id,
      'in_progress',
      'awaiting_verification',
      'claim_complete',
      '2024-06-10T10:00:00Z',
      {
        note: 'PRIVATE-NOTE-ONE',
      },
    );
    // 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time).
    await change(a1.id, 'awaiting_verification', 'implemented', 'verify', '2024-07-01T23:30:00Z');
    await change(b1.id, 'awaiting_response', 'closed', 'close', '2024-08-01T12:00:00Z', {
      closure_reason: 'not_implemented',
      note: 'PRIVATE-NOTE-TWO',
    });
    const [u] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: a1.id,
        author_label: 'Lead',
        self_assessment: 'on_track',
        narrative: 'PRIVATE-NARRATIVE',
        created_at: new Date('2024-04-30T10:00:00Z'),
      })
      .returning(['id']);
    updateId = u.id;
    await db.knex('update_publications').insert([
      {
        progress_update_id: u.id,
        summary: 'First public summary',
        published_at: new Date('2024-05-01T10:00:00Z'),
        publisher_label: 'overseer',
        withdrawn_at: new Date('2024-05-10T10:00:00Z'),
        withdrawn_reason: 'Named a person',
      },
      {
        progress_update_id: u.id,
        summary: 'Second public summary',
        published_at: new Date('2024-05-11T10:00:00Z'),
        publisher_label: 'overseer',
      },
    ]);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('knows where a London day ends, in winter and in summer', () => {
    expect(endOfLondonDay('2024-01-15').toISOString()).toBe('2024-01-16T00:00:00.000Z');
    expect(endOfLondonDay('2024-07-01').toISOString()).toBe('2024-07-01T23:00:00.000Z');
    expect(endOfLondonDay('2024-03-30').toISOString()).toBe('2024-03-31T00:00:00.000Z');
    expect(endOfLondonDay('2024-03-31').toISOString()).toBe('2024-03-31T23:00:00.000Z');
  });

  it('rebuilds each addressee’s status, response, due date and publications on each date', async () => {
    const at = async (day: string) => {
      const res = await page(`/recommendations/${recA.ref}?as_of=${day}`).expect(200);
      expect(res.text).toContain('This is the record as it stood on');
      return { all: res.text, x: cardOf(res.text, x.name), y: cardOf(res.text, y.name) };
    };

    const feb19 = await at('2024-02-19');
    expect(feb19.x).toContain('Awaiting response');
    expect(feb19.x).toContain('5 March 2024');
    expect(feb19.x).not.toContain('More time granted');
    expect(feb19.x).toContain('No response recorded');
    expect(feb19.y).not.toBe(''); // not yet withdrawn: still a live addressee

    const mar10 = await at('2024-03-10');
    expect(mar10.x).toContain('More time granted');
    expect(mar10.x).toContain('30 April 2024');
    expect(mar10.x).toContain('Awaiting response');

    const may5 = await at('2024-05-05');
    expect(may5.x).toContain('In progress');
    expect(may5.x).toContain('Response received: accepted');
    expect(may5.x).toContain('First public summary');
    expect(may5.y).toBe('');
    expect(may5.all).toContain('Not an addressee after all');

    const may12 = await at('2024-05-12');
    expect(may12.x).not.toContain('First public summary');
    expect(may12.x).toContain('was withdrawn');
    expect(may12.x).toContain('Named a person');
    expect(may12.x).toContain('Second public summary');

    expect((await at('2024-07-01')).x).toContain('Awaiting verification');
    const jul2 = await at('2024-07-02');
    expect(jul2.x).toContain('Verified by the oversight office as implemented');
    expect(jul2.x).toMatch(/Implemented/);

    for (const html of [feb19.all, mar10.all, may5.all, may12.all, jul2.all]) {
      for (const secret of [
        'PRIVATE-NOTE-ONE',
        'PRIVATE-NARRATIVE',
        'Private reason',
        'Private decision',
      ])
        expect(html).not.toContain(secret);
    }
  });

  it('counts an organisation’s statuses as they stood, with recommendations made by then', async () => {
    const counts = async (day: string) => {
      const data = await built.services.register.at(day).organisation(x.slug);
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(data.statusCounts)) if (v) out[k] = v;
      return out;
    };
    expect(await counts('2024-03-01')).toEqual({ awaiting_response: 1, total: 1 });
    expect(await counts('2024-05-31')).toEqual({ in_progress: 1, total: 1 });
    expect(await counts('2024-07-01')).toEqual({
      awaiting_response: 1,
      awaiting_verification: 1,
      total: 2,
    });
    expect(await counts('2024-08-02')).toEqual({ implemented: 1, closed: 1, total: 2 });
    const res = await page(`/organisations/${x.slug}?as_of=2024-07-01`).expect(200);
    expect(res.text).toContain('This is the record as it stood on');
    expect(res.text).toContain('Scorecard');
    const home = await built.services.register.at('2024-03-01').overview();
    expect(home.totals.total).toBeGreaterThanOrEqual(2); // A1 and the not-yet-withdrawn A2
  });

  it('has no record before a recommendation was made', async () => {
    await page(`/recommendations/${recB.ref}?as_of=2024-05-31`).expect(404);
    await page(`/recommendations/${recB.ref}?as_of=2024-06-01`).expect(200);
  });

  it('draws the overview’s progress chart from the history, up to the date asked for', async () => {
    const res = await page('/?as_of=2024-07-31').expect(200);
    const segments = [
      ...res.text.matchAll(/data-category="([\d-]+)" data-series="(\w+)" data-value="(\d+)"/g),
    ]
      .filter((m) => m[3] !== '0')
      .map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    // recA made in January, addressed to x (awaiting, in progress from April, awaiting verification
    // from 10 June, implemented from 2 July in London) and to y (withdrawn on 1 May, so counted up
    // to April); recB made in June, closed only in August.
    expect(segments).toContain('2024-03 awaiting_response 2');
    expect(segments).toContain('2024-04 in_progress 1');
    expect(segments.filter((s) => s.startsWith('2024-05'))).toEqual(['2024-05 in_progress 1']);
    expect(segments).toContain('2024-05 in_progress 1');
    expect(segments).toContain('2024-06 awaiting_verification 1');
    expect(segments).toContain('2024-06 awaiting_response 1');
    expect(segments).toContain('2024-07 implemented 1');
    expect(segments.some((s) => s.startsWith('2024-08'))).toBe(false);
    expect(segments.some((s) => s.includes('closed'))).toBe(false);
    // The same figures as a table.
    expect(res.text).toContain('The figures in the chart');
  });

  it('refuses an invalid or future date with a clear 400 page', async () => {
    for (const bad of ['2024-02-30', 'yesterday', '2026-11-29', '20240101']) {
      const res = await page(`/recommendations/${recA.ref}?as_of=${bad}`);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/real date written as YYYY-MM-DD|in the future/);
    }
    await page(`/?as_of=2026-11-29`).expect(400);
    await page(`/organisations/${x.slug}?as_of=nonsense`).expect(400);
    await page(`/?as_of=2026-11-28`).expect(200);
    // The date box submitted empty is today's record.
    const empty = await page(`/recommendations/${recA.ref}?as_of=`).expect(200);
    expect(empty.text).not.toContain('This is the record as it stood on');
    expect(empty.text).toContain('See the record on another date');
  });

  it('sets the canonical link: the dated record for a past date, the plain address otherwise', async () => {
    const dated = await page(`/recommendations/${recA.ref}?as_of=2024-05-05`).expect(200);
    expect(dated.text.replaceAll('&#x3D;', '=')).toMatch(
      new RegExp(
        `<link rel="canonical" href="[^"]*/recommendations/${recA.ref}\\?as_of=2024-05-05">`,
      ),
    );
    const now = await page(`/recommendations/${recA.ref}`).expect(200);
    expect(now.text).toMatch(
      new RegExp(`<link rel="canonical" href="[^"]*/recommendations/${recA.ref}">`),
    );
  });

  it('answers conditional requests with 304 until something is published', async () => {
    const path = `/recommendations/${recA.ref}`;
    const first = await page(path).expect(200);
    const etag = first.headers.etag!;
    const lastModified = first.headers['last-modified']!;
    expect(etag).toMatch(/^W\/"/);
    expect(first.headers['cache-control']).toBe('public, no-cache');
    expect(lastModified).toEqual(expect.any(String));
    await page(path).set('If-None-Match', etag).expect(304);
    await page(path).set('If-Modified-Since', lastModified).expect(304);
    // Another address (a past record) has its own validators.
    await page(`${path}?as_of=2024-05-05`).set('If-None-Match', etag).expect(200);
    for (const other of ['/', '/recommendations', `/organisations/${x.slug}`, '/reports']) {
      const r = await page(other).expect(200);
      await page(other).set('If-None-Match', r.headers.etag!).expect(304);
    }

    // A withdrawal a few seconds later (rows the factories wrote carry the database's own time, so
    // the clock moves past it) changes the validators at once. Last-Modified has whole seconds:
    // wait for the next one, so If-Modified-Since can tell the change too.
    const latest = (await built.services.dataVersions.read()).public;
    built.clock.set(new Date(latest.changedAt.getTime() + 5000));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const overseer = await createUser(db.knex, { role: 'overseer' });
    await built.services.publication.withdrawSummary(
      {
        id: overseer.id,
        email: overseer.email,
        name: 'O',
        role: 'overseer',
        organisationId: null,
        twoFactorEnabled: true,
      },
      { ip: '127.0.0.1', userAgent: null, requestId: null },
      updateId,
      { reason: 'Out of date' },
    );
    const changed = await page(path).set('If-None-Match', etag).expect(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.text).toContain('Out of date');
    await page(path).set('If-Modified-Since', lastModified).expect(200);
    await page(path).set('If-None-Match', changed.headers.etag!).expect(304);
    expect(a1Id).toBeGreaterThan(0);
  });
});
