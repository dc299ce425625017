/**
 * The seam for a virus scanner. Every evidence file is offered to the scanner after its bytes are
 * stored and before the upload's transaction commits; a refusal rolls back the whole update, so a
 * file the scanner rejects is never kept. The default scanner accepts everything: plugging in a
 * real one (e.g. a clamd client reading `readBytes()`) means implementing this interface and
 * passing it to createProgressUpdatesService in src/services.ts. See docs/using-the-tracker.md, "Progress updates and evidence files".
 */
export interface ScannedFile {
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  /** The stored bytes, chunk by chunk (never the whole file at once). */
  readBytes(): AsyncIterable<Buffer>;
}

export type ScanVerdict = { clean: true } | { clean: false; reason: string };

export interface EvidenceScanner {
  scan(file: ScannedFile): Promise<ScanVerdict>;
}

/** Accepts every file without reading it: there is no scanner yet. */
export const noScanner: EvidenceScanner = {
  scan: async () => ({ clean: true }),
};
