/**
 * The oversight office's decisions through the real pages on a real database: the review queue,
 * reviews (one per update; feedback required to return), verification, closure, reopening and
 * delivery confidence. Every legal and illegal transition is driven through its route and checked on
 * what the overseer sees and on what is stored (status, history, audit): a refusal changes nothing.
 */
import { buildTestApp } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import type { AssignmentRow, AssignmentStatus, OrganisationRow, ReportRow } from '../../db/tables';
import { signedInPeople } from './test-support';

describe('the oversight office’s decisions', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let own: OrganisationRow;
  let other: OrganisationRow;
  let report: ReportRow;

  const { people, person, get, post } = signedInPeople(() => ({ built, knex: db.knex }));

  /** An assignment of `own` (or `org`) in `status`, with the response its status needs. */
  async function assignmentIn(status: AssignmentStatus, org: OrganisationRow = own) {
    const rec = await createRecommendation(db.knex, report);
    const responded =
      status === 'awaiting_response'
        ? {}
        : { responded_on: '2026-01-10', response_stance: 'accepted', response_text: 'Agreed.' };
    return createAssignment(db.knex, rec, org, {
      status,
      closure_reason: status === 'closed' ? 'superseded' : null,
      ...responded,
    } as Partial<AssignmentRow>);
  }

  async function update(
    a: { id: number },
    selfAssessment: string,
    fields: { createdAt?: string; narrative?: string; files?: number } = {},
  ): Promise<number> {
    const [row] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: a.id,
        author_id: people.get('lead')!.id,
        author_label: 'Test lead',
        self_assessment: selfAssessment,
        narrative: fields.narrative ?? 'Work has moved on.',
        created_at: new Date(fields.createdAt ?? '2026-11-20T10:00:00Z'),
      })
      .returning(['id']);
    for (let i = 0; i < (fields.files ?? 0); i++)
      await db.knex('evidence_files').insert({
        progress_update_id: row.id,
        original_name: `evidence-${i + 1}.pdf`,
        content_type: 'application/pdf',
        size_bytes: 100,
        sha256: 'b'.repeat(64),
        created_at: new Date('2026-11-20T10:00:00Z'),
      });
    return row.id;
  }

  async function review(updateId: number, decision: 'accepted' | 'returned') {
    await db.knex('progress_update_reviews').insert({
      progress_update_id: updateId,
      decision,
      feedback: decision === 'returned' ? 'Not yet.' : null,
      reviewer_id: people.get('overseer')!.id,
      reviewer_label: 'overseer@example.test',
      created_at: new Date('2026-11-21T10:00:00Z'),
    });
  }

  /** What a refusal must leave untouched. */
  async function state(a: { id: number }) {
    const n = async (q: ReturnType<typeof db.knex>) =>
      Number((await q.count<{ n: string | number }[]>('* as n'))[0]?.n ?? 0);
    return {
      assignment: await db
        .knex('assignments')
        .where({ id: a.id })
        .first('status', 'closure_reason'),
      changes: await n(db.knex('assignment_status_changes').where({ assignment_id: a.id })),
      reviews: await n(
        db
          .knex('progress_update_reviews as v')
          .join('progress_updates as u', 'u.id', 'v.progress_update_id')
          .where('u.assignment_id', a.id),
      ),
      ratings: await n(db.knex('delivery_confidence_ratings').where({ assignment_id: a.id })),
      audit: await n(db.knex('audit_events')),
    };
  }

  const page = (a: { id: number }) => `/workspace/assignments/${a.id}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2026-11-28T12:00:00Z' });
    own = await createOrganisation(db.knex, { name: 'Own Police' });
    other = await createOrganisation(db.knex, { name: 'Other Police' });
    report = await createReport(db.knex, { title: 'Inspection of call handling' });
    await person('lead', 'org_lead', own.id);
    await person('otherLead', 'org_lead', other.id);
    await person('overseer', 'overseer');
    await person('viewer', 'viewer');
    await person('admin', 'admin');
  });
  afterAll(async () => {
    await db.destroy();
  });

  describe('the review queue', () => {
    it('lists unreviewed updates oldest first, with organisation, age and evidence, and filters them', async () => {
      const otherReport = await createReport(db.knex, { title: 'Another report' });
      const a = await assignmentIn('in_progress');
      const rec = await createRecommendation(db.knex, otherReport);
      const b = await createAssignment(db.knex, rec, other, {
        status: 'in_progress',
        responded_on: '2026-01-10',
        response_stance: 'accepted',
        response_text: 'Agreed.',
      });
      const older = await update(b, 'at_risk', { createdAt: '2026-11-01T09:00:00Z', files: 2 });
      const newer = await update(a, 'on_track', { createdAt: '2026-11-25T09:00:00Z' });
      const reviewed = await update(a, 'on_track', { createdAt: '2026-11-02T09:00:00Z' });
      await review(reviewed, 'accepted');

      const res = await get('overseer', '/workspace/reviews').expect(200);
      expect(res.text).toContain(`/workspace/reviews/${older}"`);
      expect(res.text).toContain(`/workspace/reviews/${newer}"`);
      expect(res.text).not.toContain(`/workspace/reviews/${reviewed}"`);
      expect(res.text.indexOf(`/workspace/reviews/${older}"`)).toBeLessThan(
        res.text.indexOf(`/workspace/reviews/${newer}"`),
      );
      expect(res.text).toContain('27 days');
      expect(res.text).toContain('At risk');
      expect(res.text).toContain('Other Police');

      const byOrg = await get('viewer', `/workspace/reviews?organisation=${own.slug}`).expect(200);
      expect(byOrg.text).toContain(`/workspace/reviews/${newer}"`);
      expect(byOrg.text).not.toContain(`/workspace/reviews/${older}"`);
      const byReport = await get('overseer', `/workspace/reviews?report=${otherReport.slug}`);
      expect(byReport.text).toContain(`/workspace/reviews/${older}"`);
      expect(byReport.text).not.toContain(`/workspace/reviews/${newer}"`);

      await get('lead', '/workspace/reviews').expect(403);
      expect((await get('viewer', '/workspace').expect(200)).text).toContain(
        'href="/workspace/reviews"',
      );
      expect((await get('lead', '/workspace').expect(200)).text).not.toContain(
        '/workspace/reviews',
      );
      await get('overseer', '/workspace/reviews?page=0').expect(400);
    });
  });

  describe('reviews', () => {
    it('shows the update and its evidence; accepting records one review and one audit event; a second review is 409', async () => {
      const a = await assignmentIn('in_progress');
      const id = await update(a, 'on_track', { narrative: 'Training is under way.', files: 1 });
      const shown = await get('overseer', `/workspace/reviews/${id}`).expect(200);
      expect(shown.text).toContain('Training is under way.');
      expect(shown.text).toMatch(/href="\/workspace\/evidence\/\d+" download>evidence-1\.pdf/);
      expect(shown.text).toContain('Record the review');
      const asViewer = await get('viewer', `/workspace/reviews/${id}`).expect(200);
      expect(asViewer.text).not.toContain('Record the review');
      await get('otherLead', `/workspace/reviews/${id}`).expect(404);
      await get('lead', `/workspace/reviews/${id}`).expect(403);

      const before = await state(a);
      const res = await post('overseer', `/workspace/reviews/${id}`, { decision: 'accepted' });
      expect(res.status).toBe(303);
      const after = await state(a);
      expect(after.reviews).toBe(1);
      expect(after.audit).toBe(before.audit + 1);
      expect(after.assignment.status).toBe('in_progress');
      const event = await db.knex('audit_events').orderBy('id', 'desc').first();
      expect(event).toMatchObject({
        action: 'progress_update.accepted',
        subject_id: String(id),
      });

      const again = await post('overseer', `/workspace/reviews/${id}`, {
        decision: 'returned',
        feedback: 'Second thoughts.',
      });
      expect(again.status).toBe(409);
      expect(again.text).toContain('This update has already been reviewed');
      expect(await state(a)).toEqual(after);
      const stored = await db.knex('progress_update_reviews').where({ progress_update_id: id });
      expect(stored.map((r) => r.decision)).toEqual(['accepted']);
    });

    it('requires feedback to return an update, and keeps what was typed', async () => {
      const a = await assignmentIn('in_progress');
      const id = await update(a, 'at_risk');
      const before = await state(a);
      const res = await post('overseer', `/workspace/reviews/${id}`, {
        decision: 'returned',
        feedback: '   ',
      });
      expect(res.status).toBe(400);
      expect(res.text).toContain('There is a problem');
      expect(res.text).toContain('Enter feedback for the organisation');
      expect(res.text).toMatch(/id="decision-2"[^>]*value="returned" checked/);
      const none = await post('overseer', `/workspace/reviews/${id}`, {});
      expect(none.status).toBe(400);
      expect(none.text).toContain('Select whether to accept the update or return it');
      expect(await state(a)).toEqual(before);
    });

    it('returning an update marked complete puts the assignment back in progress, and the lead sees the feedback', async () => {
      const a = await assignmentIn('awaiting_verification');
      const id = await update(a, 'complete', { narrative: 'All done.' });
      const before = await state(a);
      await post('overseer', `/workspace/reviews/${id}`, {
        decision: 'returned',
        feedback: 'The audit results are missing.',
      }).expect(303);
      const after = await state(a);
      expect(after.assignment.status).toBe('in_progress');
      expect(after.changes).toBe(before.changes + 1);
      expect(after.audit).toBe(before.audit + 1);
      const change = await db
        .knex('assignment_status_changes')
        .where({ assignment_id: a.id })
        .orderBy('id', 'desc')
        .first();
      expect(change).toMatchObject({
        from_status: 'awaiting_verification',
        to_status: 'in_progress',
        event: 'return_update',
        note: 'The audit results are missing.',
      });

      const lead = await get('lead', `${page(a)}/updates`).expect(200);
      expect(lead.text).toContain('Returned with feedback');
      expect(lead.text).toContain('The audit results are missing.');
      expect(lead.text).toContain('28 November 2026');
    });

    it('refuses to return an update on a closed assignment, with the lifecycle’s message', async () => {
      const a = await assignmentIn('closed');
      const id = await update(a, 'on_track');
      const before = await state(a);
      const res = await post('overseer', `/workspace/reviews/${id}`, {
        decision: 'returned',
        feedback: 'Too late.',
      });
      expect(res.status).toBe(409);
      expect(res.text).toContain(
        'This assignment is closed, so its updates can no longer be reviewed.',
      );
      expect(res.text).toContain('Too late.');
      expect(await state(a)).toEqual(before);
    });
  });

  describe('verification, closure and reopening', () => {
    it('refuses to verify without an accepted update marked complete, and changes nothing', async () => {
      const a = await assignmentIn('awaiting_verification');
      const claim = await update(a, 'complete');
      const before = await state(a);
      const res = await post('overseer', `${page(a)}/verification`, { note: 'Looks good.' });
      expect(res.status).toBe(409);
      expect(res.text).toContain(
        'Accept the progress update that claims completion before verifying implementation.',
      );
      expect(res.text).toContain('Looks good.');
      expect(await state(a)).toEqual(before);

      // Once the claim is accepted, verification succeeds and is recorded.
      await review(claim, 'accepted');
      const ok = await post('overseer', `${page(a)}/verification`, { note: 'Checked on site.' });
      expect(ok.status).toBe(303);
      expect(ok.headers.location).toBe(`${page(a)}?done=verified#oversight`);
      const after = await state(a);
      expect(after.assignment.status).toBe('implemented');
      expect(after.changes).toBe(before.changes + 1);
      expect(after.audit).toBe(before.audit + 1);
      const shown = await get('overseer', `${page(a)}?done=verified`).expect(200);
      expect(shown.text).toContain('Implementation has been verified.');
      expect(shown.text).toContain('Implementation verified: Awaiting verification to Implemented');
      expect(shown.text).toContain('Checked on site.');
    });

    it('refuses to verify from in progress', async () => {
      const a = await assignmentIn('in_progress');
      await review(await update(a, 'complete'), 'accepted');
      const before = await state(a);
      const res = await post('overseer', `${page(a)}/verification`);
      expect(res.status).toBe(409);
      expect(res.text).toContain('Only an assignment awaiting verification can be verified');
      expect(await state(a)).toEqual(before);
    });

    it('closes an open assignment with a reason and an explanation, and refuses to close it twice', async () => {
      const a = await assignmentIn('in_progress');
      const before = await state(a);
      const missing = await post('overseer', `${page(a)}/closure`, { reason: '', note: '' });
      expect(missing.status).toBe(400);
      expect(missing.text).toContain('Select the reason for closing');
      expect(missing.text).toContain('Enter an explanation');
      expect(await state(a)).toEqual(before);

      await post('overseer', `${page(a)}/closure`, {
        reason: 'overtaken_by_events',
        note: 'The unit was merged.',
      }).expect(303);
      const closed = await state(a);
      expect(closed.assignment).toEqual({
        status: 'closed',
        closure_reason: 'overtaken_by_events',
      });
      expect(closed.changes).toBe(before.changes + 1);
      expect(closed.audit).toBe(before.audit + 1);

      const twice = await post('overseer', `${page(a)}/closure`, {
        reason: 'superseded',
        note: 'Again.',
      });
      expect(twice.status).toBe(409);
      expect(twice.text).toContain('This assignment is already closed.');
      expect(twice.text).toContain('Again.');
      expect(await state(a)).toEqual(closed);
    });

    it('refuses to close an implemented assignment; reopens it with an explanation', async () => {
      const a = await assignmentIn('implemented');
      const before = await state(a);
      const close = await post('overseer', `${page(a)}/closure`, {
        reason: 'not_implemented',
        note: 'It slipped.',
      });
      expect(close.status).toBe(409);
      expect(close.text).toContain('A verified assignment cannot be closed');
      expect(await state(a)).toEqual(before);

      const noNote = await post('overseer', `${page(a)}/reopening`, { note: ' ' });
      expect(noNote.status).toBe(400);
      expect(noNote.text).toContain('Enter an explanation');
      expect(await state(a)).toEqual(before);

      await post('overseer', `${page(a)}/reopening`, {
        note: 'The audit found the old practice back.',
      }).expect(303);
      const after = await state(a);
      expect(after.assignment.status).toBe('in_progress');
      expect(after.audit).toBe(before.audit + 1);
      const change = await db
        .knex('assignment_status_changes')
        .where({ assignment_id: a.id })
        .orderBy('id', 'desc')
        .first();
      expect(change).toMatchObject({
        event: 'reopen',
        from_status: 'implemented',
        to_status: 'in_progress',
        note: 'The audit found the old practice back.',
      });
    });

    it('refuses to reopen an assignment in progress', async () => {
      const a = await assignmentIn('in_progress');
      const before = await state(a);
      const res = await post('overseer', `${page(a)}/reopening`, { note: 'Why not.' });
      expect(res.status).toBe(409);
      expect(res.text).toContain('Only an assignment verified as implemented can be reopened.');
      expect(res.text).toContain('Why not.');
      expect(await state(a)).toEqual(before);
    });

    it('after a reopening, an older accepted claim does not verify a new one', async () => {
      const a = await assignmentIn('awaiting_verification');
      await review(await update(a, 'complete', { createdAt: '2026-10-01T10:00:00Z' }), 'accepted');
      await update(a, 'complete', { createdAt: '2026-11-20T10:00:00Z' });
      const before = await state(a);
      const res = await post('overseer', `${page(a)}/verification`);
      expect(res.status).toBe(409);
      expect(await state(a)).toEqual(before);
    });
  });

  describe('every decision from every status', () => {
    const STATUSES: AssignmentStatus[] = [
      'awaiting_response',
      'in_progress',
      'awaiting_verification',
      'implemented',
      'closed',
    ];
    // What DOMAIN.md allows: the status after, or null for a refusal (409, nothing changed).
    const ALLOWED: Record<string, Partial<Record<AssignmentStatus, AssignmentStatus>>> = {
      verification: { awaiting_verification: 'implemented' },
      closure: {
        awaiting_response: 'closed',
        in_progress: 'closed',
        awaiting_verification: 'closed',
      },
      reopening: { implemented: 'in_progress' },
      // Returning an update marked complete.
      review: {
        awaiting_response: 'awaiting_response',
        in_progress: 'in_progress',
        awaiting_verification: 'in_progress',
        implemented: 'implemented',
      },
    };
    const cases = Object.keys(ALLOWED).flatMap((decision) =>
      STATUSES.map((from) => [decision, from, ALLOWED[decision]![from] ?? null] as const),
    );

    it.each(cases)('%s from %s → %s', async (decision, from, to) => {
      const a = await assignmentIn(from);
      // An accepted claim of completion, so only the status decides whether verifying is allowed.
      await review(await update(a, 'complete', { createdAt: '2026-11-01T10:00:00Z' }), 'accepted');
      const claim = await update(a, 'complete', { createdAt: '2026-11-02T10:00:00Z' });
      if (decision === 'verification') await review(claim, 'accepted');
      const before = await state(a);
      const res =
        decision === 'review'
          ? await post('overseer', `/workspace/reviews/${claim}`, {
              decision: 'returned',
              feedback: 'Not enough evidence.',
            })
          : await post('overseer', `${page(a)}/${decision}`, {
              reason: 'superseded',
              note: 'Recorded in the test.',
            });
      const after = await state(a);
      if (to === null) {
        expect(res.status).toBe(409);
        expect(after).toEqual(before);
        return;
      }
      expect(res.status).toBe(303);
      expect(after.assignment.status).toBe(to);
      expect(after.changes).toBe(before.changes + (to === from ? 0 : 1));
      expect(after.audit).toBe(before.audit + 1);
    });
  });

  describe('delivery confidence', () => {
    it('records ratings with commentary (today by default), keeps the history, and shows the rating beside the status in words', async () => {
      const a = await assignmentIn('in_progress');
      const before = await state(a);
      await post('overseer', `${page(a)}/confidence`, {
        rating: 'amber',
        commentary: 'Training is behind.',
        ratedOn: '2026-11-01',
      }).expect(303);
      await post('overseer', `${page(a)}/confidence`, {
        rating: 'green',
        commentary: 'Caught up.',
        ratedOn: '',
      }).expect(303);
      const after = await state(a);
      expect(after.ratings).toBe(2);
      expect(after.audit).toBe(before.audit + 2);
      const rows = await db
        .knex('delivery_confidence_ratings')
        .where({ assignment_id: a.id })
        .orderBy('id');
      expect(rows.map((r) => [r.rating, r.rated_on])).toEqual([
        ['amber', '2026-11-01'],
        ['green', '2026-11-28'],
      ]);

      const shown = await get('lead', page(a)).expect(200);
      // The status stays, and the rating sits beside it with its meaning in words.
      expect(shown.text).toContain('In progress');
      expect(shown.text).toContain('Delivery confidence');
      expect(shown.text).toMatch(/govuk-tag--green">Green<\/strong> delivery on course/);
      expect(shown.text).toContain('Earlier ratings (1)');
      expect(shown.text).toContain('Training is behind.');
      // The lead reads but cannot rate.
      expect(shown.text).not.toContain('Record the rating');
    });

    it('requires a rating and a commentary, and refuses a date in the future', async () => {
      const a = await assignmentIn('in_progress');
      const before = await state(a);
      const empty = await post('overseer', `${page(a)}/confidence`, {
        rating: '',
        commentary: '',
        ratedOn: '',
      });
      expect(empty.status).toBe(400);
      expect(empty.text).toContain('Select red, amber or green');
      expect(empty.text).toContain('Enter a commentary on the rating');
      const future = await post('overseer', `${page(a)}/confidence`, {
        rating: 'red',
        commentary: 'Worrying.',
        ratedOn: '2026-11-29',
      });
      expect(future.status).toBe(400);
      expect(future.text).toContain('The date of the rating cannot be in the future');
      expect(future.text).toContain('Worrying.');
      expect(await state(a)).toEqual(before);
    });
  });

  describe('who may decide', () => {
    const writes = (a: { id: number }, updateId: number): [string, Record<string, string>][] => [
      [`/workspace/reviews/${updateId}`, { decision: 'accepted' }],
      [`${page(a)}/verification`, {}],
      [`${page(a)}/closure`, { reason: 'superseded', note: 'Replaced.' }],
      [`${page(a)}/reopening`, { note: 'Again.' }],
      [`${page(a)}/confidence`, { rating: 'red', commentary: 'Worrying.' }],
    ];

    it('refuses viewers, admins and the organisation’s own lead (403), and another organisation’s lead (404), changing nothing', async () => {
      const a = await assignmentIn('awaiting_verification');
      const id = await update(a, 'complete');
      const before = await state(a);
      for (const [path, body] of writes(a, id)) {
        expect({ path, status: (await post('viewer', path, body)).status }).toEqual({
          path,
          status: 403,
        });
        expect({ path, status: (await post('admin', path, body)).status }).toEqual({
          path,
          status: 403,
        });
        expect({ path, status: (await post('lead', path, body)).status }).toEqual({
          path,
          status: 403,
        });
        expect({ path, status: (await post('otherLead', path, body)).status }).toEqual({
          path,
          status: 404,
        });
      }
      expect(await state(a)).toEqual(before);
    });

    it('shows the decision forms to overseers only, and the history to everyone who may read the assignment', async () => {
      const a = await assignmentIn('awaiting_verification');
      const overseer = await get('overseer', page(a)).expect(200);
      expect(overseer.text).toContain('id="verify-form"');
      expect(overseer.text).toContain('id="close-form"');
      expect(overseer.text).toContain('id="confidence-form"');
      expect(overseer.text).not.toContain('id="reopen-form"');
      expect(overseer.text).toContain('Status history');
      const viewer = await get('viewer', page(a)).expect(200);
      expect(viewer.text).toContain('Status history');
      expect(viewer.text).not.toContain('id="verify-form"');
      expect(viewer.text).not.toContain('id="confidence-form"');
      await get('otherLead', page(a)).expect(404);
    });
  });
});
