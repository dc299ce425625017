/**
 * The oversight exports as CSV: the matrix (one row per recommendation, one column per
 * organisation) and every live assignment with its current state. Both are written with
 * src/shared/csv.ts, so a cell a spreadsheet could run as a formula is neutralised.
 */
import { toCsv, type CsvValue } from '../../shared/csv';
import { CLOSURE_REASON_LABELS, STANCE_LABELS } from '../register/register.labels';
import type { DashboardsService, Matrix } from './dashboards.service';
import { RAG_LABELS, statusText } from './dashboards.view-model';

export const ASSIGNMENT_COLUMNS = [
  'Reference',
  'Title',
  'Report',
  'Organisation',
  'Status',
  'Closure reason',
  'Response due',
  'Responded on',
  'Stance',
  'Late',
  'RAG',
  'Last update',
  'Updates waiting for review',
  'Assignment',
] as const;

const yesNo = (b: boolean | null) => (b === null ? '' : b ? 'Yes' : 'No');

/** A matrix cell's words: the status, then the delivery confidence when one is set. */
export function matrixCellText(cell: Matrix['rows'][number]['cells'][number]): string {
  if (!cell) return '';
  const status = statusText(cell.status, cell.closureReason);
  return cell.rag ? `${status}; RAG ${RAG_LABELS[cell.rag].toLowerCase()}` : status;
}

export function matrixCsv(m: Matrix): string {
  const rows: CsvValue[][] = [['Report', 'Reference', 'Title', ...m.columns.map((c) => c.name)]];
  for (const row of m.rows)
    rows.push([row.report.title, row.ref, row.title, ...row.cells.map(matrixCellText)]);
  // A byte-order mark so Excel reads the file as UTF-8.
  return `\uFEFF${toCsv(rows)}`;
}

export function assignmentsCsv(
  data: Awaited<ReturnType<DashboardsService['assignments']>>,
): string {
  const rows: CsvValue[][] = [[...ASSIGNMENT_COLUMNS]];
  for (const r of data.rows)
    rows.push([
      r.ref,
      r.title,
      r.reportTitle,
      r.organisationName,
      statusText(r.status, null),
      r.closureReason ? CLOSURE_REASON_LABELS[r.closureReason] : null,
      r.dueOn,
      r.respondedOn,
      r.stance ? STANCE_LABELS[r.stance] : null,
      yesNo(r.late),
      r.rag ? RAG_LABELS[r.rag] : null,
      r.lastUpdateOn,
      r.updatesWaiting,
      r.assignmentId,
    ]);
  return `\uFEFF${toCsv(rows)}`;
}
