/// <reference lib="dom" />
/**
 * The typed organisation filter of /recommendations and the dashboards, with more organisations than
 * the datalist offers at once (so pages stay small however many there are):
 * - no page lists every organisation; a name, part of one or a slug filters by that organisation
 *   (anything but the slug by a redirect to the slug's address);
 * - several matches ask to choose (with links), none says so, and neither shows unfiltered results;
 * - the suggestions the script asks for as one types, and their bad input;
 * - in Chromium: typing fills the datalist, and the error states pass axe at 1280 and 320 px.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { createSignedInUser, type TestSession } from './auth';
import { browserRequired, chromiumPath, launchBrowser } from './browser';
import { createTestDatabase, type TestDatabase } from './db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from './factories';
import { DATALIST_ALL_MAX } from '../src/modules/public-record/register.organisation-filter';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const HARBOURS = DATALIST_ALL_MAX + 10;

/** The options of the organisation field's datalist. */
function datalistOptions(html: string): string[] {
  const list = /<datalist id="filter-organisation-options">([\s\S]*?)<\/datalist>/.exec(html);
  expect(list).not.toBeNull();
  return [...list![1]!.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]!);
}

describe('the typed organisation filter', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let overseer: TestSession;
  let lead: TestSession;
  let wexcombe = { slug: '', ref: '' };

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex, { now: '2026-11-28T12:00:00Z' });
    const report = await createReport(db.knex, { title: 'Ports and harbours inspection' });
    const shared = await createRecommendation(db.knex, report);
    for (let i = 1; i <= HARBOURS; i++) {
      const org = await createOrganisation(db.knex, {
        slug: `harbour-constabulary-${i}`,
        name: `Harbour Constabulary ${String(i).padStart(2, '0')}`,
      });
      await createAssignment(db.knex, shared, org, { response_due_on: '2027-01-10' });
    }
    const fire = await createOrganisation(db.knex, {
      slug: 'wexcombe-fire',
      name: 'Wexcombe Fire and Rescue Service',
      kind: 'other',
    });
    const own = await createRecommendation(db.knex, report, { title: 'Check the hydrants' });
    await createAssignment(db.knex, own, fire);
    wexcombe = { slug: fire.slug, ref: own.ref };
    overseer = await createSignedInUser(built.services, db.knex, 'overseer');
    lead = await createSignedInUser(built.services, db.knex, 'org_lead', fire.id);
  });
  afterAll(async () => {
    await db.destroy();
  });

  const get = (url: string, session?: TestSession) => {
    const r = request(built.app).get(url);
    return session ? r.set('Cookie', session.cookie) : r;
  };

  it('lists no organisation in the form however many there are', async () => {
    for (const [url, session] of [
      ['/recommendations', undefined],
      ['/workspace/dashboards/overdue', overseer],
      ['/workspace/dashboards/progress', overseer],
    ] as const) {
      const res = await get(url, session).expect(200);
      expect({ url, options: datalistOptions(res.text) }).toEqual({ url, options: [] });
      expect(res.text).not.toContain('Harbour Constabulary 37');
      expect(res.text).toContain('data-organisation-suggest="/organisation-suggestions"');
    }
  });

  it('filters by a typed name, or part of one, at the slug’s address', async () => {
    for (const typed of ['Wexcombe Fire and Rescue Service', 'wexcombe', 'WEXCOMBE-FIRE']) {
      const res = await get(
        `/recommendations?organisation=${encodeURIComponent(typed)}&page=2`,
      ).expect(302);
      expect(res.headers.location).toBe(`/recommendations?organisation=${wexcombe.slug}`);
    }
    const page = await get(`/recommendations?organisation=${wexcombe.slug}`).expect(200);
    expect(page.text).toContain(wexcombe.ref);
    expect(page.text).toContain('Showing 1 to 1 of 1 recommendation');
    expect(page.text).toContain('value="Wexcombe Fire and Rescue Service"');
    expect(datalistOptions(page.text)).toEqual(['Wexcombe Fire and Rescue Service']);
  });

  it('asks to choose when several match, and shows no unfiltered results meanwhile', async () => {
    const res = await get('/recommendations?organisation=harbour').expect(200);
    expect(res.text).toContain('<title>Error: Recommendations');
    expect(res.text).toContain('govuk-error-summary');
    expect(res.text).toContain(
      `${HARBOURS} organisations match “harbour”. Choose one, or type more of the name.`,
    );
    expect(res.text).toContain('href="#filter-organisation"');
    const choices = [...res.text.matchAll(/href="\/recommendations\?organisation&#x3D;([^"]+)"/g)];
    expect(choices.map((m) => m[1])).toEqual(
      Array.from({ length: 10 }, (_, i) => `harbour-constabulary-${i + 1}`),
    );
    expect(res.text).toContain(`and ${HARBOURS - 10} more: type more of the name`);
    expect(res.text).toContain('No recommendations match');
    expect(res.text).not.toContain('LIN-01');
    // The field keeps what was typed.
    expect(res.text).toContain('value="harbour"');
  });

  it('says so when nothing matches', async () => {
    const res = await get('/recommendations?organisation=Metropolitan%20Police').expect(200);
    expect(res.text).toContain(
      'No organisation with recommendations matches “Metropolitan Police”. Check the spelling, or type part of the name.',
    );
    expect(res.text).toContain('govuk-input--error');
    expect(res.text).toContain('No recommendations match');
  });

  it('does the same on the dashboards, after checking who may see them', async () => {
    const moved = await get('/workspace/dashboards/summary?organisation=Wexcombe', overseer).expect(
      302,
    );
    expect(moved.headers.location).toBe(
      `/workspace/dashboards/summary?organisation=${wexcombe.slug}`,
    );
    const summary = await get(moved.headers.location!, overseer).expect(200);
    expect(summary.text).toContain('value="Wexcombe Fire and Rescue Service"');
    const several = await get('/workspace/dashboards?organisation=harbour', overseer).expect(200);
    expect(several.text).toContain(`${HARBOURS} organisations match “harbour”.`);
    expect(several.text).toContain('No live assignments match');
    expect(several.text).toContain(
      'href="/workspace/dashboards?organisation&#x3D;harbour-constabulary-1"',
    );
    // A force lead may not see the dashboards: refused, not redirected.
    await get('/workspace/dashboards?organisation=Wexcombe', lead).expect(403);
    // Signed out: sent to sign in.
    const out = await get('/workspace/dashboards?organisation=Wexcombe').expect(303);
    expect(out.headers.location).toMatch(/^\/sign-in/);
  });

  it('suggests the best few matches as one types, kept per data version', async () => {
    const res = await get('/organisation-suggestions?q=harbour%20constab').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.organisations).toHaveLength(10);
    expect(res.body.organisations[0]).toEqual({
      name: 'Harbour Constabulary 01',
      slug: 'harbour-constabulary-1',
    });
    const hits = built.services.responseCache.stats().hits;
    await get('/organisation-suggestions?q=harbour%20constab').expect(200);
    expect(built.services.responseCache.stats().hits).toBe(hits + 1);
    expect((await get('/organisation-suggestions?q=wexc').expect(200)).body).toEqual({
      organisations: [{ name: 'Wexcombe Fire and Rescue Service', slug: 'wexcombe-fire' }],
    });
    expect((await get('/organisation-suggestions').expect(200)).body).toEqual({
      organisations: [],
    });
    await get(`/organisation-suggestions?q=${'a'.repeat(121)}`).expect(400);
    await get('/organisation-suggestions?q=a&colour=blue').expect(400);
  });

  const describeWithBrowser = chromiumPath || browserRequired ? describe : describe.skip;
  describeWithBrowser('in Chromium', () => {
    let server: Server;
    let browser: Browser;
    let base = '';
    beforeAll(async () => {
      server = built.app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => server?.close(resolve));
    });

    it('fills the datalist with matches as one types', async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`${base}/recommendations`);
        await page.locator('#filter-organisation').pressSequentially('harbour constabulary 0');
        await page.waitForFunction(
          () => document.querySelectorAll('#filter-organisation-options option').length > 0,
        );
        const options = await page.$$eval('#filter-organisation-options option', (os) =>
          os.map((o) => (o as HTMLOptionElement).value),
        );
        expect(options).toEqual(
          Array.from(
            { length: 10 },
            (_, i) => `Harbour Constabulary ${String(i + 1).padStart(2, '0')}`,
          ),
        );
        // Sending the form with a whole name filters by that organisation.
        await page.locator('#filter-organisation').fill('Harbour Constabulary 07');
        await page.getByRole('button', { name: 'Apply filters' }).click();
        await page.waitForURL(/organisation=harbour-constabulary-7$/);
        expect(await page.inputValue('#filter-organisation')).toBe('Harbour Constabulary 07');
      } finally {
        await page.close();
      }
    });

    it.each([
      ['/recommendations?organisation=harbour', null],
      ['/recommendations?organisation=nobody%20at%20all', null],
      ['/workspace/dashboards/summary?organisation=harbour', 'overseer'],
      ['/workspace/dashboards?organisation=wexcombe-fire', 'overseer'],
    ])('%s has no axe violations at 1280 and 320 px', async (url, as) => {
      for (const width of [1280, 320]) {
        const context = await browser.newContext({
          viewport: { width, height: 800 },
          bypassCSP: true,
        });
        try {
          if (as)
            await context.addCookies([
              { name: 'tracker-session', value: overseer.cookie.split('=')[1]!, url: base },
            ]);
          const page = await context.newPage();
          await page.goto(base + url);
          expect(new URL(page.url()).pathname).toBe(new URL(base + url).pathname);
          await page.addScriptTag({ content: AXE_SOURCE });
          const violations = await page.evaluate(async () => {
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
              runOnly: {
                type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'],
              },
            });
            return result.violations.map(
              (v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
            );
          });
          expect({ width, violations }).toEqual({ width, violations: [] });
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          expect({ width, overflow }).toEqual({ width, overflow: 0 });
        } finally {
          await context.close();
        }
      }
    });
  });
});
