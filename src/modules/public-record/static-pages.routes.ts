/**
 * Pages with fixed content, and what the site says about itself to other sites: the accessibility
 * statement (its settings from the configuration), robots.txt and the sitemap of public pages.
 */
import { Router } from 'express';
import type { Config } from '../../config';
import { NotFoundError } from '../../shared/errors';
import { routes } from '../../shared/paths';
import type { ResponseCache } from '../../shared/response-cache/response-cache';
import { accessibilityView } from './accessibility.view-model';
import { robotsTxt, sitemapIndex, urlSet, type SitemapService } from './sitemap';

export function createStaticPagesRouter(deps: {
  config: Config;
  sitemap: SitemapService;
  cache: ResponseCache;
}): Router {
  const { config, sitemap } = deps;
  const router = Router();
  const accessibility = accessibilityView(config);
  const robots = robotsTxt(config.publicBaseUrl);
  // The sitemap changes with the register (a new report, recommendation or organisation).
  const kept = deps.cache.publicResponse({ dated: false });

  router.get(routes.accessibility, (_req, res) => {
    res.render('static-pages/accessibility', accessibility);
  });

  router.get(routes.robots, (_req, res) => {
    res.type('text/plain; charset=utf-8').set('Cache-Control', 'public, max-age=3600').send(robots);
  });

  router.get(routes.sitemap, kept, async (_req, res) => {
    const files = await sitemap.fileCount();
    const body =
      files === 1
        ? urlSet(config.publicBaseUrl, (await sitemap.file(1))!)
        : sitemapIndex(config.publicBaseUrl, files);
    res.type('application/xml; charset=utf-8').send(body);
  });

  router.get(routes.sitemapFile, kept, async (req, res) => {
    const match = /^([1-9]\d{0,5})\.xml$/.exec(String(req.params.file));
    const pagePaths = match ? await sitemap.file(Number(match[1])) : null;
    if (!pagePaths) throw new NotFoundError('There is no sitemap file with that number.');
    res.type('application/xml; charset=utf-8').send(urlSet(config.publicBaseUrl, pagePaths));
  });

  return router;
}
