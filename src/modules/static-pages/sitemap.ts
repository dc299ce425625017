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
import { xmlText } from '../open-data/atom';

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

const KINDS = ['report', 'recommendation', 'organisation'] as const;
const PATH_OF: Record<(typeof KINDS)[number], (key: string) => string> = {
  report: paths.reports.show,
  recommendation: paths.recommendations.show,
  organisation: paths.organisations.show,
};

export function createSitemapService(deps: { knex: Knex; maxUrlsPerFile?: number }) {
  const { knex } = deps;
  const perFile = deps.maxUrlsPerFile ?? SITEMAP_MAX_URLS;

  const entries = () =>
    knex
      .select(knex.raw('1 as kind'), 'slug as key')
      .from('reports')
      .unionAll((q) => q.select(knex.raw('2'), 'ref').from('recommendations'))
      .unionAll((q) => q.select(knex.raw('3'), 'slug').from('organisations'));

  async function count(): Promise<number> {
    const row = await knex.from(entries().as('e')).count<{ n: string }[]>('* as n').first();
    return FIXED_PAGES.length + Number(row?.n ?? 0);
  }

  /** The paths from position `start` (0-based), at most `limit` of them. */
  async function slice(start: number, limit: number): Promise<string[]> {
    const fixed = FIXED_PAGES.slice(start, start + limit);
    const rest = limit - fixed.length;
    if (rest <= 0) return fixed;
    const rows = await knex
      .from(entries().as('e'))
      .select<{ kind: number; key: string }[]>('kind', 'key')
      .orderBy([{ column: 'kind' }, { column: 'key' }])
      .offset(Math.max(0, start - FIXED_PAGES.length))
      .limit(rest);
    return [...fixed, ...rows.map((r) => PATH_OF[KINDS[Number(r.kind) - 1]!](r.key))];
  }

  return {
    perFile,
    /** How many sitemap files the public pages need (1: /sitemap.xml holds them all). */
    async fileCount(): Promise<number> {
      return Math.max(1, Math.ceil((await count()) / perFile));
    },
    /** The paths in sitemap file `n` (1-based), or null when there is no such file. */
    async file(n: number): Promise<string[] | null> {
      if (!Number.isInteger(n) || n < 1) return null;
      const files = Math.max(1, Math.ceil((await count()) / perFile));
      if (n > files) return null;
      return slice((n - 1) * perFile, perFile);
    },
  };
}

export type SitemapService = ReturnType<typeof createSitemapService>;

export function urlSet(baseUrl: string, pagePaths: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...pagePaths.map((p) => `<url><loc>${xmlText(baseUrl + p)}</loc></url>`),
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
