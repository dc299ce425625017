/**
 * Open data through the real app on a real database: every download parsed back (CSV and JSON)
 * and compared with the database; formula cells neutralised; withdrawn recommendations flagged,
 * withdrawn assignments and publications left out; responses only where their report publishes
 * them; the Atom feeds well-formed, scoped, and free of private material; conditional requests.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { createUser } from '../../../test/auth';
import { childrenNamed, parseXml, textOf, type XmlElement } from '../../../test/xml';
import { unescapeFormulaCell } from '../../shared/csv';
import type { AssignmentRow, OrganisationRow, RecommendationRow, ReportRow } from '../../db/tables';

const NOW = '2026-11-28T12:00:00Z';
/** Marker strings placed in private material; none may appear in any download or feed. */
const MARKERS = {
  statusNote: 'MARKER-STATUS-NOTE-7f3a',
  narrative: 'MARKER-NARRATIVE-91c2',
  unpublishedSummary: 'MARKER-WITHDRAWN-SUMMARY-44d0',
  reviewFeedback: 'MARKER-REVIEW-FEEDBACK-0b8e',
  unpublishedResponse: 'MARKER-UNPUBLISHED-RESPONSE-5e61',
  ratingCommentary: 'MARKER-RAG-COMMENTARY-c9d3',
  feedback: 'MARKER-FEEDBACK-MESSAGE-22aa',
  actor: 'marker-actor-3d9f@example.test',
  extensionReason: 'MARKER-EXTENSION-REASON-6b7c',
  evidenceName: 'MARKER-PRIVATE-FILE-8e1f.pdf',
};
const FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")';

const DATASET_NAMES = ['reports', 'recommendations', 'assignments', 'updates', 'status-notes'];
const DOWNLOADS = DATASET_NAMES.flatMap((d) => [`/data/${d}.csv`, `/data/${d}.json`]);

function csvRecords(text: string): Record<string, string>[] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  return parseCsv(text, { bom: true, columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
}

describe('open data downloads and feeds', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let report: ReportRow;
  let hiddenReport: ReportRow;
  let org: OrganisationRow;
  let rec: RecommendationRow;
  let withdrawnRec: RecommendationRow;
  let hiddenRec: RecommendationRow;
  let published: AssignmentRow;
  let overdue: AssignmentRow;
  let withdrawnAssignment: AssignmentRow;
  let unpublishedResponse: AssignmentRow;
  let livePublicationId: number;
  let withdrawnPublicationId: number;
  let statusChangeId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex, { now: NOW });
    const k = db.knex;
    const overseer = await createUser(k, { role: 'overseer', email: MARKERS.actor });
    report = await createReport(k, { title: FORMULA_TITLE, publish_responses: true });
    hiddenReport = await createReport(k, { publish_responses: false });
    org = await createOrganisation(k, { name: 'Testshire Police' });
    rec = await createRecommendation(k, report, {
      title: 'Train every call handler',
      themes: [{ slug: 'training-test', name: 'Training (test)' }],
    });
    withdrawnRec = await createRecommendation(k, report, {
      withdrawn_at: new Date('2026-06-01T10:00:00Z'),
      withdrawn_reason: 'Duplicated by another recommendation.',
      withdrawn_by: overseer.id,
    });
    hiddenRec = await createRecommendation(k, hiddenReport);
    published = await createAssignment(k, rec, org, {
      status: 'in_progress',
      response_stance: 'accepted',
      response_text: 'We accept this and have started training.',
      responded_on: '2024-02-01',
      response_date_confirmed: true,
    });
    const otherOrg = await createOrganisation(k);
    overdue = await createAssignment(k, rec, otherOrg, { response_due_on: '2024-03-05' });
    withdrawnAssignment = await createAssignment(k, withdrawnRec, org, {
      withdrawn_at: new Date('2026-06-01T10:00:00Z'),
      withdrawn_reason: 'Duplicated by another recommendation.',
      withdrawn_by: overseer.id,
    });
    unpublishedResponse = await createAssignment(k, hiddenRec, org, {
      status: 'in_progress',
      response_stance: 'partially_accepted',
      response_text: MARKERS.unpublishedResponse,
      responded_on: '2024-02-20',
      response_date_confirmed: true,
    });

    // Private material, each carrying a marker.
    [{ id: statusChangeId }] = await k('assignment_status_changes')
      .insert({
        assignment_id: published.id,
        from_status: 'awaiting_response',
        to_status: 'in_progress',
        event: 'respond',
        note: MARKERS.statusNote,
        actor_id: overseer.id,
        actor_label: MARKERS.actor,
        changed_at: new Date('2024-02-01T12:00:00Z'),
      })
      .returning(['id']);
    const [update] = await k('progress_updates')
      .insert({
        assignment_id: published.id,
        author_id: overseer.id,
        author_label: MARKERS.actor,
        self_assessment: 'on_track',
        narrative: MARKERS.narrative,
        created_at: new Date('2024-05-01T10:00:00Z'),
      })
      .returning(['id']);
    const [secondUpdate] = await k('progress_updates')
      .insert({
        assignment_id: published.id,
        author_id: overseer.id,
        author_label: MARKERS.actor,
        self_assessment: 'at_risk',
        narrative: MARKERS.narrative,
        created_at: new Date('2024-06-01T10:00:00Z'),
      })
      .returning(['id']);
    await k('evidence_files').insert({
      progress_update_id: update.id,
      original_name: MARKERS.evidenceName,
      content_type: 'application/pdf',
      size_bytes: 10,
      sha256: 'a'.repeat(64),
      created_at: new Date('2024-05-01T10:00:00Z'),
    });
    await k('progress_update_reviews').insert({
      progress_update_id: update.id,
      decision: 'returned',
      feedback: MARKERS.reviewFeedback,
      reviewer_id: overseer.id,
      reviewer_label: MARKERS.actor,
      created_at: new Date('2024-05-02T10:00:00Z'),
    });
    await k('delivery_confidence_ratings').insert({
      assignment_id: published.id,
      rating: 'amber',
      commentary: MARKERS.ratingCommentary,
      rated_on: '2024-05-03',
      rated_by: overseer.id,
      rater_label: MARKERS.actor,
      created_at: new Date('2024-05-03T10:00:00Z'),
    });
    await k('extension_requests').insert({
      assignment_id: overdue.id,
      due_on_when_requested: '2024-03-05',
      requested_due_on: '2024-04-05',
      reason: MARKERS.extensionReason,
      requested_by: overseer.id,
    });
    [{ id: livePublicationId }] = await k('update_publications')
      .insert({
        progress_update_id: update.id,
        summary: '+Training has started in two of five districts.',
        published_at: new Date('2024-05-10T09:00:00Z'),
        published_by: overseer.id,
        publisher_label: MARKERS.actor,
      })
      .returning(['id']);
    [{ id: withdrawnPublicationId }] = await k('update_publications')
      .insert({
        progress_update_id: secondUpdate.id,
        summary: MARKERS.unpublishedSummary,
        published_at: new Date('2024-06-10T09:00:00Z'),
        published_by: overseer.id,
        publisher_label: MARKERS.actor,
        withdrawn_at: new Date('2024-06-11T09:00:00Z'),
        withdrawn_by: overseer.id,
        withdrawn_reason: 'Published in error.',
      })
      .returning(['id']);
    if (await k.schema.hasTable('feedback_messages'))
      await k('feedback_messages').insert({
        recommendation_id: rec.id,
        recommendation_ref: rec.ref,
        message: MARKERS.feedback,
        received_at: new Date('2024-07-01T10:00:00Z'),
      });
  });
  afterAll(async () => {
    await db.destroy();
  });

  const get = (path: string) => request(built.app).get(path);

  it('lists every report in reports.csv and reports.json, as stored, with formulas neutralised', async () => {
    const stored = await db.knex('reports').orderBy('id');
    const csv = csvRecords((await get('/data/reports.csv').expect(200)).text);
    const json = (await get('/data/reports.json').expect(200)).body;
    expect(csv.map((r) => r.slug)).toEqual(stored.map((r) => r.slug));
    expect(json.data.map((r: { slug: string }) => r.slug)).toEqual(stored.map((r) => r.slug));
    const mine = csv.find((r) => r.slug === report.slug)!;
    // The raw cell starts with an apostrophe, so a spreadsheet shows it as text.
    expect(mine.title).toBe(`'${FORMULA_TITLE}`);
    expect(unescapeFormulaCell(mine.title!)).toBe(FORMULA_TITLE);
    expect(mine.publishes_responses).toBe('true');
    expect(mine.recommendation_count).toBe('2');
    const mineJson = json.data.find((r: { slug: string }) => r.slug === report.slug);
    expect(mineJson).toMatchObject({
      title: FORMULA_TITLE,
      publishes_responses: true,
      recommendation_count: 2,
      page_url: `http://localhost:3000/reports/${report.slug}`,
    });
    expect(json.licence).toEqual({
      name: 'Open Government Licence v3.0',
      url: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
    });
    expect(json.as_of).toBeNull();
    expect(json.row_count).toBe(stored.length);
    expect(json.truncated).toBe(false);
  });

  it('lists every recommendation, flagging a withdrawn one with its date and reason', async () => {
    const stored = await db.knex('recommendations').orderBy('id');
    const csv = csvRecords((await get('/data/recommendations.csv').expect(200)).text);
    const json = (await get('/data/recommendations.json').expect(200)).body;
    expect(csv.map((r) => r.ref)).toEqual(stored.map((r) => r.ref));
    expect(json.data.map((r: { ref: string }) => r.ref)).toEqual(stored.map((r) => r.ref));
    expect(csv.find((r) => r.ref === withdrawnRec.ref)).toMatchObject({
      withdrawn: 'true',
      withdrawn_on: '2026-06-01',
      withdrawn_reason: 'Duplicated by another recommendation.',
    });
    expect(json.data.find((r: { ref: string }) => r.ref === rec.ref)).toMatchObject({
      report_slug: report.slug,
      title: 'Train every call handler',
      themes: 'training-test',
      withdrawn: false,
      withdrawn_on: null,
    });
  });

  it('lists live assignments with derived flags, and responses only where their report publishes them', async () => {
    const stored = await db.knex('assignments').whereNull('withdrawn_at').orderBy('id');
    const csv = csvRecords((await get('/data/assignments.csv').expect(200)).text);
    const json = (await get('/data/assignments.json').expect(200)).body;
    expect(csv.map((r) => Number(r.id))).toEqual(stored.map((r) => r.id));
    expect(json.data.map((r: { id: number }) => r.id)).toEqual(stored.map((r) => r.id));
    expect(csv.some((r) => Number(r.id) === withdrawnAssignment.id)).toBe(false);
    expect(json.as_of).toBe('2026-11-28');

    expect(json.data.find((r: { id: number }) => r.id === published.id)).toMatchObject({
      recommendation_ref: rec.ref,
      organisation_name: 'Testshire Police',
      status: 'in_progress',
      responded_on: '2024-02-01',
      response_late: false,
      response_overdue: false,
      response_published: true,
      response_stance: 'accepted',
      response_text: 'We accept this and have started training.',
    });
    // Made 2024-01-10 under paragraph 28A: due 2024-03-05, long past with no response.
    expect(csv.find((r) => Number(r.id) === overdue.id)).toMatchObject({
      status: 'awaiting_response',
      response_due_on: '2024-03-05',
      response_overdue: 'true',
      responded_on: '',
    });
    const hidden = json.data.find((r: { id: number }) => r.id === unpublishedResponse.id);
    expect(hidden).toMatchObject({
      responded_on: '2024-02-20',
      response_published: false,
      response_stance: null,
      response_text: null,
      response_source_url: null,
    });
    expect(csv.find((r) => Number(r.id) === unpublishedResponse.id)).toMatchObject({
      response_published: 'false',
      response_stance: '',
      response_text: '',
    });
  });

  it('lists published summaries only, neutralising a summary that looks like a formula', async () => {
    const csv = csvRecords((await get('/data/updates.csv').expect(200)).text);
    const json = (await get('/data/updates.json').expect(200)).body;
    expect(csv.map((r) => Number(r.id))).toEqual([livePublicationId]);
    expect(csv[0]).toMatchObject({
      assignment_id: String(published.id),
      recommendation_ref: rec.ref,
      published_at: '2024-05-10T09:00:00.000Z',
      summary: "'+Training has started in two of five districts.",
    });
    expect(json.data).toEqual([
      expect.objectContaining({
        id: livePublicationId,
        summary: '+Training has started in two of five districts.',
      }),
    ]);
    expect(json.data.some((r: { id: number }) => r.id === withdrawnPublicationId)).toBe(false);
  });

  it('sends downloads as public, revalidated, with validators, and answers conditional requests with 304', async () => {
    for (const path of DOWNLOADS) {
      const first = await get(path).expect(200);
      expect(first.headers['cache-control']).toBe('public, no-cache');
      expect(first.headers.etag).toMatch(/^W\/"[A-Za-z0-9_-]{43}"$/);
      expect(first.headers['last-modified']).toBeDefined();
      const byEtag = await get(path).set('If-None-Match', first.headers.etag!);
      expect({ path, status: byEtag.status }).toEqual({ path, status: 304 });
      const byDate = await get(path).set('If-Modified-Since', first.headers['last-modified']!);
      expect({ path, status: byDate.status }).toEqual({ path, status: 304 });
      const stale = await get(path).set('If-None-Match', 'W/"something-else"');
      expect(stale.status).toBe(200);
    }
    expect((await get('/data/reports.csv')).headers['content-disposition']).toBe(
      'attachment; filename=reports.csv',
    );
  });

  it('changes the validators at once when something is published, and when the day changes for dated records', async () => {
    const before = await get('/data/updates.json').expect(200);
    const [update] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: overdue.id,
        author_label: 'x',
        self_assessment: 'on_track',
        narrative: MARKERS.narrative,
        created_at: new Date('2024-08-01T10:00:00Z'),
      })
      .returning(['id']);
    const [pub] = await db
      .knex('update_publications')
      .insert({
        progress_update_id: update.id,
        summary: 'A second published summary.',
        published_at: new Date('2024-08-02T10:00:00Z'),
        publisher_label: 'Oversight office',
      })
      .returning(['id']);
    const after = await get('/data/updates.json').set('If-None-Match', before.headers.etag!);
    expect(after.status).toBe(200);
    expect(after.body.data.map((r: { id: number }) => r.id)).toContain(pub.id);
    await db.knex('update_publications').where({ id: pub.id }).delete();
    await db.knex('progress_updates').where({ id: update.id }).delete();

    // Any public write changes every public validator (one data version); a new day changes only
    // those of the files whose records show date-derived flags.
    const beforeReports = await get('/data/reports.csv').expect(200);
    const assignmentsToday = await get('/data/assignments.json').expect(200);
    built.clock.set('2026-11-29T12:00:00Z');
    try {
      const tomorrow = await get('/data/assignments.json').set(
        'If-None-Match',
        assignmentsToday.headers.etag!,
      );
      expect(tomorrow.status).toBe(200);
      expect(tomorrow.body.as_of).toBe('2026-11-29');
      // Reports do not depend on the date: still the same.
      await get('/data/reports.csv').set('If-None-Match', beforeReports.headers.etag!).expect(304);
    } finally {
      built.clock.set(NOW);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await request(built.app).head('/data/assignments.csv').expect(200);
    expect(res.headers.etag).toBeDefined();
    expect(res.text ?? '').toBe('');
  });

  describe('Atom feeds', () => {
    const entriesOf = (feed: XmlElement) => childrenNamed(feed, 'entry');
    const field = (entry: XmlElement, name: string) => textOf(childrenNamed(entry, name)[0]);
    const feed = async (path: string) => {
      const res = await get(path).expect(200);
      expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
      const root = parseXml(res.text);
      expect(root.name).toBe('feed');
      expect(root.attrs.xmlns).toBe('http://www.w3.org/2005/Atom');
      return { root, text: res.text, res };
    };

    it('is well-formed Atom with the required elements, newest first, linking to public pages', async () => {
      const { root } = await feed('/data/feed.atom');
      for (const required of ['id', 'title', 'updated', 'author'])
        expect(childrenNamed(root, required)).toHaveLength(1);
      expect(childrenNamed(root, 'link').map((l) => l.attrs.rel)).toEqual(['self', 'alternate']);
      const entries = entriesOf(root);
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.length).toBeLessThanOrEqual(100);
      const times = entries.map((e) => Date.parse(field(e, 'updated')));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      const ids = entries.map((e) => field(e, 'id'));
      expect(new Set(ids).size).toBe(ids.length);
      for (const e of entries) {
        expect(field(e, 'id')).toMatch(/^tag:localhost,2026:[a-z-]+\/\d+$/);
        expect(field(e, 'updated')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(childrenNamed(e, 'link')[0]!.attrs.href).toMatch(
          /^http:\/\/localhost:3000\/recommendations\/[A-Z0-9-]+$/,
        );
      }
    });

    it('has the right entries for a report: status changes, published responses and summaries, withdrawals', async () => {
      const { root } = await feed(`/reports/${report.slug}/feed.atom`);
      const byId = new Map(entriesOf(root).map((e) => [field(e, 'id'), e]));
      const statusChange = byId.get(`tag:localhost,2026:status-change/${statusChangeId}`)!;
      expect(field(statusChange, 'title')).toBe(
        `${rec.ref} (Testshire Police): status now In progress`,
      );
      expect(field(statusChange, 'content')).toContain('from Awaiting response to In progress');
      expect(childrenNamed(statusChange, 'link')[0]!.attrs.href).toBe(
        `http://localhost:3000/recommendations/${rec.ref}`,
      );
      const response = byId.get(`tag:localhost,2026:response/${published.id}`)!;
      expect(field(response, 'content')).toContain('We accept this and have started training.');
      const summary = byId.get(`tag:localhost,2026:update-publication/${livePublicationId}`)!;
      expect(field(summary, 'content')).toContain(
        '+Training has started in two of five districts.',
      );
      expect(field(summary, 'updated')).toBe('2024-05-10T09:00:00.000Z');
      const withdrawn = byId.get(
        `tag:localhost,2026:update-publication/${withdrawnPublicationId}`,
      )!;
      expect(field(withdrawn, 'title')).toContain('withdrawn');
      expect(field(withdrawn, 'content')).toContain('Reason: Published in error.');
      expect(field(withdrawn, 'updated')).toBe('2024-06-11T09:00:00.000Z');
      expect(byId.has(`tag:localhost,2026:recommendation-withdrawal/${withdrawnRec.id}`)).toBe(
        true,
      );
      expect(byId.has(`tag:localhost,2026:assignment-withdrawal/${withdrawnAssignment.id}`)).toBe(
        true,
      );
      // Only this report's recommendations.
      for (const e of entriesOf(root))
        expect([rec.ref, withdrawnRec.ref]).toContain(
          childrenNamed(e, 'link')[0]!.attrs.href!.split('/').pop(),
        );
    });

    it('leaves out responses where the report does not publish them', async () => {
      const { root } = await feed(`/reports/${hiddenReport.slug}/feed.atom`);
      expect(
        entriesOf(root).some((e) => field(e, 'id').includes(`response/${unpublishedResponse.id}`)),
      ).toBe(false);
    });

    it('has an organisation’s entries only in its feed, and 404s for unknown slugs', async () => {
      const { root } = await feed(`/organisations/${org.slug}/feed.atom`);
      const entries = entriesOf(root);
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) expect(field(e, 'title')).toContain('Testshire Police');
      await get('/organisations/no-such-organisation/feed.atom').expect(404);
      await get('/reports/no-such-report/feed.atom').expect(404);
    });

    it('escapes whatever was typed, and answers conditional requests', async () => {
      await db
        .knex('organisations')
        .where({ id: org.id })
        .update({ name: 'Testshire Police <&> "quoted" \u0001', updated_at: new Date() });
      try {
        const { root, res } = await feed(`/organisations/${org.slug}/feed.atom`);
        expect(field(entriesOf(root)[0]!, 'title')).toContain('Testshire Police <&> "quoted" ');
        expect(res.headers['cache-control']).toBe('public, no-cache');
        await get(`/organisations/${org.slug}/feed.atom`)
          .set('If-None-Match', res.headers.etag!)
          .expect(304);
      } finally {
        await db
          .knex('organisations')
          .where({ id: org.id })
          .update({ name: 'Testshire Police', updated_at: new Date() });
      }
    });

    it('is announced in the head of the overview, report, organisation and open data pages', async () => {
      const pages: [string, string[]][] = [
        ['/', ['/data/feed.atom']],
        ['/data', ['/data/feed.atom']],
        [`/reports/${report.slug}`, [`/reports/${report.slug}/feed.atom`, '/data/feed.atom']],
        [`/organisations/${org.slug}`, [`/organisations/${org.slug}/feed.atom`, '/data/feed.atom']],
      ];
      for (const [path, feeds] of pages) {
        const html = (await get(path).expect(200)).text;
        const head = html.slice(0, html.indexOf('</head>'));
        const found = [
          ...head.matchAll(
            /<link rel="alternate" type="application\/atom\+xml" title="[^"]+" href="([^"]+)">/g,
          ),
        ].map((m) => m[1]);
        expect({ path, found }).toEqual({ path, found: feeds });
      }
      const plain = (await get('/recommendations').expect(200)).text;
      expect(plain).not.toContain('application/atom+xml');
    });
  });

  it('never shows private material in any download or feed', async () => {
    const organisations = await db.knex('organisations').select('slug');
    const reports = await db.knex('reports').select('slug');
    const paths = [
      ...DOWNLOADS,
      '/data',
      '/data/feed.atom',
      ...reports.map((r) => `/reports/${r.slug}/feed.atom`),
      ...organisations.map((o) => `/organisations/${o.slug}/feed.atom`),
    ];
    for (const path of paths) {
      const res = await get(path).expect(200);
      for (const [name, marker] of Object.entries(MARKERS))
        expect({ path, name, found: res.text.includes(marker) }).toEqual({
          path,
          name,
          found: false,
        });
    }
  });

  it('documents every column of every download on /data, with the licence and the feeds', async () => {
    const html = (await get('/data').expect(200)).text;
    for (const name of DATASET_NAMES) {
      const csv = csvRecords((await get(`/data/${name}.csv`)).text);
      const header = (await get(`/data/${name}.csv`)).text.slice(1).split('\r\n')[0]!.split(',');
      expect(csv.length).toBeGreaterThanOrEqual(0);
      const section = html.slice(html.indexOf(`id="dataset-${name}"`));
      for (const column of header) expect(section).toContain(`<code>${column}</code>`);
      expect(html).toContain(`href="/data/${name}.csv"`);
      expect(html).toContain(`href="/data/${name}.json"`);
    }
    expect(html).toContain('Open Government Licence v3.0');
    expect(html).toContain('href="/data/feed.atom"');
  });
});
