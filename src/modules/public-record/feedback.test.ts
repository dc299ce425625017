/**
 * Feedback through the real app on a real database: the public form (what it tells people, CSRF,
 * size and rate limits, nothing stored on any refusal), and the oversight office's inbox (states,
 * filters, paging, who may read and who may change a state, audit without the message text).
 */
import request from 'supertest';
import { buildTestApp } from '../../../test/app';
import { createUser, csrfFrom } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation, createRecommendation, createReport } from '../../../test/factories';
import type { RecommendationRow } from '../../db/tables';
import type { Role } from '../accounts/accounts.types';
import { sealSecret } from '../../shared/secret-box';
import { generateTotpSecret } from '../accounts/totp';

const NOW = '2026-11-28T12:00:00Z';

describe('feedback from the public', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let rec: RecommendationRow;
  const cookies = new Map<Role, string>();
  let address = 0;
  /** A new client address for each test, so the rate limit of one does not reach another. */
  const nextAddress = () => `203.0.113.${++address}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, { now: NOW, config: { trustProxy: 1 } });
    const report = await createReport(db.knex);
    rec = await createRecommendation(db.knex, report, { title: 'Train every call handler' });
    const org = await createOrganisation(db.knex);
    for (const role of ['org_lead', 'viewer', 'overseer', 'admin'] as const) {
      const user = await createUser(db.knex, {
        role,
        organisationId: role === 'org_lead' ? org.id : null,
        totpSecretEnc:
          role === 'admin' || role === 'overseer'
            ? sealSecret(generateTotpSecret(), built.services.config.secretKey!)
            : null,
      });
      const { token } = await built.services.sessions.start(db.knex, {
        userId: user.id,
        state: 'active',
        context: { ip: '127.0.0.1', userAgent: 'test', requestId: null },
      });
      cookies.set(role, `tracker-session=${token}`);
    }
  });
  afterAll(async () => {
    await db.destroy();
  });
  afterEach(() => built.clock.set(NOW));

  const count = async (table: string) =>
    Number((await db.knex(table).count('* as n').first())?.n ?? 0);
  /** What every sender has used of the hourly feedback limit (rate_limits, ADR 0019). */
  const feedbackPointsUsed = async () =>
    Number(
      (
        await db
          .knex('rate_limits')
          .where('key', 'like', 'feedback-sender:%')
          .sum({ n: 'points' })
          .first()
      )?.n ?? 0,
    );

  /** Opens the form as a new visitor from `ip`; returns the agent (with its session) and token. */
  async function openForm(ip: string) {
    const agent = request.agent(built.app);
    const page = await agent
      .get(`/recommendations/${rec.ref}/feedback`)
      .set('X-Forwarded-For', ip)
      .expect(200);
    return { agent, csrf: csrfFrom(page.text), page };
  }

  it('is linked from the recommendation page', async () => {
    const html = (await request(built.app).get(`/recommendations/${rec.ref}`).expect(200)).text;
    expect(html).toContain(`href="/recommendations/${rec.ref}/feedback"`);
  });

  it('says who reads the message, asks for no personal details and shows where to find support', async () => {
    const { page } = await openForm(nextAddress());
    expect(page.headers['cache-control']).toBe('no-store');
    const text = page.text;
    expect(text).toContain('oversight office');
    expect(text).toContain('It is not published');
    expect(text).toContain('not sent to the police force');
    expect(text).toContain('do not include personal details');
    expect(text).toContain('call 999');
    expect(text).toContain('call 101');
    expect(text).toContain('child sexual exploitation');
    // The default support services, each with a number to dial and its website.
    expect(text).toContain('NAPAC (the National Association for People Abused in Childhood)');
    expect(text).toContain('<a class="govuk-link" href="tel:08088010331">0808 801 0331</a>');
    expect(text).toContain('<a class="govuk-link" href="tel:08081689111">08 08 16 89 111</a>');
    expect(text).toContain(
      '<a class="govuk-link" href="https://www.samaritans.org">samaritans.org</a>',
    );
    for (const name of [
      'Rape Crisis England &amp; Wales',
      'Childline',
      'NSPCC Helpline',
      'Victim Support',
    ])
      expect(text).toContain(name);
    // Nothing but the message is asked for.
    expect(
      [...text.matchAll(/<(?:input|textarea|select)\b[^>]*name="([^"]+)"/g)].map((m) => m[1]),
    ).toEqual(['_csrf', 'message']);
  });

  it('names the support services the configuration gives, on the form and the thanks page', async () => {
    const configured = buildTestApp(db.knex, {
      now: NOW,
      config: {
        supportServices: [
          {
            name: 'Survivors’ <Service>',
            description: 'Local support in South Yorkshire.',
            phone: '0114 496 0000',
            phoneNote: 'weekdays',
          },
          {
            name: 'Online only',
            description: 'A chat service.',
            website: 'https://example.org/chat/',
          },
        ],
      },
    });
    const agent = request.agent(configured.app);
    for (const path of [
      `/recommendations/${rec.ref}/feedback`,
      `/recommendations/${rec.ref}/feedback/sent`,
    ]) {
      const text = (await agent.get(path).expect(200)).text;
      expect(text).toContain('Survivors’ &lt;Service&gt;');
      expect(text).toContain('href="tel:01144960000">0114 496 0000</a> (weekdays)');
      expect(text).toContain('href="https://example.org/chat/">example.org/chat</a>');
      expect(text).not.toContain('NAPAC');
    }
  });

  it('stores a message, audits it without the text, and thanks the sender', async () => {
    const ip = nextAddress();
    const { agent, csrf } = await openForm(ip);
    const message = 'The training started in March.\r\nMost officers have done it. 👍';
    const senderCounters = () =>
      db.knex('rate_limits').where('key', 'like', 'feedback-sender:%').pluck('key');
    const countersBefore = await senderCounters();
    const res = await agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ _csrf: csrf, message })
      .expect(303);
    expect(res.headers.location).toBe(`/recommendations/${rec.ref}/feedback/sent`);
    const stored = await db.knex('feedback_messages').orderBy('id', 'desc').first();
    expect(stored).toMatchObject({
      recommendation_id: rec.id,
      recommendation_ref: rec.ref,
      message: 'The training started in March.\nMost officers have done it. 👍',
      state: 'new',
    });
    // The sender is counted under a keyed hash of the address, never the address.
    const added = (await senderCounters()).filter((k: string) => !countersBefore.includes(k));
    expect(added).toHaveLength(1);
    expect(added[0]).not.toContain(ip);
    const audit = await db
      .knex('audit_events')
      .where({ action: 'feedback.receive' })
      .orderBy('id', 'desc')
      .first();
    expect(audit).toMatchObject({
      actor_type: 'public',
      subject_id: String(stored.id),
      ip_address: null,
    });
    expect(JSON.stringify(audit)).not.toContain('training');
    const thanks = await agent.get(res.headers.location!).expect(200);
    expect(thanks.text).toContain('Your message has been sent');
  });

  it('refuses a message over 2,000 characters with 400, keeps the text in the form, and stores nothing', async () => {
    const ip = nextAddress();
    const { agent, csrf } = await openForm(ip);
    const before = await count('feedback_messages');
    const long = 'é'.repeat(2001);
    const res = await agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ _csrf: csrf, message: long })
      .expect(400);
    expect(res.text).toContain('Your message must be 2,000 characters or fewer: it has 2,001');
    expect(res.text).toContain(long);
    expect(res.text).toContain('govuk-error-summary');
    // Exactly 2,000 characters (each é one character, though two bytes) is accepted.
    await agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ _csrf: csrf, message: 'é'.repeat(2000) })
      .expect(303);
    expect(await count('feedback_messages')).toBe(before + 1);
  });

  it('refuses an empty message and a body too large to read (413), storing nothing', async () => {
    const ip = nextAddress();
    const { agent, csrf } = await openForm(ip);
    const before = await count('feedback_messages');
    const empty = await agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ _csrf: csrf, message: '   ' })
      .expect(400);
    expect(empty.text).toContain('Enter your message');
    const huge = await agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ _csrf: csrf, message: 'x'.repeat(70_000) })
      .expect(413);
    expect(huge.text).toContain('too large');
    expect(await count('feedback_messages')).toBe(before);
  });

  it('answers a post without the CSRF token, or with another session’s, with the form again and stores nothing', async () => {
    const ip = nextAddress();
    const { agent } = await openForm(ip);
    const { csrf: othersToken } = await openForm(nextAddress());
    const before = await count('feedback_messages');
    const submissions = await feedbackPointsUsed();
    for (const [label, send] of [
      ['no token', () => agent.post(`/recommendations/${rec.ref}/feedback`)],
      ['another session’s token', () => agent.post(`/recommendations/${rec.ref}/feedback`)],
      // No session at all.
      ['no session', () => request(built.app).post(`/recommendations/${rec.ref}/feedback`)],
    ] as const) {
      const message = `Sent with ${label}.`;
      const res = await send()
        .set('X-Forwarded-For', ip)
        .type('form')
        .send(label === 'no token' ? { message } : { _csrf: othersToken, message })
        .expect(200);
      expect({ label, kept: res.text.includes(`>${message}</textarea>`) }).toEqual({
        label,
        kept: true,
      });
      expect(res.text).toContain('Your message has not been sent yet');
      expect(csrfFrom(res.text)).not.toBe(othersToken);
    }
    expect(await count('feedback_messages')).toBe(before);
    expect(await feedbackPointsUsed()).toBe(submissions);
  });

  describe('after the session has expired', () => {
    const long = `${'I want to tell you about the training. '.repeat(40)}<b>not bold</b> & “quoted”.\r\nSecond line.`;
    const shown = long
      .replace(/\r\n/g, '\n')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;');

    it('gives the form back with every word, a fresh session and token, and a note to send it again; nothing is stored until it is sent again', async () => {
      const ip = nextAddress();
      const { agent, csrf } = await openForm(ip);
      const before = await count('feedback_messages');
      const submissions = await feedbackPointsUsed();
      // Longer than the idle limit (30 minutes) passes while the visitor writes.
      built.clock.set(new Date(Date.parse(NOW) + 45 * 60_000));
      const stale = await agent
        .post(`/recommendations/${rec.ref}/feedback`)
        .set('X-Forwarded-For', ip)
        .type('form')
        .send({ _csrf: csrf, message: long })
        .expect(200);
      expect(stale.headers['cache-control']).toBe('no-store');
      expect(stale.text).toContain(`>${shown}</textarea>`);
      expect(stale.text).toContain('Your message has not been sent yet');
      expect(stale.text).toContain('select “Send your message” again');
      expect(stale.text).toMatch(/<title>Not sent yet: Send feedback about /);
      expect(stale.text).not.toContain('Forbidden');
      expect(String(stale.headers['set-cookie'])).toMatch(/tracker-session=a\./);
      const fresh = csrfFrom(stale.text);
      expect(fresh).not.toBe(csrf);
      expect(await count('feedback_messages')).toBe(before);
      // The refused post does not count towards the sender's hourly limit either.
      expect(await feedbackPointsUsed()).toBe(submissions);

      // Sent again from the page it was given back on: stored, exactly as typed.
      const sent = await agent
        .post(`/recommendations/${rec.ref}/feedback`)
        .set('X-Forwarded-For', ip)
        .type('form')
        .send({ _csrf: fresh, message: long.replace(/\r\n/g, '\n') })
        .expect(303);
      expect(sent.headers.location).toBe(`/recommendations/${rec.ref}/feedback/sent`);
      expect(await count('feedback_messages')).toBe(before + 1);
      const stored = await db.knex('feedback_messages').orderBy('id', 'desc').first();
      expect(stored.message).toBe(long.replace(/\r\n/g, '\n').trim());
    });

    it('does the same for an unknown session cookie, and 404s for an unknown recommendation', async () => {
      const ip = nextAddress();
      const before = await count('feedback_messages');
      const res = await request(built.app)
        .post(`/recommendations/${rec.ref.toLowerCase()}/feedback`)
        .set('X-Forwarded-For', ip)
        .set('Cookie', `tracker-session=a.${'x'.repeat(43)}`)
        .type('form')
        .send({ _csrf: 'a-token-from-long-ago', message: 'Still here.' })
        .expect(200);
      expect(res.text).toContain('>Still here.</textarea>');
      expect(res.text).toContain(`action="/recommendations/${rec.ref}/feedback"`);
      await request(built.app)
        .post('/recommendations/NOPE-99/feedback')
        .set('Cookie', `tracker-session=a.${'x'.repeat(43)}`)
        .type('form')
        .send({ _csrf: 'stale', message: 'Lost?' })
        .expect(404);
      expect(await count('feedback_messages')).toBe(before);
    });

    it('still refuses a stale multipart post, which it cannot read, with 403', async () => {
      const before = await count('feedback_messages');
      await request(built.app)
        .post(`/recommendations/${rec.ref}/feedback`)
        .field('message', 'In a multipart body.')
        .expect(403);
      expect(await count('feedback_messages')).toBe(before);
    });
  });

  it('accepts 5 messages an hour from one address: the 6th gets 429 with Retry-After and is not stored', async () => {
    const ip = nextAddress();
    const { agent, csrf } = await openForm(ip);
    const post = (message: string, from = ip) =>
      agent
        .post(`/recommendations/${rec.ref}/feedback`)
        .set('X-Forwarded-For', from)
        .type('form')
        .send({ _csrf: csrf, message });
    for (let i = 1; i <= 5; i += 1) {
      built.clock.set(new Date(Date.parse(NOW) + i * 60_000));
      await post(`Message ${i}`).expect(303);
    }
    const before = await count('feedback_messages');
    const sixth = await post('Message 6').expect(429);
    // The first was sent at 12:01; it leaves the hour at 13:01, 56 minutes after 12:05.
    expect(sixth.headers['retry-after']).toBe(String(56 * 60));
    expect(sixth.text).toContain('Your message has not been sent');
    expect(sixth.text).toContain('Message 6');
    expect(await count('feedback_messages')).toBe(before);
    // Another address is not held back.
    await post('From elsewhere', nextAddress()).expect(303);
    // Once the oldest leaves the window, one more is accepted.
    built.clock.set(new Date(Date.parse(NOW) + 61 * 60_000 + 1000));
    // (The session has idled out by then, so the form is opened afresh.)
    const later = await openForm(ip);
    await later.agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ _csrf: later.csrf, message: 'Message 6, later' })
      .expect(303);
  });

  it('never shows a message on a public page, download or feed', async () => {
    const marker = 'MARKER-FEEDBACK-PUBLIC-CHECK-5a1c';
    const ip = nextAddress();
    const { agent, csrf } = await openForm(ip);
    await agent
      .post(`/recommendations/${rec.ref}/feedback`)
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ _csrf: csrf, message: marker })
      .expect(303);
    const report = await db.knex('reports').where({ id: rec.report_id }).first();
    for (const path of [
      '/',
      `/recommendations/${rec.ref}`,
      `/recommendations/${rec.ref}/feedback`,
      `/recommendations/${rec.ref}/feedback/sent`,
      `/reports/${report.slug}`,
      '/data/assignments.json',
      '/data/recommendations.csv',
      '/data/feed.atom',
      `/reports/${report.slug}/feed.atom`,
      `/api/v1/recommendations/${rec.ref}`,
    ]) {
      const res = await request(built.app).get(path).expect(200);
      expect({ path, found: res.text.includes(marker) }).toEqual({ path, found: false });
    }
  });

  it('404s for an unknown recommendation', async () => {
    await request(built.app).get('/recommendations/NOPE-99/feedback').expect(404);
  });

  describe('the inbox', () => {
    let ids: number[] = [];
    beforeAll(async () => {
      await db.knex('feedback_messages').delete();
      const rows = Array.from({ length: 30 }, (_, i) => ({
        recommendation_id: rec.id,
        recommendation_ref: rec.ref,
        message: `Inbox message ${i + 1}`,
        state: i < 2 ? 'handled' : 'new',
        received_at: new Date(Date.parse('2026-11-01T10:00:00Z') + i * 60_000),
      }));
      ids = (await db.knex('feedback_messages').insert(rows).returning(['id'])).map(
        (r: { id: number }) => r.id,
      );
    });
    const as = (role: Role, path: string) =>
      request(built.app).get(path).set('Cookie', cookies.get(role)!);

    it('is refused to a force lead (403) and sends the signed-out to sign in', async () => {
      await as('org_lead', '/workspace/feedback').expect(403);
      await as('org_lead', `/workspace/feedback/${ids[0]}`).expect(403);
      const anon = await request(built.app).get('/workspace/feedback').expect(303);
      expect(anon.headers.location).toBe('/sign-in');
    });

    it('lists messages newest first, 25 a page, filtered by state', async () => {
      const first = await as('viewer', '/workspace/feedback').expect(200);
      expect(first.text).toContain('Inbox message 30');
      expect(first.text).not.toContain('Inbox message 5<');
      expect(first.text).toContain('href="/workspace/feedback?page&#x3D;2"');
      const second = await as('viewer', '/workspace/feedback?page=2').expect(200);
      expect(second.text).toContain('Inbox message 5<');
      const handled = await as('overseer', '/workspace/feedback?state=handled').expect(200);
      expect(handled.text).toContain('Inbox message 1<');
      expect(handled.text).toContain('Inbox message 2<');
      expect(handled.text).not.toContain('Inbox message 3<');
      await as('overseer', '/workspace/feedback?state=secret').expect(400);
    });

    it('marks a message read when an overseer opens it, but not when a viewer does', async () => {
      const id = ids[10]!;
      await as('viewer', `/workspace/feedback/${id}`).expect(200);
      expect((await db.knex('feedback_messages').where({ id }).first()).state).toBe('new');
      const page = await as('overseer', `/workspace/feedback/${id}`).expect(200);
      expect(page.text).toContain('Inbox message 11');
      expect((await db.knex('feedback_messages').where({ id }).first()).state).toBe('read');
      const audit = await db
        .knex('audit_events')
        .where({ action: 'feedback.state', subject_id: String(id) })
        .first();
      expect(audit.before).toEqual({ state: 'new' });
      expect(audit.after).toEqual({ state: 'read' });
    });

    it('lets an overseer mark a message handled, audited without the text; a viewer or admin gets 403', async () => {
      const id = ids[20]!;
      const viewerPage = await as('viewer', `/workspace/feedback/${id}`).expect(200);
      expect(viewerPage.text).not.toContain('Mark as handled');
      for (const role of ['viewer', 'admin', 'org_lead'] as const) {
        const session = await built.services.sessions.load(cookies.get(role)!.split('=')[1]);
        await request(built.app)
          .post(`/workspace/feedback/${id}/state`)
          .set('Cookie', cookies.get(role)!)
          .type('form')
          .send({ _csrf: session!.session.csrfToken, state: 'handled' })
          .expect(403);
      }
      expect((await db.knex('feedback_messages').where({ id }).first()).state).toBe('new');

      const overseerPage = await as('overseer', `/workspace/feedback/${id}`).expect(200);
      const res = await request(built.app)
        .post(`/workspace/feedback/${id}/state`)
        .set('Cookie', cookies.get('overseer')!)
        .type('form')
        .send({ _csrf: csrfFrom(overseerPage.text), state: 'handled' })
        .expect(303);
      expect(res.headers.location).toBe(`/workspace/feedback/${id}`);
      expect((await db.knex('feedback_messages').where({ id }).first()).state).toBe('handled');
      const events = await db
        .knex('audit_events')
        .where({ action: 'feedback.state', subject_id: String(id) })
        .orderBy('id');
      expect(events.map((e) => e.after)).toEqual([{ state: 'read' }, { state: 'handled' }]);
      expect(JSON.stringify(events)).not.toContain('Inbox message');

      await request(built.app)
        .post(`/workspace/feedback/${id}/state`)
        .set('Cookie', cookies.get('overseer')!)
        .type('form')
        .send({ _csrf: csrfFrom(overseerPage.text), state: 'published' })
        .expect(400);
    });

    it('answers 404 for a message that does not exist', async () => {
      await as('overseer', '/workspace/feedback/999999').expect(404);
    });
  });
});
