/**
 * The oversight office through /api/v1, on a real database: every answer is checked against the
 * OpenAPI document the app serves. The queue pages by cursor; reviews and status decisions go
 * through the same service as the pages (409 for a refusal, nothing changed); an assignment's
 * ratings and history are readable by its own organisation's lead and 404 to another's.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { issueApiToken } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { loadContract, type Contract } from '../../../test/openapi-contract';
import type { AssignmentRow, AssignmentStatus, OrganisationRow, ReportRow } from '../../db/tables';

describe('the oversight API', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let contract: Contract;
  let own: OrganisationRow;
  let other: OrganisationRow;
  let report: ReportRow;
  const tokens = new Map<string, string>();

  const bearer = (who: string) => ({ Authorization: `Bearer ${tokens.get(who)!}` });
  const api = () => request(built.app);

  async function assignmentIn(status: AssignmentStatus) {
    const rec = await createRecommendation(db.knex, report);
    return createAssignment(db.knex, rec, own, {
      status,
      ...(status === 'awaiting_response'
        ? {}
        : { responded_on: '2026-01-10', response_stance: 'accepted', response_text: 'Agreed.' }),
    } as Partial<AssignmentRow>);
  }

  async function update(a: { id: number }, selfAssessment: string, createdAt: string) {
    const [row] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: a.id,
        author_label: 'Test lead',
        self_assessment: selfAssessment,
        narrative: 'Work has moved on.',
        created_at: new Date(createdAt),
      })
      .returning(['id']);
    return row.id as number;
  }

  const auditCount = async () =>
    Number((await db.knex('audit_events').count<{ n: string }[]>('* as n'))[0]?.n);

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2026-11-28T12:00:00Z' });
    contract = await loadContract(built.app);
    own = await createOrganisation(db.knex);
    other = await createOrganisation(db.knex);
    report = await createReport(db.knex);
    tokens.set('overseer', await issueApiToken(db.knex, { role: 'overseer' }));
    tokens.set('viewer', await issueApiToken(db.knex, { role: 'viewer' }));
    tokens.set('lead', await issueApiToken(db.knex, { role: 'org_lead', organisationId: own.id }));
    tokens.set(
      'otherLead',
      await issueApiToken(db.knex, { role: 'org_lead', organisationId: other.id }),
    );
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('pages the review queue by cursor, oldest first, without skipping or repeating', async () => {
    const a = await assignmentIn('in_progress');
    const ids = [
      await update(a, 'on_track', '2026-11-01T10:00:00.123Z'),
      await update(a, 'at_risk', '2026-11-01T10:00:00.123Z'),
      await update(a, 'off_track', '2026-11-03T10:00:00Z'),
    ];
    const seen: number[] = [];
    let next: string | null = `/api/v1/reviews?organisation=${own.slug}&limit=2`;
    while (next) {
      const res: request.Response = await api().get(next).set(bearer('viewer'));
      expect(res.status).toBe(200);
      contract.conforms('/api/v1/reviews', 'get', res);
      expect(res.body.total).toBe(3);
      seen.push(...res.body.items.map((i: { progressUpdateId: number }) => i.progressUpdateId));
      next = res.body.links.next;
    }
    expect(seen).toEqual(ids);
    const first = await api()
      .get(`/api/v1/reviews?organisation=${own.slug}`)
      .set(bearer('overseer'));
    expect(first.body.items[0]).toMatchObject({
      progressUpdateId: ids[0],
      assignmentId: a.id,
      ageDays: 27,
      selfAssessment: 'on_track',
      evidenceFiles: 0,
      assignmentStatus: 'in_progress',
    });

    const lead = await api().get('/api/v1/reviews').set(bearer('lead'));
    expect(lead.status).toBe(403);
    contract.conforms('/api/v1/reviews', 'get', lead);
    const forged = await api().get('/api/v1/reviews?cursor=abc.def').set(bearer('overseer'));
    expect(forged.status).toBe(400);
    contract.conforms('/api/v1/reviews', 'get', forged);
  });

  it('reviews an update once: returning a complete one puts the assignment back in progress; a second review is 409', async () => {
    const a = await assignmentIn('awaiting_verification');
    const id = await update(a, 'complete', '2026-11-20T10:00:00Z');
    const path = '/api/v1/progress-updates/{id}/review';

    const noFeedback = await api()
      .post(`/api/v1/progress-updates/${id}/review`)
      .set(bearer('overseer'))
      .send({ decision: 'returned' });
    expect(noFeedback.status).toBe(400);
    contract.conforms(path, 'post', noFeedback);
    expect(JSON.parse(noFeedback.text).errors.map((e: { field: string }) => e.field)).toEqual([
      'feedback',
    ]);

    const viewer = await api()
      .post(`/api/v1/progress-updates/${id}/review`)
      .set(bearer('viewer'))
      .send({ decision: 'accepted' });
    expect(viewer.status).toBe(403);
    contract.conforms(path, 'post', viewer);

    const before = await auditCount();
    const done = await api()
      .post(`/api/v1/progress-updates/${id}/review`)
      .set(bearer('overseer'))
      .send({ decision: 'returned', feedback: 'Send the audit.' });
    expect(done.status).toBe(201);
    contract.conforms(path, 'post', done);
    expect(done.body).toMatchObject({
      progressUpdateId: id,
      decision: 'returned',
      feedback: 'Send the audit.',
      assignmentStatus: 'in_progress',
    });
    expect(await auditCount()).toBe(before + 1);
    expect((await db.knex('assignments').where({ id: a.id }).first()).status).toBe('in_progress');

    const again = await api()
      .post(`/api/v1/progress-updates/${id}/review`)
      .set(bearer('overseer'))
      .send({ decision: 'accepted' });
    expect(again.status).toBe(409);
    contract.conforms(path, 'post', again);
    expect(JSON.parse(again.text).detail).toContain('already been reviewed');
    expect(await auditCount()).toBe(before + 1);

    const missing = await api()
      .post('/api/v1/progress-updates/2147483000/review')
      .set(bearer('overseer'))
      .send({ decision: 'accepted' });
    expect(missing.status).toBe(404);
    contract.conforms(path, 'post', missing);
  });

  it('verifies, closes and reopens through the lifecycle; refusals are 409 and change nothing', async () => {
    const a = await assignmentIn('awaiting_verification');
    const claim = await update(a, 'complete', '2026-11-20T10:00:00Z');
    const verifyPath = '/api/v1/assignments/{id}/verification';

    const early = await api()
      .post(`/api/v1/assignments/${a.id}/verification`)
      .set(bearer('overseer'))
      .send({});
    expect(early.status).toBe(409);
    contract.conforms(verifyPath, 'post', early);
    expect((await db.knex('assignments').where({ id: a.id }).first()).status).toBe(
      'awaiting_verification',
    );

    await api()
      .post(`/api/v1/progress-updates/${claim}/review`)
      .set(bearer('overseer'))
      .send({ decision: 'accepted' })
      .expect(201);
    const verified = await api()
      .post(`/api/v1/assignments/${a.id}/verification`)
      .set(bearer('overseer'))
      .send({ note: 'Seen on site.' });
    expect(verified.status).toBe(200);
    contract.conforms(verifyPath, 'post', verified);
    expect(verified.body).toEqual({
      assignmentId: a.id,
      status: 'implemented',
      closureReason: null,
    });

    const close = await api()
      .post(`/api/v1/assignments/${a.id}/closure`)
      .set(bearer('overseer'))
      .send({ reason: 'superseded', note: 'Replaced.' });
    expect(close.status).toBe(409);
    contract.conforms('/api/v1/assignments/{id}/closure', 'post', close);

    const reopened = await api()
      .post(`/api/v1/assignments/${a.id}/reopening`)
      .set(bearer('overseer'))
      .send({ note: 'It slipped.' });
    expect(reopened.status).toBe(200);
    contract.conforms('/api/v1/assignments/{id}/reopening', 'post', reopened);
    expect(reopened.body.status).toBe('in_progress');

    const closed = await api()
      .post(`/api/v1/assignments/${a.id}/closure`)
      .set(bearer('overseer'))
      .send({ reason: 'not_implemented', note: 'Abandoned.' });
    expect(closed.status).toBe(200);
    contract.conforms('/api/v1/assignments/{id}/closure', 'post', closed);
    expect(closed.body).toEqual({
      assignmentId: a.id,
      status: 'closed',
      closureReason: 'not_implemented',
    });

    const noReason = await api()
      .post(`/api/v1/assignments/${a.id}/reopening`)
      .set(bearer('overseer'))
      .send({});
    expect(noReason.status).toBe(400);
    contract.conforms('/api/v1/assignments/{id}/reopening', 'post', noReason);

    const history = await api()
      .get(`/api/v1/assignments/${a.id}/status-history`)
      .set(bearer('lead'));
    expect(history.status).toBe(200);
    contract.conforms('/api/v1/assignments/{id}/status-history', 'get', history);
    expect(history.body.changes.map((c: { event: string }) => c.event)).toEqual([
      'close',
      'reopen',
      'verify',
    ]);
    expect(history.body.changes[0]).toMatchObject({
      fromStatus: 'in_progress',
      toStatus: 'closed',
      closureReason: 'not_implemented',
      note: 'Abandoned.',
    });
    const hidden = await api()
      .get(`/api/v1/assignments/${a.id}/status-history`)
      .set(bearer('otherLead'));
    expect(hidden.status).toBe(404);
    contract.conforms('/api/v1/assignments/{id}/status-history', 'get', hidden);
  });

  it('rates delivery confidence and reads the ratings back, newest first', async () => {
    const a = await assignmentIn('in_progress');
    const path = '/api/v1/assignments/{id}/confidence';
    const future = await api()
      .post(`/api/v1/assignments/${a.id}/confidence`)
      .set(bearer('overseer'))
      .send({ rating: 'red', commentary: 'Worrying.', ratedOn: '2026-12-01' });
    expect(future.status).toBe(400);
    contract.conforms(path, 'post', future);

    const first = await api()
      .post(`/api/v1/assignments/${a.id}/confidence`)
      .set(bearer('overseer'))
      .send({ rating: 'amber', commentary: 'Behind.', ratedOn: '2026-11-01' });
    expect(first.status).toBe(201);
    contract.conforms(path, 'post', first);
    const second = await api()
      .post(`/api/v1/assignments/${a.id}/confidence`)
      .set(bearer('overseer'))
      .send({ rating: 'green', commentary: 'Caught up.' });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ rating: 'green', ratedOn: '2026-11-28' });

    const viewer = await api()
      .post(`/api/v1/assignments/${a.id}/confidence`)
      .set(bearer('viewer'))
      .send({ rating: 'green', commentary: 'Fine.' });
    expect(viewer.status).toBe(403);
    contract.conforms(path, 'post', viewer);

    for (const who of ['lead', 'viewer', 'overseer']) {
      const read = await api().get(`/api/v1/assignments/${a.id}/confidence`).set(bearer(who));
      expect(read.status).toBe(200);
      contract.conforms(path, 'get', read);
      expect(read.body.current).toMatchObject({ rating: 'green', commentary: 'Caught up.' });
      expect(read.body.ratings.map((r: { rating: string }) => r.rating)).toEqual([
        'green',
        'amber',
      ]);
    }
    const hidden = await api()
      .get(`/api/v1/assignments/${a.id}/confidence`)
      .set(bearer('otherLead'));
    expect(hidden.status).toBe(404);
    contract.conforms(path, 'get', hidden);
  });
});
