/**
 * Through the real app on a real database: the accessibility statement (its compliance status
 * line, the operator's contact details and the statement's dates, all from the configuration, and
 * what it says when the operator has set none of them); robots.txt; the sitemap of public pages
 * (absolute URLs, kept per data version, split into an index past the per-file limit); and each
 * page's description, Open Graph tags or noindex.
 */
import request from 'supertest';
import { buildTestApp, testConfig } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import {
  createAssignment,
  createOrganisation,
  createRecommendation,
  createReport,
} from '../../../test/factories';
import { childrenNamed, parseXml, textOf as xmlTextOf } from '../../../test/xml';
import type { Config } from '../../config';
import { createApp } from '../../app';
import { createSitemapService } from './sitemap';

describe('the accessibility statement', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  const statement = async (settings: Partial<Config['accessibilityStatement']> = {}) => {
    const defaults = testConfig().accessibilityStatement;
    const { app } = buildTestApp(db.knex, {
      config: { accessibilityStatement: { ...defaults, ...settings } },
    });
    return (await request(app).get('/accessibility').expect(200)).text;
  };
  /** The words of the element with this id, tags removed and spaces collapsed. */
  const textOf = (html: string, id: string) => {
    const match = new RegExp(`<(\\w+)[^>]*id="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
    return match
      ? match[2]!
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
      : null;
  };

  it('by default says it is partially compliant, lists the known gaps, and says the operator must add their details', async () => {
    const html = await statement();
    expect(textOf(html, 'compliance-status')).toMatch(
      /^This service is partially compliant with the Web Content Accessibility Guidelines \(WCAG\) version 2\.2 at level AA/,
    );
    expect(html).toContain('Content that is not accessible');
    expect(html).toContain('2.2.1 (Timing adjustable)');
    expect(html).toContain('signed out after 30 minutes');
    expect(html).toContain('has not yet been given the name and contact details');
    expect(html).toContain(
      'must add them to the service’s settings before the service is published',
    );
    expect(html).toContain('please tell the organisation that runs this service');
    expect(html).not.toContain('id="operator-contacts"');
    expect(textOf(html, 'statement-dates')).toContain(
      'The text of this statement was written on 2 December 2026',
    );
    expect(textOf(html, 'statement-dates')).toContain('has not yet given the date');
    expect(html).toMatch(/<meta name="description" content="How accessible [^"]+">/);
  });

  it('shows the status, operator, contact details and dates it is given', async () => {
    const html = await statement({
      compliance: 'fully',
      preparedOn: '2027-01-15',
      reviewedOn: '2027-06-03',
      operator: {
        name: 'Office of the <Commissioner>',
        email: 'access@example.org',
        phone: '0114 496 0000',
        postalAddress: '1 High Street, Rotherham, S60 1AA',
      },
    });
    expect(textOf(html, 'compliance-status')).toBe(
      'This service is fully compliant with the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA.',
    );
    expect(html).not.toContain('Content that is not accessible');
    expect(html).not.toContain('has not yet been given the name');
    expect(html).toContain('run by Office of the &lt;Commissioner&gt;');
    expect(html).toContain('please tell Office of the &lt;Commissioner&gt;');
    expect(textOf(html, 'operator-contacts')).toBe(
      'Email access@example.org Phone 0114 496 0000 Post 1 High Street, Rotherham, S60 1AA',
    );
    expect(html).toContain('href="mailto:access@example.org"');
    expect(html).toContain('href="tel:01144960000"');
    expect(textOf(html, 'statement-dates')).toBe(
      'This statement was prepared on 15 January 2027. It was last reviewed on 3 June 2027.',
    );
  });

  it('says plainly when the service is not compliant, and when a prepared statement has not been reviewed', async () => {
    const html = await statement({
      compliance: 'not',
      preparedOn: '2027-01-15',
      reviewedOn: null,
      operator: { name: 'Example Office', email: null, phone: null, postalAddress: null },
    });
    expect(textOf(html, 'compliance-status')).toMatch(/^This service is not compliant with/);
    expect(html).toContain('Content that is not accessible');
    // A name with no way to reach it is still not enough.
    expect(html).toContain('has not yet been given the name and contact details');
    expect(textOf(html, 'statement-dates')).toBe(
      'This statement was prepared on 15 January 2027. It has not been reviewed since.',
    );
  });
});

describe('robots.txt, the sitemap and what each page says about itself', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  const BASE = 'https://tracker.example.org';
  let report: Awaited<ReturnType<typeof createReport>>;
  let organisation: Awaited<ReturnType<typeof createOrganisation>>;
  let refs: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex, {
      config: { publicBaseUrl: BASE, publicBaseUrlConfigured: true },
    });
    report = await createReport(db.knex, { slug: 'a-report' });
    organisation = await createOrganisation(db.knex, { slug: 'a-force', name: 'A Force' });
    refs = [];
    for (const ref of ['AB-01', 'AB-02']) {
      const rec = await createRecommendation(db.knex, report, { ref, title: `Title of ${ref}` });
      await createAssignment(db.knex, rec, organisation);
      refs.push(ref);
    }
  });
  afterAll(async () => {
    await db.destroy();
  });

  const locs = (xml: string) => {
    const root = parseXml(xml);
    return {
      root: root.name,
      xmlns: root.attrs.xmlns,
      locs: root.children
        .filter((c) => typeof c !== 'string')
        .map((c) => xmlTextOf(childrenNamed(c, 'loc')[0])),
    };
  };

  it('robots.txt lets crawlers read the public pages, keeps them out of private ones and names the sitemap', async () => {
    const res = await request(built.app).get('/robots.txt').expect(200);
    expect(res.type).toBe('text/plain');
    const lines = res.text.split('\n');
    expect(lines).toContain('User-agent: *');
    expect(lines).toContain('Allow: /');
    for (const path of [
      '/workspace',
      '/admin',
      '/account',
      '/sign-in',
      '/setup',
      '/invitations',
      '/reset-password',
      '/recommendations/*/feedback',
      '/api/v1/assignments',
      '/api/v1/imports',
    ])
      expect(lines).toContain(`Disallow: ${path}`);
    // No public page is disallowed.
    for (const path of [
      '/',
      '/reports',
      '/recommendations',
      '/organisations',
      '/data',
      '/accessibility',
    ])
      expect(lines).not.toContain(`Disallow: ${path}`);
    expect(lines).toContain(`Sitemap: ${BASE}/sitemap.xml`);
  });

  it('the sitemap lists every public page as an absolute URL, once', async () => {
    const res = await request(built.app).get('/sitemap.xml').expect(200);
    expect(res.type).toBe('application/xml');
    const { root, xmlns, locs: urls } = locs(res.text);
    expect(root).toBe('urlset');
    expect(xmlns).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
    expect(urls).toEqual([
      `${BASE}/`,
      `${BASE}/reports`,
      `${BASE}/recommendations`,
      `${BASE}/organisations`,
      `${BASE}/data`,
      `${BASE}/accessibility`,
      `${BASE}/reports/a-report`,
      `${BASE}/recommendations/AB-01`,
      `${BASE}/recommendations/AB-02`,
      `${BASE}/organisations/a-force`,
    ]);
    // Every URL it lists is a page that answers 200.
    for (const url of urls) await request(built.app).get(url.slice(BASE.length)).expect(200);
  });

  it('is kept per data version: the same version answers 304, a new recommendation is in the next one', async () => {
    const first = await request(built.app).get('/sitemap.xml').expect(200);
    expect(first.headers.etag).toBeDefined();
    await request(built.app)
      .get('/sitemap.xml')
      .set('If-None-Match', first.headers.etag!)
      .expect(304);
    const hits = built.services.responseCache.stats().hits;
    await request(built.app).get('/sitemap.xml').expect(200);
    expect(built.services.responseCache.stats().hits).toBe(hits + 1);

    await createRecommendation(db.knex, report, { ref: 'AB-03' });
    const next = await request(built.app)
      .get('/sitemap.xml')
      .set('If-None-Match', first.headers.etag!)
      .expect(200);
    expect(next.headers.etag).not.toBe(first.headers.etag);
    expect(locs(next.text).locs).toContain(`${BASE}/recommendations/AB-03`);
    await db.knex('recommendations').where({ ref: 'AB-03' }).delete();
  });

  it('past the per-file limit, becomes an index of files that together list each page once', async () => {
    // Its own services (and response cache), so nothing kept by the other app is shared.
    const other = buildTestApp(db.knex, {
      config: { publicBaseUrl: BASE, publicBaseUrlConfigured: true },
    });
    const small = createApp({
      ...other.services,
      sitemap: createSitemapService({ knex: db.knex, maxUrlsPerFile: 4 }),
    });
    const index = await request(small).get('/sitemap.xml').expect(200);
    const { root, locs: files } = locs(index.text);
    expect(root).toBe('sitemapindex');
    // 10 pages, 4 a file.
    expect(files).toEqual([1, 2, 3].map((n) => `${BASE}/sitemaps/${n}.xml`));
    const all: string[] = [];
    for (const file of files) {
      const part = locs((await request(small).get(file.slice(BASE.length)).expect(200)).text);
      expect(part.root).toBe('urlset');
      expect(part.locs.length).toBeLessThanOrEqual(4);
      all.push(...part.locs);
    }
    const whole = locs((await request(built.app).get('/sitemap.xml').expect(200)).text).locs;
    expect(all).toEqual(whole);
    for (const missing of [
      '/sitemaps/4.xml',
      '/sitemaps/0.xml',
      '/sitemaps/x.xml',
      '/sitemaps/1.txt',
    ])
      await request(small).get(missing).expect(404);
    // With everything in one file, there is no file 2.
    await request(built.app).get('/sitemaps/2.xml').expect(404);
  });

  /** Attribute text as a browser reads it (Handlebars escapes `=` and quotes as entities). */
  const unescape = (text: string) =>
    text.replace(/&(#x[0-9A-Fa-f]+|#\d+|amp|lt|gt|quot);/g, (_, e: string) =>
      e.startsWith('#x')
        ? String.fromCodePoint(parseInt(e.slice(2), 16))
        : e.startsWith('#')
          ? String.fromCodePoint(Number(e.slice(1)))
          : ({ amp: '&', lt: '<', gt: '>', quot: '"' } as Record<string, string>)[e]!,
    );
  /** The content of each meta tag in the head, by name or property. */
  const metaOf = (html: string) => {
    const head = html.slice(0, html.indexOf('</head>'));
    return Object.fromEntries(
      [...head.matchAll(/<meta (?:name|property)="([^"]+)" content="([^"]*)">/g)].map((m) => [
        m[1],
        unescape(m[2]!),
      ]),
    );
  };

  it('every public page has a description and Open Graph tags, with its own address', async () => {
    const pages = [
      '/',
      '/reports',
      '/reports/a-report',
      '/recommendations',
      '/recommendations/AB-01',
      '/organisations',
      '/organisations/a-force',
      '/data',
      '/accessibility',
    ];
    const descriptions = new Set<string>();
    for (const path of pages) {
      const meta = metaOf((await request(built.app).get(path).expect(200)).text);
      expect({
        path,
        description: Boolean(meta.description && meta.description.length > 40),
      }).toEqual({
        path,
        description: true,
      });
      descriptions.add(meta.description!);
      expect({ path, og: [meta['og:type'], meta['og:site_name'], meta['og:url']] }).toEqual({
        path,
        og: ['website', 'Recommendation Tracker', `${BASE}${path}`],
      });
      expect(meta['og:title']).toBeTruthy();
      expect(meta['og:description']).toBe(meta.description);
      expect(meta.robots).toBeUndefined();
    }
    // No two pages share a description.
    expect(descriptions.size).toBe(pages.length);
    const rec = metaOf((await request(built.app).get('/recommendations/AB-01').expect(200)).text);
    expect(rec['og:title']).toBe('AB-01: Title of AB-01');
    expect(rec.description).toMatch(/^AB-01: Title of AB-01: what the recommendation asks/);
    const org = metaOf((await request(built.app).get('/organisations/a-force').expect(200)).text);
    expect(org.description).toMatch(/^A Force: the recommendations addressed to this organisation/);
    // A dated record's address is its own.
    const dated = metaOf(
      (await request(built.app).get('/recommendations/AB-01?as_of=2025-01-01').expect(200)).text,
    );
    expect(dated['og:url']).toBe(`${BASE}/recommendations/AB-01?as_of=2025-01-01`);
  });

  it('gives no og:url when the public address was not configured', async () => {
    const local = buildTestApp(db.knex);
    const meta = metaOf((await request(local.app).get('/reports').expect(200)).text);
    expect(meta['og:title']).toBe('Reports');
    expect(meta['og:url']).toBeUndefined();
  });

  it('marks signed-in, account and form pages noindex, with no Open Graph tags', async () => {
    for (const path of ['/sign-in', '/recommendations/AB-01/feedback', '/setup/unknown-link']) {
      const meta = metaOf((await request(built.app).get(path)).text);
      expect({ path, robots: meta.robots, og: meta['og:title'] }).toEqual({
        path,
        robots: 'noindex',
        og: undefined,
      });
    }
  });
});
