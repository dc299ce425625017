/**
 * Notifications through their pages, with a real SMTP server: the in-app list and marking read,
 * preferences, the weekly digest's contents, following a recommendation (confirm, updates,
 * unsubscribe), invitation emails and the administrators' outbox.
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
import { sealSecret } from '../../shared/secret-box';
import { generateTotpSecret } from '../accounts/totp';
import type { Role } from '../accounts/accounts.types';

type Smtp = Awaited<ReturnType<typeof startSmtpServer>>;

describe('notifications pages and emails', () => {
  let db: TestDatabase;
  let smtp: Smtp;
  let built: ReturnType<typeof buildTestApp>;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await startSmtpServer();
    const base = testConfig();
    built = buildTestApp(db.knex, {
      now: '2030-06-03T09:00:00Z', // a Monday
      config: {
        publicBaseUrl: 'https://tracker.example.org',
        notifications: { ...base.notifications, smtpUrl: smtp.url },
      },
    });
  });
  afterAll(async () => {
    await db.destroy();
    await smtp.close();
  });

  async function signedIn(role: Role, organisationId: number | null = null) {
    const needsTwoFactor = role === 'overseer' || role === 'admin';
    const user = await createUser(db.knex, {
      role,
      organisationId,
      totpSecretEnc: needsTwoFactor
        ? sealSecret(generateTotpSecret(), built.services.config.secretKey!)
        : null,
    });
    const { token, session } = await built.services.sessions.start(db.knex, {
      userId: user.id,
      state: 'active',
      context: { ip: '127.0.0.1', userAgent: 'test', requestId: null },
    });
    const cookie = `tracker-session=${token}`;
    return {
      user,
      csrf: session.csrfToken,
      get: (path: string) => request(built.app).get(path).set('Cookie', cookie),
      post: (path: string, body: Record<string, string> = {}) =>
        request(built.app)
          .post(path)
          .set('Cookie', cookie)
          .type('form')
          .send({ _csrf: session.csrfToken, ...body }),
    };
  }

  async function leadWithAssignmentDue(dueOn: string) {
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex);
    const assignment = await createAssignment(db.knex, rec, org, { response_due_on: dueOn });
    const lead = await signedIn('org_lead', org.id);
    return { lead, rec, org, assignment };
  }

  it('lists a lead’s reminders with an unread count, and marks one or all read; another person’s is not found', async () => {
    const { lead, rec } = await leadWithAssignmentDue('2030-06-10');
    const { lead: otherLead } = await leadWithAssignmentDue('2030-06-12');
    await built.services.notifications.tick();

    const page = await lead.get('/workspace/notifications').expect(200);
    expect(page.text).toContain(`Response due in 7 days: ${rec.ref}`);
    expect(page.text).toContain('You have 1 unread notification');
    expect((await lead.get('/workspace').expect(200)).text).toContain('Notifications (1 unread)');

    const mine = await db.knex('notifications').where({ user_id: lead.user.id }).first();
    const theirs = await db.knex('notifications').where({ user_id: otherLead.user.id }).first();
    await lead.post(`/workspace/notifications/${theirs.id}/read`).expect(404);
    expect((await db.knex('notifications').where({ id: theirs.id }).first()).read_at).toBeNull();

    const res = await lead.post(`/workspace/notifications/${mine.id}/read`).expect(303);
    expect(res.headers.location).toBe('/workspace/notifications?done=read');
    expect((await db.knex('notifications').where({ id: mine.id }).first()).read_at).not.toBeNull();
    expect((await lead.get('/workspace').expect(200)).text).toContain('Notifications (0 unread)');

    await otherLead.post('/workspace/notifications/read-all').expect(303);
    expect(
      await db.knex('notifications').where({ user_id: otherLead.user.id }).whereNull('read_at'),
    ).toHaveLength(0);
  });

  it('saves preferences; a kind set to digest only is not emailed at once but appears in the digest, with what is due', async () => {
    const report = await createReport(db.knex);
    const org = await createOrganisation(db.knex);
    const lead = await signedIn('org_lead', org.id);
    const form = await lead.get('/workspace/notifications/preferences').expect(200);
    expect(form.text).toContain('A response is due soon');

    const refused = await lead.post('/workspace/notifications/preferences', {
      response_due: 'sometimes',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('There is a problem');
    expect(await db.knex('notification_preferences').where({ user_id: lead.user.id })).toEqual([]);

    const choices: Record<string, string> = {
      response_due: 'digest',
      response_overdue: 'immediate',
      response_overdue_escalation: 'immediate',
      action_overdue: 'off',
      extension_requested: 'immediate',
      extension_decided: 'immediate',
      update_reviewed: 'immediate',
      review_waiting: 'immediate',
      target_approaching: 'immediate',
      target_passed: 'immediate',
      sustainment_check_due: 'immediate',
      weekly_digest: 'immediate',
    };
    await lead.post('/workspace/notifications/preferences', choices).expect(303);
    expect(
      await db
        .knex('notification_preferences')
        .where({ user_id: lead.user.id })
        .orderBy('kind')
        .select('kind', 'mode'),
    ).toEqual([
      { kind: 'action_overdue', mode: 'off' },
      { kind: 'response_due', mode: 'digest' },
    ]);

    // Due in 12 days (a 14-day reminder) and an action past its target date.
    built.clock.set('2030-06-17T09:00:00Z'); // the next Monday
    const rec = await createRecommendation(db.knex, report);
    const assignment = await createAssignment(db.knex, rec, org, { response_due_on: '2030-06-29' });
    await db.knex('assignment_actions').insert({
      assignment_id: assignment.id,
      description: 'Train every call handler',
      owner: 'Head of training',
      target_on: '2030-06-01',
      state: 'in_progress',
    });
    const before = smtp.messages.length;
    await built.services.notifications.tick();
    const toLead = smtp.messages.slice(before).filter((m) => m.to.includes(lead.user.email));
    // In-app: both. Emailed at once: neither (one is digest only, the other off).
    expect(
      await db.knex('notifications').where({ user_id: lead.user.id }).orderBy('kind').pluck('kind'),
    ).toEqual(['action_overdue', 'response_due']);
    expect(toLead.map((m) => m.subject)).toEqual([
      'Your weekly summary for the week of 17 June 2030',
    ]);
    const digest = toLead[0]!.text;
    expect(digest).toContain('What changed in the last 7 days');
    expect(digest).toContain(`Response due in 14 days: ${rec.ref}`);
    expect(digest).toContain('What is due');
    expect(digest).toContain(`${rec.ref}: response due on 29 June 2030`);
    expect(digest).toContain(
      `${rec.ref}: action “Train every call handler” was due on 1 June 2030`,
    );
    expect(digest).toContain('https://tracker.example.org/workspace/notifications/preferences');

    // Once a week: another tick the same week sends no second digest.
    built.clock.set('2030-06-19T09:00:00Z');
    const again = smtp.messages.length;
    await built.services.notifications.tick();
    expect(
      smtp.messages
        .slice(again)
        .filter((m) => m.to.includes(lead.user.email) && m.subject.startsWith('Your weekly')),
    ).toHaveLength(0);
  });

  it('lets anyone follow a recommendation: confirm by email, get its changes, unsubscribe, and the address is deleted', async () => {
    built.clock.set('2030-07-01T09:00:00Z');
    const report = await createReport(db.knex);
    const rec = await createRecommendation(db.knex, report);
    const org = await createOrganisation(db.knex);
    const assignment = await createAssignment(db.knex, rec, org, { response_due_on: '2030-12-01' });
    const address = 'Follower.Person@example.net';

    const recPage = await request(built.app).get(`/recommendations/${rec.ref}`).expect(200);
    expect(recPage.text).toContain(`href="/recommendations/${rec.ref}/follow"`);

    const agent = request.agent(built.app);
    const form = await agent.get(`/recommendations/${rec.ref}/follow`).expect(200);
    const bad = await agent
      .post(`/recommendations/${rec.ref}/follow`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter an email address in the correct format');
    await agent
      .post(`/recommendations/${rec.ref}/follow`)
      .type('form')
      .send({ email: address })
      .expect(403);
    const sent = await agent
      .post(`/recommendations/${rec.ref}/follow`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email: address })
      .expect(200);
    expect(sent.text).toContain('Check your email');

    const before = smtp.messages.length;
    await built.services.notifications.tick();
    const confirmation = smtp.messages.slice(before).find((m) => m.to.includes(address))!;
    expect(confirmation.subject).toBe(`Confirm that you want updates about ${rec.ref}`);
    const confirmUrl = /https:\/\/tracker\.example\.org(\/follow\/confirm\/[A-Za-z0-9_-]{43})/.exec(
      confirmation.text,
    )![1]!;
    const stored = await db.knex('recommendation_followers').where({ recommendation_id: rec.id });
    expect(stored).toHaveLength(1);
    expect(stored[0].confirmed_at).toBeNull();
    // Only a hash of the token is kept.
    expect(stored[0].confirm_token_hash).not.toContain(confirmUrl.split('/').pop());

    // Nothing is sent before confirmation.
    await db.knex('assignment_status_changes').insert({
      assignment_id: assignment.id,
      from_status: 'awaiting_response',
      to_status: 'in_progress',
      event: 'respond',
      actor_label: 'test',
      changed_at: new Date('2030-07-01T09:30:00Z'),
    });
    built.clock.set('2030-07-01T10:00:00Z');
    const beforeConfirm = smtp.messages.length;
    await built.services.notifications.tick();
    expect(smtp.messages.slice(beforeConfirm).filter((m) => m.to.includes(address))).toEqual([]);

    const confirmed = await request(built.app).get(confirmUrl).expect(200);
    expect(confirmed.text).toContain(`You are following ${rec.ref}`);
    await request(built.app).get(confirmUrl).expect(404);

    await db.knex('assignment_status_changes').insert({
      assignment_id: assignment.id,
      from_status: 'in_progress',
      to_status: 'awaiting_verification',
      event: 'claim_complete',
      actor_label: 'test',
      changed_at: new Date('2030-07-01T10:30:00Z'),
    });
    built.clock.set('2030-07-01T11:00:00Z');
    const beforeUpdate = smtp.messages.length;
    await built.services.notifications.tick();
    await built.services.notifications.tick();
    const updates = smtp.messages.slice(beforeUpdate).filter((m) => m.to.includes(address));
    expect(updates).toHaveLength(1);
    expect(updates[0]!.subject).toContain(rec.ref);
    expect(updates[0]!.subject).toContain(org.name);
    const unsubscribeUrl =
      /https:\/\/tracker\.example\.org(\/follow\/unsubscribe\/[0-9]+\.[A-Za-z0-9_-]{43})/.exec(
        updates[0]!.text,
      )![1]!;

    // A tampered link is refused.
    await request(built.app)
      .get(`${unsubscribeUrl.slice(0, -2)}AA`)
      .expect(404);
    const unsubscribeAgent = request.agent(built.app);
    const page = await unsubscribeAgent.get(unsubscribeUrl).expect(200);
    expect(page.text).toContain(`Stop following ${rec.ref}`);
    await unsubscribeAgent
      .post(unsubscribeUrl)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(200);
    expect(
      await db.knex('recommendation_followers').whereRaw('lower(email) = lower(?)', [address]),
    ).toEqual([]);
    expect(
      await db.knex('email_outbox').whereRaw('lower(to_address) = lower(?)', [address]),
    ).toEqual([]);
    const audit = await db.knex('audit_events').where('action', 'like', 'follower.%');
    expect(JSON.stringify(audit).toLowerCase()).not.toContain(address.toLowerCase());
    await request(built.app).get(unsubscribeUrl).expect(404);
  });

  it('emails an invitation through the outbox and still shows the link to the admin; the admin reads the outbox', async () => {
    const admin = await signedIn('admin');
    const form = await admin.get('/admin/users/invite').expect(200);
    const invited = 'new.lead@example.org';
    const res = await admin.post('/admin/users/invite', {
      _csrf: csrfFrom(form.text),
      name: 'New Lead',
      email: invited,
      role: 'viewer',
    });
    expect(res.status).toBe(200);
    const shownLink = /https:\/\/tracker\.example\.org\/invitations\/[A-Za-z0-9_-]{43}/.exec(
      res.text,
    )![0];
    const before = smtp.messages.length;
    await built.services.notifications.drain();
    const mail = smtp.messages.slice(before).find((m) => m.to.includes(invited))!;
    expect(mail.subject).toContain('You have been invited');
    expect(mail.text).toContain(shownLink);

    const outbox = await admin.get('/admin/outbox').expect(200);
    expect(outbox.text).toContain(invited);
    const row = await db.knex('email_outbox').where({ to_address: invited }).first();
    const message = await admin.get(`/admin/outbox/${row.id}`).expect(200);
    expect(message.text).toContain('Create your account');
    await admin.get('/admin/outbox/999999').expect(404);

    const lead = await signedIn('org_lead', (await createOrganisation(db.knex)).id);
    await lead.get('/admin/outbox').expect(403);
  });
});
