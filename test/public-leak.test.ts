/**
 * The leak test: private material, each piece carrying its own marker string, is seeded beside the
 * Operation Linden register; then every page and download a signed-out visitor can ask for (every
 * GET route the app serves, its parameters filled from the seeded data, past records included) and
 * every public /api/v1 read is fetched, and no marker may appear anywhere in a body or a header.
 *
 * To extend it (open data, feeds, feedback): add URLs to EXTRA_URLS, and seed more private
 * material in EXTRA_SEEDS with a marker from `marker(...)`.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import request from 'supertest';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { createUser } from './auth';
import { createTestDatabase, type TestDatabase } from './db';
import { listRoutes } from './routes';

/** More public addresses to fetch (e.g. '/data/recommendations.csv', '/feeds/all.atom'). */
const EXTRA_URLS: string[] = [];

/** More private material to seed: each function stores rows that carry `marker(kind)` strings. */
const EXTRA_SEEDS: ((
  knex: Knex,
  marker: (kind: string) => string,
  ids: SeededIds,
) => Promise<void>)[] = [
  // Feedback from the public, read and handled: private to the oversight office.
  async (knex, marker) => {
    const rec = await knex('recommendations').where({ ref: 'LIN-01' }).first('id');
    for (const state of ['new', 'read', 'handled'])
      await knex('feedback_messages').insert({
        recommendation_id: rec.id,
        recommendation_ref: 'LIN-01',
        message: `Feedback ${marker(`feedback-${state}`)}`,
        state,
        received_at: new Date('2022-03-01T09:00:00Z'),
      });
  },
];

interface SeededIds {
  assignmentId: number;
  updateId: number;
  userId: number;
}

/** Past dates to fetch the dated record on, covering before, during and after the seeded history. */
const AS_OF_DATES = ['2021-01-01', '2022-02-01', '2024-06-15', '2026-11-28'];

describe('nothing private reaches a public page, download or API read', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  const markers: string[] = [];
  const marker = (kind: string) => {
    const m = `LEAKMARK${kind.toUpperCase().replace(/[^A-Z]/g, '')}${randomBytes(4).toString('hex')}`;
    markers.push(m);
    return m;
  };
  let ids: SeededIds;
  let publishedSummary = '';
  let publishedFileId = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex);
    const k = db.knex;
    const overseer = await createUser(k, { role: 'overseer' });
    const [live, other, third] = await k('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .whereNull('a.withdrawn_at')
      .orderBy('a.id')
      .limit(3)
      .select('a.id', 'a.status');

    const update = async (assignmentId: number, narrative: string) =>
      (
        await k('progress_updates')
          .insert({
            assignment_id: assignmentId,
            author_label: marker('authorlabel'),
            self_assessment: 'at_risk',
            narrative,
            created_at: new Date('2022-01-20T10:00:00Z'),
          })
          .returning(['id'])
      )[0].id as number;
    const file = async (updateId: number, name: string, bytes: Buffer) => {
      const [row] = await k('evidence_files')
        .insert({
          progress_update_id: updateId,
          original_name: name,
          content_type: 'text/plain',
          size_bytes: bytes.length,
          sha256: 'c'.repeat(64),
          created_at: new Date('2022-01-20T10:00:00Z'),
        })
        .returning(['id']);
      await k('evidence_file_chunks').insert({ file_id: row.id, seq: 0, bytes });
      return row.id as number;
    };
    const publishSummary = (updateId: number, summary: string, withdrawn?: string) =>
      k('update_publications').insert({
        progress_update_id: updateId,
        summary,
        published_at: new Date('2022-01-25T10:00:00Z'),
        publisher_label: marker('publisherlabel'),
        published_by: overseer.id,
        withdrawn_at: withdrawn ? new Date('2022-01-28T10:00:00Z') : null,
        withdrawn_reason: withdrawn ?? null,
      });
    const publishFile = (fileId: number, withdrawn?: string) =>
      k('evidence_publications').insert({
        evidence_file_id: fileId,
        published_at: new Date('2022-01-25T10:00:00Z'),
        publisher_label: marker('filepublisher'),
        published_by: overseer.id,
        withdrawn_at: withdrawn ? new Date('2022-01-28T10:00:00Z') : null,
        withdrawn_reason: withdrawn ?? null,
      });

    // Private updates, with private evidence (marker in the name and in the bytes).
    const privateUpdate = await update(live.id, `Narrative ${marker('narrative')}`);
    await file(
      privateUpdate,
      `${marker('filename')}.txt`,
      Buffer.from(`bytes ${marker('filebytes')}`),
    );
    // Reviewer feedback on it.
    await k('progress_update_reviews').insert({
      progress_update_id: privateUpdate,
      decision: 'returned',
      feedback: `Feedback ${marker('reviewfeedback')}`,
      reviewer_label: marker('reviewerlabel'),
      created_at: new Date('2022-01-21T10:00:00Z'),
    });
    // Closure and reopening notes in the status history.
    await k('assignment_status_changes').insert([
      {
        assignment_id: other.id,
        from_status: other.status,
        to_status: 'closed',
        closure_reason: 'superseded',
        event: 'close',
        note: `Closure note ${marker('closurenote')}`,
        actor_label: marker('actorlabel'),
        changed_at: new Date('2022-02-01T10:00:00Z'),
      },
      {
        assignment_id: other.id,
        from_status: 'closed',
        to_status: other.status,
        event: 'reopen',
        note: `Reopen note ${marker('reopennote')}`,
        actor_label: marker('actorlabel'),
        changed_at: new Date('2022-02-02T10:00:00Z'),
      },
    ]);
    // Delivery confidence commentary.
    await k('delivery_confidence_ratings').insert({
      assignment_id: live.id,
      rating: 'red',
      commentary: `Commentary ${marker('confidence')}`,
      rated_on: '2022-01-22',
      rater_label: marker('raterlabel'),
      created_at: new Date('2022-01-22T10:00:00Z'),
    });
    // Extension reasons and action plans are the addressee's and the overseer's, not the public's.
    await k('extension_requests').insert({
      assignment_id: third.id,
      due_on_when_requested: '2022-01-17',
      requested_due_on: '2022-02-14',
      reason: `Reason ${marker('extensionreason')}`,
      state: 'granted',
      decided_at: new Date('2022-01-10T10:00:00Z'),
      decided_on: '2022-01-10',
      decision_reason: `Decision ${marker('extensiondecision')}`,
      requested_by: overseer.id,
    });
    await k('assignment_actions').insert({
      assignment_id: live.id,
      description: `Action ${marker('actiondescription')}`,
      owner: marker('actionowner'),
      target_on: '2022-03-01',
    });
    // An update with no publication (its words are private), one whose summary was withdrawn, and
    // one published: only the published summary may be seen.
    await update(other.id, `Unpublished ${marker('unpublished')}`);
    const withdrawnUpdate = await update(third.id, `Narrative ${marker('withdrawnnarrative')}`);
    await publishSummary(
      withdrawnUpdate,
      `Withdrawn summary ${marker('withdrawnsummary')}`,
      'A reason the public may read',
    );
    const publishedUpdate = await update(live.id, `Narrative ${marker('publishednarrative')}`);
    publishedSummary = 'A summary the public may read';
    await publishSummary(publishedUpdate, publishedSummary);
    // A published file (no marker) and a withdrawn one (markers in the name and bytes).
    publishedFileId = await file(publishedUpdate, 'public-plan.txt', Buffer.from('public bytes'));
    await publishFile(publishedFileId);
    const withdrawnFile = await file(
      publishedUpdate,
      `${marker('withdrawnfilename')}.txt`,
      Buffer.from(`bytes ${marker('withdrawnfilebytes')}`),
    );
    await publishFile(withdrawnFile, 'A file reason the public may read');

    ids = { assignmentId: live.id, updateId: privateUpdate, userId: overseer.id };
    for (const seed of EXTRA_SEEDS) await seed(k, marker, ids);
  });
  afterAll(async () => {
    await db.destroy();
  });

  /** Every URL to fetch: each GET route with its parameters filled from the data, and the extras. */
  async function publicUrls(): Promise<string[]> {
    const k = db.knex;
    const values = {
      reportSlug: (await k('reports').select('slug')).map((r) => r.slug as string),
      orgSlug: (await k('organisations').select('slug')).map((r) => r.slug as string),
      ref: (await k('recommendations').select('ref')).map((r) => r.ref as string),
      fileId: (await k('evidence_files').select('id')).map((r) => String(r.id)),
      assignmentId: (await k('assignments').select('id')).map((r) => String(r.id)),
      updateId: (await k('progress_updates').select('id')).map((r) => String(r.id)),
    };
    const urls = new Set<string>(EXTRA_URLS);
    const routes = listRoutes(built.app)
      .filter((r) => r.startsWith('GET '))
      .map((r) => r.slice(4));
    for (const route of routes) {
      let expanded = [route];
      const fill = (param: string, list: string[]) => {
        expanded = expanded.flatMap((u) =>
          u.includes(param) ? list.map((v) => u.replace(param, encodeURIComponent(v))) : [u],
        );
      };
      if (route.includes('/reports/')) fill(':slug', values.reportSlug);
      if (route.includes('/organisations/')) fill(':slug', values.orgSlug);
      fill(':slug', values.reportSlug);
      fill(':ref', values.ref);
      fill(':fileId', values.fileId);
      fill(':updateId', values.updateId);
      fill(':id', route.includes('/evidence/') ? values.fileId : values.assignmentId);
      expanded = expanded.map((u) => u.replace(/:[A-Za-z]+/g, '1'));
      for (const u of expanded) urls.add(u);
    }
    for (const day of AS_OF_DATES) {
      urls.add(`/?as_of=${day}`);
      for (const ref of values.ref)
        urls.add(`/recommendations/${encodeURIComponent(ref)}?as_of=${day}`);
      for (const slug of values.orgSlug) urls.add(`/organisations/${slug}?as_of=${day}`);
    }
    for (const status of ['awaiting_response', 'in_progress', 'closed', 'implemented'])
      urls.add(`/recommendations?status=${status}&pageSize=100`);
    urls.add('/api/v1/recommendations?limit=100');
    return [...urls].sort();
  }

  it('seeds the markers where the private pages show them (so the test can fail)', async () => {
    const { token } = await built.services.sessions.start(db.knex, {
      userId: ids.userId,
      state: 'active',
      context: { ip: '127.0.0.1', userAgent: 'leak', requestId: null },
    });
    const res = await request(built.app)
      .get(`/workspace/assignments/${ids.assignmentId}/updates`)
      .set('Cookie', `tracker-session=${token}`)
      .expect(200);
    expect(markers.some((m) => res.text.includes(m))).toBe(true);
  });

  it('shows no marker on any public page, download or API read', async () => {
    const urls = await publicUrls();
    const leaks: string[] = [];
    let ok = 0;
    let sawSummary = false;
    let sawFile = false;
    for (const url of urls) {
      const res = await request(built.app)
        .get(url)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      if (res.status === 200) ok += 1;
      const text = `${JSON.stringify(res.headers)}\n${(res.body as Buffer).toString('latin1')}`;
      if (text.includes(publishedSummary)) sawSummary = true;
      if (url === `/evidence/${publishedFileId}` && res.status === 200) sawFile = true;
      for (const m of markers) if (text.includes(m)) leaks.push(`${url} (${res.status}): ${m}`);
    }
    expect(leaks).toEqual([]);
    // What is public does appear, so the pages fetched were the real ones.
    expect(sawSummary).toBe(true);
    expect(sawFile).toBe(true);
    expect(ok).toBeGreaterThan(50);
  });
});
