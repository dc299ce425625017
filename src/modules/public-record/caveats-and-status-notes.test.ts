/**
 * Caveats and public status notes travel with the data (issue 14). Through the real app on a real
 * database: the assignments download (CSV and JSON), the status notes download, the Atom feeds and
 * the JSON API say what the recommendation's page says about a response date that was only
 * reported, an addressee that public sources do not confirm, and a text that is our summary or not
 * yet public. A status note published by an overseer appears in each with its date; a newer one
 * replaces it; a withdrawn one disappears; and each of those steps gives every one of them a new
 * ETag.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createSignedInUser, type TestSession } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { childrenNamed, parseXml, textOf, type XmlElement } from '../../../test/xml';
import type { AssignmentRow, RecommendationRow, ReportRow } from '../../db/tables';

const NOW = '2026-03-03T10:00:00Z';
const FIRST_NOTE = 'The force’s audit of 40 cases found the new checklist in use in 31.';
const SECOND_NOTE = 'WITHDRAWN-NOTE-7c1e: every case now uses the checklist.';

type Row = Record<string, string>;
type Json = Record<string, unknown>;

function csvRows(text: string): Row[] {
  return parseCsv(text, { bom: true, columns: true, skip_empty_lines: true }) as Row[];
}

describe('caveats and status notes in open data, the feeds and the API', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let report: ReportRow;
  let summaryRec: RecommendationRow;
  let pendingRec: RecommendationRow;
  let reported: AssignmentRow;
  let unconfirmed: AssignmentRow;
  let pending: AssignmentRow;
  let overseer: TestSession;

  const get = (path: string) => request(built.app).get(path);

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: NOW });
    const k = db.knex;
    report = await createReport(k, {
      title: 'Operation Testing – Learning and Recommendations',
      publish_responses: true,
      published_on: '2021-11-23',
    });
    summaryRec = await createRecommendation(k, report, {
      title: 'Review how reports of exploitation are handled',
      text_status: 'summary',
      made_on: '2021-11-23',
      made_on_confirmed: false,
    });
    pendingRec = await createRecommendation(k, report, {
      title: null,
      body: null,
      text_status: 'pending',
      source_number: '8',
      made_on: '2021-11-23',
    });
    const force = await createOrganisation(k, { name: 'Testshire Police' });
    const council = await createOrganisation(k, {
      name: 'Testshire Council',
      kind: 'local_authority',
    });
    reported = await createAssignment(k, summaryRec, force, {
      status: 'in_progress',
      response_stance: 'accepted',
      response_text: 'We accept this recommendation.',
      responded_on: '2022-04-20',
      response_date_confirmed: false,
      response_due_on: '2022-01-17',
    });
    unconfirmed = await createAssignment(k, summaryRec, council, {
      addressee_confirmed: false,
      response_due_on: '2022-01-17',
    });
    pending = await createAssignment(k, pendingRec, force, { response_due_on: '2022-01-17' });
    // Something public about each of the other two, so the feed has an entry for each.
    for (const a of [unconfirmed, pending])
      await k('assignment_status_changes').insert({
        assignment_id: a.id,
        from_status: 'awaiting_response',
        to_status: 'in_progress',
        event: 'respond',
        actor_label: 'Test',
        changed_at: new Date('2022-05-01T09:00:00Z'),
      });
    overseer = await createSignedInUser(built.services, k, 'overseer');
  });
  afterAll(async () => {
    await db.destroy();
  });

  const assignmentCsv = async () => {
    const rows = csvRows((await get('/data/assignments.csv').expect(200)).text);
    return (a: AssignmentRow) => rows.find((r) => Number(r.id) === a.id)!;
  };
  const assignmentJson = async () => {
    const body = (await get('/data/assignments.json').expect(200)).body as { data: Json[] };
    return (a: AssignmentRow) => body.data.find((r) => r.id === a.id)!;
  };
  const entries = async (path: string) => {
    const res = await get(path).expect(200);
    const root = parseXml(res.text);
    const field = (e: XmlElement, name: string) => textOf(childrenNamed(e, name)[0]);
    return {
      text: res.text,
      list: childrenNamed(root, 'entry').map((e) => ({
        id: field(e, 'id'),
        title: field(e, 'title'),
        updated: field(e, 'updated'),
        content: field(e, 'content'),
      })),
    };
  };
  const apiAssignment = async (ref: string, id: number) => {
    const res = await get(`/api/v1/recommendations/${ref}`).expect(200);
    return (res.body.assignments as Json[]).find((a) => a.id === id)!;
  };

  it('the assignments download carries every caveat the page shows, each as its own column and in words', async () => {
    const csv = await assignmentCsv();
    expect(csv(reported)).toMatchObject({
      addressee_confirmed: 'true',
      responded_on: '2022-04-20',
      response_date_confirmed: 'false',
      recommendation_text_status: 'summary',
      recommendation_made_on_confirmed: 'false',
    });
    expect(csv(reported).caveats).toContain('the date of the response itself is not confirmed');
    expect(csv(reported).caveats).toContain('our summary');
    expect(csv(reported).caveats).toContain('date made not confirmed');
    expect(csv(unconfirmed)).toMatchObject({ addressee_confirmed: 'false' });
    expect(csv(unconfirmed).caveats).toContain('addressee not confirmed by public sources');
    expect(csv(pending)).toMatchObject({
      recommendation_text_status: 'pending',
      recommendation_made_on_confirmed: 'true',
    });
    expect(csv(pending).caveats).toBe(
      'text not yet public (not in any copy of the report available to us)',
    );
    // One "; " between caveats, none inside one: the cell splits back into its caveats.
    expect(csv(reported).caveats!.split('; ')).toEqual([
      'response date is the day it was reported (the date of the response itself is not confirmed)',
      'text is our summary (the source has the exact wording)',
      'date made not confirmed (the report’s date is used)',
    ]);

    const json = await assignmentJson();
    expect(json(reported)).toMatchObject({
      response_date_confirmed: false,
      recommendation_text_status: 'summary',
      recommendation_made_on_confirmed: false,
      last_reviewed_on: null,
      status_note: null,
      status_note_published_on: null,
    });
    expect(json(unconfirmed).addressee_confirmed).toBe(false);
    expect(json(pending).caveats).toContain('text not yet public');
  });

  it('the feed never says "responded on" for a date only reported, and carries the page’s caveats in words', async () => {
    const { text, list } = await entries(`/reports/${report.slug}/feed.atom`);
    expect(text).not.toMatch(/responded on/i);
    const response = list.find((e) => e.id.endsWith(`:response/${reported.id}`))!;
    expect(response.content).toContain(
      'A response from Testshire Police was reported on 20 April 2022; the date of the response itself is not confirmed.',
    );
    expect(response.content).toContain('our own summary');
    const council = list.find((e) => e.title.includes('Testshire Council'))!;
    expect(council.content).toContain(
      'Public sources do not confirm that this recommendation was addressed to Testshire Council.',
    );
    const linden8 = list.find((e) => e.content.includes(pendingRec.ref))!;
    expect(linden8.content).toContain('Operation Testing recommendation 8');
    expect(linden8.content).toContain('The text of this recommendation is not yet public');
    expect(linden8.content).not.toContain('our own summary');
  });

  it('the API gives each assignment its caveats, last review and status note', async () => {
    const a = await apiAssignment(summaryRec.ref, reported.id);
    expect(a).toMatchObject({
      addresseeConfirmed: true,
      recommendation: { ref: summaryRec.ref, textStatus: 'summary', madeOnConfirmed: false },
      lastReviewedOn: null,
      statusNote: null,
    });
    expect((a.caveats as { code: string }[]).map((c) => c.code)).toEqual([
      'response_date_not_confirmed',
      'text_summary',
      'made_on_not_confirmed',
    ]);
    const b = await apiAssignment(summaryRec.ref, unconfirmed.id);
    expect((b.caveats as { code: string }[]).map((c) => c.code)).toContain(
      'addressee_not_confirmed',
    );
    const c = await apiAssignment(pendingRec.ref, pending.id);
    expect(c.caveats).toEqual([
      {
        code: 'text_pending',
        text: expect.stringContaining('text not yet public'),
      },
    ]);
  });

  it('a status note is in the downloads, the feed and the API once published, replaced by a newer one, gone once withdrawn, with new ETags each time', async () => {
    const watched = [
      '/data/assignments.csv',
      '/data/assignments.json',
      '/data/status-notes.csv',
      '/data/status-notes.json',
      '/data/feed.atom',
      `/reports/${report.slug}/feed.atom`,
      `/api/v1/recommendations/${summaryRec.ref}`,
    ];
    const etags = async () => {
      const out = new Map<string, string>();
      for (const path of watched) out.set(path, (await get(path).expect(200)).headers.etag!);
      return out;
    };
    const expectAllChanged = async (before: Map<string, string>) => {
      for (const [path, etag] of before) {
        const res = await get(path).set('If-None-Match', etag);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        expect(res.headers.etag).not.toBe(etag);
      }
    };
    const publish = async (session: TestSession, note: string) => {
      const res = await request(built.app)
        .post(`/workspace/assignments/${reported.id}/status-notes`)
        .set('Cookie', session.cookie)
        .type('form')
        .send({ _csrf: session.csrf, note, occasion: 'rate' });
      expect(res.status).toBe(303);
    };

    // Published.
    let before = await etags();
    await publish(overseer, FIRST_NOTE);
    const first = await db.knex('status_notes').orderBy('id', 'desc').first();
    await expectAllChanged(before);
    expect((await assignmentCsv())(reported)).toMatchObject({
      status_note: FIRST_NOTE,
      status_note_published_on: '2026-03-03',
      last_reviewed_on: '2026-03-03',
    });
    expect((await assignmentCsv())(unconfirmed)).toMatchObject({
      status_note: '',
      last_reviewed_on: '',
    });
    expect((await assignmentJson())(reported)).toMatchObject({
      status_note: FIRST_NOTE,
      status_note_published_on: '2026-03-03',
      last_reviewed_on: '2026-03-03',
    });
    let notes = csvRows((await get('/data/status-notes.csv').expect(200)).text);
    expect(notes).toEqual([
      expect.objectContaining({
        id: String(first.id),
        assignment_id: String(reported.id),
        recommendation_ref: summaryRec.ref,
        organisation_name: 'Testshire Police',
        occasion: 'rate',
        note: FIRST_NOTE,
        published_at: '2026-03-03T10:00:00.000Z',
        current: 'true',
      }),
    ]);
    let feed = await entries('/data/feed.atom');
    const noteEntry = feed.list.find((e) => e.id === `tag:localhost,2026:status-note/${first.id}`)!;
    expect(noteEntry.updated).toBe('2026-03-03T10:00:00.000Z');
    expect(noteEntry.title).toBe(`${summaryRec.ref} (Testshire Police): status note`);
    expect(noteEntry.content).toContain(`Why: ${FIRST_NOTE}`);
    expect(noteEntry.content).toContain('3 March 2026');
    expect(noteEntry.content).toContain('our own summary');
    expect(await apiAssignment(summaryRec.ref, reported.id)).toMatchObject({
      lastReviewedOn: '2026-03-03',
      statusNote: { text: FIRST_NOTE, publishedOn: '2026-03-03', withdrawn: null },
    });

    // A newer note replaces it as the current one; the first stays in the record.
    built.clock.set('2026-03-10T10:00:00Z');
    const later = await createSignedInUser(built.services, db.knex, 'overseer');
    before = await etags();
    await publish(later, SECOND_NOTE);
    const second = await db.knex('status_notes').orderBy('id', 'desc').first();
    await expectAllChanged(before);
    expect((await assignmentCsv())(reported)).toMatchObject({
      status_note: SECOND_NOTE,
      status_note_published_on: '2026-03-10',
    });
    notes = csvRows((await get('/data/status-notes.csv').expect(200)).text);
    expect(notes.map((n) => [Number(n.id), n.current])).toEqual([
      [first.id, 'false'],
      [second.id, 'true'],
    ]);
    feed = await entries('/data/feed.atom');
    expect(feed.list.map((e) => e.id)).toEqual(
      expect.arrayContaining([
        `tag:localhost,2026:status-note/${first.id}`,
        `tag:localhost,2026:status-note/${second.id}`,
      ]),
    );

    // Withdrawn: its words leave every download, feed and API answer.
    built.clock.set('2026-03-11T10:00:00Z');
    const third = await createSignedInUser(built.services, db.knex, 'overseer');
    before = await etags();
    const withdrawn = await request(built.app)
      .post(`/workspace/status-notes/${second.id}/withdrawal`)
      .set('Cookie', third.cookie)
      .type('form')
      .send({ _csrf: third.csrf, reason: 'Published before the audit was finished.' });
    expect(withdrawn.status).toBe(303);
    await expectAllChanged(before);
    // The page shows no older note in its place, and nor do the downloads.
    expect((await assignmentCsv())(reported)).toMatchObject({
      status_note: '',
      status_note_published_on: '',
      last_reviewed_on: '2026-03-11',
    });
    expect((await assignmentJson())(reported)).toMatchObject({
      status_note: null,
      status_note_published_on: null,
    });
    notes = csvRows((await get('/data/status-notes.csv').expect(200)).text);
    expect(notes.map((n) => [Number(n.id), n.current])).toEqual([[first.id, 'false']]);
    feed = await entries('/data/feed.atom');
    expect(feed.list.map((e) => e.id)).not.toContain(`tag:localhost,2026:status-note/${second.id}`);
    expect(feed.list.map((e) => e.id)).toContain(`tag:localhost,2026:status-note/${first.id}`);
    expect((await apiAssignment(summaryRec.ref, reported.id)).statusNote).toMatchObject({
      text: null,
      withdrawn: { on: '2026-03-11', reason: 'Published before the audit was finished.' },
    });
    for (const path of [...watched, '/data/recommendations.json', '/data/updates.csv']) {
      const body = (await get(path).expect(200)).text;
      expect({ path, found: body.includes('WITHDRAWN-NOTE-7c1e') }).toEqual({
        path,
        found: false,
      });
    }
  });
});
