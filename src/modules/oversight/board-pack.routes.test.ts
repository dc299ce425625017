/**
 * The board pack page and its API, checked against a hand-built register (today is 15 June 2024,
 * so the default period is 15 May to 15 June 2024, London days):
 *
 *   a1 R1 × Alpha  answered 20 May (accepted) → in progress on 20 May (inside);
 *                  RAG amber on 1 Apr, then red on 1 Jun (inside): "amber → red"
 *   a2 R1 × Beta   → in progress on 10 Apr (outside); → awaiting verification 2 Jun (inside)
 *   a3 R2 × Alpha  unanswered, due 1 Jul; an extension request to 1 Aug pending since 10 Jun
 *   a4 R2 × Beta   closed (superseded) at 23:30 UTC on 14 May = 00:30 on 15 May in London (inside)
 *   a5 R3 × Alpha  answered 1 Mar (not accepted), still awaiting a response; no change in the period
 *   Extensions: a3's granted 20 May (inside), a1's refused 1 April (outside). Reviews: a1's update
 *   returned 28 May (inside), another accepted 2 April (outside); a2's update of 30 May waits 16 days.
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, issueApiToken } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { boxesShown, dateBoxes, summaryLinks, typedBoxes } from '../../../test/date-boxes';
import { loadContract, type Contract } from '../../../test/openapi-contract';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { sealSecret } from '../../shared/secret-box';
import { generateTotpSecret } from '../accounts/totp';
import type { Role } from '../accounts/accounts.types';
import type { AssignmentRow } from '../../db/tables';
import { monthBefore } from './board-pack.service';
import { BOARD_PACK_LIST_MAX } from './board-pack.view-model';

describe('the board pack', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let contract: Contract;
  const cookies = new Map<string, string>();
  const tokens = new Map<string, string>();
  const a: Record<string, AssignmentRow> = {};

  const get = (who: string, path: string) => {
    const req = request(built.app).get(path);
    const cookie = cookies.get(who);
    if (cookie) req.set('Cookie', cookie);
    return req;
  };
  const api = (who: string, path: string) => {
    const req = request(built.app).get(path);
    const token = tokens.get(who);
    if (token) req.set('Authorization', `Bearer ${token}`);
    return req;
  };
  /** The rows of the table with this id, as text with the tags stripped. */
  const tableRows = (html: string, id: string): string[] => {
    const start = html.indexOf(`id="${id}"`);
    if (start < 0) return [];
    const table = html.slice(start, html.indexOf('</table>', start));
    const body = table.slice(table.indexOf('<tbody'));
    return [...body.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)].map((m) =>
      m[1]!
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2024-06-15T12:00:00Z' });
    contract = await loadContract(built.app);
    const k = db.knex;
    const alpha = await createOrganisation(k, { slug: 'alpha-police', name: 'Alpha Police' });
    const beta = await createOrganisation(k, { slug: 'beta-police', name: 'Beta Police' });
    const report = await createReport(k, { slug: 'pack-report', published_on: '2024-01-10' });
    const rec = (ref: string, position: number) =>
      createRecommendation(k, report, {
        ref,
        title: `Title ${ref}`,
        position,
        made_on: '2024-01-10',
      });
    const r1 = await rec('PACK-R1', 1);
    const r2 = await rec('PACK-R2', 2);
    const r3 = await rec('PACK-R3', 3);
    const change = (x: AssignmentRow, from: string, to: string, at: string, reason?: string) =>
      k('assignment_status_changes').insert({
        assignment_id: x.id,
        from_status: from,
        to_status: to,
        closure_reason: reason ?? null,
        event: to === 'closed' ? 'close' : to === 'in_progress' ? 'respond' : 'verify',
        actor_label: 'Fixture',
        changed_at: new Date(at),
      });

    a.a1 = await createAssignment(k, r1, alpha, {
      response_due_on: '2024-06-01',
      status: 'in_progress',
      response_stance: 'accepted',
      response_text: 'We accept.',
      responded_on: '2024-05-20',
    });
    // The factory records the response as version 1, as the seeds do.
    await change(a.a1, 'awaiting_response', 'in_progress', '2024-05-20T12:00:00Z');
    const rate = (x: AssignmentRow, rating: string, at: string) =>
      k('delivery_confidence_ratings').insert({
        assignment_id: x.id,
        rating,
        commentary: `Rated ${rating}.`,
        rated_on: at.slice(0, 10),
        rater_label: 'Fixture overseer',
        created_at: new Date(at),
      });
    await rate(a.a1, 'amber', '2024-04-01T10:00:00Z');
    await rate(a.a1, 'red', '2024-06-01T10:00:00Z');

    a.a2 = await createAssignment(k, r1, beta, {
      response_due_on: '2024-06-01',
      status: 'awaiting_verification',
      response_stance: 'accepted',
      response_text: 'Accepted.',
      responded_on: '2024-04-10',
    });
    await change(a.a2, 'awaiting_response', 'in_progress', '2024-04-10T12:00:00Z');
    await change(a.a2, 'in_progress', 'awaiting_verification', '2024-06-02T12:00:00Z');

    a.a3 = await createAssignment(k, r2, alpha, { response_due_on: '2024-07-01' });
    await k('extension_requests').insert({
      assignment_id: a.a3.id,
      due_on_when_requested: '2024-07-01',
      requested_due_on: '2024-08-01',
      reason: 'The board meets in July.',
      requested_at: new Date('2024-06-10T09:00:00Z'),
    });

    a.a4 = await createAssignment(k, r2, beta, {
      response_due_on: '2024-07-01',
      status: 'closed',
      closure_reason: 'superseded',
    });
    await change(a.a4, 'awaiting_response', 'closed', '2024-05-14T23:30:00Z', 'superseded');

    a.a5 = await createAssignment(k, r3, alpha, {
      response_due_on: '2024-03-01',
      response_stance: 'not_accepted',
      response_text: 'We do not accept.',
      responded_on: '2024-03-01',
    });

    // Extension decisions: one inside the period (a3, granted 20 May), one outside (a1, 1 April).
    const decided = (x: AssignmentRow, due: string, asked: string, state: string, on: string) =>
      k('extension_requests').insert({
        assignment_id: x.id,
        due_on_when_requested: due,
        requested_due_on: asked,
        reason: 'More time, please.',
        requested_at: new Date(`${on}T08:00:00Z`),
        state,
        decided_at: new Date(`${on}T10:00:00Z`),
        decided_on: on,
        decision_reason: 'Decided.',
      });
    await decided(a.a3, '2024-06-01', '2024-07-01', 'granted', '2024-05-20');
    await decided(a.a1, '2024-05-01', '2024-06-01', 'refused', '2024-04-01');

    // Progress updates: a1's returned on 28 May (inside); a2's posted 30 May, never reviewed, so
    // waiting 16 days today; a1's 1 April one reviewed on 2 April (outside).
    const update = async (x: AssignmentRow, at: string) =>
      (
        await k('progress_updates')
          .insert({
            assignment_id: x.id,
            author_label: 'A lead',
            self_assessment: 'on_track',
            narrative: 'Progress.',
            created_at: new Date(at),
          })
          .returning('id')
      )[0].id as number;
    const review = (updateId: number, decision: string, at: string) =>
      k('progress_update_reviews').insert({
        progress_update_id: updateId,
        decision,
        feedback: decision === 'returned' ? 'Say more about training.' : null,
        reviewer_label: 'Fixture overseer',
        created_at: new Date(at),
      });
    await review(await update(a.a1, '2024-05-25T10:00:00Z'), 'returned', '2024-05-28T10:00:00Z');
    await review(await update(a.a1, '2024-04-01T10:00:00Z'), 'accepted', '2024-04-02T10:00:00Z');
    await update(a.a2, '2024-05-30T10:00:00Z');

    const roles: [string, Role, number | null][] = [
      ['overseer', 'overseer', null],
      ['viewer', 'viewer', null],
      ['lead', 'org_lead', alpha.id],
    ];
    for (const [name, role, organisationId] of roles) {
      const user = await createUser(k, {
        role,
        organisationId,
        totpSecretEnc:
          role === 'overseer'
            ? sealSecret(generateTotpSecret(), built.services.config.secretKey!)
            : null,
      });
      const { token } = await built.services.sessions.start(k, {
        userId: user.id,
        state: 'active',
        context: { ip: '127.0.0.1', userAgent: 'test', requestId: null },
      });
      cookies.set(name, `tracker-session=${token}`);
      tokens.set(name, await issueApiToken(k, { role, organisationId }));
    }
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('works out the default start a month before, clamped to the month’s end', () => {
    expect(monthBefore('2024-06-15')).toBe('2024-05-15');
    expect(monthBefore('2024-03-31')).toBe('2024-02-29');
    expect(monthBefore('2024-01-10')).toBe('2023-12-10');
  });

  it('sends a signed-out visitor to sign in and refuses a force lead', async () => {
    const res = await request(built.app).get('/workspace/board-pack').expect(303);
    expect(res.headers.location).toBe('/sign-in');
    await get('lead', '/workspace/board-pack').expect(403);
    await get('lead', '/workspace/board-pack?from=nonsense').expect(403);
    contract.conforms(
      '/api/v1/board-pack',
      'get',
      await api('lead', '/api/v1/board-pack').expect(403),
    );
    await api('nobody', '/api/v1/board-pack').expect(401);
  });

  it('is linked from the workspace for those who may see it', async () => {
    expect((await get('viewer', '/workspace').expect(200)).text).toContain(
      'href="/workspace/board-pack"',
    );
    expect((await get('lead', '/workspace').expect(200)).text).not.toContain(
      '/workspace/board-pack',
    );
  });

  it('shows exactly the items of the default period (15 May to 15 June 2024)', async () => {
    const res = await get('overseer', '/workspace/board-pack').expect(200);
    const html = res.text;
    expect(html).toContain('Board pack: 15 May 2024 to 15 June 2024');
    expect(boxesShown(html, 'from')).toEqual({ day: '15', month: '5', year: '2024', marked: [] });
    expect(boxesShown(html, 'to')).toEqual({ day: '15', month: '6', year: '2024', marked: [] });
    expect(tableRows(html, 'status-changes')).toEqual([
      expect.stringMatching(
        /^15 May 2024 PACK-R2 .*Beta Police Awaiting response → Closed \(Superseded\)$/,
      ),
      expect.stringMatching(/^20 May 2024 PACK-R1 .*Alpha Police Awaiting response → In progress$/),
      expect.stringMatching(
        /^2 June 2024 PACK-R1 .*Beta Police In progress → Awaiting verification$/,
      ),
    ]);
    expect(tableRows(html, 'responses')).toEqual([
      expect.stringMatching(/^20 May 2024 PACK-R1 .*Alpha Police Accepted$/),
    ]);
    expect(tableRows(html, 'rag-changes')).toEqual([
      expect.stringMatching(/^1 June 2024 PACK-R1 .*Alpha Police Amber → Red$/),
    ]);
    expect(tableRows(html, 'pending-extensions')).toEqual([
      expect.stringMatching(
        /^10 June 2024 PACK-R2 .*Alpha Police Due 1 July 2024, asks for 1 August 2024$/,
      ),
    ]);
    expect(tableRows(html, 'awaiting-verification')).toEqual([
      expect.stringMatching(/^PACK-R1 .*Beta Police 2 June 2024$/),
    ]);
    expect(tableRows(html, 'not-accepted')).toEqual([
      expect.stringMatching(/^PACK-R3 .*Alpha Police 1 March 2024$/),
    ]);
    expect(tableRows(html, 'overdue-responses')).toEqual([]);
    expect(tableRows(html, 'reviews')).toEqual([
      expect.stringMatching(
        /^28 May 2024 PACK-R1 .*Alpha Police Returned for more work, by Fixture overseer$/,
      ),
    ]);
    expect(tableRows(html, 'extensions-decided')).toEqual([
      expect.stringMatching(
        /^20 May 2024 PACK-R2 .*Alpha Police Granted: due 1 June 2024, asked for 1 July 2024$/,
      ),
    ]);
    expect(tableRows(html, 'updates-waiting')).toEqual([
      expect.stringMatching(/^PACK-R1 .*Beta Police 30 May 2024 16$/),
    ]);
    expect(html).toContain('Save as PDF');
  });

  it('leaves out what happened outside a chosen period', async () => {
    const res = await get('viewer', '/workspace/board-pack?from=2024-04-01&to=2024-05-14').expect(
      200,
    );
    // The closure at 00:30 on 15 May (London) is the next day, so outside; 10 April is inside.
    expect(tableRows(res.text, 'status-changes')).toEqual([
      expect.stringMatching(
        /^10 April 2024 PACK-R1 .*Beta Police Awaiting response → In progress$/,
      ),
    ]);
    expect(tableRows(res.text, 'extensions-decided')).toEqual([
      expect.stringMatching(/^1 April 2024 PACK-R1 .*Alpha Police Refused/),
    ]);
    expect(tableRows(res.text, 'reviews')).toEqual([
      expect.stringMatching(/^2 April 2024 PACK-R1 .*Alpha Police Accepted, by Fixture overseer$/),
    ]);
    expect(tableRows(res.text, 'rag-changes')).toEqual([
      expect.stringMatching(/^1 April 2024 PACK-R1 .*Alpha Police Not rated → Amber$/),
    ]);
  });

  /** The page for a period typed in the form's boxes, as the browser sends it (a GET form). */
  const typedPeriod = (who: string, boxes: Record<string, string>) =>
    get(who, '/workspace/board-pack').query({
      ...typedBoxes('from', '', '', ''),
      ...typedBoxes('to', '', '', ''),
      ...boxes,
    });

  it('takes the period in three boxes each, as the form sends it', async () => {
    const res = await typedPeriod('viewer', {
      ...dateBoxes('from', '2024-04-01'),
      ...typedBoxes('to', '14', 'May', '2024'),
    }).expect(200);
    expect(res.text).toContain('Board pack: 1 April 2024 to 14 May 2024');
    expect(tableRows(res.text, 'status-changes')).toEqual([
      expect.stringMatching(/^10 April 2024 PACK-R1 .*Beta Police/),
    ]);
    expect(boxesShown(res.text, 'to')).toEqual({ day: '14', month: '5', year: '2024', marked: [] });
    // The same period as JSON, linked as YYYY-MM-DD.
    expect(res.text).toContain(
      'href="/api/v1/board-pack?from&#x3D;2024-04-01&amp;to&#x3D;2024-05-14"',
    );
    // Both left empty: the default period, as with no query at all.
    const empty = await typedPeriod('viewer', {}).expect(200);
    expect(empty.text).toContain('Board pack: 15 May 2024 to 15 June 2024');
    // A force lead is refused whatever was typed.
    await typedPeriod('lead', typedBoxes('from', '31', '2', '2024')).expect(403);
  });

  it.each([
    [
      '31 February',
      typedBoxes('from', '31', '2', '2024'),
      'The start date must be a real date',
      '#from',
      ['day'],
    ],
    [
      'a blank day',
      typedBoxes('from', '', '2', '2024'),
      'The start date must include a day',
      '#from',
      ['day'],
    ],
    [
      'letters in the month',
      typedBoxes('to', '3', 'Juneish', '2024'),
      'The end date must be a real date',
      '#to-month',
      ['month'],
    ],
    [
      'a two-digit year',
      typedBoxes('to', '3', '6', '24'),
      'Year must include 4 numbers',
      '#to-year',
      ['year'],
    ],
    [
      'an end before the start',
      { ...dateBoxes('from', '2024-06-10'), ...dateBoxes('to', '2024-06-01') },
      'The start date must be the same as or before the end date',
      '#from',
      ['day', 'month', 'year'],
    ],
  ])(
    'refuses %s typed in the boxes, linking to the first box at fault and keeping what was typed',
    async (_what, boxes, message, href, marked) => {
      const res = await typedPeriod('overseer', boxes).expect(400);
      expect(res.text).toContain('<title>Error: Board pack');
      expect(summaryLinks(res.text)).toEqual([href]);
      expect(res.text).toContain(`>${message}</a>`);
      expect(res.text).not.toContain('id="status-changes"');
      const id = href.slice(1).replace(/-(month|year)$/, '');
      const shown = boxesShown(res.text, id);
      expect(shown.marked).toEqual(marked);
      for (const part of ['day', 'month', 'year'] as const)
        expect(shown[part]).toBe(boxes[`${id}-${part}`]);
    },
  );

  it.each([
    ['from=2024-02-30', 'Enter the start date as a real date'],
    ['to=yesterday', 'Enter the end date as a real date'],
    ['from=2024-06-10&to=2024-06-01', 'The start date must be the same as or before the end date'],
    ['from=2022-01-01&to=2024-06-01', 'The period can be at most 366 days long'],
  ])('re-shows the form with a 400 for %s', async (query, message) => {
    const res = await get('overseer', `/workspace/board-pack?${query}`).expect(400);
    expect(res.text).toContain('There is a problem');
    expect(res.text).toContain(message);
    expect(res.text).not.toContain('id="status-changes"');
    const apiRes = await api('overseer', `/api/v1/board-pack?${query}`).expect(400);
    expect(apiRes.headers['content-type']).toMatch(/application\/problem\+json/);
    contract.conforms('/api/v1/board-pack', 'get', apiRes);
  });

  it('answers the same pack as JSON', async () => {
    const res = await api('viewer', '/api/v1/board-pack').expect(200);
    const body = res.body;
    const pick = (list: { ref: string; organisation: string }[]) =>
      list.map((x) => `${x.ref} ${x.organisation}`);
    expect(body.from).toBe('2024-05-15');
    expect(body.to).toBe('2024-06-15');
    expect(body.today).toBe('2024-06-15');
    expect(
      body.changed.statusChanges.map(
        (c: { ref: string; from: string; to: string; closureReason: string | null }) => [
          c.ref,
          c.from,
          c.to,
          c.closureReason,
        ],
      ),
    ).toEqual([
      ['PACK-R2', 'awaiting_response', 'closed', 'superseded'],
      ['PACK-R1', 'awaiting_response', 'in_progress', null],
      ['PACK-R1', 'in_progress', 'awaiting_verification', null],
    ]);
    expect(body.changed.statusChanges[0].changedAt).toBe('2024-05-14T23:30:00.000Z');
    expect(body.changed.statusChanges[0].assignmentId).toBe(a.a4!.id);
    expect(pick(body.changed.responses)).toEqual(['PACK-R1 Alpha Police']);
    expect(body.changed.reviews).toEqual([
      expect.objectContaining({ assignmentId: a.a1!.id, decision: 'returned' }),
    ]);
    expect(body.changed.extensions).toEqual([
      expect.objectContaining({
        assignmentId: a.a3!.id,
        decision: 'granted',
        decidedOn: '2024-05-20',
        dueOnWhenRequested: '2024-06-01',
        requestedDueOn: '2024-07-01',
      }),
    ]);
    expect(body.ragChanges).toEqual([
      expect.objectContaining({
        assignmentId: a.a1!.id,
        ratedOn: '2024-06-01',
        previous: 'amber',
        rating: 'red',
      }),
    ]);
    expect(body.decisions.pendingExtensions).toEqual([
      expect.objectContaining({
        assignmentId: a.a3!.id,
        dueOnWhenRequested: '2024-07-01',
        requestedDueOn: '2024-08-01',
      }),
    ]);
    expect(body.decisions.awaitingVerification).toEqual([
      expect.objectContaining({ assignmentId: a.a2!.id, since: '2024-06-02T12:00:00.000Z' }),
    ]);
    expect(pick(body.decisions.notAccepted)).toEqual(['PACK-R3 Alpha Police']);
    expect(body.decisions.updatesWaiting.total).toBe(1);
    expect(body.decisions.updatesWaiting.items).toEqual([
      expect.objectContaining({ assignmentId: a.a2!.id, daysWaiting: 16 }),
    ]);
    contract.conforms('/api/v1/board-pack', 'get', res);
    expect(body.overdue.responses.total).toBe(0);
  });

  // Last: it adds many assignments, which the tests above do not expect.
  it('prints what changed in the period whole, and at most 50 of a list of what stands now', async () => {
    const k = db.knex;
    const report = await createReport(k, { slug: 'pack-many', published_on: '2024-01-10' });
    const rec = await createRecommendation(k, report, { ref: 'PACK-MANY', made_on: '2024-01-10' });
    const extra = BOARD_PACK_LIST_MAX + 12;
    for (let i = 0; i < extra; i++) {
      const org = await createOrganisation(k);
      const x = await createAssignment(k, rec, org, {
        status: 'awaiting_verification',
        response_stance: 'accepted',
        responded_on: '2024-02-01',
      });
      await k('assignment_status_changes').insert({
        assignment_id: x.id,
        from_status: 'in_progress',
        to_status: 'awaiting_verification',
        event: 'verify',
        actor_label: 'Fixture',
        changed_at: new Date('2024-06-05T12:00:00Z'),
      });
    }
    const html = (await get('overseer', '/workspace/board-pack').expect(200)).text;
    // The period's record: the three changes above and every one of these.
    expect(tableRows(html, 'status-changes')).toHaveLength(3 + extra);
    const waiting = tableRows(html, 'awaiting-verification');
    expect(waiting).toHaveLength(BOARD_PACK_LIST_MAX);
    expect(html).toContain(`Awaiting verification (${extra + 1})</h3>`);
    expect(html).toContain(
      `Showing the first ${BOARD_PACK_LIST_MAX} of ${extra + 1} (${extra + 1 - BOARD_PACK_LIST_MAX} more). For all of them, see <a class="govuk-link" href="/workspace/assignments?status&#x3D;awaiting_verification">every assignment awaiting verification</a>.`,
    );
    // A short list says nothing more.
    expect(tableRows(html, 'not-accepted')).toHaveLength(1);
    expect(html.match(/Showing the first/g)).toHaveLength(1);
    // The JSON keeps every one.
    const body = (await api('viewer', '/api/v1/board-pack').expect(200)).body;
    expect(body.decisions.awaitingVerification).toHaveLength(extra + 1);
  });
});
