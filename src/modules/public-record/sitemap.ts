/**
 * robots.txt and the sitemap of the public pages (sitemaps.org protocol 0.9).
 *
 * The sitemap lists the fixed public pages, then every report, recommendation and organisation, as
 * absolute URLs on the configured public address. A sitemap file may hold at most 50,000 URLs, so
 * when there are more, /sitemap.xml becomes a sitemap index pointing at /sitemaps/1.xml, 2.xml, ...
 * each read with one bounded query. The routes are kept per data version by the response cache.
 */
import type { Knex } from 'knex';
import { paths } from '../../shared/paths';
import { xmlText } from './atom';

/** The protocol's limit of URLs in one sitemap file. */
export const SITEMAP_MAX_URLS = 50_000;

/** Public pages with no parameter, in the order a reader meets them. */
const FIXED_PAGES = [
  paths.home(),
  paths.reports.index(),
  paths.recommendations.index(),
  paths.organisations.index(),
  paths.openData.index(),
  paths.accessibility(),
];

/** Paths that are not for search engines: signed-in areas, account links, forms and private API routes. */
export const NOT_FOR_CRAWLERS = [
  '/workspace',
  '/admin',
  '/account',
  '/sign-in',
  '/sign-out',
  '/signed-out',
  '/setup',
  '/invitations',
  '/reset-password',
  '/follow',
  '/recommendations/*/feedback',
  '/recommendations/*/follow',
  '/api/v1/assignments',
  '/api/v1/progress-updates',
  '/api/v1/reviews',
  '/api/v1/evidence',
  '/api/v1/imports',
  '/api/v1/dashboards',
  '/api/v1/board-pack',
  // A record as it stood on each past day is its own page; there is one for every day.
  '/*as_of',
];

/** The pages of each kind, each table read in the order of its unique key's index (no sort). */
const SOURCES = [
  { table: 'reports', key: 'slug', path: paths.reports.show },
  { table: 'recommendations', key: 'ref', path: paths.recommendations.show },
  { table: 'organisations', key: 'slug', path: paths.organisations.show },
] as const;

export function createSitemapService(deps: { knex: Knex; maxUrlsPerFile?: number }) {
  const { knex } = deps;
  const perFile = deps.maxUrlsPerFile ?? SITEMAP_MAX_URLS;

  /** How many pages of each kind (one statement). */
  async function counts(): Promise<number[]> {
    const row = await knex
      .select(SOURCES.map((s, i) => knex.raw(`(select count(*) from ??)::int as n${i}`, [s.table])))
      .first<Record<string, number>>();
    return SOURCES.map((_, i) => Number(row[`n${i}`] ?? 0));
  }

  const filesFor = (perKind: number[]) =>
    Math.max(1, Math.ceil((FIXED_PAGES.length + perKind.reduce((a, b) => a + b, 0)) / perFile));

  /** The paths from position `start` (0-based), at most `limit` of them: one query per kind it reaches. */
  async function slice(start: number, limit: number, perKind: number[]): Promise<string[]> {
    const out = FIXED_PAGES.slice(start, start + limit);
    let skip = Math.max(0, start - FIXED_PAGES.length);
    for (const [i, source] of SOURCES.entries()) {
      const wanted = limit - out.length;
      if (wanted <= 0) break;
      const n = perKind[i]!;
      if (skip >= n) {
        skip -= n;
        continue;
      }
      const rows = await knex(source.table)
        .select<Record<string, string>[]>(source.key)
        .orderBy(source.key)
        .offset(skip)
        .limit(wanted);
      for (const row of rows) out.push(source.path(row[source.key]!));
      skip = 0;
    }
    return out;
  }

  return {
    perFile,
    /** How many sitemap files the public pages need (1: /sitemap.xml holds them all). */
    async fileCount(): Promise<number> {
      return filesFor(await counts());
    },
    /** The paths in sitemap file `n` (1-based), or null when there is no such file. */
    async file(n: number): Promise<string[] | null> {
      if (!Number.isInteger(n) || n < 1) return null;
      const perKind = await counts();
      if (n > filesFor(perKind)) return null;
      return slice((n - 1) * perFile, perFile, perKind);
    },
  };
}

export type SitemapService = ReturnType<typeof createSitemapService>;

/** Text for a <loc>: the paths' builders percent-encode, so most need no escaping at all. */
const loc = (text: string) => (/[^\w\-./:%~]/.test(text) ? xmlText(text) : text);

export function urlSet(baseUrl: string, pagePaths: string[]): string {
  const base = xmlText(baseUrl);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...pagePaths.map((p) => `<url><loc>${base}${loc(p)}</loc></url>`),
    '</urlset>',
    '',
  ].join('\n');
}

export function sitemapIndex(baseUrl: string, files: number): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...Array.from(
      { length: files },
      (_, i) => `<sitemap><loc>${xmlText(baseUrl + paths.sitemapFile(i + 1))}</loc></sitemap>`,
    ),
    '</sitemapindex>',
    '',
  ].join('\n');
}

export function robotsTxt(baseUrl: string): string {
  return [
    '# The public record is for everyone; the signed-in workspace, account links and forms are not.',
    'User-agent: *',
    'Allow: /',
    ...NOT_FOR_CRAWLERS.map((p) => `Disallow: ${p}`),
    '',
    `Sitemap: ${baseUrl}${paths.sitemap()}`,
    '',
  ].join('\n');
}
