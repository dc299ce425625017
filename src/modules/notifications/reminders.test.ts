/**
 * Reminders over a real SMTP server (started here) with a clock the tests move: the Linden
 * assignment's 56 days, two scheduler instances at once, and retries after the server refuses.
 * On server PostgreSQL the two instances have separate connection pools; on the embedded database
 * (one connection) they are two service instances whose ticks interleave on it.
 */
import type { Knex } from 'knex';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { openServerDatabase } from '../../db/knex';
import { createLogger } from '../../logger';
import { buildServices } from '../../services';
import { addDays, type CalendarDate } from '../../shared/calendar-date';
import { fixedClock } from '../../shared/clock';
import { testConfig } from '../../../test/app';
import { createUser } from '../../../test/auth';
import { createTestDatabase, usingServerDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { startSmtpServer } from '../../../test/smtp-server';
import type { Config } from '../../config';

type Smtp = Awaited<ReturnType<typeof startSmtpServer>>;

function instance(knex: Knex, clock: ReturnType<typeof fixedClock>, config: Config) {
  return buildServices({ knex, clock, config, logger: createLogger('silent') }).notifications;
}

function configFor(smtp: Smtp, overrides: Partial<Config['notifications']> = {}): Config {
  const base = testConfig();
  return {
    ...base,
    notifications: { ...base.notifications, smtpUrl: smtp.url, ...overrides },
  };
}

describe('reminders of a Linden assignment, with two scheduler instances', () => {
  let db: TestDatabase;
  let second: { knex: Knex; close(): Promise<void> } | null = null;
  let smtp: Smtp;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    smtp = await startSmtpServer();
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
    await smtp.close();
  });

  it('sends the force lead the 14, 7 and 1-day reminders and the overdue notices, and the overseer the escalation, each once', async () => {
    const college = await db.knex('organisations').where({ slug: 'college-of-policing' }).first();
    const homeOffice = await db.knex('organisations').where({ slug: 'home-office' }).first();
    const assignment = await db
      .knex('assignments as a')
      .join('recommendations as c', 'c.id', 'a.recommendation_id')
      .where({ 'a.organisation_id': college.id, 'a.status': 'awaiting_response' })
      .orderBy('c.ref')
      .first('a.id', 'c.ref', 'a.response_due_on');
    expect(assignment.response_due_on).toBe('2022-01-17');
    const lead = await createUser(db.knex, { role: 'org_lead', organisationId: college.id });
    const otherLead = await createUser(db.knex, {
      role: 'org_lead',
      organisationId: homeOffice.id,
    });
    const overseer = await createUser(db.knex, { role: 'overseer' });

    const clock = fixedClock('2021-11-23T09:00:00Z');
    const config = configFor(smtp);
    const first = instance(db.knex, clock, config);
    const other = instance(second?.knex ?? db.knex, clock, config);

    const received: { day: CalendarDate; to: string; subject: string }[] = [];
    for (let day = '2021-11-23'; day <= '2022-02-09'; day = addDays(day, 1)) {
      clock.set(`${day}T09:00:00Z`);
      const before = smtp.messages.length;
      await Promise.all([first.tick(), other.tick()]);
      for (const m of smtp.messages.slice(before))
        for (const to of m.to) received.push({ day, to, subject: m.subject });
    }

    const about = (to: string) =>
      received
        .filter((m) => m.to === to && m.subject.includes(assignment.ref))
        .filter((m) => !m.subject.startsWith('Your weekly summary'))
        .map((m) => [m.day, m.subject]);
    expect(about(lead.email)).toEqual([
      ['2022-01-03', `Response due in 14 days: ${assignment.ref}`],
      ['2022-01-10', `Response due in 7 days: ${assignment.ref}`],
      ['2022-01-16', `Response due in 1 day: ${assignment.ref}`],
      ['2022-01-18', `Response overdue: ${assignment.ref}`],
      ['2022-01-25', `Response overdue: ${assignment.ref}`],
      ['2022-02-01', `Response overdue: ${assignment.ref}`],
      ['2022-02-08', `Response overdue: ${assignment.ref}`],
    ]);
    expect(about(overseer.email)).toEqual([
      ['2022-02-01', `Response more than 14 days overdue: ${assignment.ref}, College of Policing`],
    ]);
    // The other force's lead hears nothing about the College's assignment.
    expect(
      await db.knex('notifications').where({ user_id: otherLead.id, assignment_id: assignment.id }),
    ).toHaveLength(0);

    // Nothing was sent twice: every email went once, and the outbox agrees with the server.
    const outbox = await db.knex('email_outbox').select('to_address', 'subject', 'status');
    expect(outbox.every((r) => r.status === 'sent')).toBe(true);
    const sentTo = (addr: string) => received.filter((m) => m.to === addr).length;
    for (const addr of [lead.email, overseer.email, otherLead.email])
      expect(sentTo(addr)).toBe(outbox.filter((r) => r.to_address === addr).length);
    const subjects = received.map((m) => `${m.to} ${m.subject}`);
    const digestless = subjects.filter((s) => !s.includes('Your weekly summary'));
    const weekly = received.filter((m) => m.subject.startsWith('Response overdue'));
    expect(weekly.length).toBeGreaterThan(0);
    // Same subject to the same person only on different days (weekly overdue notices, one per assignment per week).
    const perDay = received.map((m) => `${m.day} ${m.to} ${m.subject}`);
    expect(new Set(perDay).size).toBe(perDay.length);
    expect(digestless.length).toBeGreaterThan(0);

    // The in-app list has the same reminders.
    const inApp = await db
      .knex('notifications')
      .where({ user_id: lead.id, assignment_id: assignment.id })
      .orderBy('id')
      .pluck('dedupe_key');
    expect(inApp).toEqual([
      `response_due:14:${assignment.id}:2022-01-17:${lead.id}`,
      `response_due:7:${assignment.id}:2022-01-17:${lead.id}`,
      `response_due:1:${assignment.id}:2022-01-17:${lead.id}`,
      `response_overdue:0:${assignment.id}:2022-01-17:${lead.id}`,
      `response_overdue:1:${assignment.id}:2022-01-17:${lead.id}`,
      `response_overdue:2:${assignment.id}:2022-01-17:${lead.id}`,
      `response_overdue:3:${assignment.id}:2022-01-17:${lead.id}`,
    ]);
  }, 180_000);
});

describe('sending through the outbox', () => {
  let db: TestDatabase;
  let smtp: Smtp;
  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await db.destroy();
    await smtp.close();
  });

  async function dueSoon(dueOn: CalendarDate) {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex);
    const lead = await createUser(db.knex, { role: 'org_lead', organisationId: org.id });
    const assignment = await createAssignment(db.knex, rec, org, { response_due_on: dueOn });
    // Only the reminder is sent here: the weekly digest is tested on its own.
    await db.knex('notification_preferences').insert({
      user_id: lead.id,
      kind: 'weekly_digest',
      mode: 'off',
      updated_at: new Date(),
    });
    return { lead, assignment, rec };
  }

  it('retries with growing waits after the SMTP server refuses, then sends once', async () => {
    const { lead, rec } = await dueSoon('2030-03-15');
    const clock = fixedClock('2030-03-01T10:00:00Z');
    const service = instance(db.knex, clock, configFor(smtp));
    smtp.refuseNext(2);
    const before = smtp.messages.length;

    const firstTick = await service.tick();
    expect(firstTick.email).toEqual({ sent: 0, retrying: 1, failed: 0 });
    const row = () => db.knex('email_outbox').where({ to_address: lead.email }).first();
    expect(await row()).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await row()).last_error).toMatch(/Mailbox busy/);

    clock.set('2030-03-01T10:00:30Z'); // before the first wait (1 minute) is over
    await service.tick();
    expect(await row()).toMatchObject({ status: 'pending', attempts: 1 });

    clock.set('2030-03-01T10:01:01Z');
    await service.tick();
    expect(await row()).toMatchObject({ status: 'pending', attempts: 2 });
    expect(new Date((await row()).next_attempt_at).toISOString()).toBe('2030-03-01T10:03:01.000Z');

    clock.set('2030-03-01T10:03:01Z');
    await service.tick();
    expect(await row()).toMatchObject({ status: 'sent', attempts: 3 });
    const mine = smtp.messages.slice(before).filter((m) => m.to.includes(lead.email));
    expect(mine.map((m) => m.subject)).toEqual([`Response due in 14 days: ${rec.ref}`]);

    clock.set('2030-03-02T10:00:00Z');
    await service.tick();
    expect(smtp.messages.slice(before).filter((m) => m.to.includes(lead.email))).toHaveLength(1);
  });

  it('marks an email failed after the last allowed attempt, keeping the error', async () => {
    const { lead } = await dueSoon('2031-03-15');
    const clock = fixedClock('2031-03-01T10:00:00Z');
    const service = instance(db.knex, clock, configFor(smtp, { maxAttempts: 2 }));
    smtp.refuseNext(5);
    await service.tick();
    clock.set('2031-03-01T10:05:00Z');
    // (Earlier tests' leads, now overdue, are refused and fail here too.)
    const second = await service.tick();
    expect(second.email.failed).toBeGreaterThanOrEqual(1);
    const row = await db.knex('email_outbox').where({ to_address: lead.email }).first();
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
    clock.set('2031-03-02T10:00:00Z');
    await service.tick();
    expect(await db.knex('email_outbox').where({ id: row.id }).first()).toMatchObject({
      status: 'failed',
      attempts: 2,
    });
    expect(row.last_error).toMatch(/Mailbox busy/);
    smtp.refuseNext(0);
  });

  it('keeps emails in the outbox when no SMTP server is configured', async () => {
    const { lead } = await dueSoon('2032-03-15');
    const clock = fixedClock('2032-03-01T10:00:00Z');
    const base = testConfig();
    const service = instance(db.knex, clock, base);
    const before = smtp.messages.length;
    await service.tick();
    expect(smtp.messages.length).toBe(before);
    expect(await db.knex('email_outbox').where({ to_address: lead.email })).toEqual([
      expect.objectContaining({ status: 'pending', attempts: 0 }),
    ]);
  });
});

describe('notifications from the workspace’s records', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('tells overseers of requests for more time and waiting updates, and leads of decisions and reviews, once each', async () => {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex);
    const assignment = await createAssignment(db.knex, rec, org, {
      response_due_on: '2033-05-01',
    });
    const lead = await createUser(db.knex, { role: 'org_lead', organisationId: org.id });
    const overseer = await createUser(db.knex, { role: 'overseer' });
    const viewer = await createUser(db.knex, { role: 'viewer' });
    const clock = fixedClock('2033-03-01T10:00:00Z');
    const service = instance(db.knex, clock, testConfig());

    const [extension] = await db
      .knex('extension_requests')
      .insert({
        assignment_id: assignment.id,
        due_on_when_requested: '2033-05-01',
        requested_due_on: '2033-06-01',
        reason: 'The board meets in May.',
        requested_by: lead.id,
        requested_at: new Date('2033-03-01T09:00:00Z'),
      })
      .returning('id');
    const [update] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: assignment.id,
        author_id: lead.id,
        author_label: 'Lead',
        self_assessment: 'on_track',
        narrative: 'Started.',
        created_at: new Date('2033-02-01T09:00:00Z'),
      })
      .returning('id');
    await service.tick();
    await service.tick();
    const kinds = async (userId: number) =>
      db.knex('notifications').where({ user_id: userId }).orderBy('kind').pluck('kind');
    expect(await kinds(overseer.id)).toEqual(['extension_requested', 'review_waiting']);
    expect(await kinds(lead.id)).toEqual([]);
    expect(await kinds(viewer.id)).toEqual([]);

    clock.set('2033-03-02T10:00:00Z');
    await db
      .knex('extension_requests')
      .where({ id: extension.id })
      .update({
        state: 'granted',
        decided_by: overseer.id,
        decided_at: new Date('2033-03-02T09:00:00Z'),
        decided_on: '2033-03-02',
        decision_reason: 'Reasonable.',
      });
    await db.knex('progress_update_reviews').insert({
      progress_update_id: update.id,
      decision: 'returned',
      feedback: 'Add the training figures.',
      reviewer_id: overseer.id,
      reviewer_label: 'Overseer',
      created_at: new Date('2033-03-02T09:30:00Z'),
    });
    await service.tick();
    await service.tick();
    expect(await kinds(lead.id)).toEqual(['extension_decided', 'update_reviewed']);
    const titles = await db.knex('notifications').where({ user_id: lead.id }).pluck('title');
    expect(titles).toEqual(
      expect.arrayContaining([
        `Extension granted: ${rec.ref}`,
        `Progress update returned with feedback: ${rec.ref}`,
      ]),
    );
    expect(await kinds(overseer.id)).toEqual(['extension_requested', 'review_waiting']);
  });
});
