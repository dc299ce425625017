/**
 * Parse and validate an import file without the database: bytes → text (UTF-8 only) → CSV rows or a
 * JSON document → the normalised import, with every problem found (not just the first), each with its
 * row and column or field. What needs the database (unknown organisations and themes, references that
 * belong to another report) is checked when planning; see import.service.ts.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { ErrorObject } from 'ajv';
import { isCalendarDate } from '../../shared/calendar-date';
import { ORGANISATION_KINDS } from '../../db/tables';
import { FORMULA_START, unescapeFormulaCell } from '../../shared/csv';
import { fieldErrors } from '../../shared/validation';
import {
  CSV_COLUMNS,
  CSV_REQUIRED_COLUMNS,
  importMessages,
  MAX_IMPORT_ROWS,
  RECOMMENDATION_FIELDS,
  REPORT_FIELDS,
  validateDocument,
  validateRecommendation,
  validateReport,
  type ImportError,
  type ImportFormat,
  type NormalisedImport,
  type NormalisedRecommendation,
  type NormalisedReport,
  type RecommendationInput,
  type ReportInput,
} from './import.schemas';

export interface ImportSource {
  filename: string;
  bytes?: Buffer;
  text?: string;
  format?: ImportFormat;
}

export interface ParseResult {
  format: ImportFormat | null;
  data: NormalisedImport | null;
  errors: ImportError[];
  /**
   * When some rows are bad but the report itself is good: the good rows, so their references to
   * the register (organisations, themes, refs of other reports) can be checked too and every
   * error reported in one go.
   */
  partial?: NormalisedImport;
}

const fileError = (message: string): ImportError => ({ row: null, column: null, message });

/** Bytes to text: only UTF-8 is accepted (a leading byte-order mark is dropped). */
export function decodeUtf8(bytes: Buffer): { text: string } | { error: string } {
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  )
    return {
      error:
        'The file is in UTF-16, not UTF-8. Save it again as “CSV UTF-8” (or UTF-8 text) and upload that.',
    };
  if (bytes.includes(0))
    return {
      error:
        'The file contains zero bytes, so it is not a text file (it may be UTF-16, a spreadsheet such as .xlsx, or another binary file). Save it as “CSV UTF-8” or as UTF-8 JSON and upload that.',
    };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return {
      error:
        'The file is not valid UTF-8 text (it may have been saved as Latin-1 or Windows-1252). Save it again as “CSV UTF-8” (or UTF-8 text) and upload that.',
    };
  }
  return { text };
}

export function detectFormat(filename: string, text: string): ImportFormat {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  return /^\s*[{[]/.test(text) ? 'json' : 'csv';
}

export function parseImport(source: ImportSource, maxBytes: number): ParseResult {
  const size =
    source.bytes !== undefined ? source.bytes.length : Buffer.byteLength(source.text ?? '', 'utf8');
  if (size === 0) return { format: null, data: null, errors: [fileError('The file is empty.')] };
  if (size > maxBytes)
    return {
      format: null,
      data: null,
      errors: [fileError(`The file is larger than the limit of ${describeBytes(maxBytes)}.`)],
    };
  let text: string;
  if (source.bytes !== undefined) {
    const decoded = decodeUtf8(source.bytes);
    if ('error' in decoded) return { format: null, data: null, errors: [fileError(decoded.error)] };
    text = decoded.text;
  } else {
    text = source.text ?? '';
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const format = source.format ?? detectFormat(source.filename, text);
  const result = format === 'json' ? parseJsonImport(text) : parseCsvImport(text);
  return { format, ...result };
}

export function describeBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}

// ---------------------------------------------------------------------------------------------
// Shared checks

/** Ajv errors → one plain message per field, through the one mapping (shared/validation.ts). */
function schemaErrors(
  errors: ErrorObject[] | null | undefined,
  row: number | null,
  columnOf: (field: string) => string,
): ImportError[] {
  return fieldErrors(errors, importMessages(columnOf)).map(({ field, message }) => ({
    row,
    column: columnOf(field === '(root)' ? '' : field),
    message,
  }));
}

function checkDates(
  values: Record<string, unknown>,
  fields: string[],
  row: number | null,
  columnOf: (f: string) => string,
): ImportError[] {
  const out: ImportError[] = [];
  for (const f of fields) {
    const v = values[f];
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !isCalendarDate(v))
      out.push({
        row,
        column: columnOf(f),
        message: `${columnOf(f)} is not a real date: ${v} does not exist.`,
      });
  }
  return out;
}

/** Rules across fields and rows that a schema cannot say. */
function recommendationRules(
  rec: RecommendationInput,
  row: number,
  columnOf: (f: string) => string,
): ImportError[] {
  const out: ImportError[] = [];
  if (rec.text_status === 'pending') {
    if (rec.body !== undefined)
      out.push({
        row,
        column: columnOf('body'),
        message: `${columnOf('body')} must be empty when text_status is pending (the text has not been entered yet). Set text_status to summary or verified, or remove the text.`,
      });
  } else if (rec.text_status !== undefined) {
    for (const f of ['title', 'body'] as const)
      if (rec[f] === undefined)
        out.push({
          row,
          column: columnOf(f),
          message: `${columnOf(f)} is required when text_status is ${rec.text_status}. Enter it, or set text_status to pending.`,
        });
  }
  // Runs on unchecked input too (to report everything at once), so lists are taken defensively.
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  for (const a of strings(rec.addressees))
    if (a.startsWith('kind:') && !(ORGANISATION_KINDS as readonly string[]).includes(a.slice(5)))
      out.push({
        row,
        column: columnOf('addressees'),
        message: `“${a}” is not a kind of organisation. Use kind: followed by one of ${ORGANISATION_KINDS.join(', ')}.`,
      });
  for (const list of ['themes', 'addressees'] as const) {
    const items = strings(rec[list]);
    const repeated = items.filter((x, i) => items.indexOf(x) !== i);
    if (repeated.length)
      out.push({
        row,
        column: columnOf(list),
        message: `${columnOf(list)} lists ${[...new Set(repeated)].join(', ')} more than once.`,
      });
  }
  return out;
}

function duplicateRefs(recs: { ref?: unknown; row: number }[], refColumn: string): ImportError[] {
  const first = new Map<string, number>();
  const out: ImportError[] = [];
  for (const r of recs) {
    if (typeof r.ref !== 'string') continue;
    const earlier = first.get(r.ref);
    if (earlier === undefined) first.set(r.ref, r.row);
    else
      out.push({
        row: r.row,
        column: refColumn,
        message: `The reference ${r.ref} is used more than once in the file (first on ${refColumn === 'ref' ? 'row' : 'recommendation'} ${earlier}). Each recommendation needs its own reference.`,
      });
  }
  return out;
}

function toNormalisedReport(r: ReportInput): NormalisedReport {
  return {
    slug: r.slug,
    title: r.title,
    issuer_name: r.issuer_name,
    issuer_short: r.issuer_short ?? null,
    published_on: r.published_on ?? null,
    dated_on: r.dated_on ?? null,
    legal_basis: r.legal_basis,
    source_url: r.source_url ?? null,
    summary: r.summary ?? null,
  };
}

function toNormalisedRecommendation(r: RecommendationInput, row: number): NormalisedRecommendation {
  return {
    ref: r.ref,
    source_number: r.source_number ?? null,
    title: r.title ?? null,
    body: r.body ?? null,
    text_status: r.text_status,
    made_on: r.made_on ?? null,
    made_on_confirmed: r.made_on_confirmed ?? true,
    source_url: r.source_url ?? null,
    implement_by: r.implement_by ?? null,
    implement_by_wording: r.implement_by_wording ?? null,
    themes: r.themes ?? [],
    addressees: r.addressees ?? [],
    row,
  };
}

// Fields compared after trimming; long text is kept exactly as written.
const TRIMMED = new Set([
  'slug',
  'ref',
  'published_on',
  'dated_on',
  'made_on',
  'implement_by',
  'legal_basis',
  'text_status',
  'made_on_confirmed',
  'source_url',
  'issuer_short',
  'source_number',
]);

/** Empty (or blank) strings and nulls mean "no value" in both formats, so they are dropped. */
function clean(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') {
      if (v.trim() === '') continue;
      out[k] = TRIMMED.has(k) ? v.trim() : v;
    } else if (Array.isArray(v)) {
      out[k] = v.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '');
    } else out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON

function parseJsonImport(text: string): Omit<ParseResult, 'format'> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return {
      data: null,
      errors: [fileError(`The file is not valid JSON: ${(err as Error).message}.`)],
    };
  }
  if (!validateDocument(doc))
    return {
      data: null,
      errors: schemaErrors(validateDocument.errors, null, (f) => f || 'the file').map((e) => ({
        ...e,
        message:
          e.column === 'recommendations' && e.message.includes('too many')
            ? `The file has more than ${MAX_IMPORT_ROWS} recommendations, the most one file may hold. Split it into several files.`
            : `${e.message} A JSON import file is one object with “report” and “recommendations”.`,
      })),
    };
  const errors: ImportError[] = [];
  const reportColumn = (f: string) => (f ? `report.${f}` : 'report');
  const rawReport =
    doc.report && typeof doc.report === 'object' && !Array.isArray(doc.report)
      ? clean(doc.report as Record<string, unknown>)
      : null;
  let report: NormalisedReport | null = null;
  if (!rawReport)
    errors.push({ row: null, column: 'report', message: 'report must be an object.' });
  else {
    const before = errors.length;
    if (!validateReport(rawReport))
      errors.push(...schemaErrors(validateReport.errors, null, reportColumn));
    errors.push(...checkDates(rawReport, ['published_on', 'dated_on'], null, reportColumn));
    if (errors.length === before) report = toNormalisedReport(rawReport as ReportInput);
  }
  const recs: NormalisedRecommendation[] = [];
  const refs: { ref?: unknown; row: number }[] = [];
  doc.recommendations.forEach((raw, i) => {
    const row = i + 1;
    const col = (f: string) => f || 'recommendation';
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      errors.push({ row, column: null, message: 'Each recommendation must be an object.' });
      return;
    }
    const rec = clean(raw as Record<string, unknown>);
    refs.push({ ref: rec.ref, row });
    const checked = checkedRecommendation(rec, row, errors, col);
    if (checked) recs.push(checked);
  });
  errors.push(...duplicateRefs(refs, 'ref').map((e) => ({ ...e, message: jsonDup(e.message) })));
  if (doc.recommendations.length === 0) errors.push(fileError('The file has no recommendations.'));
  return parsed(errors, report, recs);
}

/**
 * Checks one recommendation (schema, dates, rules), adding what is wrong to `errors`; the
 * recommendation normalised when nothing was.
 */
function checkedRecommendation(
  rec: Record<string, unknown>,
  row: number,
  errors: ImportError[],
  col: (field: string) => string = (f) => f,
): NormalisedRecommendation | null {
  const before = errors.length;
  if (!validateRecommendation(rec))
    errors.push(...schemaErrors(validateRecommendation.errors, row, col));
  errors.push(...checkDates(rec, ['made_on', 'implement_by'], row, col));
  errors.push(...recommendationRules(rec as RecommendationInput, row, col));
  return errors.length === before
    ? toNormalisedRecommendation(rec as RecommendationInput, row)
    : null;
}

/** The result of a parse: the data when nothing is wrong, else the errors and what did parse. */
function parsed(
  errors: ImportError[],
  report: NormalisedReport | null,
  recs: NormalisedRecommendation[],
): Omit<ParseResult, 'format'> {
  return {
    data: errors.length === 0 && report ? { report, recommendations: recs } : null,
    errors: sortErrors(errors),
    ...(errors.length && report && recs.length
      ? { partial: { report, recommendations: recs } }
      : {}),
  };
}

const jsonDup = (m: string) => m.replace('(first on row', '(first as recommendation');

// ---------------------------------------------------------------------------------------------
// CSV

const LIST_SEPARATOR = ';';

function parseCsvImport(text: string): Omit<ParseResult, 'format'> {
  let records: string[][];
  try {
    records = parseCsv(text, {
      relax_column_count: true,
      skip_empty_lines: false,
      bom: true,
    }) as string[][];
  } catch (err) {
    return {
      data: null,
      errors: [fileError(`The file could not be read as CSV: ${(err as Error).message}.`)],
    };
  }
  const header = records[0];
  if (!header || header.every((h) => h.trim() === ''))
    return { data: null, errors: [fileError('The file has no header row.')] };
  const columns = header.map((h) => h.trim());
  const errors = headerErrors(columns);
  if (errors.length) return { data: null, errors };

  const dataRows = records
    .map((cells, i) => ({ cells, row: i + 1 }))
    .slice(1)
    .filter(({ cells }) => cells.some((c) => c.trim() !== ''));
  if (dataRows.length === 0)
    return { data: null, errors: [fileError('The file has no recommendations under the header.')] };
  if (dataRows.length > MAX_IMPORT_ROWS)
    return {
      data: null,
      errors: [
        fileError(
          `The file has ${dataRows.length} recommendations; one file may hold at most ${MAX_IMPORT_ROWS}. Split it into several files.`,
        ),
      ],
    };

  const reportCol = (f: string) => `report_${f}`;
  let firstReport: { values: Record<string, string>; row: number } | null = null;
  let report: NormalisedReport | null = null;
  const recs: NormalisedRecommendation[] = [];
  const refs: { ref?: unknown; row: number }[] = [];

  for (const { cells, row } of dataRows) {
    const rowErrors: ImportError[] = [];
    const values = rowValues(cells, row, columns, rowErrors);
    const reportValues: Record<string, string> = {};
    for (const f of REPORT_FIELDS) reportValues[f] = values[`report_${f}`] ?? '';
    if (!firstReport) {
      firstReport = { values: reportValues, row };
      const raw = clean(reportValues);
      const before = rowErrors.length;
      if (!validateReport(raw))
        rowErrors.push(...schemaErrors(validateReport.errors, row, reportCol));
      rowErrors.push(...checkDates(raw, ['published_on', 'dated_on'], row, reportCol));
      if (rowErrors.length === before) report = toNormalisedReport(raw as ReportInput);
    } else rowErrors.push(...reportDifferences(firstReport, reportValues, row));
    const cleaned = clean(csvRecommendation(values));
    refs.push({ ref: cleaned.ref, row });
    const rec = checkedRecommendation(cleaned, row, rowErrors);
    if (rec) recs.push(rec);
    errors.push(...dedupe(rowErrors));
  }
  errors.push(...duplicateRefs(refs, 'ref'));
  return parsed(errors, report, recs);
}

/** The header row's mistakes: unnamed, unknown or repeated columns, and required ones missing. */
function headerErrors(columns: string[]): ImportError[] {
  const errors: ImportError[] = [];
  const known = new Set<string>(CSV_COLUMNS);
  columns.forEach((c, i) => {
    if (c === '')
      errors.push({
        row: 1,
        column: `column ${i + 1}`,
        message: `Column ${i + 1} has no name in the header row.`,
      });
    else if (!known.has(c))
      errors.push({
        row: 1,
        column: c,
        message: `${c} is not a column this format knows. Remove it, or check its spelling (the columns are listed in the import format guide).`,
      });
    else if (columns.indexOf(c) !== i)
      errors.push({ row: 1, column: c, message: `${c} appears more than once in the header row.` });
  });
  for (const c of CSV_REQUIRED_COLUMNS)
    if (!columns.includes(c))
      errors.push({ row: 1, column: c, message: `The required column ${c} is missing.` });
  return errors;
}

/** A data row's cells by column name; a stray cell or a cell a spreadsheet would run is refused. */
function rowValues(
  cells: string[],
  row: number,
  columns: string[],
  rowErrors: ImportError[],
): Record<string, string> {
  if (cells.length > columns.length)
    rowErrors.push({
      row,
      column: null,
      message: `Row ${row} has ${cells.length} cells but the header has ${columns.length} columns. Check for a stray comma or an unquoted value.`,
    });
  const values: Record<string, string> = {};
  columns.forEach((c, i) => {
    const raw = cells[i] ?? '';
    if (FORMULA_START.test(raw)) {
      rowErrors.push({
        row,
        column: c,
        message: `${c} starts with “${visible(raw[0]!)}”, which a spreadsheet could run as a formula, so it is refused. If the text really starts with it, put an apostrophe in front (for example '${raw[0] === '\t' || raw[0] === '\r' ? '' : raw[0]}…); the apostrophe is removed on import.`,
      });
      values[c] = '';
    } else values[c] = unescapeFormulaCell(raw);
  });
  return values;
}

/** Report columns after the first row must be empty or the same as on the first row. */
function reportDifferences(
  first: { values: Record<string, string>; row: number },
  reportValues: Record<string, string>,
  row: number,
): ImportError[] {
  const errors: ImportError[] = [];
  for (const f of REPORT_FIELDS) {
    const a = (first.values[f] ?? '').trim();
    const b = (reportValues[f] ?? '').trim();
    if (b !== '' && a !== b)
      errors.push({
        row,
        column: `report_${f}`,
        message: `report_${f} differs from row ${first.row}. Every row describes the same report, so report columns must be the same on every row (or left empty after the first row).`,
      });
  }
  return errors;
}

/** A row's recommendation columns as the schema expects them: lists split, true/false read. */
function csvRecommendation(values: Record<string, string>): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const f of RECOMMENDATION_FIELDS) {
    const v = values[f];
    if (v === undefined) continue;
    if (f === 'themes' || f === 'addressees')
      rec[f] = v.trim() === '' ? undefined : v.split(LIST_SEPARATOR);
    else if (f === 'made_on_confirmed') {
      const t = v.trim().toLowerCase();
      rec[f] = t === 'true' ? true : t === 'false' ? false : v;
    } else rec[f] = v;
  }
  return rec;
}

function dedupe(errors: ImportError[]): ImportError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.row}|${e.column}|${e.message}`;
    return !seen.has(key) && seen.add(key);
  });
}

function visible(ch: string): string {
  if (ch === '\t') return 'a tab';
  if (ch === '\r') return 'a carriage return';
  return ch;
}

export function sortErrors(errors: ImportError[]): ImportError[] {
  return [...errors].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
}
