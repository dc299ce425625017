/**
 * Exports a report in the import format (CSV or JSON), so it can be edited and imported again:
 * exporting then importing the file unchanged plans nothing. CSV cells that a spreadsheet could run
 * as formulas are neutralised by src/shared/csv.ts, and the import removes that apostrophe again.
 */
import type { Knex } from 'knex';
import { NotFoundError } from '../../shared/errors';
import { csvRow } from '../../shared/csv';
import * as repo from './import.repository';
import {
  CSV_COLUMNS,
  RECOMMENDATION_FIELDS,
  REPORT_FIELDS,
  type NormalisedRecommendation,
} from './import.schemas';

export interface ExportDocument {
  report: Record<(typeof REPORT_FIELDS)[number], string | null>;
  /** As the import reads them, without the file position; the text status as stored. */
  recommendations: (Omit<NormalisedRecommendation, 'row' | 'text_status'> & {
    text_status: string;
  })[];
}

export async function exportReport(knex: Knex, slug: string): Promise<ExportDocument> {
  const report = await repo.findReport(knex, slug);
  if (!report) throw new NotFoundError('There is no report with that slug.');
  const recs = await repo.recommendationsOfReport(knex, report.id);
  const ids = recs.map((r) => r.id);
  const [themes, assignments] = await Promise.all([
    repo.themeLinks(knex, ids),
    repo.assignmentLinks(knex, ids),
  ]);
  return {
    report: Object.fromEntries(
      REPORT_FIELDS.map((f) => [f, report[f] ?? null]),
    ) as ExportDocument['report'],
    recommendations: recs.map((r) => ({
      ref: r.ref,
      source_number: r.source_number,
      title: r.title,
      body: r.body,
      text_status: r.text_status,
      made_on: r.made_on,
      made_on_confirmed: r.made_on_confirmed,
      source_url: r.source_url,
      implement_by: r.implement_by,
      implement_by_wording: r.implement_by_wording,
      themes: themes.filter((t) => t.recommendation_id === r.id).map((t) => t.slug),
      addressees: assignments.filter((a) => a.recommendation_id === r.id).map((a) => a.slug),
    })),
  };
}

export function exportJson(doc: ExportDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** One row per recommendation, the report's fields repeated on each (as the import expects). */
export function exportCsv(doc: ExportDocument): string {
  let out = csvRow(CSV_COLUMNS);
  for (const rec of doc.recommendations) {
    out += csvRow([
      ...REPORT_FIELDS.map((f) => doc.report[f]),
      ...RECOMMENDATION_FIELDS.map((f) => {
        const v = rec[f];
        return Array.isArray(v) ? v.join(';') : v;
      }),
    ]);
  }
  return out;
}
