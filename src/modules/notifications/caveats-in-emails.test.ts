/**
 * Emails carry the caveats the public page shows (issue 14), through a real SMTP server: wherever
 * an email names a recommendation, an addressee or a response date, it says, in the page's words,
 * when the text is our summary or not yet public, when public sources do not confirm the
 * addressee, and when a date is only the day a response was reported. Followers are also emailed
 * a public status note once it is published, and never one withdrawn before it went out.
 */
import request from 'supertest';
import { buildTestApp, testConfig } from '../../../test/app';
import { createUser, csrfFrom } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { startSmtpServer } from '../../../test/smtp-server';
import type { AssignmentRow, RecommendationRow } from '../../db/tables';

type Smtp = Awaited<ReturnType<typeof startSmtpServer>>;

const FOLLOWER = 'follower-caveats@example.net';
const NOTE = 'The council has written its new referral procedure and trained its duty team.';
const WITHDRAWN_NOTE = 'WITHDRAWN-BEFORE-SENDING-3a9d';

describe('caveats in emails', () => {
  let db: TestDatabase;
  let smtp: Smtp;
  let built: ReturnType<typeof buildTestApp>;
  let pendingRec: RecommendationRow;
  let summaryRec: RecommendationRow;
  let summaryForCouncil: AssignmentRow;
  let leadEmail: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await startSmtpServer();
    const base = testConfig();
    built = buildTestApp(db.knex, {
      now: '2030-07-01T09:00:00Z',
      config: {
        publicBaseUrl: 'https://tracker.example.org',
        notifications: { ...base.notifications, smtpUrl: smtp.url },
      },
    });
    const k = db.knex;
    const report = await createReport(k, {
      title: 'Operation Testing – Learning and Recommendations',
      publish_responses: true,
    });
    pendingRec = await createRecommendation(k, report, {
      title: null,
      body: null,
      text_status: 'pending',
      source_number: '8',
    });
    summaryRec = await createRecommendation(k, report, {
      title: 'Review how referrals are handled',
      text_status: 'summary',
    });
    const council = await createOrganisation(k, {
      name: 'Testshire Council',
      kind: 'local_authority',
    });
    // Due in 9 days: the 14-day reminder applies.
    await createAssignment(k, pendingRec, council, {
      addressee_confirmed: false,
      response_due_on: '2030-07-10',
    });
    summaryForCouncil = await createAssignment(k, summaryRec, council, {
      addressee_confirmed: false,
      response_due_on: '2030-12-01',
    });
    leadEmail = (await createUser(k, { role: 'org_lead', organisationId: council.id })).email;
    await k('recommendation_followers').insert({
      recommendation_id: summaryRec.id,
      email: FOLLOWER,
      confirmation_sent_at: new Date('2030-06-29T09:00:00Z'),
      confirmed_at: new Date('2030-06-29T10:00:00Z'),
      created_at: new Date('2030-06-29T09:00:00Z'),
    });
    // After the follower confirmed: a response dated only by when it was reported, a status
    // change, a status note, and a note withdrawn before any email went out.
    await k('assignment_responses').insert({
      assignment_id: summaryForCouncil.id,
      version: 1,
      stance: 'accepted',
      text: 'We accept it.',
      responded_on: '2030-06-20',
      responded_on_confirmed: false,
      recorded_by_label: 'Test',
      recorded_at: new Date('2030-07-01T08:30:00Z'),
    });
    await k('assignment_status_changes').insert({
      assignment_id: summaryForCouncil.id,
      from_status: 'awaiting_response',
      to_status: 'in_progress',
      event: 'respond',
      actor_label: 'Test',
      changed_at: new Date('2030-07-01T08:31:00Z'),
    });
    await k('status_notes').insert([
      {
        assignment_id: summaryForCouncil.id,
        occasion: 'review',
        note: WITHDRAWN_NOTE,
        published_at: new Date('2030-07-01T08:40:00Z'),
        publisher_label: 'Test overseer',
        withdrawn_at: new Date('2030-07-01T08:45:00Z'),
        withdrawn_reason: 'Published on the wrong assignment.',
      },
      {
        assignment_id: summaryForCouncil.id,
        occasion: 'rate',
        note: NOTE,
        published_at: new Date('2030-07-01T08:50:00Z'),
        publisher_label: 'Test overseer',
      },
    ]);
    await built.services.notifications.tick();
  });
  afterAll(async () => {
    await db.destroy();
    await smtp.close();
  });

  const to = (address: string) => smtp.messages.filter((m) => m.to.includes(address));

  it('a reminder names a pending text by its report and number, and says the addressee is not confirmed', () => {
    const reminder = to(leadEmail).find((m) => m.subject.startsWith('Response due'))!;
    expect(reminder.subject).toBe(`Response due in 14 days: ${pendingRec.ref}`);
    expect(reminder.text).toContain(
      `The formal response of Testshire Council (addressee not confirmed by public sources) to ${pendingRec.ref} (Operation Testing recommendation 8; text not yet public) is due on 10 July 2030.`,
    );
  });

  it('a follower’s emails say “reported on”, “not confirmed” and “our summary” where the page does', () => {
    const mails = to(FOLLOWER);
    const response = mails.find((m) => m.subject.includes('has responded'))!;
    expect(response.text).toContain(
      'reported on 20 June 2030; the date of the response itself is not confirmed',
    );
    expect(response.text).not.toMatch(/responded on/i);
    const status = mails.find((m) => m.subject.includes('is now'))!;
    for (const mail of [response, status]) {
      expect(mail.subject).toContain('Testshire Council (addressee not confirmed)');
      expect(mail.text).toContain('addressee not confirmed by public sources');
      expect(mail.text).toContain('our summary');
    }
  });

  it('a follower is emailed a published status note once, and never one withdrawn before it went out', async () => {
    const notes = to(FOLLOWER).filter((m) => m.subject.includes('status note'));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.subject).toBe(
      `${summaryRec.ref}: a status note for Testshire Council (addressee not confirmed)`,
    );
    expect(notes[0]!.text).toContain(`Why: ${NOTE}`);
    expect(notes[0]!.text).toContain('1 July 2030');
    expect(notes[0]!.text).toContain('our summary');
    expect(smtp.messages.some((m) => m.text.includes(WITHDRAWN_NOTE))).toBe(false);
    await built.services.notifications.tick();
    expect(to(FOLLOWER).filter((m) => m.subject.includes('status note'))).toHaveLength(1);
  });

  it('the confirmation email names a pending text honestly', async () => {
    const agent = request.agent(built.app);
    const form = await agent.get(`/recommendations/${pendingRec.ref}/follow`).expect(200);
    await agent
      .post(`/recommendations/${pendingRec.ref}/follow`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email: 'new-follower@example.net' })
      .expect(200);
    await built.services.notifications.tick();
    const confirmation = to('new-follower@example.net')[0]!;
    expect(confirmation.text).toContain(
      `recommendation ${pendingRec.ref} (Operation Testing recommendation 8; text not yet public)`,
    );
  });
});
