/**
 * The oversight dashboards, their CSV exports and their API, checked against a hand-built register
 * whose every figure is worked out below by hand (today is 15 June 2024):
 *
 *   Report B (published 5 Mar 2024): R3 (training), made 5 Mar 2024
 *     a6 R3 × Alpha  closed (superseded) on 1 Jun, never answered; a planned action (ignored: closed)
 *     a5 R3 × Gamma  answered 1 Apr (on time) → in progress; awaiting verification 20 May;
 *                    implemented 25 May; RAG green
 *   Report A (published 10 Jan 2024): R1 (training), R2 (leadership, title starts with "="), made 10 Jan
 *     a1 R1 × Alpha  unanswered, due 5 Mar but an extension granted moved it to 1 Jul: not overdue
 *     a2 R1 × Beta   unanswered, due 5 Mar: overdue by 102 days
 *     a3 R2 × Alpha  answered 20 Mar (late; due 5 Mar) → in progress; RAG amber then red (current);
 *                    actions: planned, target 1 Jun (overdue by 14 days); done, target 1 May;
 *                    in progress, target 1 Jul. Updates: 31 May (unreviewed, waiting 15 days),
 *                    12 Jun (unreviewed, 3 days), 1 May (reviewed)
 *     a4 R2 × Beta   withdrawn 1 May 2024, unanswered, due 5 Mar: never counted as live
 */
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { buildTestApp } from '../../../test/app';
import { createUser, issueApiToken } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { loadContract, type Contract } from '../../../test/openapi-contract';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { sealSecret } from '../../shared/secret-box';
import { unescapeFormulaCell } from '../../shared/csv';
import { generateTotpSecret } from '../accounts/totp';
import type { Role } from '../accounts/accounts.types';
import type { AssignmentRow, OrganisationRow } from '../../db/tables';

describe('the oversight dashboards', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let contract: Contract;
  const cookies = new Map<string, string>();
  const tokens = new Map<string, string>();
  let alpha: OrganisationRow;
  let beta: OrganisationRow;
  let gamma: OrganisationRow;
  const a: Record<string, AssignmentRow> = {};
  const ids: Record<string, number> = {};

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

  async function change(
    assignment: AssignmentRow,
    from: string,
    to: string,
    at: string,
    closureReason: string | null = null,
  ) {
    await db.knex('assignment_status_changes').insert({
      assignment_id: assignment.id,
      from_status: from,
      to_status: to,
      closure_reason: closureReason,
      event: to === 'closed' ? 'close' : to === 'in_progress' ? 'respond' : 'verify',
      actor_label: 'Fixture',
      changed_at: new Date(at),
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2024-06-15T12:00:00Z' });
    contract = await loadContract(built.app);
    const k = db.knex;
    alpha = await createOrganisation(k, { slug: 'alpha-police', name: 'Alpha Police' });
    beta = await createOrganisation(k, { slug: 'beta-police', name: 'Beta Police' });
    gamma = await createOrganisation(k, {
      slug: 'gamma-council',
      name: 'Gamma Council',
      kind: 'local_authority',
    });
    const reportA = await createReport(k, {
      slug: 'report-a',
      title: 'Report A',
      published_on: '2024-01-10',
    });
    const reportB = await createReport(k, {
      slug: 'report-b',
      title: 'Report B',
      published_on: '2024-03-05',
    });
    const training = { slug: 'training', name: 'Training' };
    const leadership = { slug: 'leadership', name: 'Leadership' };
    const r1 = await createRecommendation(k, reportA, {
      ref: 'DASH-R1',
      title: 'Train call handlers',
      position: 1,
      made_on: '2024-01-10',
      themes: [training],
    });
    const r2 = await createRecommendation(k, reportA, {
      ref: 'DASH-R2',
      title: '=Leadership review',
      position: 2,
      made_on: '2024-01-10',
      themes: [leadership],
    });
    const r3 = await createRecommendation(k, reportB, {
      ref: 'DASH-R3',
      title: 'Refresh the training',
      position: 1,
      made_on: '2024-03-05',
      themes: [training],
    });

    a.a1 = await createAssignment(k, r1, alpha, { response_due_on: '2024-07-01' });
    await k('extension_requests').insert({
      assignment_id: a.a1.id,
      due_on_when_requested: '2024-03-05',
      requested_due_on: '2024-07-01',
      reason: 'The board meets in June.',
      state: 'granted',
      decided_at: new Date('2024-02-20T10:00:00Z'),
      decided_on: '2024-02-20',
      decision_reason: 'Reasonable.',
    });
    a.a2 = await createAssignment(k, r1, beta, { response_due_on: '2024-03-05' });
    a.a3 = await createAssignment(k, r2, alpha, {
      response_due_on: '2024-03-05',
      status: 'in_progress',
      response_stance: 'accepted',
      response_text: 'We accept.',
      responded_on: '2024-03-20',
    });
    await change(a.a3, 'awaiting_response', 'in_progress', '2024-03-20T12:00:00Z');
    a.a4 = await createAssignment(k, r2, beta, {
      response_due_on: '2024-03-05',
      withdrawn_at: new Date('2024-05-01T09:00:00Z'),
      withdrawn_reason: 'Sent to the wrong force.',
    });
    a.a5 = await createAssignment(k, r3, gamma, {
      response_due_on: '2024-04-30',
      status: 'implemented',
      response_stance: 'accepted',
      response_text: 'Done.',
      responded_on: '2024-04-01',
    });
    await change(a.a5, 'awaiting_response', 'in_progress', '2024-04-01T12:00:00Z');
    await change(a.a5, 'in_progress', 'awaiting_verification', '2024-05-20T12:00:00Z');
    await change(a.a5, 'awaiting_verification', 'implemented', '2024-05-25T12:00:00Z');
    a.a6 = await createAssignment(k, r3, alpha, {
      response_due_on: '2024-04-30',
      status: 'closed',
      closure_reason: 'superseded',
    });
    await change(a.a6, 'awaiting_response', 'closed', '2024-06-01T12:00:00Z', 'superseded');

    const rate = (assignment: AssignmentRow, rating: string, at: string) =>
      k('delivery_confidence_ratings').insert({
        assignment_id: assignment.id,
        rating,
        commentary: `Rated ${rating}.`,
        rated_on: at.slice(0, 10),
        rater_label: 'Fixture overseer',
        created_at: new Date(at),
      });
    await rate(a.a3, 'amber', '2024-04-01T10:00:00Z');
    await rate(a.a3, 'red', '2024-05-01T10:00:00Z');
    await rate(a.a5, 'green', '2024-05-26T10:00:00Z');

    const action = async (assignment: AssignmentRow, state: string, target: string) =>
      (
        await k('assignment_actions')
          .insert({
            assignment_id: assignment.id,
            description: `Action ${state} ${target}`,
            owner: 'Head of Training',
            target_on: target,
            state,
          })
          .returning('id')
      )[0].id as number;
    ids.lateAction = await action(a.a3, 'planned', '2024-06-01');
    await action(a.a3, 'done', '2024-05-01');
    await action(a.a3, 'in_progress', '2024-07-01');
    await action(a.a6, 'planned', '2024-05-01');

    const update = async (assignment: AssignmentRow, at: string) =>
      (
        await k('progress_updates')
          .insert({
            assignment_id: assignment.id,
            author_label: 'Alpha lead',
            self_assessment: 'on_track',
            narrative: 'Progress.',
            created_at: new Date(at),
          })
          .returning('id')
      )[0].id as number;
    ids.waiting15 = await update(a.a3, '2024-05-31T10:00:00Z');
    ids.waiting3 = await update(a.a3, '2024-06-12T10:00:00Z');
    const reviewed = await update(a.a3, '2024-05-01T10:00:00Z');
    await k('progress_update_reviews').insert({
      progress_update_id: reviewed,
      decision: 'accepted',
      reviewer_label: 'Fixture overseer',
      created_at: new Date('2024-05-02T10:00:00Z'),
    });

    const roles: [string, Role, number | null][] = [
      ['overseer', 'overseer', null],
      ['viewer', 'viewer', null],
      ['admin', 'admin', null],
      ['lead', 'org_lead', alpha.id],
    ];
    for (const [name, role, organisationId] of roles) {
      const user = await createUser(k, {
        role,
        organisationId,
        totpSecretEnc:
          role === 'overseer' || role === 'admin'
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

  describe('who may see them', () => {
    const pages = [
      '/workspace/dashboards',
      '/workspace/dashboards/overdue',
      '/workspace/dashboards/progress',
      '/workspace/dashboards/summary',
      '/workspace/exports/matrix.csv',
      '/workspace/exports/assignments.csv',
    ];

    it.each(pages)('%s sends a signed-out visitor to sign in', async (path) => {
      const res = await request(built.app).get(path).expect(303);
      expect(res.headers.location).toBe('/sign-in');
    });

    it.each(pages)('%s refuses a force lead (403) and shows nothing', async (path) => {
      const res = await get('lead', path).expect(403);
      expect(res.text).not.toContain('DASH-R1');
    });

    it.each(pages)('%s answers the viewer, overseer and administrator', async (path) => {
      for (const who of ['viewer', 'overseer', 'admin']) await get(who, path).expect(200);
    });

    it('links to the dashboards from the workspace only for those allowed', async () => {
      expect((await get('viewer', '/workspace').expect(200)).text).toContain(
        'href="/workspace/dashboards"',
      );
      expect((await get('lead', '/workspace').expect(200)).text).not.toContain(
        '/workspace/dashboards',
      );
    });

    it('refuses a force lead’s token on the API (403), and a missing one (401)', async () => {
      for (const path of ['matrix', 'overdue', 'progress', 'summary']) {
        const refused = await api('lead', `/api/v1/dashboards/${path}`).expect(403);
        contract.conforms(`/api/v1/dashboards/${path}`, 'get', refused);
        await api('nobody', `/api/v1/dashboards/${path}`).expect(401);
        // A session cookie is not a credential on the API.
        await request(built.app)
          .get(`/api/v1/dashboards/${path}`)
          .set('Cookie', cookies.get('overseer')!)
          .expect(401);
      }
    });
  });

  describe('the matrix', () => {
    it('lists recommendations by report (newest first) against organisations, withdrawn left out', async () => {
      const res = await api('viewer', '/api/v1/dashboards/matrix').expect(200);
      contract.conforms('/api/v1/dashboards/matrix', 'get', res);
      const cells = res.body.items.map(
        (r: {
          ref: string;
          assignments: {
            organisation: { slug: string };
            status: string;
            rag: string | null;
            responseOverdue: boolean;
            closureReason: string | null;
          }[];
        }) => [
          r.ref,
          r.assignments.map(
            (x) =>
              `${x.organisation.slug}:${x.status}:${x.closureReason ?? '-'}:${x.rag ?? '-'}:${x.responseOverdue ? 'late' : 'ok'}`,
          ),
        ],
      );
      expect(cells).toEqual([
        [
          'DASH-R3',
          ['alpha-police:closed:superseded:-:ok', 'gamma-council:implemented:-:green:ok'],
        ],
        [
          'DASH-R1',
          ['alpha-police:awaiting_response:-:-:ok', 'beta-police:awaiting_response:-:-:late'],
        ],
        ['DASH-R2', ['alpha-police:in_progress:-:red:ok']],
      ]);
      expect(res.body.total).toBe(3);
      expect(res.body.links.next).toBeNull();
    });

    it('pages the API by cursor without repeating or losing a row', async () => {
      const first = await api('viewer', '/api/v1/dashboards/matrix?limit=2').expect(200);
      contract.conforms('/api/v1/dashboards/matrix', 'get', first);
      expect(first.body.items.map((r: { ref: string }) => r.ref)).toEqual(['DASH-R3', 'DASH-R1']);
      const second = await api('viewer', first.body.links.next).expect(200);
      expect(second.body.items.map((r: { ref: string }) => r.ref)).toEqual(['DASH-R2']);
      expect(second.body.links.next).toBeNull();
    });

    it('shows each cell’s status and RAG in words, linking to the assignment, in a labelled scroll region', async () => {
      const html = (await get('overseer', '/workspace/dashboards').expect(200)).text;
      expect(html).toMatch(
        /class="app-scroll-region" role="region" aria-labelledby="matrix-caption" tabindex="0"/,
      );
      expect(html).toContain(
        '<caption class="govuk-table__caption govuk-table__caption--m" id="matrix-caption">',
      );
      const headers = [
        ...html.matchAll(/<th scope="col" class="govuk-table__header">([^<]*)<\/th>/g),
      ].map((m) => m[1]);
      expect(headers).toEqual(['Recommendation', 'Alpha Police', 'Beta Police', 'Gamma Council']);
      const cell = (id: number) =>
        html.match(
          new RegExp(`<a class="govuk-link" href="/workspace/assignments/${id}">(.*?)</a></td>`),
        )?.[1] ?? '';
      expect(cell(a.a3!.id)).toContain('govuk-tag--blue">In progress</strong>');
      expect(cell(a.a3!.id)).toContain('govuk-tag--red">RAG: Red</strong>');
      expect(cell(a.a2!.id)).toContain('Response overdue');
      expect(cell(a.a1!.id)).not.toContain('Response overdue');
      expect(cell(a.a6!.id)).toContain('Closed: superseded');
      expect(cell(a.a5!.id)).toContain('RAG: Green');
      expect(html).not.toContain(`/workspace/assignments/${a.a4!.id}"`);
      // Report B (newer) comes first, each report heading its group.
      expect(html.indexOf('Report B')).toBeLessThan(html.indexOf('Report A'));
    });

    it('filters by organisation, theme and report', async () => {
      const refs = async (query: string) =>
        (await api('viewer', `/api/v1/dashboards/matrix?${query}`).expect(200)).body.items.map(
          (r: { ref: string; assignments: { organisation: { slug: string } }[] }) =>
            `${r.ref}:${r.assignments.map((x) => x.organisation.slug).join('+')}`,
        );
      expect(await refs('organisation=beta-police')).toEqual(['DASH-R1:beta-police']);
      expect(await refs('theme=leadership')).toEqual(['DASH-R2:alpha-police']);
      expect(await refs('report=report-b')).toEqual(['DASH-R3:alpha-police+gamma-council']);
      expect(await refs('report=report-a&organisation=alpha-police')).toEqual([
        'DASH-R1:alpha-police',
        'DASH-R2:alpha-police',
      ]);
      const html = (await get('viewer', '/workspace/dashboards?theme=leadership').expect(200)).text;
      expect(html).toContain('DASH-R2');
      expect(html).not.toContain('DASH-R1');
      expect(html).toContain('<option value="leadership" selected>');
    });

    it('refuses a malformed filter with 400', async () => {
      await get('viewer', '/workspace/dashboards?report=Not%20a%20slug').expect(400);
      await api('viewer', '/api/v1/dashboards/matrix?report=Not%20a%20slug').expect(400);
    });
  });

  describe('what is late', () => {
    it('lists the overdue response (not the extended, answered, closed or withdrawn ones), the late action and the update waiting 15 days', async () => {
      const res = await api('overseer', '/api/v1/dashboards/overdue').expect(200);
      contract.conforms('/api/v1/dashboards/overdue', 'get', res);
      expect(res.body.today).toBe('2024-06-15');
      expect(res.body.reviewWaitingDays).toBe(14);
      expect(res.body.responses).toEqual({
        total: 1,
        items: [
          expect.objectContaining({
            assignmentId: a.a2!.id,
            ref: 'DASH-R1',
            organisation: 'Beta Police',
            dueOn: '2024-03-05',
            extended: false,
            daysOverdue: 102,
          }),
        ],
      });
      expect(res.body.actions).toEqual({
        total: 1,
        items: [
          expect.objectContaining({
            actionId: ids.lateAction,
            assignmentId: a.a3!.id,
            state: 'planned',
            targetOn: '2024-06-01',
            daysOverdue: 14,
          }),
        ],
      });
      expect(res.body.updates).toEqual({
        total: 1,
        items: [
          expect.objectContaining({
            updateId: ids.waiting15,
            assignmentId: a.a3!.id,
            daysWaiting: 15,
            daysOverdue: 1,
          }),
        ],
      });
    });

    it('shows the same on the page, with days overdue', async () => {
      const html = (await get('viewer', '/workspace/dashboards/overdue').expect(200)).text;
      expect(html).toContain('Responses past their due date (1)');
      expect(html).toContain('102 days');
      expect(html).toContain('Actions past their target date (1)');
      expect(html).toContain('Action planned 2024-06-01');
      expect(html).not.toContain('Action planned 2024-05-01');
      expect(html).toContain('Updates waiting for review longer than 14 days (1)');
      expect(html).toContain('15 days');
    });

    it('counts waiting updates against REVIEW_WAITING_DAYS', async () => {
      const strict = buildTestApp(db.knex, {
        now: '2024-06-15T12:00:00Z',
        config: { reviewWaitingDays: 2 },
      });
      const res = await request(strict.app)
        .get('/api/v1/dashboards/overdue')
        .set('Authorization', `Bearer ${tokens.get('viewer')}`)
        .expect(200);
      expect(res.body.updates.items.map((u: { updateId: number }) => u.updateId)).toEqual([
        ids.waiting15,
        ids.waiting3,
      ]);
    });

    it('filters each list', async () => {
      const res = await api(
        'viewer',
        '/api/v1/dashboards/overdue?organisation=alpha-police',
      ).expect(200);
      expect([res.body.responses.total, res.body.actions.total, res.body.updates.total]).toEqual([
        0, 1, 1,
      ]);
      const beta = await api('viewer', '/api/v1/dashboards/overdue?organisation=beta-police');
      expect([beta.body.responses.total, beta.body.actions.total, beta.body.updates.total]).toEqual(
        [1, 0, 0],
      );
    });
  });

  describe('progress by month', () => {
    const expected = [
      ['2024-01', { awaiting_response: 4 }],
      ['2024-02', { awaiting_response: 4 }],
      ['2024-03', { awaiting_response: 5, in_progress: 1 }],
      ['2024-04', { awaiting_response: 4, in_progress: 2 }],
      ['2024-05', { awaiting_response: 3, in_progress: 1, implemented: 1 }],
      ['2024-06', { awaiting_response: 2, in_progress: 1, implemented: 1, closed: 1 }],
    ] as const;
    const full = (c: Record<string, number>) => {
      const counts = {
        awaiting_response: 0,
        in_progress: 0,
        awaiting_verification: 0,
        implemented: 0,
        closed: 0,
        ...c,
      };
      return { ...counts, total: Object.values(counts).reduce((s, n) => s + n, 0) };
    };

    it('rebuilds the counts at each month end from the status history (withdrawn counted until withdrawn)', async () => {
      const res = await api('viewer', '/api/v1/dashboards/progress').expect(200);
      contract.conforms('/api/v1/dashboards/progress', 'get', res);
      expect(
        res.body.months.map((m: { month: string; counts: unknown }) => [m.month, m.counts]),
      ).toEqual(expected.map(([month, c]) => [month, full(c)]));
      expect(res.body.months[5]).toMatchObject({ asOf: '2024-06-15', current: true });
      expect(res.body.months[1]).toMatchObject({ asOf: '2024-02-29', current: false });
    });

    it('draws those numbers: each bar segment and its label carry the count, and the table repeats them', async () => {
      const html = (await get('viewer', '/workspace/dashboards/progress').expect(200)).text;
      const svg = html.match(/<svg[\s\S]*?<\/svg>/)![0];
      expect(svg).toMatch(
        /^<svg[^>]* role="img" aria-labelledby="progress-chart-title progress-chart-desc"/,
      );
      expect(svg).toContain('<title id="progress-chart-title">');
      expect(svg).toContain('<desc id="progress-chart-desc">');
      const segments: Record<string, Record<string, number>> = {};
      for (const m of svg.matchAll(
        /<rect [^>]*data-category="([^"]+)" data-series="([^"]+)" data-value="(\d+)"/g,
      )) {
        (segments[m[1]!] ??= {})[m[2]!] = Number(m[3]);
      }
      expect(Object.entries(segments)).toEqual(expected.map(([month, c]) => [month, c]));
      const totals = [...svg.matchAll(/data-category="([^"]+)" data-total="(\d+)"/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]);
      expect(totals).toEqual(expected.map(([month, c]) => [month, full(c).total]));
      // Every series has a pattern as well as a colour; the legend names each status.
      for (const s of ['awaiting_response', 'in_progress', 'awaiting_verification', 'closed'])
        expect(svg).toContain(`<pattern id="progress-chart-p-${s}"`);
      expect(svg).toMatch(/>Awaiting response<\/text>/);
      // The 5 awaiting at the end of March is written on its segment.
      expect(svg).toMatch(/data-series="awaiting_response" data-value="5">5<\/text>/);
      const table = html.match(
        /<table class="govuk-table" id="progress-table">[\s\S]*?<\/table>/,
      )![0];
      const rows = [
        ...table.matchAll(
          /<tr class="govuk-table__row">\s*<th scope="row"[^>]*>([^<]+)<\/th>([\s\S]*?)<\/tr>/g,
        ),
      ].map((m) => [m[1], [...m[2]!.matchAll(/>(\d+)<\/td>/g)].map((n) => Number(n[1]))]);
      expect(rows).toEqual([
        ['January 2024', [4, 0, 0, 0, 0, 4]],
        ['February 2024', [4, 0, 0, 0, 0, 4]],
        ['March 2024', [5, 1, 0, 0, 0, 6]],
        ['April 2024', [4, 2, 0, 0, 0, 6]],
        ['May 2024', [3, 1, 0, 1, 0, 5]],
        ['June 2024 (to 15 June 2024)', [2, 1, 0, 1, 1, 5]],
      ]);
    });

    it('starts at the first month made within the filter', async () => {
      const res = await api('viewer', '/api/v1/dashboards/progress?organisation=gamma-council');
      expect(
        res.body.months.map((m: { month: string; counts: unknown }) => [m.month, m.counts]),
      ).toEqual([
        ['2024-03', full({ awaiting_response: 1 })],
        ['2024-04', full({ in_progress: 1 })],
        ['2024-05', full({ implemented: 1 })],
        ['2024-06', full({ implemented: 1 })],
      ]);
    });
  });

  describe('totals by organisation and theme', () => {
    it('counts statuses, overdue responses and actions, and current RAG', async () => {
      const res = await api('admin', '/api/v1/dashboards/summary').expect(200);
      contract.conforms('/api/v1/dashboards/summary', 'get', res);
      const line = (l: {
        slug: string | null;
        counts: Record<string, number>;
        overdueResponses: number;
        overdueActions: number;
        rag: Record<string, number>;
      }) => ({
        slug: l.slug,
        counts: Object.entries(l.counts)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${s}=${n}`)
          .join(' '),
        late: [l.overdueResponses, l.overdueActions],
        rag: [l.rag.red, l.rag.amber, l.rag.green, l.rag.unrated],
      });
      expect(res.body.organisations.map(line)).toEqual([
        {
          slug: 'alpha-police',
          counts: 'total=3 awaiting_response=1 in_progress=1 closed=1',
          late: [0, 1],
          rag: [1, 0, 0, 2],
        },
        {
          slug: 'beta-police',
          counts: 'total=1 awaiting_response=1',
          late: [1, 0],
          rag: [0, 0, 0, 1],
        },
        { slug: 'gamma-council', counts: 'total=1 implemented=1', late: [0, 0], rag: [0, 0, 1, 0] },
      ]);
      expect(res.body.themes.map(line)).toEqual([
        { slug: 'leadership', counts: 'total=1 in_progress=1', late: [0, 1], rag: [1, 0, 0, 0] },
        {
          slug: 'training',
          counts: 'total=4 awaiting_response=2 implemented=1 closed=1',
          late: [1, 0],
          rag: [0, 0, 1, 3],
        },
      ]);
      const html = (await get('viewer', '/workspace/dashboards/summary').expect(200)).text;
      expect(html).toContain(
        '<caption class="govuk-table__caption govuk-table__caption--m" id="by-organisation-caption">',
      );
      expect(html).toMatch(
        /Beta Police<\/a><\/th>(\s*<td[^>]*>\d+<\/td>){5}\s*<td[^>]*>1<\/td>\s*<td[^>]*>1<\/td>/,
      );
    });

    it('pages the organisations of the API summary, with every theme on each page', async () => {
      const first = await api('viewer', '/api/v1/dashboards/summary?limit=2').expect(200);
      contract.conforms('/api/v1/dashboards/summary', 'get', first);
      expect(first.body.organisations.map((l: { slug: string }) => l.slug)).toEqual([
        'alpha-police',
        'beta-police',
      ]);
      expect(first.body.organisationsTotal).toBe(3);
      expect(first.body.limit).toBe(2);
      expect(first.body.themes).toHaveLength(2);
      expect(first.body.links.next).toMatch(/^\/api\/v1\/dashboards\/summary\?limit=2&cursor=/);
      const second = await api('viewer', first.body.links.next).expect(200);
      expect(second.body.organisations.map((l: { slug: string }) => l.slug)).toEqual([
        'gamma-council',
      ]);
      expect(second.body.links.next).toBeNull();
      expect(second.body.themes).toEqual(first.body.themes);
      // Filters stay in the links; a cursor from another list is refused.
      const filtered = await api('viewer', '/api/v1/dashboards/summary?theme=training&limit=1');
      expect(filtered.body.links.next).toContain('theme=training');
      const matrix = await api('viewer', '/api/v1/dashboards/matrix?limit=1').expect(200);
      const foreign = new URL(matrix.body.links.next, 'http://x').searchParams.get('cursor')!;
      const refused = await api('viewer', `/api/v1/dashboards/summary?cursor=${foreign}`);
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].field).toBe('cursor');
    });
  });

  describe('the CSV exports', () => {
    const csv = (text: string) =>
      (parse(text.replace(/^\uFEFF/, ''), { relax_column_count: false }) as string[][]).map((r) =>
        r.map(unescapeFormulaCell),
      );

    it('exports the matrix as an attachment that reads back to the same cells', async () => {
      const res = await get('viewer', '/workspace/exports/matrix.csv').expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename=recommendation-matrix-2024-06-15.csv',
      );
      // The title starting with "=" is neutralised in the file, and restored on reading.
      expect(res.text).toContain(`,'=Leadership review,`);
      expect(csv(res.text)).toEqual([
        ['Report', 'Reference', 'Title', 'Alpha Police', 'Beta Police', 'Gamma Council'],
        [
          'Report B',
          'DASH-R3',
          'Refresh the training',
          'Closed: superseded',
          '',
          'Implemented; RAG green',
        ],
        [
          'Report A',
          'DASH-R1',
          'Train call handlers',
          'Awaiting response',
          'Awaiting response',
          '',
        ],
        ['Report A', 'DASH-R2', '=Leadership review', 'In progress; RAG red', '', ''],
      ]);
    });

    it('exports every live assignment with its current state, filtered like the pages', async () => {
      const res = await get('viewer', '/workspace/exports/assignments.csv').expect(200);
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename=assignments-2024-06-15.csv',
      );
      expect(csv(res.text)).toEqual([
        [
          'Reference',
          'Title',
          'Report',
          'Organisation',
          'Status',
          'Closure reason',
          'Response due',
          'Responded on',
          'Stance',
          'Late',
          'RAG',
          'Last update',
          'Updates waiting for review',
          'Assignment',
        ],
        [
          'DASH-R3',
          'Refresh the training',
          'Report B',
          'Alpha Police',
          'Closed',
          'Superseded',
          '2024-04-30',
          '',
          '',
          'No',
          '',
          '',
          '0',
          String(a.a6!.id),
        ],
        [
          'DASH-R3',
          'Refresh the training',
          'Report B',
          'Gamma Council',
          'Implemented',
          '',
          '2024-04-30',
          '2024-04-01',
          'Accepted',
          'No',
          'Green',
          '',
          '0',
          String(a.a5!.id),
        ],
        [
          'DASH-R1',
          'Train call handlers',
          'Report A',
          'Alpha Police',
          'Awaiting response',
          '',
          '2024-07-01',
          '',
          '',
          'No',
          '',
          '',
          '0',
          String(a.a1!.id),
        ],
        [
          'DASH-R1',
          'Train call handlers',
          'Report A',
          'Beta Police',
          'Awaiting response',
          '',
          '2024-03-05',
          '',
          '',
          'Yes',
          '',
          '',
          '0',
          String(a.a2!.id),
        ],
        [
          'DASH-R2',
          '=Leadership review',
          'Report A',
          'Alpha Police',
          'In progress',
          '',
          '2024-03-05',
          '2024-03-20',
          'Accepted',
          'Yes',
          'Red',
          '2024-06-12',
          '2',
          String(a.a3!.id),
        ],
      ]);
      const filtered = await get(
        'viewer',
        '/workspace/exports/assignments.csv?organisation=gamma-council&theme=training',
      );
      expect(
        csv(filtered.text)
          .slice(1)
          .map((r) => r[3]),
      ).toEqual(['Gamma Council']);
      const matrix = await get('viewer', '/workspace/exports/matrix.csv?report=report-a');
      expect(csv(matrix.text).map((r) => r.slice(0, 2))).toEqual([
        ['Report', 'Reference'],
        ['Report A', 'DASH-R1'],
        ['Report A', 'DASH-R2'],
      ]);
    });
  });
});
