/// <reference lib="dom" />
/**
 * Every admin page, and the pages admin forms answer with (links shown once, forms with errors),
 * in headless Chromium at 320 px: the page itself must not scroll sideways
 * (document.scrollingElement.scrollWidth <= clientWidth; a table that scrolls inside its own box
 * still makes the page wider if it is not contained), and axe-core finds no WCAG A/AA violation.
 * Long names and email addresses are used on purpose. The list of admin routes is read from the
 * app, so a new admin page without an entry here fails the test.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { applyLindenSeed } from '../seeds/operation-linden';
import { buildTestApp } from './app';
import { browserRequired, chromiumPath, launchBrowser } from './browser';
import { createTestDatabase, type TestDatabase } from './db';
import { createUser, issueApiToken } from './auth';
import { listRoutes } from './routes';
import { sealSecret } from '../src/shared/secret-box';
import { generateTotpSecret } from '../src/modules/accounts/totp';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const LONG_EMAIL =
  'alexandra.montgomery-fitzwilliam.deputy-head-of-oversight@office-of-the-police-and-crime-commissioner.example.test';
const LONG_NAME = 'Alexandra Montgomery-Fitzwilliam-Featherstonehaugh';

/** Each admin GET route with the concrete page to open; null: not an HTML page (a download). */
const ADMIN_PAGES: Record<string, string | null> = {
  'GET /admin': '/admin',
  'GET /admin/users': '/admin/users',
  'GET /admin/users/invite': '/admin/users/invite',
  'GET /admin/users/:id': '/admin/users/@viewer',
  'GET /admin/audit': '/admin/audit',
  'GET /admin/reports': '/admin/reports',
  'GET /admin/reports/new': '/admin/reports/new',
  'GET /admin/reports/:slug': '/admin/reports/operation-linden-2021',
  'GET /admin/reports/:slug/edit': '/admin/reports/operation-linden-2021/edit',
  'GET /admin/reports/:slug/recommendations/new':
    '/admin/reports/operation-linden-2021/recommendations/new',
  'GET /admin/reports/:slug/export.csv': null,
  'GET /admin/reports/:slug/export.json': null,
  'GET /admin/recommendations/:ref': '/admin/recommendations/LIN-01',
  'GET /admin/recommendations/:ref/edit': '/admin/recommendations/LIN-01/edit',
  'GET /admin/recommendations/:ref/withdraw': '/admin/recommendations/LIN-01/withdraw',
  'GET /admin/recommendations/:ref/delete': '/admin/recommendations/LIN-12/delete',
  'GET /admin/assignments/:id/withdraw': '/admin/assignments/1/withdraw',
  'GET /admin/organisations': '/admin/organisations',
  'GET /admin/organisations/new': '/admin/organisations/new',
  'GET /admin/organisations/:slug/edit': '/admin/organisations/south-yorkshire-police/edit',
  'GET /admin/themes': '/admin/themes',
  'GET /admin/themes/new': '/admin/themes/new',
  'GET /admin/themes/:slug/edit': '/admin/themes/training/edit',
  'GET /admin/imports/new': '/admin/imports/new',
  'GET /admin/imports/:id': '/admin/imports/@import',
  'GET /admin/tokens': '/admin/tokens',
  'GET /admin/tokens/new': '/admin/tokens/new',
  'GET /admin/outbox': '/admin/outbox',
  'GET /admin/outbox/:id': '/admin/outbox/@outbox',
};

/** Pages reached by submitting a form: open `from`, then do `act`; `expect` is on the result. */
const FORM_RESULTS: {
  name: string;
  from: string;
  act: (page: Page) => Promise<void>;
  shows: string;
}[] = [
  {
    name: 'an invitation link, shown once',
    from: '/admin/users/invite',
    act: async (page) => {
      await page.fill('#name', LONG_NAME);
      await page.fill('#email', `new.${LONG_EMAIL}`);
      await page.check('input[name="role"][value="viewer"]');
      await page.click('main form button[type="submit"]');
    },
    shows: 'Invitation link created',
  },
  {
    name: 'an invitation sent again',
    from: '/admin/users',
    act: (page) => page.click('button:has-text("Resend")'),
    shows: 'Invitation sent again',
  },
  {
    name: 'a password reset link',
    from: '/admin/users/@viewer',
    act: (page) => page.click('form[action$="/reset-link"] button'),
    shows: 'Password reset link created',
  },
  {
    name: 'the invitation form with errors',
    from: '/admin/users/invite',
    act: (page) => page.click('main form button[type="submit"]'),
    shows: 'There is a problem',
  },
  {
    name: 'the theme form with errors',
    from: '/admin/themes/new',
    act: (page) => page.click('main form button[type="submit"]'),
    shows: 'There is a problem',
  },
  {
    name: 'the report form with errors',
    from: '/admin/reports/new',
    act: (page) => page.click('main form button[type="submit"]'),
    shows: 'There is a problem',
  },
  {
    name: 'the organisation form with errors',
    from: '/admin/organisations/new',
    act: (page) => page.click('main form button[type="submit"]'),
    shows: 'There is a problem',
  },
  {
    name: 'an API token, shown once',
    from: '/admin/tokens/new',
    act: async (page) => {
      await page.fill('#name', `Reporting service for ${LONG_NAME}`);
      await page.check('#owner');
      await page.selectOption('#userId', { index: 1 });
      await page.click('main form button[type="submit"]');
    },
    shows: 'API token',
  },
];

const describeWithBrowser = chromiumPath || browserRequired ? describe : describe.skip;

describeWithBrowser('admin pages at 320 px (Chromium, axe-core)', () => {
  let db: TestDatabase;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  let routes: string[] = [];
  const fills = new Map<string, string>();
  const fill = (url: string) =>
    [...fills].reduce((u, [placeholder, value]) => u.replace(placeholder, value), url);

  async function check(where: string) {
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
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      });
      return result.violations.map(
        (v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
      );
    });
    const scroll = await page.evaluate(() => {
      const root = document.scrollingElement!;
      // What sticks out, to say which element to fix.
      const wide = Array.from(document.querySelectorAll('body *'))
        .filter((el) => {
          const box = el.getBoundingClientRect();
          return box.width > 1 && box.height > 1 && box.right > root.clientWidth + 1;
        })
        .slice(0, 3)
        .map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')}`);
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
    });
    expect({ where, violations }).toEqual({ where, violations: [] });
    expect({ where, sideways: scroll.scrollWidth > scroll.clientWidth, wide: scroll.wide }).toEqual(
      { where, sideways: false, wide: scroll.wide },
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    const { app, services } = buildTestApp(db.knex, { now: '2022-03-01T12:00:00Z' });
    routes = listRoutes(app);
    const admin = await createUser(db.knex, {
      role: 'admin',
      email: LONG_EMAIL,
      totpSecretEnc: sealSecret(generateTotpSecret(), services.config.secretKey!),
    });
    await db.knex('users').where({ id: admin.id }).update({ name: LONG_NAME });
    const viewer = await createUser(db.knex, { role: 'viewer', email: `viewer.${LONG_EMAIL}` });
    await db
      .knex('users')
      .where({ id: viewer.id })
      .update({ name: `${LONG_NAME} Junior` });
    fills.set('@viewer', String(viewer.id));
    await issueApiToken(db.knex, { role: 'viewer', name: `Dashboard service for ${LONG_NAME}` });
    await db.knex('themes').insert({
      slug: 'multi-agency-safeguarding-partnership-arrangements',
      name: 'Multi-agency safeguarding partnership arrangements and information sharing',
    });
    const preview = await services.imports.preview(
      { userId: admin.id, audit: { type: 'user', id: String(admin.id) } },
      {
        filename: 'illustrative-inspection.json',
        bytes: fs.readFileSync(require.resolve('../examples/import/illustrative-inspection.json')),
      },
    );
    fills.set('@import', preview.importId!);
    const context = { ip: '127.0.0.1', userAgent: 'narrow', requestId: null };
    // Three invitations waiting, one with a long address, so the list shows them.
    for (const email of [`invitee.${LONG_EMAIL}`, 'b@example.test', 'c@example.test']) {
      await services.users.invite({
        actor: { ...admin, name: LONG_NAME, organisationId: null, twoFactorEnabled: true },
        name: `${LONG_NAME} Invitee`,
        email,
        role: 'viewer',
        organisationId: null,
        context,
      });
    }
    fills.set('@outbox', String((await db.knex('email_outbox').orderBy('id').first('id')).id));
    const { token } = await services.sessions.start(db.knex, {
      userId: admin.id,
      state: 'active',
      context,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    const browserContext = await browser.newContext({
      viewport: { width: 320, height: 640 },
      bypassCSP: true,
    });
    await browserContext.addCookies([{ name: 'tracker-session', value: token, url: base }]);
    page = await browserContext.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await db?.destroy();
  });

  it('covers every admin page the app serves', () => {
    const adminGets = routes.filter((r) => r.startsWith('GET /admin'));
    expect(adminGets.sort()).toEqual(Object.keys(ADMIN_PAGES).sort());
  });

  it.each(Object.entries(ADMIN_PAGES).filter(([, url]) => url !== null))(
    '%s does not scroll sideways at 320 px and has no axe violations',
    async (_route, url) => {
      const res = await page.goto(base + fill(url!));
      expect(res?.status()).toBeLessThan(400);
      await check(url!);
    },
  );

  it.each(FORM_RESULTS.map((f) => [f.name, f] as const))(
    '%s does not scroll sideways at 320 px and has no axe violations',
    async (_name, form) => {
      await page.goto(base + fill(form.from));
      await form.act(page);
      await page.waitForLoadState('load');
      expect(await page.textContent('main')).toContain(form.shows);
      await check(form.name);
    },
  );
});
