/**
 * Target dates: the recommendation's own "implement by" date and the addressee's committed date,
 * each moved only with a reason and the old one kept; "past target" flags against a fixed clock;
 * and the reminders before and after the date, created once by two scheduler instances ticking
 * together (separate pools on server PostgreSQL; interleaved on the embedded database).
 */
import type { Knex } from 'knex';
import request from 'supertest';
import { buildTestApp, testConfig } from '../../../test/app';
import { createSignedInUser, createUser } from '../../../test/auth';
import { boxesShown, dateBoxes, typedBoxes } from '../../../test/date-boxes';
import { createTestDatabase, usingServerDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { openServerDatabase } from '../../db/knex';
import { createLogger } from '../../logger';
import { buildServices } from '../../services';
import { addDays } from '../../shared/calendar-date';
import { fixedClock } from '../../shared/clock';
import type { Role } from '../accounts/accounts.types';
import { targetReminderStage, targetState } from './deadlines.targets';

describe('target dates, derived', () => {
  it('flags a date as past only after its day, and only while the assignment is open', () => {
    const input = {
      implementBy: '2024-12-31',
      committedOn: null,
      status: 'in_progress' as const,
    };
    expect(targetState(input, '2024-12-31')).toMatchObject({
      heldTo: '2024-12-31',
      daysLeft: 0,
      pastTarget: false,
    });
    expect(targetState(input, '2025-01-01')).toMatchObject({
      daysLeft: -1,
      pastTarget: true,
      pastImplementBy: true,
      pastCommitted: false,
    });
    expect(targetState({ ...input, status: 'implemented' }, '2026-01-01')).toMatchObject({
      pastTarget: false,
      daysLeft: null,
    });
    expect(targetState({ ...input, status: 'closed' }, '2026-01-01').pastTarget).toBe(false);
    // A later committed date is what the assignment is held to; the recommendation's own date still shows as past.
    expect(targetState({ ...input, committedOn: '2025-06-30' }, '2025-03-01')).toMatchObject({
      heldTo: '2025-06-30',
      daysLeft: 121,
      pastTarget: false,
      pastImplementBy: true,
    });
    expect(
      targetState({ implementBy: null, committedOn: null, status: 'in_progress' }, '2025-01-01'),
    ).toMatchObject({ heldTo: null, pastTarget: false, daysLeft: null });
  });

  it('has a 30-day window, then a 7-day one up to the day itself', () => {
    expect([31, 30, 8, 7, 1, 0, -1].map(targetReminderStage)).toEqual([
      null,
      30,
      30,
      7,
      7,
      7,
      null,
    ]);
  });
});

describe('target dates on an assignment', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let second: { knex: Knex; close(): Promise<void> } | null = null;
  let assignmentId: number;
  let finishedId: number;
  const people = new Map<string, { cookie: string; csrf: string; id: number }>();

  async function person(name: string, role: Role, orgId: number | null = null) {
    const { user, ...session } = await createSignedInUser(built.services, db.knex, role, orgId);
    people.set(name, { ...session, id: user.id });
  }
  const post = (who: string, path: string, body: Record<string, string>) =>
    request(built.app)
      .post(path)
      .set('Cookie', people.get(who)!.cookie)
      .type('form')
      .send({ ...body, _csrf: people.get(who)!.csrf });

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: '2025-01-15T12:00:00Z' });
    const org = await createOrganisation(db.knex, { name: 'Example Police' });
    const report = await createReport(db.knex, { legal_basis: 'none', published_on: '2024-06-01' });
    const rec = await createRecommendation(db.knex, report, {
      ref: 'TGT-01',
      made_on: '2024-06-01',
    });
    const done = await createRecommendation(db.knex, report, {
      ref: 'TGT-02',
      made_on: '2024-06-01',
    });
    const fields = {
      status: 'in_progress' as const,
      response_stance: 'accepted' as const,
      response_text: 'Accepted.',
      responded_on: '2024-07-01',
      response_due_on: null,
    };
    assignmentId = (await createAssignment(db.knex, rec, org, fields)).id;
    finishedId = (
      await createAssignment(db.knex, done, org, { ...fields, committed_on: '2025-04-30' })
    ).id;
    await db.knex('assignments').where({ id: finishedId }).update({ status: 'implemented' });
    await person('admin', 'admin');
    await person('lead', 'org_lead', org.id);
    await person('viewer', 'viewer');
    if (usingServerDatabase)
      second = openServerDatabase(
        {
          kind: 'server',
          url: db.url!,
          poolMax: 5,
          connectTimeoutMs: 5000,
          statementTimeoutMs: 30000,
        },
        createLogger('silent'),
      );
  });
  afterAll(async () => {
    await second?.close();
    await db.destroy();
  });

  it('records each date, refuses a moved one without a reason, and keeps the old one', async () => {
    const base = `/workspace/assignments/${assignmentId}`;
    await post('admin', `${base}/implement-by`, {
      ...dateBoxes('implementBy', '2025-03-31'),
      wording: 'by 31 March 2025',
      reason: '',
    }).expect(303);
    await post('lead', `${base}/committed-date`, {
      ...dateBoxes('committedOn', '2025-02-28'),
      reason: '',
    }).expect(303);
    // Only the addressee's lead (or an overseer) commits; only an administrator sets the source's date.
    await post('viewer', `${base}/committed-date`, {
      ...dateBoxes('committedOn', '2025-05-01'),
      reason: 'x',
    }).expect(403);
    await post('lead', `${base}/implement-by`, {
      ...dateBoxes('implementBy', '2026-01-01'),
      reason: 'x',
    }).expect(403);

    const refused = await post('lead', `${base}/committed-date`, {
      ...dateBoxes('committedOn', '2025-04-30'),
      reason: ' ',
    }).expect(400);
    expect(refused.text).toContain('Give the reason the date is changing');
    expect(boxesShown(refused.text, 'committed-committedOn')).toEqual({
      day: '30',
      month: '4',
      year: '2025',
      marked: [],
    });
    const badDate = await post('lead', `${base}/committed-date`, {
      ...typedBoxes('committedOn', '30', '2', '2025'),
      reason: 'x',
    }).expect(400);
    expect(badDate.text).toContain('The committed date must be a real date');
    expect((await db.knex('assignments').where({ id: assignmentId }).first()).committed_on).toBe(
      '2025-02-28',
    );

    await post('lead', `${base}/committed-date`, {
      ...dateBoxes('committedOn', '2025-04-30'),
      reason: 'The new case management system goes live in April.',
    }).expect(303);
    const history = await db
      .knex('assignment_committed_dates')
      .where({ assignment_id: assignmentId })
      .orderBy('id')
      .select('committed_on', 'previous_committed_on', 'reason');
    expect(history).toEqual([
      { committed_on: '2025-02-28', previous_committed_on: null, reason: null },
      {
        committed_on: '2025-04-30',
        previous_committed_on: '2025-02-28',
        reason: 'The new case management system goes live in April.',
      },
    ]);
    await expect(
      db.knex('assignment_committed_dates').insert({
        assignment_id: assignmentId,
        committed_on: '2025-06-30',
        previous_committed_on: '2025-04-30',
      }),
    ).rejects.toThrow(/move_has_reason/);

    const page = await request(built.app)
      .get(`${base}/deadlines`)
      .set('Cookie', people.get('lead')!.cookie)
      .expect(200);
    expect(page.text).toContain('30 April 2025');
    expect(page.text).toContain('(was 28 February 2025)');
    expect(page.text).toContain('The source: by 31 March 2025');
    const audit = await db
      .knex('audit_events')
      .whereIn('action', ['assignment.committed_date_set', 'recommendation.implement_by_set'])
      .count('* as n')
      .first();
    expect(Number(audit!.n)).toBe(3);
  });

  it('shows the past-target flags on the public page against the clock', async () => {
    built.clock.set('2025-04-15T12:00:00Z');
    let page = (await request(built.app).get('/recommendations/TGT-01').expect(200)).text;
    expect(page).toContain('To be implemented by');
    expect(page).toContain('The source says: by 31 March 2025');
    expect(page).toContain('Committed to implement by');
    expect(page).not.toContain('Past its committed date');
    built.clock.set('2025-05-01T12:00:00Z');
    page = (await request(built.app).get('/recommendations/TGT-01').expect(200)).text;
    expect(page).toContain('Past its committed date');
    const data = await request(built.app).get('/data/assignments.csv').expect(200);
    const [head, ...rows] = data.text.trim().split('\n');
    const col = head!.split(',').indexOf('past_target');
    const row = rows.find((r) => r.startsWith(`${assignmentId},`))!.split(',');
    expect(row[col]).toBe('true');
    const finished = rows.find((r) => r.startsWith(`${finishedId},`))!.split(',');
    expect(finished[col]).toBe('false');
    // Sessions end when the clock jumps, so the viewer signs in again for the dashboard.
    await person('viewer2', 'viewer');
    const dashboard = await request(built.app)
      .get('/workspace/dashboards/overdue')
      .set('Cookie', people.get('viewer2')!.cookie)
      .expect(200);
    expect(dashboard.text).toContain('Past their target date (1)');
    expect(dashboard.text).toContain('Committed by the organisation');
  });

  it('reminds the lead 30 and 7 days before, and lead and overseer once after, each exactly once', async () => {
    const overseer = await createUser(db.knex, { role: 'overseer' });
    const lead = people.get('lead')!;
    const clock = fixedClock('2025-03-25T09:00:00Z');
    const config = testConfig();
    const make = (knex: Knex) =>
      buildServices({ knex, clock, config, logger: createLogger('silent') }).notifications;
    const first = make(db.knex);
    const other = make(second?.knex ?? db.knex);
    for (let day = '2025-03-25'; day <= '2025-05-10'; day = addDays(day, 1)) {
      clock.set(`${day}T09:00:00Z`);
      await Promise.all([first.tick(), other.tick()]);
    }
    const rows = await db
      .knex('notifications')
      .whereIn('kind', ['target_approaching', 'target_passed'])
      .orderBy('id')
      .select('user_id', 'kind', 'dedupe_key', 'assignment_id', 'created_at');
    const forLead = rows.filter((r) => r.user_id === lead.id);
    expect(
      forLead.map((r) => [r.dedupe_key, new Date(r.created_at).toISOString().slice(0, 10)]),
    ).toEqual([
      [`target_approaching:30:${assignmentId}:2025-04-30:${lead.id}`, '2025-03-31'],
      [`target_approaching:7:${assignmentId}:2025-04-30:${lead.id}`, '2025-04-23'],
      [`target_passed:${assignmentId}:2025-04-30:${lead.id}`, '2025-05-01'],
    ]);
    expect(rows.filter((r) => r.user_id === overseer.id).map((r) => r.dedupe_key)).toEqual([
      `target_passed:${assignmentId}:2025-04-30:${overseer.id}`,
    ]);
    // The implemented assignment's committed date raises nothing.
    expect(rows.filter((r) => r.assignment_id === finishedId)).toHaveLength(0);
    expect(rows.every((r) => r.assignment_id === assignmentId)).toBe(true);
  }, 180_000);
});
