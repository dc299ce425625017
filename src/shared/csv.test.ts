import { parse } from 'csv-parse/sync';
import { csvRow, neutraliseCell, toCsv, unescapeFormulaCell } from './csv';

describe('the CSV writer', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+44 114 000', "'+44 114 000"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tindented', "'\tindented"],
    ['\rreturn', "'\rreturn"],
    ["'=already", "''=already"],
    ["''-twice", "'''-twice"],
  ])('neutralises %j as %j', (value, written) => {
    expect(neutraliseCell(value)).toBe(written);
    expect(unescapeFormulaCell(written)).toBe(value);
  });

  it.each(['plain text', "'apostrophe first", 'a=b', 'x-1', '', 'LIN-01'])(
    'leaves %j as it is',
    (value) => {
      expect(neutraliseCell(value)).toBe(value);
      expect(unescapeFormulaCell(value)).toBe(value);
    },
  );

  it('quotes commas, quotes, line breaks and edge spaces; numbers and booleans are not neutralised', () => {
    expect(csvRow(['a,b', 'say "hi"', 'two\r\nlines', ' padded', -3, true, null, undefined])).toBe(
      '"a,b","say ""hi""","two\r\nlines"," padded",-3,true,,\r\n',
    );
  });

  it('writes a document that a CSV reader gives back cell for cell, once apostrophes are removed', () => {
    const rows = [
      ['ref', 'body'],
      ['LIN-01', '=HYPERLINK("http://example.org")'],
      ['LIN-02', 'multi\nline, with "quotes" and \'@at'],
    ];
    const read = (parse(toCsv(rows)) as string[][]).map((r) => r.map(unescapeFormulaCell));
    expect(read).toEqual(rows);
    expect(toCsv(rows)).toContain(`"'=HYPERLINK(""http://example.org"")"`);
  });
});
