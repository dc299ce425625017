/// <reference lib="dom" />
/**
 * Every public page and the main signed-in pages, checked by axe-core (WCAG 2.0/2.1/2.2 A and AA
 * rules) in headless Chromium, at desktop width and at 320 px, where nothing may scroll sideways.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { browserRequired, chromiumPath, launchBrowser, wordsSplitAcrossLines } from './browser';
import { createTestDatabase, type TestDatabase } from './db';
import { createUser, issueApiToken } from './auth';
import { sealSecret } from '../src/shared/secret-box';
import { generateTotpSecret } from '../src/modules/accounts/totp';
import { unsubscribeToken } from '../src/modules/notifications/followers.service';
import { paths } from '../src/shared/paths';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PAGES = [
  '/',
  '/reports',
  '/reports/operation-linden-2021',
  '/recommendations',
  '/recommendations?organisation=south-yorkshire-police',
  '/recommendations/LIN-01',
  '/recommendations/LIN-04',
  '/recommendations/LIN-08',
  '/organisations',
  '/organisations/south-yorkshire-police',
  '/accessibility',
  '/no-such-page',
  '/recommendations?page=abc',
  '/sign-in',
  '/signed-out',
  '/setup/unknown-link',
  // Signed in: `as` names whose session cookie the browser carries.
  'admin:/workspace',
  'admin:/account',
  'admin:/account/password',
  'admin:/account/two-factor',
  'admin:/admin/users',
  'admin:/admin/users/invite',
  'admin:/admin/users/:viewer',
  'admin:/admin/reports',
  'admin:/admin/reports/operation-linden-2021',
  'admin:/admin/reports/operation-linden-2021/recommendations/new',
  'admin:/admin/recommendations/LIN-01',
  'admin:/admin/recommendations/LIN-01/edit',
  'admin:/admin/recommendations/LIN-01/withdraw',
  'admin:/admin/organisations',
  'admin:/admin/organisations/south-yorkshire-police/edit',
  'viewer:/account/two-factor',
  '/api/docs',
  'admin:/admin/tokens',
  'admin:/admin/tokens/new',
  'admin:/admin/imports/new',
  'admin:/admin/imports/:import',
  // The force leads' workspace (@assignment: South Yorkshire Police's LIN-01, with a pending request
  // for more time, so the overseer sees the decision form; @action: an action in its plan).
  'lead:/workspace/assignments',
  'lead:/workspace/assignments/@assignment',
  'lead:/workspace/assignments/@assignment/actions/@action',
  'overseer:/workspace/assignments',
  'overseer:/workspace/assignments/@assignment',
  'lead:/workspace/assignments/@assignment/updates',
  // The oversight office: the queue, the review page of @update (unreviewed, so the form shows).
  // The assignment page above, as the overseer, carries the oversight panel and its forms.
  'overseer:/workspace/reviews',
  'overseer:/workspace/reviews/@update',
  // Publication: the overseer's form, and the public pages with a timeline, a past record and a
  // scorecard (@update has a published summary and evidence file).
  'overseer:/workspace/updates/@update/publication',
  'overseer:/workspace/assignments/@assignment/updates',
  '/recommendations/LIN-01?as_of=2022-02-25',
  '/organisations/south-yorkshire-police?as_of=2022-02-25',
  '/?as_of=2022-01-01',
  '/recommendations?q=training',
  // Open data and feedback (@feedback: a message sent through the form in beforeAll).
  '/data',
  '/recommendations/LIN-01/feedback',
  '/recommendations/LIN-01/feedback/sent',
  'overseer:/workspace/feedback',
  'viewer:/workspace/feedback/@feedback',
  'overseer:/workspace/feedback/@feedback',
  // Oversight dashboards (the seed's Linden assignments, with an action past its target date).
  'overseer:/workspace/dashboards',
  'overseer:/workspace/dashboards/overdue',
  'viewer:/workspace/dashboards/progress',
  'viewer:/workspace/dashboards/summary',
  // The board pack for the default period (the month up to the test clock's today).
  'overseer:/workspace/board-pack',
  // Notifications (the tick below gives the lead an overdue action and the admin an outbox).
  'lead:/workspace/notifications',
  'lead:/workspace/notifications/preferences',
  'overseer:/workspace/notifications',
  'admin:/admin/outbox',
  'admin:/admin/outbox/@outbox',
  '/recommendations/LIN-01/follow',
  '/follow/confirm/unknown-link',
  '@unsubscribe',
  // The public record's answers (issue 14): the status note page, a form with date boxes, and the
  // overview with its three date boxes filled in.
  'overseer:/workspace/assignments/@assignment/status-notes',
  'admin:/admin/reports/operation-linden-2021/edit',
  '/?as_of-day=25&as_of-month=2&as_of-year=2022',
];

/** Pages where no word may be split across two lines at 320 px. */
const NO_SPLIT_PAGES = [
  '/',
  '/reports',
  '/reports/operation-linden-2021',
  '/recommendations',
  '/recommendations/LIN-01',
  '/recommendations/LIN-08',
  '/organisations',
  '/organisations/south-yorkshire-police',
  '/accessibility',
  'overseer:/workspace/assignments/@assignment/status-notes',
];

const describeWithBrowser = chromiumPath || browserRequired ? describe : describe.skip;

describeWithBrowser('accessibility of the public pages (axe-core in Chromium)', () => {
  let db: TestDatabase;
  let server: Server;
  let browser: Browser;
  let base: string;
  // One page per width, reused: opening a browser context costs seconds on this machine.
  const pages = new Map<number, Page>();
  const tokens = new Map<string, string>();
  let viewerId = 0;
  let importId = '';
  let assignmentId = 0;
  let actionId = 0;
  let updateId = 0;
  let feedbackId = 0;
  let outboxId = 0;
  let unsubscribePath = '';
  const fill = (url: string) =>
    url
      .replace(':viewer', String(viewerId))
      .replace(':import', importId)
      .replace('@assignment', String(assignmentId))
      .replace('@action', String(actionId))
      .replace('@update', String(updateId))
      .replace('@feedback', String(feedbackId))
      .replace('@outbox', String(outboxId))
      .replace('@unsubscribe', unsubscribePath);

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    const { app, services } = buildTestApp(db.knex, { now: '2022-03-01T12:00:00Z' });
    const context = { ip: '127.0.0.1', userAgent: 'axe', requestId: null };
    const admin = await createUser(db.knex, {
      role: 'admin',
      totpSecretEnc: sealSecret(generateTotpSecret(), services.config.secretKey!),
    });
    const viewer = await createUser(db.knex, { role: 'viewer' });
    viewerId = viewer.id;
    await issueApiToken(db.knex, { role: 'viewer', name: 'Dashboard service' });
    // A stored upload, so its preview page can be checked.
    const preview = await services.imports.preview(
      { userId: admin.id, audit: { type: 'user', id: String(admin.id) } },
      {
        filename: 'illustrative-inspection.json',
        bytes: fs.readFileSync(require.resolve('../examples/import/illustrative-inspection.json')),
      },
    );
    importId = preview.importId!;
    const syp = await db.knex('organisations').where({ slug: 'south-yorkshire-police' }).first();
    const lead = await createUser(db.knex, { role: 'org_lead', organisationId: syp.id });
    const overseer = await createUser(db.knex, {
      role: 'overseer',
      totpSecretEnc: sealSecret(generateTotpSecret(), services.config.secretKey!),
    });
    assignmentId = (
      await db
        .knex('assignments as a')
        .join('recommendations as r', 'r.id', 'a.recommendation_id')
        .where({ 'r.ref': 'LIN-01', 'a.organisation_id': syp.id })
        .first('a.id')
    ).id;
    await db.knex('extension_requests').insert({
      assignment_id: assignmentId,
      due_on_when_requested: '2022-01-17',
      requested_due_on: '2022-02-14',
      reason: 'The review board meets in February.',
      requested_by: lead.id,
    });
    actionId = (
      await services.workspaceAssignments.addAction(
        {
          id: lead.id,
          email: 'lead@example.test',
          name: 'Lead',
          role: 'org_lead',
          organisationId: syp.id,
          twoFactorEnabled: false,
        },
        assignmentId,
        {
          description: 'Review every call handler’s training record.',
          owner: 'Head of Training',
          targetOn: '2022-02-01',
          state: 'in_progress',
        },
      )
    ).id;
    // A force lead with an update (and an evidence file) on one of their assignments.
    const [update] = await db
      .knex('progress_updates')
      .insert({
        assignment_id: assignmentId,
        author_id: lead.id,
        author_label: 'Test lead',
        self_assessment: 'at_risk',
        narrative: 'Training has started.\n\nThe policy is with the legal team.',
        created_at: new Date('2022-02-20T10:00:00Z'),
      })
      .returning(['id']);
    // A delivery confidence rating, so the assignment page shows one beside the status.
    await db.knex('delivery_confidence_ratings').insert({
      assignment_id: assignmentId,
      rating: 'amber',
      commentary: 'Training is behind its plan.',
      rated_on: '2022-02-25',
      rated_by: overseer.id,
      rater_label: 'overseer@example.test',
      created_at: new Date('2022-02-25T10:00:00Z'),
    });
    const [evidence] = await db
      .knex('evidence_files')
      .insert({
        progress_update_id: update.id,
        original_name: 'training-plan.pdf',
        content_type: 'application/pdf',
        size_bytes: 12345,
        sha256: 'a'.repeat(64),
        created_at: new Date('2022-02-20T10:00:00Z'),
      })
      .returning(['id']);
    // A published summary of the update and its evidence, so the public timeline shows both.
    updateId = update.id;
    await db.knex('update_publications').insert({
      progress_update_id: update.id,
      summary: 'Training of call handlers has started.',
      published_at: new Date('2022-02-21T10:00:00Z'),
      publisher_label: 'Overseer',
    });
    await db.knex('evidence_publications').insert({
      evidence_file_id: evidence.id,
      published_at: new Date('2022-02-21T10:00:00Z'),
      publisher_label: 'Overseer',
    });
    // A public status note, so the public pages show why LIN-01 stands where it does.
    await db.knex('status_notes').insert({
      assignment_id: assignmentId,
      occasion: 'rate',
      note: 'Training has started in every district; the policy change is still with the legal team.',
      published_at: new Date('2022-02-25T11:00:00Z'),
      publisher_label: 'Overseer',
    });
    feedbackId = (
      await db
        .knex('feedback_messages')
        .insert({
          recommendation_id: (await db.knex('recommendations').where({ ref: 'LIN-01' }).first()).id,
          recommendation_ref: 'LIN-01',
          message: 'The training has started.\n\nBut not everywhere yet.',
          received_at: new Date('2022-02-25T10:00:00Z'),
        })
        .returning(['id'])
    )[0].id;
    await services.notifications.tick();
    outboxId = (await db.knex('email_outbox').orderBy('id').first('id')).id;
    const [follower] = await db
      .knex('recommendation_followers')
      .insert({
        recommendation_id: (await db.knex('recommendations').where({ ref: 'LIN-01' }).first()).id,
        email: 'follower@example.test',
        confirmation_sent_at: new Date(),
        confirmed_at: new Date(),
        created_at: new Date(),
      })
      .returning(['id']);
    unsubscribePath = paths.follow.unsubscribe(
      unsubscribeToken(services.config.secretKey!, follower.id),
    );
    for (const [name, id] of [
      ['admin', admin.id],
      ['viewer', viewer.id],
      ['lead', lead.id],
      ['overseer', overseer.id],
    ] as const) {
      const { token } = await services.sessions.start(db.knex, {
        userId: id,
        state: 'active',
        context,
      });
      tokens.set(name, token);
    }
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    for (const width of [1280, 320]) {
      // bypassCSP lets the test inject axe; the app's own policy is checked in the route tests.
      const context = await browser.newContext({
        viewport: { width, height: 800 },
        bypassCSP: true,
      });
      pages.set(width, await context.newPage());
    }
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await db?.destroy();
  });

  it.each(PAGES)('%s has no axe violations and no sideways scrolling at 320 px', async (entry) => {
    for (const width of [1280, 320]) {
      const page = pages.get(width)!;
      // 'who:/path': the part before the first ':/' is who to sign in as.
      const at = entry.indexOf(':/');
      const [as, url] = at > 0 ? [entry.slice(0, at), entry.slice(at + 1)] : [null, entry];
      await page.context().clearCookies();
      if (as) {
        await page
          .context()
          .addCookies([{ name: 'tracker-session', value: tokens.get(as)!, url: base }]);
      }
      await page.goto(base + fill(url!));
      // A signed-in page must really be that page, not the sign-in form it would redirect to.
      if (as) expect(new URL(page.url()).pathname).toBe(fill(url!));
      await page.addScriptTag({ content: AXE_SOURCE });
      const violations = await page.evaluate(async () => {
        const axe = (
          window as unknown as {
            axe: {
              run: (
                ctx: Document,
                opts: object,
              ) => Promise<{
                violations: { id: string; help: string; nodes: { target: string[] }[] }[];
              }>;
            };
          }
        ).axe;
        const result = await axe.run(document, {
          runOnly: {
            type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'],
          },
        });
        return result.violations.map(
          (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
        );
      });
      expect({ width, violations }).toEqual({ width, violations: [] });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect({ width, overflow }).toEqual({ width, overflow: 0 });
    }
  });

  it.each(NO_SPLIT_PAGES)('%s splits no word across two lines at 320 px', async (entry) => {
    const page = pages.get(320)!;
    const at = entry.indexOf(':/');
    const [as, url] = at > 0 ? [entry.slice(0, at), entry.slice(at + 1)] : [null, entry];
    await page.context().clearCookies();
    if (as)
      await page
        .context()
        .addCookies([{ name: 'tracker-session', value: tokens.get(as)!, url: base }]);
    await page.goto(base + fill(url!));
    const split = await wordsSplitAcrossLines(page);
    expect(split).toEqual([]);
  });

  it('lets a keyboard user skip to the content and reach the filters', async () => {
    const page = pages.get(1280)!;
    await page.goto(`${base}/recommendations`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
      'Skip to main content',
    );
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    // The search box comes first, then the filters.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('filter-q');
  });
});
