/**
 * What an evidence file is, decided from its first bytes and never from the name the browser sent
 * (the name only chooses between two formats the bytes cannot tell apart). Anything not on the list
 * is refused.
 */
export interface SniffedType {
  contentType: string;
  /** A short label for pages, e.g. "PDF". */
  label: string;
}

/** How many leading bytes the sniffer wants (it copes with fewer when the file is smaller). */
export const SNIFF_BYTES = 8192;

const PDF: SniffedType = { contentType: 'application/pdf', label: 'PDF' };
const PNG: SniffedType = { contentType: 'image/png', label: 'PNG image' };
const JPEG: SniffedType = { contentType: 'image/jpeg', label: 'JPEG image' };
const DOC: SniffedType = { contentType: 'application/msword', label: 'Word document (.doc)' };
const XLS: SniffedType = {
  contentType: 'application/vnd.ms-excel',
  label: 'Excel workbook (.xls)',
};
const DOCX: SniffedType = {
  contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  label: 'Word document',
};
const XLSX: SniffedType = {
  contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  label: 'Excel workbook',
};
const CSV: SniffedType = { contentType: 'text/csv; charset=utf-8', label: 'CSV' };
const TEXT: SniffedType = { contentType: 'text/plain; charset=utf-8', label: 'Text' };

export const ALLOWED_TYPES: readonly SniffedType[] = [
  PDF,
  DOC,
  DOCX,
  XLS,
  XLSX,
  CSV,
  TEXT,
  PNG,
  JPEG,
];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const OLE2_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ZIP_LOCAL_HEADER = 0x04034b50;

const startsWith = (head: Buffer, signature: Buffer | string) => {
  const sig = typeof signature === 'string' ? Buffer.from(signature, 'latin1') : signature;
  return head.length >= sig.length && head.subarray(0, sig.length).equals(sig);
};

/** The entry names of the ZIP local file headers found in `head`, in order. */
function zipEntryNames(head: Buffer): string[] {
  const names: string[] = [];
  let at = 0;
  while (at + 30 <= head.length && head.readUInt32LE(at) === ZIP_LOCAL_HEADER) {
    const flags = head.readUInt16LE(at + 6);
    const compressed = head.readUInt32LE(at + 18);
    const nameLength = head.readUInt16LE(at + 26);
    const extraLength = head.readUInt16LE(at + 28);
    const nameEnd = at + 30 + nameLength;
    if (nameEnd > head.length) break;
    names.push(head.subarray(at + 30, nameEnd).toString('latin1'));
    // With a data descriptor (bit 3) the size is not known here: stop at the first such entry.
    if (flags & 0x08) break;
    at = nameEnd + extraLength + compressed;
  }
  return names;
}

function isUtf8Text(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    // stream: true lets the sample end in the middle of a character.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** The type of a file from its first bytes (and, only where the bytes allow two, its name), or null. */
export function sniffType(head: Buffer, filename: string): SniffedType | null {
  const name = filename.toLowerCase();
  if (head.length === 0) return null;
  if (startsWith(head, '%PDF-')) return PDF;
  if (startsWith(head, PNG_SIGNATURE)) return PNG;
  if (startsWith(head, Buffer.from([0xff, 0xd8, 0xff]))) return JPEG;
  if (startsWith(head, OLE2_SIGNATURE)) {
    if (name.endsWith('.doc')) return DOC;
    if (name.endsWith('.xls')) return XLS;
    return null;
  }
  if (head.length >= 4 && head.readUInt32LE(0) === ZIP_LOCAL_HEADER) {
    const names = zipEntryNames(head);
    if (names.some((n) => n.startsWith('word/'))) return DOCX;
    if (names.some((n) => n.startsWith('xl/'))) return XLSX;
    return null;
  }
  if (isUtf8Text(head)) {
    // Markup is refused even though it is text: it could run as a page if ever opened inline.
    if (/^\s*<(!doctype|html|script|svg|\?xml)/i.test(head.subarray(0, 512).toString('utf8')))
      return null;
    return name.endsWith('.csv') ? CSV : TEXT;
  }
  return null;
}

/**
 * A name safe to store and show: the last path segment, without control characters, trimmed, at
 * most 200 characters; "file" when nothing is left.
 */
export function sanitiseFilename(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  const chars = Array.from(cleaned);
  const limited = chars.length > 200 ? chars.slice(0, 200).join('') : cleaned;
  return limited.replace(/^\.+$/, '') || 'file';
}

/** An RFC 6266 Content-Disposition value that downloads the file under `name`. */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
