/**
 * Open data: the downloads (CSV and JSON, streamed batch by batch) and the Atom feeds of published
 * changes. Validators (ETag, Last-Modified) come from the data version (src/db/data-version.ts),
 * so a conditional request is answered with 304 without reading the data, and anything published,
 * changed or withdrawn changes them at once. Signed-out requests are answered by the response cache
 * (the routes), which keeps each file for the version.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock';
import { csvRow } from '../../shared/csv';
import { NotFoundError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { formatLongDate, londonDate } from '../../shared/calendar-date';
import { CLOSURE_REASON_LABELS, STANCE_LABELS, STATUS_LABELS } from '../register/register.labels';
import { caveatsOf } from './register.caveats';
import { pendingTitle } from './register.view-model';
import { atomFeed, type AtomEntry } from './atom';
import {
  DATASETS,
  type CellValue,
  type Column,
  type Dataset,
  type DatasetName,
  type RecordContext,
} from './open-data.datasets';
import type { FeedEventRow, FeedScope, OpenDataRepository } from './open-data.repository';
import type { DataVersionReader } from '../../db/data-version';

/** Rows read per query while streaming a download. */
export const BATCH_SIZE = 1000;
/** The most rows one download holds; JSON says `"truncated": true` when there were more. */
export const MAX_ROWS = 500_000;
/** Entries in each feed, newest first. */
export const FEED_ENTRIES = 100;

export type DownloadFormat = 'csv' | 'json';

export interface Validators {
  etag: string;
  lastModified: Date;
}

/** A feed named in a URL: what it covers, its key in tag: ids and validators, and its pages. */
export interface FeedTarget {
  scope: FeedScope;
  key: string;
  title: string;
  pageHref: string;
  selfHref: string;
}

export type OpenDataService = ReturnType<typeof createOpenDataService>;

export function createOpenDataService(deps: {
  repository: OpenDataRepository;
  versions: DataVersionReader;
  clock: Clock;
  baseUrl: string;
  serviceName: string;
  licence: { name: string; url: string };
  /** The audit chain's newest daily checkpoint, published in the site-wide feed (ADR 0010). */
  latestCheckpoint?: () => Promise<{
    day: string;
    headEventId: number;
    headHash: string;
    eventCount: number;
    createdAt: Date;
  } | null>;
}) {
  const { repository, clock, baseUrl, licence } = deps;
  const tagAuthority = new URL(baseUrl).hostname;
  const tag = (specific: string) => `tag:${tagAuthority},2026:${specific}`;

  /**
   * ETag and Last-Modified for one representation. Records that depend on today's date (overdue
   * flags) change at midnight without any write, so today is part of their ETag, and their
   * Last-Modified is never before the day began (taken as 23:00 UTC the evening before, which is
   * at or before midnight in London in summer and winter alike).
   */
  async function validators(what: string, datedByToday: boolean): Promise<Validators> {
    const { public: v } = await deps.versions.read();
    const today = clock.today();
    const etag = createHash('sha256')
      .update(JSON.stringify([what, v.version, datedByToday ? today : '', baseUrl, licence]))
      .digest('base64url');
    let last = v.changedAt.getTime();
    if (datedByToday) last = Math.max(last, Date.parse(`${today}T00:00:00Z`) - 3_600_000);
    // HTTP dates have whole seconds; a later fraction would make If-Modified-Since never match.
    const lastModified = new Date(Math.floor(last / 1000) * 1000);
    return { etag: `W/"${etag}"`, lastModified };
  }

  async function* records<Row>(
    dataset: Dataset<Row>,
  ): AsyncGenerator<{ columns: Column<Row>[]; row: Row }, void, undefined> {
    const columns = dataset.columns(context());
    let after = 0;
    let count = 0;
    for (;;) {
      const rows = await dataset.fetch(repository, after, BATCH_SIZE);
      for (const row of rows) {
        if (count >= MAX_ROWS) return;
        count += 1;
        yield { columns, row };
      }
      if (rows.length < BATCH_SIZE) return;
      after = (rows[rows.length - 1] as { id: number }).id;
    }
  }

  function context(): RecordContext {
    return { baseUrl, today: clock.today() };
  }

  const cells = <Row>(columns: Column<Row>[], row: Row): CellValue[] =>
    columns.map((c) => c.value(row));

  return {
    datasets: DATASETS,
    licence,

    validatorsFor(name: DatasetName, format: DownloadFormat) {
      return validators(`${name}.${format}`, DATASETS[name].datedByToday);
    },

    /** Each column's name, type and meaning, for the documentation on /data. */
    columnDocs(name: DatasetName): { name: string; type: string; meaning: string }[] {
      return (DATASETS[name] as Dataset<unknown>)
        .columns(context())
        .map(({ name: column, type, meaning }) => ({ name: column, type, meaning }));
    },

    /** A report and an organisation whose feeds /data can show as examples, when there are any. */
    async feedExamples() {
      const [report, organisation] = await Promise.all([
        repository.exampleReportSlug(),
        repository.exampleOrganisationSlug(),
      ]);
      return { report, organisation };
    },

    feedValidators(scope: string) {
      return validators(`feed:${scope}`, false);
    },

    /**
     * The download in pieces, for writing to the response as they come. CSV: a byte-order mark
     * (so spreadsheets read UTF-8), the header row, then one row per record, every text cell
     * neutralised against formulas. JSON: `{"licence", "as_of", "schema", "data": [...],
     * "row_count", "truncated"}`.
     */
    async *download(name: DatasetName, format: DownloadFormat): AsyncGenerator<string> {
      const dataset = DATASETS[name] as Dataset<unknown>;
      const header = dataset.columns(context()).map((c) => c.name);
      let count = 0;
      if (format === 'csv') {
        let chunk = `\uFEFF${csvRow(header)}`;
        for await (const { columns, row } of records(dataset)) {
          chunk += csvRow(cells(columns, row));
          count += 1;
          if (count % 200 === 0) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
        return;
      }
      const preamble = {
        licence: { name: licence.name, url: licence.url },
        // Only files with date-derived flags depend on the day; the others stay byte for byte the
        // same until the data changes, as their validators promise.
        as_of: dataset.datedByToday ? clock.today() : null,
        schema: `${baseUrl}${paths.openData.index()}#dataset-${name}`,
      };
      yield `${JSON.stringify(preamble).slice(0, -1)},"data":[`;
      let chunk = '';
      for await (const { columns, row } of records(dataset)) {
        const values = cells(columns, row);
        const record = Object.fromEntries(columns.map((c, i) => [c.name, values[i]]));
        chunk += (count === 0 ? '\n' : ',\n') + JSON.stringify(record);
        count += 1;
        if (count % 200 === 0) {
          yield chunk;
          chunk = '';
        }
      }
      yield `${chunk}\n],"row_count":${count},"truncated":${count >= MAX_ROWS}}\n`;
    },

    /** The scope of a feed named in a URL, or a 404 for an unknown report or organisation. */
    async feedScope(kind: 'all' | 'report' | 'organisation', slug?: string): Promise<FeedTarget> {
      if (kind === 'report') {
        const report = await repository.findReport(slug ?? '');
        if (!report) throw new NotFoundError(`There is no report called ${slug}.`);
        return {
          scope: { kind: 'report', reportId: report.id },
          key: `report:${report.id}`,
          title: `${report.title}: published changes`,
          pageHref: paths.reports.show(report.slug),
          selfHref: paths.openData.reportFeed(report.slug),
        };
      }
      if (kind === 'organisation') {
        const organisation = await repository.findOrganisation(slug ?? '');
        if (!organisation) throw new NotFoundError(`There is no organisation called ${slug}.`);
        return {
          scope: { kind: 'organisation', organisationId: organisation.id },
          key: `organisation:${organisation.id}`,
          title: `${organisation.name}: published changes`,
          pageHref: paths.organisations.show(organisation.slug),
          selfHref: paths.openData.organisationFeed(organisation.slug),
        };
      }
      return {
        scope: { kind: 'all' },
        key: 'all',
        title: `${deps.serviceName}: published changes`,
        pageHref: paths.home(),
        selfHref: paths.openData.feed(),
      };
    },

    /** The Atom document for a scope: the newest FEED_ENTRIES published changes. */
    async feed(found: FeedTarget, lastModified: Date): Promise<string> {
      const events = await repository.feedEvents(found.scope, FEED_ENTRIES);
      const entries = events.map(toEntry);
      const checkpoint = found.scope.kind === 'all' ? await deps.latestCheckpoint?.() : null;
      if (checkpoint) {
        // Always in the feed, however many other entries there are.
        if (entries.length >= FEED_ENTRIES) entries.length = FEED_ENTRIES - 1;
        entries.push({
          id: tag(`audit-checkpoint/${checkpoint.day}`),
          title: `Audit trail checkpoint for ${checkpoint.day}`,
          updated: checkpoint.createdAt,
          href: baseUrl + paths.openData.auditCheckpoints('csv'),
          categories: ['audit-checkpoint'],
          content: `On ${checkpoint.day} the audit trail held ${checkpoint.eventCount} events. The newest, event ${checkpoint.headEventId}, has the chain hash ${checkpoint.headHash}. Keep this: if any earlier event were rewritten, that hash would no longer match.`,
        });
        entries.sort((a, b) => b.updated.getTime() - a.updated.getTime());
      }
      return atomFeed({
        id: tag(`feed/${found.key}`),
        title: found.title,
        subtitle:
          'Status changes, public status notes, formal responses where published, published progress summaries and evidence, and withdrawals, each with the caveats its page shows.',
        updated: entries[0]?.updated ?? lastModified,
        selfHref: baseUrl + found.selfHref,
        alternateHref: baseUrl + found.pageHref,
        author: deps.serviceName,
        rights: `${licence.name} (${licence.url})`,
        entries,
      });
    },
  };

  /**
   * One feed entry for a published change. Each names the recommendation as the page does (by its
   * report and number while its text is not public) and ends with the caveats the page shows, in
   * the page's words (register.caveats.ts); a response's own date caveat is in its sentence.
   */
  function toEntry(e: FeedEventRow): AtomEntry {
    const entry = describe(e);
    const caveats = caveatsOf({
      organisationName: e.organisation_name,
      addresseeConfirmed: e.addressee_confirmed,
      textStatus: e.recommendation_text_status,
      madeOnConfirmed: e.recommendation_made_on_confirmed,
    });
    return caveats.length
      ? { ...entry, content: `${entry.content}\n\n${caveats.map((c) => c.sentence).join(' ')}` }
      : entry;
  }

  function describe(e: FeedEventRow): AtomEntry {
    const about = e.organisation_name
      ? `${e.recommendation_ref} (${e.organisation_name})`
      : e.recommendation_ref;
    const title =
      e.recommendation_title ??
      pendingTitle(e.report_title, e.recommendation_source_number, e.recommendation_ref);
    const named = `${e.recommendation_ref}: ${title}`;
    const href = baseUrl + paths.recommendations.show(e.recommendation_ref);
    const base = { updated: e.at, href };
    switch (e.kind) {
      case 'status_change': {
        const to = STATUS_LABELS[e.to_status!];
        const reason = e.closure_reason
          ? ` Reason: ${CLOSURE_REASON_LABELS[e.closure_reason]}.`
          : '';
        return {
          ...base,
          id: tag(`status-change/${e.id}`),
          title: `${about}: status now ${to}`,
          categories: ['status-change'],
          content: `${named}\n${e.organisation_name}: status changed${e.from_status ? ` from ${STATUS_LABELS[e.from_status]}` : ''} to ${to}.${reason}`,
        };
      }
      case 'response': {
        // Version 1 keeps the id entries had before versions were kept, so readers see no repeat.
        const version = e.response_version ?? 1;
        // Never "responded on" a day that is only when the response was reported.
        const on = formatLongDate(e.responded_on!);
        const said =
          e.response_date_confirmed === false
            ? `A response from ${e.organisation_name} was reported on ${on}; the date of the response itself is not confirmed.`
            : `${e.organisation_name} responded on ${on}.`;
        const source = e.response_source_url ? `\n\nSource: ${e.response_source_url}` : '';
        return {
          ...base,
          id: tag(version === 1 ? `response/${e.id}` : `response/${e.id}/${version}`),
          title: `${about}: ${version === 1 ? 'formal response' : `formal response revised (version ${version})`} (${STANCE_LABELS[e.response_stance!]})`,
          categories: ['response'],
          content:
            `${named}\n${said} Stance: ${STANCE_LABELS[e.response_stance!]}.\n\n${e.response_text ?? ''}`.trimEnd() +
            source,
        };
      }
      case 'update_publication':
        return e.withdrawn_at
          ? {
              ...base,
              id: tag(`update-publication/${e.id}`),
              title: `${about}: published progress summary withdrawn`,
              published: new Date(e.published_at!),
              categories: ['update', 'withdrawal'],
              content: `${named}\nA progress summary published on ${new Date(e.published_at!).toISOString().slice(0, 10)} was withdrawn.${e.withdrawn_reason ? ` Reason: ${e.withdrawn_reason}` : ''}`,
            }
          : {
              ...base,
              id: tag(`update-publication/${e.id}`),
              title: `${about}: progress summary published`,
              published: new Date(e.published_at!),
              categories: ['update'],
              content: `${named}\n${e.summary ?? ''}`,
            };
      case 'evidence_publication':
        return e.withdrawn_at
          ? {
              ...base,
              id: tag(`evidence-publication/${e.id}`),
              title: `${about}: published evidence withdrawn`,
              published: new Date(e.published_at!),
              categories: ['evidence', 'withdrawal'],
              content: `${named}\nAn evidence file published on ${new Date(e.published_at!).toISOString().slice(0, 10)} was withdrawn.${e.withdrawn_reason ? ` Reason: ${e.withdrawn_reason}` : ''}`,
            }
          : {
              ...base,
              id: tag(`evidence-publication/${e.id}`),
              title: `${about}: evidence published`,
              published: new Date(e.published_at!),
              categories: ['evidence'],
              content: `${named}\nEvidence published: ${e.file_name ?? 'a file'}.`,
            };
      case 'status_note':
        return {
          ...base,
          id: tag(`status-note/${e.id}`),
          title: `${about}: status note`,
          categories: ['status-note'],
          content: `${named}\nThe oversight office’s public status note for ${e.organisation_name}, published on ${formatLongDate(londonDate(e.at))}. Why: ${e.note ?? ''}`,
        };
      case 'assignment_withdrawal':
        return {
          ...base,
          id: tag(`assignment-withdrawal/${e.id}`),
          title: `${about}: withdrawn`,
          categories: ['withdrawal'],
          content: `${named}\nThe entry for ${e.organisation_name} was withdrawn.${e.withdrawn_reason ? ` Reason: ${e.withdrawn_reason}` : ''}`,
        };
      case 'recommendation_withdrawal':
        return {
          ...base,
          id: tag(`recommendation-withdrawal/${e.id}`),
          title: `${e.recommendation_ref}: recommendation withdrawn`,
          categories: ['withdrawal'],
          content: `${named}\nThis recommendation was withdrawn.${e.withdrawn_reason ? ` Reason: ${e.withdrawn_reason}` : ''}`,
        };
    }
  }
}
