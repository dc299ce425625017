/// <reference lib="dom" />
/**
 * Headless Chromium for page tests: Debian's chromium driven by playwright-core (downloading a
 * browser is not possible here). CHROMIUM_PATH overrides the location.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

export const chromiumPath = CANDIDATES.find((p): p is string => Boolean(p && fs.existsSync(p)));

/** In CI (or with REQUIRE_BROWSER=1) a missing browser fails the run instead of skipping the tests. */
export const browserRequired = process.env.CI === 'true' || process.env.REQUIRE_BROWSER === '1';

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath)
    throw new Error(
      'No Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH',
    );
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * What axe-core finds on the page against the WCAG 2.0, 2.1 and 2.2 A and AA rules, one line per
 * rule broken: its id, what it asks for and where. The page's context needs `bypassCSP: true`.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
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
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  });
}

/**
 * The words on the page that are split across two lines ("recommendatio/ns"): a word whose DOM Range
 * has client rectangles on more than one line. Words are the text between spaces, hyphens, dashes
 * and slashes, where a line may break; hidden text, the charts and text boxes are left out.
 */
export async function wordsSplitAcrossLines(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      // Text that is not laid out as lines of words: hidden, in the chart, or in a textarea.
      if (!parent || parent.closest('.govuk-visually-hidden, svg, textarea, script, style'))
        continue;
      const text = node.textContent ?? '';
      for (const match of text.matchAll(/[^\s\-‐–—/]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(
          Array.from(range.getClientRects())
            .filter((r) => r.width > 0)
            .map((r) => Math.round(r.top)),
        );
        if (lines.size > 1) found.push(match[0]);
      }
    }
    return found;
  });
}
