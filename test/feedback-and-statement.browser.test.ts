/// <reference lib="dom" />
/**
 * The feedback form, in Chromium, through an expired session: the visitor writes, the session is
 * gone by the time they send, the form comes back with their words and sends on the second try.
 * That page, the thanks page and the accessibility statement (as released, and with an operator's
 * settings) are checked with axe-core at 1280 and 320 px, for sideways scrolling, and for words
 * split across two lines at 320 px.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp, testConfig } from './app';
import { browserRequired, chromiumPath, launchBrowser } from './browser';
import { createTestDatabase, type TestDatabase } from './db';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [1280, 320] as const;

const describeWithBrowser = chromiumPath || browserRequired ? describe : describe.skip;

/** axe-core's WCAG 2.x A and AA violations on the page as it stands. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map(
      (v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  });
}

/** Sideways scroll, and the words whose DOM Range lies on more than one line. */
async function layoutProblems(page: Page): Promise<{ overflow: number; split: string[] }> {
  return page.evaluate(() => {
    const split: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('.govuk-visually-hidden, svg, textarea, script, style'))
        continue;
      for (const match of (node.textContent ?? '').matchAll(/[^\s\-‐–—/]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(
          Array.from(range.getClientRects())
            .filter((r) => r.width > 0)
            .map((r) => Math.round(r.top)),
        );
        if (tops.size > 1) split.push(match[0]);
      }
    }
    return {
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      split,
    };
  });
}

describeWithBrowser('feedback after an expired session, and the accessibility statement', () => {
  let db: TestDatabase;
  let browser: Browser;
  const servers: Server[] = [];
  let base = '';
  let configuredBase = '';
  let built: ReturnType<typeof buildTestApp>;

  const listen = async (app: ReturnType<typeof buildTestApp>['app']) => {
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex, { now: '2022-03-01T12:00:00Z' });
    base = await listen(built.app);
    // The same register, run by an operator who has filled in the statement's settings.
    const configured = buildTestApp(db.knex, {
      now: '2022-03-01T12:00:00Z',
      config: {
        accessibilityStatement: {
          ...testConfig().accessibilityStatement,
          preparedOn: '2027-01-15',
          reviewedOn: '2027-06-03',
          operator: {
            name: 'Office of the South Yorkshire Mayoral Combined Authority',
            email: 'accessibility@example.org',
            phone: '0114 496 0000',
            postalAddress: '1 High Street, Rotherham, S60 1AA',
          },
        },
      },
    });
    configuredBase = await listen(configured.app);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await db?.destroy();
  });

  const check = async (page: Page, width: number, label: string) => {
    expect({ label, width, violations: await axeViolations(page) }).toEqual({
      label,
      width,
      violations: [],
    });
    const { overflow, split } = await layoutProblems(page);
    expect({ label, width, overflow }).toEqual({ label, width, overflow: 0 });
    if (width === 320) expect({ label, split }).toEqual({ label, split: [] });
  };

  it.each(WIDTHS)(
    'at %i px, a message written while the session expired comes back, passes axe, and sends on the second try',
    async (width) => {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        bypassCSP: true,
      });
      const page = await context.newPage();
      try {
        await page.goto(`${base}/recommendations/LIN-01/feedback`);
        await check(page, width, 'the form');
        const message = `Seen at ${width} px: the training has started, but not in every district.\nSecond paragraph.`;
        await page.fill('#message', message);
        // The session ends while they write: its cookie is gone by the time they send.
        await context.clearCookies();
        const before = Number((await db.knex('feedback_messages').count('* as n').first())?.n);
        await page.click('button:has-text("Send your message")');
        await page.waitForSelector('.govuk-notification-banner');
        expect(await page.inputValue('#message')).toBe(message);
        expect(await page.textContent('.govuk-notification-banner')).toContain(
          'Your message has not been sent yet',
        );
        expect(await page.title()).toMatch(/^Not sent yet: Send feedback about LIN-01/);
        expect(Number((await db.knex('feedback_messages').count('* as n').first())?.n)).toBe(
          before,
        );
        await check(page, width, 'the form given back');

        await page.click('button:has-text("Send your message")');
        await page.waitForURL(/\/feedback\/sent$/);
        const stored = await db.knex('feedback_messages').orderBy('id', 'desc').first();
        expect(stored.message).toBe(message);
        await check(page, width, 'the thanks page');
      } finally {
        await context.close();
      }
    },
  );

  it.each(WIDTHS)(
    'at %i px, the accessibility statement passes axe as released and as an operator sets it',
    async (width) => {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        bypassCSP: true,
      });
      const page = await context.newPage();
      try {
        await page.goto(`${base}/accessibility`);
        expect(await page.textContent('#compliance-status')).toContain('partially compliant');
        await check(page, width, 'the statement as released');
        await page.goto(`${configuredBase}/accessibility`);
        expect(await page.textContent('#operator-contacts')).toContain('accessibility@example.org');
        await check(page, width, 'the statement with its settings');
      } finally {
        await context.close();
      }
    },
  );
});
