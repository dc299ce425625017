/**
 * Writing CSV that is safe to open in a spreadsheet, and the matching rule for reading it back.
 *
 * A cell starting with =, +, -, @, a tab or a carriage return can be run as a formula by Excel,
 * LibreOffice or Google Sheets ("CSV injection"). Every CSV this app writes puts an apostrophe in
 * front of such a cell, which spreadsheets show as text and do not evaluate. A cell that already
 * starts with apostrophes followed by one of those characters gets one more, so reading it back
 * (`unescapeFormulaCell`, which removes exactly one) gives the original text: export then import
 * changes nothing.
 *
 * Usage: `toCsv([['ref', 'title'], ['LIN-01', '=cmd']])` → "ref,title\r\nLIN-01,'=cmd\r\n".
 */

/** A cell a spreadsheet could treat as a formula. */
export const FORMULA_START = /^[=+\-@\t\r]/;
const ESCAPED_FORMULA = /^'+[=+\-@\t\r]/;

/** The text to write for one value: neutralised against formulas, not yet quoted. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) || ESCAPED_FORMULA.test(value) ? `'${value}` : value;
}

/** Reverses `neutraliseCell` for a cell read from a CSV file. */
export function unescapeFormulaCell(value: string): string {
  return ESCAPED_FORMULA.test(value) ? value.slice(1) : value;
}

export type CsvValue = string | number | boolean | null | undefined;

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** One CSV record (CRLF-terminated, RFC 4180), with every text cell neutralised. */
export function csvRow(values: readonly CsvValue[]): string {
  return (
    values
      .map((v) =>
        v === null || v === undefined
          ? ''
          : quote(typeof v === 'string' ? neutraliseCell(v) : String(v)),
      )
      .join(',') + '\r\n'
  );
}

/** A whole CSV document. Prefix a BOM (`'\uFEFF' + toCsv(...)`) when Excel must detect UTF-8. */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map(csvRow).join('');
}
