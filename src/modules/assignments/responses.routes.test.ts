/**
 * The force leads' workspace through its pages: responses, requests for more time, the overseer's
 * decisions and the action plan, checked on what the user sees and on what is stored.
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
import type { OrganisationRow } from '../../db/tables';
import { signedInPeople } from './test-support';

describe('the force leads’ workspace pages', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let own: OrganisationRow;
  let other: OrganisationRow;
  let reportId: number;

  /** A fresh IOPC recommendation made on 23 November 2021 (due 17 January 2022), addressed to `own`. */
  async function freshAssignment(fields: Record<string, unknown> = {}) {
    const rec = await createRecommendation(db.knex, { id: reportId }, { made_on: '2021-11-23' });
    return createAssignment(db.knex, rec, own, { response_due_on: '2022-01-17', ...fields });
  }

  const { add: person, signInAll, get, post } = signedInPeople(() => ({ built, knex: db.knex }));

  /** Moves the clock and signs everyone in afresh (sessions end when the clock jumps days ahead). */
  async function setToday(instant: string) {
    built.clock.set(instant);
    await signInAll();
  }

  const auditCount = async (assignmentId: number) =>
    Number(
      (
        await db
          .knex('audit_events')
          .where({ subject_type: 'assignment', subject_id: String(assignmentId) })
          .count('* as n')
          .first()
      )?.n,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2022-01-10T12:00:00Z' });
    own = await createOrganisation(db.knex, { name: 'Own Police' });
    other = await createOrganisation(db.knex, { name: 'Other Police' });
    reportId = (await createReport(db.knex, { legal_basis: 'iopc_para_28a' })).id;
    await person('lead', 'org_lead', own.id);
    await person('otherLead', 'org_lead', other.id);
    await person('overseer', 'overseer');
    await person('viewer', 'viewer');
  });
  beforeEach(() => setToday('2022-01-10T12:00:00Z'));
  afterAll(async () => {
    await db.destroy();
  });

  it('lists only the lead’s own organisation’s assignments, with days left derived from today', async () => {
    const mine = await freshAssignment();
    const rec = await createRecommendation(db.knex, { id: reportId }, { made_on: '2021-11-23' });
    const theirs = await createAssignment(db.knex, rec, other, { response_due_on: '2022-01-17' });
    const res = await get('lead', '/workspace/assignments').expect(200);
    expect(res.text).toContain(`/workspace/assignments/${mine.id}"`);
    expect(res.text).not.toContain(`/workspace/assignments/${theirs.id}"`);
    expect(res.text).toContain('7 days left');
    await setToday('2022-01-20T12:00:00Z');
    const later = await get(
      'lead',
      '/workspace/assignments?sort=reference&status=awaiting_response',
    );
    expect(later.status).toBe(200);
    expect(later.text).toContain('Overdue by 3 days');
    const overseer = await get('overseer', `/workspace/assignments?organisation=${other.slug}`);
    expect(overseer.text).toContain(`/workspace/assignments/${theirs.id}"`);
    expect(overseer.text).not.toContain(`/workspace/assignments/${mine.id}"`);
    expect((await get('lead', '/workspace/assignments?sort=sideways')).status).toBe(400);
  });

  it('records a response, moves the status, keeps every version and writes one audit event each', async () => {
    const a = await freshAssignment();
    const url = `/workspace/assignments/${a.id}`;
    await post('lead', `${url}/response`, { text: 'We accept this.', stance: 'accepted' }).expect(
      303,
    );
    expect(await auditCount(a.id)).toBe(1);
    await setToday('2022-01-25T12:00:00Z');
    await post('lead', `${url}/response`, {
      text: 'We accept this, and have started.',
      stance: 'partially_accepted',
    }).expect(303);
    expect(await auditCount(a.id)).toBe(2);
    const row = await db.knex('assignments').where({ id: a.id }).first();
    expect(row).toMatchObject({
      status: 'in_progress',
      response_stance: 'partially_accepted',
      response_text: 'We accept this, and have started.',
      // The first version's date: a later correction does not make the response late.
      responded_on: '2022-01-10',
    });
    const versions = await db
      .knex('assignment_responses')
      .where({ assignment_id: a.id })
      .orderBy('version');
    expect(versions.map((v) => [v.version, v.stance, v.text])).toEqual([
      [1, 'accepted', 'We accept this.'],
      [2, 'partially_accepted', 'We accept this, and have started.'],
    ]);
    const page = await get('lead', url).expect(200);
    expect(page.text).toContain('Earlier versions (1)');
    expect(page.text).toContain('We accept this.</div>');
    expect(page.text).not.toContain('>Late<');
  });

  it('accepts a late response and marks it late, here and on the public page', async () => {
    const a = await freshAssignment();
    await setToday('2022-01-20T12:00:00Z');
    await post('lead', `/workspace/assignments/${a.id}/response`, {
      text: 'Sorry this is late.',
      stance: 'accepted',
    }).expect(303);
    const row = await db.knex('assignments').where({ id: a.id }).first();
    expect(row.responded_on).toBe('2022-01-20');
    expect((await get('lead', `/workspace/assignments/${a.id}`)).text).toContain('>Late<');
    const ref = (await db.knex('recommendations').where({ id: a.recommendation_id }).first()).ref;
    expect((await request(built.app).get(`/recommendations/${ref}`)).text).toContain('(late)');
  });

  it('keeps a long response the lead typed when the form is refused, and stores nothing', async () => {
    const a = await freshAssignment();
    const long = 'A careful narrative. '.repeat(300);
    const res = await post('lead', `/workspace/assignments/${a.id}/response`, { text: long });
    expect(res.status).toBe(400);
    expect(res.text).toContain('There is a problem');
    expect(res.text).toContain('href="#response-stance"');
    expect(res.text).toContain(long.trim());
    const tooLong = 'x'.repeat(50001);
    const again = await post('lead', `/workspace/assignments/${a.id}/response`, {
      text: tooLong,
      stance: 'accepted',
    });
    expect(again.status).toBe(400);
    expect(again.text).toContain('50000 characters or fewer');
    expect(again.text).toContain(tooLong);
    expect(await db.knex('assignment_responses').where({ assignment_id: a.id })).toEqual([]);
    expect(await auditCount(a.id)).toBe(0);
  });

  it('refuses a response on a closed assignment with the reason, and changes nothing', async () => {
    const a = await freshAssignment({ status: 'closed', closure_reason: 'superseded' });
    const res = await post('lead', `/workspace/assignments/${a.id}/response`, {
      text: 'Too late now.',
      stance: 'accepted',
    });
    expect(res.status).toBe(409);
    expect(res.text).toContain('This assignment is closed');
    expect(res.text).toContain('Too late now.');
    expect(await db.knex('assignment_responses').where({ assignment_id: a.id })).toEqual([]);
    expect(await auditCount(a.id)).toBe(0);
  });

  it('moves the due date when an overseer grants more time (IOPC: 17 January → 14 February 2022)', async () => {
    const a = await freshAssignment();
    const url = `/workspace/assignments/${a.id}`;
    await post('lead', `${url}/extensions`, {
      newDueOn: '2022-02-14',
      reason: 'The review board meets in February.',
    }).expect(303);
    const second = await post('lead', `${url}/extensions`, {
      newDueOn: '2022-02-20',
      reason: 'Another try.',
    });
    expect(second.status).toBe(409);
    expect(second.text).toContain('already waiting for a decision');
    const request_ = await db.knex('extension_requests').where({ assignment_id: a.id }).first();
    expect(request_).toMatchObject({ state: 'pending', due_on_when_requested: '2022-01-17' });

    // Only an overseer decides.
    for (const who of ['lead', 'viewer'])
      expect(
        (
          await post(who, `${url}/extensions/${request_.id}/decision`, {
            decision: 'grant',
            reason: 'Fine.',
          })
        ).status,
      ).toBe(403);
    expect(await auditCount(a.id)).toBe(1);

    await setToday('2022-01-12T12:00:00Z');
    await post('overseer', `${url}/extensions/${request_.id}/decision`, {
      decision: 'grant',
      reason: 'A reasonable request.',
    }).expect(303);
    const row = await db.knex('assignments').where({ id: a.id }).first();
    expect(row.response_due_on).toBe('2022-02-14');
    expect(await auditCount(a.id)).toBe(2);
    const page = await get('lead', url).expect(200);
    expect(page.text).toContain('14 February 2022');
    expect(page.text).toContain('A reasonable request.');
    expect(page.text).toContain('33 days left');

    // The public record moves with it: the API and a response on 10 February are not late.
    const ref = (await db.knex('recommendations').where({ id: a.recommendation_id }).first()).ref;
    const publicDue = async () =>
      (await request(built.app).get(`/api/v1/recommendations/${ref}`).expect(200)).body
        .assignments[0];
    expect((await publicDue()).responseDue).toMatchObject({ dueOn: '2022-02-14', overdue: false });
    await setToday('2022-02-10T12:00:00Z');
    await post('lead', `${url}/response`, { text: 'We accept it.', stance: 'accepted' }).expect(
      303,
    );
    expect((await publicDue()).response).toMatchObject({ respondedOn: '2022-02-10', late: false });
    await setToday('2022-01-12T12:00:00Z');

    const again = await post('overseer', `${url}/extensions/${request_.id}/decision`, {
      decision: 'refuse',
      reason: 'Changed my mind.',
    });
    expect(again.status).toBe(409);
    expect(again.text).toContain('already been decided');
  });

  it('refuses more time after the due date, and once a response is recorded, saying why', async () => {
    const a = await freshAssignment();
    await setToday('2022-01-18T12:00:00Z');
    const late = await post('lead', `/workspace/assignments/${a.id}/extensions`, {
      newDueOn: '2022-02-14',
      reason: 'Please.',
    });
    expect(late.status).toBe(409);
    expect(late.text).toContain('before the response is due');
    expect(late.text).toContain('Please.');

    const b = await freshAssignment();
    await setToday('2022-01-10T12:00:00Z');
    await post('lead', `/workspace/assignments/${b.id}/response`, {
      text: 'Done.',
      stance: 'accepted',
    }).expect(303);
    const responded = await post('lead', `/workspace/assignments/${b.id}/extensions`, {
      newDueOn: '2022-02-14',
      reason: 'Please.',
    });
    expect(responded.status).toBe(409);
    expect(responded.text).toContain('already been recorded');
    expect(await db.knex('extension_requests').whereIn('assignment_id', [a.id, b.id])).toEqual([]);
  });

  it('refuses a requested date that is not later than the due date', async () => {
    const a = await freshAssignment();
    const res = await post('lead', `/workspace/assignments/${a.id}/extensions`, {
      newDueOn: '2022-01-15',
      reason: 'Earlier?',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('must be later than the current due date');
  });

  it('takes an action’s target date in three boxes and refuses a blank day or letters in the Design System’s words', async () => {
    const a = await freshAssignment();
    const url = `/workspace/assignments/${a.id}`;
    const action = (day: string, month: string, year: string) =>
      post('lead', `${url}/actions`, {
        description: 'Three boxes.',
        owner: 'Head of Training',
        'targetOn-day': day,
        'targetOn-month': month,
        'targetOn-year': year,
        state: 'planned',
      });
    const blank = await action('', '3', '2022');
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('The target date must include a day');
    expect(blank.text).toContain('href="#action-targetOn"');
    const letters = await action('thirty', '3', '2022');
    expect(letters.status).toBe(400);
    expect(letters.text).toContain('The target date must be a real date');
    expect(letters.text).toContain('value="thirty"');
    const february = await action('31', '2', '2022');
    expect(february.status).toBe(400);
    expect(february.text).toContain('The target date must be a real date');
    expect(
      await db.knex('assignment_actions').where({ assignment_id: a.id }).count('* as n').first(),
    ).toEqual({ n: 0 });
    await action('31', '3', '2022').expect(303);
    const stored = await db.knex('assignment_actions').where({ assignment_id: a.id }).first();
    expect(stored.target_on).toBe('2022-03-31');
  });

  it('keeps an action’s old target date and requires a reason to change it; flags overdue actions', async () => {
    const a = await freshAssignment();
    const url = `/workspace/assignments/${a.id}`;
    const bad = await post('lead', `${url}/actions`, {
      description: 'Train every call handler.',
      owner: '',
      targetOn: '2022-02-30',
      state: 'planned',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Train every call handler.');
    expect(bad.text).toContain('href="#action-owner"');
    expect(bad.text).toContain('href="#action-targetOn"');

    await post('lead', `${url}/actions`, {
      description: 'Train every call handler.',
      owner: 'Head of Training',
      targetOn: '2022-03-31',
      state: 'planned',
    }).expect(303);
    const action = await db.knex('assignment_actions').where({ assignment_id: a.id }).first();
    const edit = `${url}/actions/${action.id}`;
    expect((await get('lead', edit)).status).toBe(200);

    const noReason = await post('lead', edit, {
      description: 'Train every call handler, twice.',
      owner: 'Head of Training',
      targetOn: '2022-04-30',
      state: 'in_progress',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('Give a reason for changing the target date');
    expect(noReason.text).toContain('Train every call handler, twice.');
    expect((await db.knex('assignment_actions').where({ id: action.id }).first()).target_on).toBe(
      '2022-03-31',
    );

    await post('lead', edit, {
      description: 'Train every call handler.',
      owner: 'Head of Training',
      targetOn: '2022-04-30',
      state: 'in_progress',
      reason: 'The trainers were not available.',
    }).expect(303);
    const revisions = await db
      .knex('assignment_action_revisions')
      .where({ action_id: action.id })
      .orderBy('id');
    expect(revisions.map((r) => [r.previous_target_on, r.target_on, r.reason])).toEqual([
      [null, '2022-03-31', null],
      ['2022-03-31', '2022-04-30', 'The trainers were not available.'],
    ]);
    expect(await auditCount(a.id)).toBe(2);

    await setToday('2022-05-02T12:00:00Z');
    const page = await get('lead', url).expect(200);
    expect(page.text).toContain('>Overdue<');
    expect(page.text).toContain('(was 31 March 2022)');
    expect(page.text).toContain('The trainers were not available.');
  });

  it('answers another organisation’s lead with 404 on every route, and lets a viewer change nothing', async () => {
    const a = await freshAssignment();
    await post('lead', `/workspace/assignments/${a.id}/extensions`, {
      newDueOn: '2022-02-14',
      reason: 'Time.',
    }).expect(303);
    await post('lead', `/workspace/assignments/${a.id}/actions`, {
      description: 'A step.',
      owner: 'Someone',
      targetOn: '2022-03-01',
      state: 'planned',
    }).expect(303);
    const ext = await db.knex('extension_requests').where({ assignment_id: a.id }).first();
    const act = await db.knex('assignment_actions').where({ assignment_id: a.id }).first();
    const url = `/workspace/assignments/${a.id}`;
    const before = await auditCount(a.id);
    const body = {
      text: 'x',
      stance: 'accepted',
      newDueOn: '2022-02-20',
      reason: 'x',
      decision: 'grant',
      description: 'x',
      owner: 'x',
      targetOn: '2022-03-01',
      state: 'done',
    };
    const pick = (keys: string[]) =>
      Object.fromEntries(keys.map((k) => [k, body[k as keyof typeof body]]));
    const posts: [string, Record<string, string>][] = [
      [`${url}/response`, pick(['text', 'stance'])],
      [`${url}/extensions`, pick(['newDueOn', 'reason'])],
      [`${url}/extensions/${ext.id}/decision`, pick(['decision', 'reason'])],
      [`${url}/actions`, pick(['description', 'owner', 'targetOn', 'state'])],
      [`${url}/actions/${act.id}`, pick(['description', 'owner', 'targetOn', 'state', 'reason'])],
    ];
    expect((await get('otherLead', url)).status).toBe(404);
    expect((await get('otherLead', `${url}/actions/${act.id}`)).status).toBe(404);
    for (const [path, fields] of posts) {
      expect({ path, status: (await post('otherLead', path, fields)).status }).toEqual({
        path,
        status: 404,
      });
      expect({ path, status: (await post('viewer', path, fields)).status }).toEqual({
        path,
        status: 403,
      });
    }
    expect(await auditCount(a.id)).toBe(before);
    expect((await db.knex('extension_requests').where({ id: ext.id }).first()).state).toBe(
      'pending',
    );
    expect((await db.knex('assignment_actions').where({ id: act.id }).first()).state).toBe(
      'planned',
    );
    const viewerPage = await get('viewer', url).expect(200);
    expect(viewerPage.text).not.toContain('id="response-form"');
    expect(viewerPage.text).not.toContain('id="decision-form"');
    const overseerPage = await get('overseer', url).expect(200);
    expect(overseerPage.text).toContain('id="decision-form"');
    expect(overseerPage.text).not.toContain('id="action-form"');
  });
});
