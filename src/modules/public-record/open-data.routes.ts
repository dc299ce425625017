/**
 * Open data: the /data page, the downloads at stable URLs and the Atom feeds. Everything here is
 * public and the same for everyone, so it is `public, no-cache` (anyone may keep a copy but must
 * revalidate) with a weak ETag and Last-Modified, and a matching conditional request gets 304.
 */
import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { paths, routes } from '../../shared/paths';
import { COLUMN_TYPES, DATASETS, DATASET_NAMES, type DatasetName } from './open-data.datasets';
import { feedLinksFor } from './open-data.links';
import { CHECKPOINT_COLUMNS } from '../operations/audit.routes';
import type { ResponseCache } from '../../shared/response-cache/response-cache';
import {
  BATCH_SIZE,
  FEED_ENTRIES,
  MAX_ROWS,
  type DownloadFormat,
  type OpenDataService,
  type Validators,
} from './open-data.service';

/** Sets the validators and caching headers; true when the client's copy is still good (304 sent). */
function notModified(req: Request, res: Response, v: Validators): boolean {
  res.set({
    ETag: v.etag,
    'Last-Modified': v.lastModified.toUTCString(),
    'Cache-Control': 'public, no-cache',
  });
  if (!req.fresh) return false;
  res.status(304).end();
  return true;
}

const DOWNLOAD_ROUTES: Record<DatasetName, Record<DownloadFormat, string>> = {
  reports: { csv: routes.openData.reportsCsv, json: routes.openData.reportsJson },
  recommendations: {
    csv: routes.openData.recommendationsCsv,
    json: routes.openData.recommendationsJson,
  },
  assignments: { csv: routes.openData.assignmentsCsv, json: routes.openData.assignmentsJson },
  updates: { csv: routes.openData.updatesCsv, json: routes.openData.updatesJson },
  'status-notes': {
    csv: routes.openData.statusNotesCsv,
    json: routes.openData.statusNotesJson,
  },
};

export function createOpenDataRouter(service: OpenDataService, cache: ResponseCache): Router {
  const router = Router();
  const undated = cache.publicResponse({ dated: false });

  router.get(routes.openData.index, undated, async (_req, res) => {
    res.locals.feedLinks = feedLinksFor.site();
    const examples = await service.feedExamples();
    res.render('open-data/index', {
      pageTitle: 'Open data',
      licence: service.licence,
      batchSize: BATCH_SIZE.toLocaleString('en-GB'),
      maxRows: MAX_ROWS.toLocaleString('en-GB'),
      feedEntries: FEED_ENTRIES,
      feedHref: paths.openData.feed(),
      reportFeedExample: examples.report ? paths.openData.reportFeed(examples.report) : null,
      organisationFeedExample: examples.organisation
        ? paths.openData.organisationFeed(examples.organisation)
        : null,
      types: Object.entries(COLUMN_TYPES).map(([name, meaning]) => ({ name, meaning })),
      auditCheckpoints: {
        csvHref: paths.openData.auditCheckpoints('csv'),
        jsonHref: paths.openData.auditCheckpoints('json'),
        columns: CHECKPOINT_COLUMNS,
      },
      datasets: DATASET_NAMES.map((name) => {
        const d = service.datasets[name];
        return {
          name,
          title: d.title,
          description: d.description,
          csvHref: paths.openData.download(name, 'csv'),
          jsonHref: paths.openData.download(name, 'json'),
          columns: service.columnDocs(name),
        };
      }),
    });
  });

  for (const name of DATASET_NAMES) {
    for (const format of ['csv', 'json'] as const) {
      const kept = cache.publicResponse({ dated: DATASETS[name].datedByToday });
      router.get(DOWNLOAD_ROUTES[name][format], kept, async (req, res) => {
        // Signed-out requests got their validators (and any 304) from the response cache.
        if (!res.get('ETag') && notModified(req, res, await service.validatorsFor(name, format)))
          return;
        if (format === 'csv')
          res.type('text/csv; charset=utf-8; header=present').attachment(`${name}.csv`);
        else res.type('application/json; charset=utf-8');
        if (req.method === 'HEAD') return void res.end();
        // Written as it is read, batch by batch, waiting whenever the client is slower than us.
        for await (const chunk of service.download(name, format)) {
          if (res.destroyed) return;
          if (!res.write(chunk)) await once(res, 'drain');
        }
        res.end();
      });
    }
  }

  const sendFeed = async (
    req: Request,
    res: Response,
    kind: 'all' | 'report' | 'organisation',
    slug?: string,
  ) => {
    const found = await service.feedScope(kind, slug);
    const v = await service.feedValidators(found.key);
    if (!res.get('ETag') && notModified(req, res, v)) return;
    res.type('application/atom+xml; charset=utf-8').send(await service.feed(found, v.lastModified));
  };
  router.get(routes.openData.feed, undated, (req, res) => sendFeed(req, res, 'all'));
  router.get(routes.openData.reportFeed, undated, (req, res) =>
    sendFeed(req, res, 'report', String(req.params.slug)),
  );
  router.get(routes.openData.organisationFeed, undated, (req, res) =>
    sendFeed(req, res, 'organisation', String(req.params.slug)),
  );
  return router;
}
