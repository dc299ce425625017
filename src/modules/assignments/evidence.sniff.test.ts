import { attachmentDisposition, sanitiseFilename, sniffType } from './evidence.sniff';

const ole2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);

describe('sniffType', () => {
  it('decides by the bytes, whatever the name says', () => {
    expect(sniffType(Buffer.from('%PDF-1.4\n'), 'x.txt')?.contentType).toBe('application/pdf');
    expect(sniffType(Buffer.from([0xff, 0xd8, 0xff, 0xdb]), 'x.pdf')?.contentType).toBe(
      'image/jpeg',
    );
    expect(sniffType(Buffer.from('MZ\x90\x00\x03\x00', 'latin1'), 'x.pdf')).toBeNull();
    expect(sniffType(Buffer.from('<html><body>hi</body></html>'), 'x.txt')).toBeNull();
    expect(sniffType(Buffer.from([0x41, 0x00, 0x42]), 'x.txt')).toBeNull();
    expect(sniffType(Buffer.from([0xc3, 0x28]), 'x.txt')).toBeNull();
    expect(sniffType(Buffer.alloc(0), 'x.txt')).toBeNull();
  });

  it('uses the name only to choose between formats the bytes cannot tell apart', () => {
    expect(sniffType(ole2, 'a.DOC')?.contentType).toBe('application/msword');
    expect(sniffType(ole2, 'a.xls')?.contentType).toBe('application/vnd.ms-excel');
    expect(sniffType(ole2, 'a.msi')).toBeNull();
    expect(sniffType(Buffer.from('a,b\n'), 'a.csv')?.contentType).toBe('text/csv; charset=utf-8');
    expect(sniffType(Buffer.from('a,b\n'), 'a.log')?.contentType).toBe('text/plain; charset=utf-8');
  });

  it('accepts text whose sample ends part-way through a character', () => {
    const text = Buffer.from('café');
    expect(sniffType(text.subarray(0, text.length - 1), 'a.txt')).not.toBeNull();
  });

  it('refuses a ZIP that is not a Word or Excel document', () => {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(9, 26);
    expect(sniffType(Buffer.concat([header, Buffer.from('evil.exe!')]), 'a.docx')).toBeNull();
  });
});

describe('file names', () => {
  it('keeps the last path segment without control characters', () => {
    expect(sanitiseFilename('C:\\Users\\me\\plan.pdf')).toBe('plan.pdf');
    expect(sanitiseFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitiseFilename('a\u0000b\r\n.pdf')).toBe('ab.pdf');
    expect(sanitiseFilename('..')).toBe('file');
    expect(Array.from(sanitiseFilename('é'.repeat(300)))).toHaveLength(200);
  });

  it('builds an RFC 6266 attachment header with an ASCII fallback', () => {
    expect(attachmentDisposition('a "b"; c.pdf')).toBe(
      `attachment; filename="a _b_; c.pdf"; filename*=UTF-8''a%20%22b%22%3B%20c.pdf`,
    );
  });
});
