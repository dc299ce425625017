/**
 * The pages where dates are typed in the GOV.UK date input's three boxes, in headless Chromium: the
 * board pack's period, an assignment's deadlines page (as an overseer and as an administrator) and
 * the verify form, each fresh and after a date typed wrongly was sent through the page itself. At
 * 1280 and 320 px axe-core finds no WCAG A/AA violation; at 320 px nothing scrolls sideways and no
 * word is split across two lines. The error summary's link puts the cursor in the box at fault.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { createUser } from './auth';
import {
  axeViolations,
  browserRequired,
  chromiumPath,
  launchBrowser,
  wordsSplitAcrossLines,
} from './browser';
import { createTestDatabase, type TestDatabase } from './db';
import { sealSecret } from '../src/shared/secret-box';
import { generateTotpSecret } from '../src/modules/accounts/totp';

const describeWithBrowser = chromiumPath || browserRequired ? describe : describe.skip;

type Who = 'overseer' | 'admin';

describeWithBrowser('date input pages (axe-core in Chromium, 1280 and 320 px)', () => {
  let db: TestDatabase;
  let server: Server;
  let browser: Browser;
  let base: string;
  const pages = new Map<number, Page>();
  const tokens = new Map<Who, string>();
  /** South Yorkshire Police's LIN-01 (with a judicial review pause still open) and LIN-02. */
  let deadlinesPath = '';
  let verifyPath = '';

  /** Opens `path` as `who` at `width`, then does what a person would on the page, if anything. */
  async function open(width: number, who: Who, path: string, act?: (page: Page) => Promise<void>) {
    const page = pages.get(width)!;
    await page.context().clearCookies();
    await page
      .context()
      .addCookies([{ name: 'tracker-session', value: tokens.get(who)!, url: base }]);
    await page.goto(base + path);
    expect(new URL(page.url()).pathname).toBe(path.split('?')[0]);
    if (act) {
      await act(page);
      await page.waitForLoadState('load');
    }
    return page;
  }

  /** axe at every width; at 320 px no sideways scrolling and (unless `words` is false) no split word. */
  async function checkPage(page: Page, width: number, where: string, words = true) {
    expect({ where, width, violations: await axeViolations(page) }).toEqual({
      where,
      width,
      violations: [],
    });
    if (width !== 320) return;
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect({ where, overflow }).toEqual({ where, overflow: 0 });
    if (words)
      expect({ where, split: await wordsSplitAcrossLines(page) }).toEqual({ where, split: [] });
  }

  /** Types a date into the three boxes whose day box has this id. */
  async function typeDate(page: Page, id: string, day: string, month: string, year: string) {
    await page.fill(`#${id}`, day);
    await page.fill(`#${id}-month`, month);
    await page.fill(`#${id}-year`, year);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    const { app, services } = buildTestApp(db.knex, { now: '2022-03-01T12:00:00Z' });
    const syp = await db.knex('organisations').where({ slug: 'south-yorkshire-police' }).first();
    const assignmentOf = async (ref: string) =>
      (
        await db
          .knex('assignments as a')
          .join('recommendations as r', 'r.id', 'a.recommendation_id')
          .where({ 'r.ref': ref, 'a.organisation_id': syp.id })
          .first('a.id')
      ).id as number;
    const lin01 = await assignmentOf('LIN-01');
    const lin02 = await assignmentOf('LIN-02');
    for (const role of ['overseer', 'admin'] as const) {
      const user = await createUser(db.knex, {
        role,
        totpSecretEnc: sealSecret(generateTotpSecret(), services.config.secretKey!),
      });
      const { token } = await services.sessions.start(db.knex, {
        userId: user.id,
        state: 'active',
        context: { ip: '127.0.0.1', userAgent: 'axe', requestId: null },
      });
      tokens.set(role, token);
      if (role === 'overseer')
        // An open pause, so the page also shows the form for the day the proceedings ended.
        await db.knex('assignment_pauses').insert({
          assignment_id: lin01,
          from_on: '2022-01-10',
          to_on: null,
          reason: 'Claim for judicial review of the recommendation (CO/123/2022).',
          recorded_by: user.id,
          recorded_at: new Date('2022-01-11T10:00:00Z'),
        });
    }
    // LIN-02 waits for verification, so the verify form shows on its page.
    await db.knex('assignments').where({ id: lin02 }).update({ status: 'awaiting_verification' });
    deadlinesPath = `/workspace/assignments/${lin01}/deadlines`;
    verifyPath = `/workspace/assignments/${lin02}`;
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
    // The seed and the browser's start take a while on a busy machine.
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await db?.destroy();
  });

  it.each([1280, 320])(
    'the board pack’s period form, fresh and refused, at %i px',
    async (width) => {
      let page = await open(width, 'overseer', '/workspace/board-pack');
      expect(await page.inputValue('#from')).toBe('1');
      expect(await page.inputValue('#from-month')).toBe('2');
      await checkPage(page, width, 'board pack');

      page = await open(width, 'overseer', '/workspace/board-pack', async (p) => {
        await typeDate(p, 'from', '31', '2', '2022');
        await typeDate(p, 'to', '1', 'Smarch', '2022');
        await p.click('form.app-board-pack__form button[type="submit"]');
      });
      expect(await page.locator('.govuk-error-summary a').allTextContents()).toEqual([
        'The start date must be a real date',
        'The end date must be a real date',
      ]);
      // What was typed is kept.
      expect(await page.inputValue('#to-month')).toBe('Smarch');
      await checkPage(page, width, 'board pack with errors');
      // The summary's second link puts the cursor in the month box, where the error is.
      await page.click('.govuk-error-summary a[href="#to-month"]');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('to-month');
    },
  );

  it.each([1280, 320])(
    'the deadlines page, as an overseer, fresh and with a pause refused, at %i px',
    async (width) => {
      let page = await open(width, 'overseer', deadlinesPath);
      for (const id of ['committed-committedOn', 'pause-fromOn', 'pause-toOn', 'endPause-toOn'])
        expect(await page.locator(`#${id}-year`).count()).toBe(1);
      await checkPage(page, width, 'deadlines (overseer)');

      page = await open(width, 'overseer', deadlinesPath, async (p) => {
        await typeDate(p, 'pause-fromOn', '31', '2', '2022');
        await typeDate(p, 'pause-toOn', '', '2', '2022');
        await p.fill('#pause-reason', 'A second claim (CO/456/2022).');
        await p.click('#pause-form button[type="submit"]');
      });
      expect(await page.locator('.govuk-error-summary a').allTextContents()).toEqual([
        'The day the proceedings began must be a real date',
        'The day the proceedings ended must include a day',
      ]);
      expect(await page.inputValue('#pause-fromOn')).toBe('31');
      expect(await page.inputValue('#pause-reason')).toBe('A second claim (CO/456/2022).');
      await checkPage(page, width, 'deadlines (overseer) with errors');
    },
  );

  it.each([1280, 320])(
    'the deadlines page, as an administrator, fresh and with a due date refused, at %i px',
    async (width) => {
      let page = await open(width, 'admin', deadlinesPath);
      for (const id of ['override-dueOn', 'implementBy-implementBy'])
        expect(await page.locator(`#${id}-year`).count()).toBe(1);
      await checkPage(page, width, 'deadlines (admin)');

      page = await open(width, 'admin', deadlinesPath, async (p) => {
        await p.check('#override-mode-date');
        await typeDate(p, 'override-dueOn', '30', 'June', '22');
        await p.fill('#override-reason', 'Agreed in writing with the force.');
        await p.click('#override-form button[type="submit"]');
      });
      expect(await page.locator('.govuk-error-summary a').allTextContents()).toEqual([
        'Year must include 4 numbers',
      ]);
      await checkPage(page, width, 'deadlines (admin) with errors');
      await page.click('.govuk-error-summary a[href="#override-dueOn-year"]');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('override-dueOn-year');
    },
  );

  it.each([1280, 320])(
    'the verify form with its sustainment check date refused, at %i px',
    async (width) => {
      const page = await open(width, 'overseer', verifyPath, async (p) => {
        await typeDate(p, 'verify-checkOn', '31', '9', '2022');
        await p.click('#verify-form button[type="submit"]');
      });
      expect(await page.locator('.govuk-error-summary a').allTextContents()).toEqual([
        'The date of the sustainment check must be a real date',
      ]);
      // The assignment page breaks its long web addresses anywhere on purpose, so words are not checked.
      await checkPage(page, width, 'verify form with errors', false);
    },
  );
});
