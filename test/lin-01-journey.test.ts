/**
 * The force lead's journey in a real browser, as the "done when" describes it: South
 * Yorkshire Police's lead signs in, answers LIN-01, adds an action to the plan, posts an update with
 * a PDF, then claims completion. Each step is checked on the page and in the database (the status,
 * its history and the audit trail). Then the oversight office's: an overseer accepts the updates,
 * verifies implementation, sees the dashboards change and opens the month's board pack.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { createUser } from './auth';
import { browserRequired, chromiumPath, launchBrowser } from './browser';
import { createTestDatabase, type TestDatabase } from './db';

const describeWithBrowser = chromiumPath || browserRequired ? describe : describe.skip;
const PDF = Buffer.concat([
  Buffer.from('%PDF-1.7\n'),
  Buffer.from('Training records. '.repeat(40)),
]);

describeWithBrowser('a force lead, in a browser', () => {
  let db: TestDatabase;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  let assignmentId: number;
  let overseerToken: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    const syp = await db.knex('organisations').where({ slug: 'south-yorkshire-police' }).first();
    const row = await db
      .knex('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .where({ 'r.ref': 'LIN-01', 'a.organisation_id': syp.id })
      .first('a.id');
    assignmentId = row.id;
    // Start before the force's response was recorded, as it was in January 2022.
    await db.knex('assignment_status_changes').where({ assignment_id: assignmentId }).del();
    await db.knex('assignments').where({ id: assignmentId }).update({
      status: 'awaiting_response',
      response_stance: null,
      response_text: null,
      responded_on: null,
      response_source_url: null,
      response_date_confirmed: true,
    });
    const lead = await createUser(db.knex, {
      role: 'org_lead',
      organisationId: syp.id,
      email: 'lead@southyorks.example',
    });
    const { app, services } = buildTestApp(db.knex, { now: '2022-01-10T10:00:00Z' });
    // An overseer's session straight in the database (two-factor sign-in is tested elsewhere).
    const overseer = await createUser(db.knex, { role: 'overseer' });
    overseerToken = (
      await services.sessions.start(db.knex, {
        userId: overseer.id,
        state: 'active',
        context: { ip: '127.0.0.1', userAgent: 'journey', requestId: null },
      })
    ).token;
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill(lead.email);
    await page.getByLabel('Password', { exact: true }).fill(lead.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/workspace`);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await db?.destroy();
  });

  const status = async () =>
    (await db.knex('assignments').where({ id: assignmentId }).first('status')).status as string;

  it('answers LIN-01 from the list of its recommendations', async () => {
    await page.goto(`${base}/workspace/assignments`);
    await page
      .getByRole('link', { name: /LIN-01/ })
      .first()
      .click();
    await page.waitForURL(`${base}/workspace/assignments/${assignmentId}`);
    // The 2022 response reported to the council is version 1 (from the seed), so the force lead
    // records a new version; the first stays on the record.
    await page
      .getByLabel('Revise the response')
      .fill(
        'We accept this recommendation. Every officer and member of staff working on child sexual exploitation will complete refresher training each year.',
      );
    await page.getByLabel('Accepted', { exact: true }).check();
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.waitForURL(/done=response/);
    const versions = await db
      .knex('assignment_responses')
      .where({ assignment_id: assignmentId })
      .orderBy('version')
      .select('version', 'responded_on');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(await page.locator('main').innerText()).toMatch(/In progress/);
    expect(await status()).toBe('in_progress');
  });

  it('adds an action to the plan', async () => {
    await page.getByLabel('What will be done').fill('Run refresher training for every team');
    await page.getByLabel('Owner (a name or role)').fill('Head of Public Protection');
    const target = page.getByRole('group', { name: 'Target date' });
    await target.getByLabel('Day').fill('30');
    await target.getByLabel('Month').fill('6');
    await target.getByLabel('Year').fill('2022');
    await page.getByLabel('Planned', { exact: true }).check();
    await page.getByRole('button', { name: 'Add the action' }).click();
    await page.waitForURL(/done=action/);
    expect(await page.locator('main').innerText()).toContain(
      'Run refresher training for every team',
    );
  });

  it('posts an update with a PDF, then claims completion', async () => {
    await page.getByRole('link', { name: 'Progress updates and evidence' }).click();
    await page
      .getByLabel('What has happened since the last update')
      .fill('The first round of refresher training has finished; attendance records are attached.');
    await page.getByLabel('On track', { exact: true }).check();
    await page.getByLabel('Evidence files (optional)').setInputFiles({
      name: 'attendance.pdf',
      mimeType: 'application/pdf',
      buffer: PDF,
    });
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.waitForURL(/posted=1/);
    expect(await page.locator('main').innerText()).toContain('attendance.pdf');
    const file = await db.knex('evidence_files').where({ original_name: 'attendance.pdf' }).first();
    expect(file.content_type).toBe('application/pdf');
    expect(Number(file.size_bytes)).toBe(PDF.length);

    await page
      .getByLabel('What has happened since the last update')
      .fill('Every team has now been trained, and the training is in the annual plan.');
    await page.getByLabel('Complete', { exact: true }).check();
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.waitForURL(/posted=1/);
    expect(await status()).toBe('awaiting_verification');
    const history = await db
      .knex('assignment_status_changes')
      .where({ assignment_id: assignmentId })
      .orderBy('id')
      .pluck('to_status');
    expect(history).toEqual(['in_progress', 'awaiting_verification']);
    const audited = await db
      .knex('audit_events')
      .whereIn('action', [
        'assignment.response_recorded',
        'assignment.response_revised',
        'assignment.action_added',
        'progress_update.create',
      ])
      .pluck('action');
    expect(audited.sort()).toEqual([
      'assignment.action_added',
      'assignment.response_revised',
      'progress_update.create',
      'progress_update.create',
    ]);
  });

  it('is then reviewed and verified by an overseer, who sees the dashboards change and the board pack', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: 'tracker-session', value: overseerToken, url: base }]);
    const overseer = await context.newPage();
    const cellText = async () => overseer.locator('main').innerText();

    await overseer.goto(`${base}/workspace/dashboards`);
    expect(await cellText()).toMatch(/LIN-01[\s\S]*Awaiting verification/);

    // Both updates wait in the queue, oldest first; accept each.
    for (let i = 0; i < 2; i++) {
      await overseer.goto(`${base}/workspace/reviews`);
      await overseer
        .getByRole('link', { name: /Review the update on LIN-01/ })
        .first()
        .click();
      await overseer.getByLabel(/^Accept/).check();
      await overseer.getByRole('button', { name: 'Record the review' }).click();
      await overseer.waitForLoadState();
    }
    expect(
      Number(
        (
          await db
            .knex('progress_update_reviews')
            .where({ decision: 'accepted' })
            .count<{ n: string }[]>('* as n')
        )[0]!.n,
      ),
    ).toBe(2);

    await overseer.goto(`${base}/workspace/assignments/${assignmentId}`);
    await overseer.getByLabel('Note (optional)').fill('Training records checked at the board.');
    await overseer.getByRole('button', { name: 'Verify as implemented' }).click();
    await overseer.waitForLoadState();
    expect(await status()).toBe('implemented');

    await overseer.goto(`${base}/workspace/dashboards`);
    expect(await cellText()).toMatch(/LIN-01[\s\S]*Implemented/);

    await overseer.goto(`${base}/workspace/board-pack`);
    const pack = await cellText();
    expect(pack).toContain('To print this pack');
    expect(pack).toMatch(/LIN-01[\s\S]*Implemented/);
    await context.close();
  });
});
