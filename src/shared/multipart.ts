/**
 * Reading multipart/form-data uploads as a stream (busboy), with limits on the bytes of each file,
 * the number of files and the number and size of fields. `streamMultipart` hands each file over as
 * a stream, for uploads that must never be held whole in memory (evidence files); `readMultipart`,
 * built on it, collects small files in memory up to the limit.
 *
 * CSRF: the CSRF middleware lets multipart requests through only to paths registered with
 * `acceptMultipartAt` (csrf.ts), and those handlers must read the body with `readMultipart` or `streamMultipart`, which
 * checks the `_csrf` field before it accepts a single file byte. Forms must therefore put `{{> csrf}}`
 * before the file input. A missing or wrong token, or a file that comes before the token, is refused
 * with 403 and nothing is kept.
 *
 * Usage (in a controller):
 *   const { fields, files } = await readMultipart(req, { maxFileBytes: 5e6, maxFiles: 1, maxFields: 5 });
 */
import busboy from 'busboy';
import type { Readable } from 'node:stream';
import type { Request } from 'express';
import { AppError, ValidationError } from './errors';
import { badText, bodyProblems } from './middleware/input-guard';
import { CsrfError, verifyCsrfToken } from './middleware/csrf';
import { PayloadTooLargeError } from './api/api-errors';

/** Re-exported so upload handlers need one import for everything about a multipart body. */
export { PayloadTooLargeError };

export class BadMultipartError extends AppError {
  readonly status = 400;
  readonly title = 'Invalid upload';
}

export interface MultipartLimits {
  /** Most bytes in one file. */
  maxFileBytes: number;
  maxFiles: number;
  maxFields: number;
  /** Most bytes in one text field (default 64 KB). */
  maxFieldBytes?: number;
  /** Words for the 413 message, e.g. "The file must be 5 MB or smaller." */
  tooLargeMessage?: string;
  /**
   * 'bearer' for /api/v1 uploads: those requests are authenticated by an Authorization header,
   * never a cookie, so a cross-site form cannot make them and there is no `_csrf` field to check.
   * Everything else ('form', the default) must send the CSRF field before any file.
   */
  authenticatedBy?: 'form' | 'bearer';
}

export interface UploadedFile {
  field: string;
  filename: string;
  mimeType: string;
  bytes: Buffer;
}

export interface MultipartBody {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export function isMultipart(req: Request): boolean {
  return /^multipart\/form-data\b/i.test(req.get('content-type') ?? '');
}

// Room for the boundaries, headers and small fields around the file(s).
const OVERHEAD_BYTES = 64 * 1024;

export interface FileInfo {
  filename: string;
  mimeType: string;
}

export interface MultipartHandlers {
  /** Each text field, in the order it arrives (before any file that follows it in the form). */
  onField?(name: string, value: string): void;
  /**
   * Each file, one at a time and in order: the handler must read `stream` to its end (or throw).
   * The next file's handler starts only when this one's promise has settled. When the upload fails
   * (a limit, the client going away, a bad body), `stream` is destroyed with that error, so a
   * handler reading it with `for await` stops there.
   */
  onFile(field: string, info: FileInfo, stream: Readable): Promise<void>;
}

/** The client went away before the whole body arrived. */
export class UploadAbortedError extends BadMultipartError {
  constructor() {
    super('The upload was interrupted before it finished. Try again.');
  }
}

/**
 * Reads a multipart body as it arrives, handing each file to `handlers.onFile` as a stream, so a
 * file is never held whole in memory. Resolves with the text fields once the body has been read
 * and every file handler has finished; rejects with the first error (413 for a limit, 403 for CSRF,
 * 400 for a malformed or interrupted body, or whatever a handler threw) only after every handler
 * that started has settled, so the caller can roll back knowing nothing is still writing.
 */
export function streamMultipart(
  req: Request,
  limits: MultipartLimits,
  handlers: MultipartHandlers,
): Promise<Record<string, string>> {
  const maxFieldBytes = limits.maxFieldBytes ?? 64 * 1024;
  const tooLarge = () =>
    new PayloadTooLargeError(
      limits.tooLargeMessage ??
        `The upload is too large: files may be at most ${limits.maxFileBytes} bytes.`,
    );
  const declared = Number(req.get('content-length'));
  if (
    Number.isFinite(declared) &&
    declared > limits.maxFileBytes * Math.max(limits.maxFiles, 1) + OVERHEAD_BYTES
  ) {
    req.resume();
    return Promise.reject(tooLarge());
  }

  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        // Browsers send file names as UTF-8.
        defParamCharset: 'utf8',
        limits: {
          // busboy stops a file when it reaches fileSize; one more byte lets a file of exactly
          // maxFileBytes through and stops the first one over it.
          fileSize: limits.maxFileBytes + 1,
          files: limits.maxFiles,
          fields: limits.maxFields,
          fieldSize: maxFieldBytes,
          parts: limits.maxFiles + limits.maxFields,
        },
      });
    } catch {
      reject(new BadMultipartError('The upload could not be read. Choose the file and try again.'));
      return;
    }
    const fields: Record<string, string> = {};
    let csrfChecked = false;
    let failure: Error | null = null;
    let finished = false;
    // The file handlers, chained so they run one after another; always settles (errors go to fail).
    let handlersDone: Promise<void> = Promise.resolve();
    const open = new Set<Readable>();

    const fail = (err: Error) => {
      if (failure || finished) return;
      failure = err;
      req.unpipe(bb);
      for (const stream of open) stream.destroy(err);
      // Read and drop the rest of the request, so the client gets our answer instead of a reset.
      req.resume();
      void handlersDone.then(() => reject(err));
    };
    const checkCsrf = () => {
      if (csrfChecked || limits.authenticatedBy === 'bearer') return true;
      if (!verifyCsrfToken(req, fields._csrf)) {
        fail(new CsrfError());
        return false;
      }
      csrfChecked = true;
      return true;
    };

    bb.on('field', (name, value, info) => {
      if (failure) return;
      if (info.valueTruncated || info.nameTruncated) return fail(tooLarge());
      const problems = bodyProblems({ [name]: value });
      if (problems.length) return fail(new ValidationError(problems));
      fields[name] = value;
      handlers.onField?.(name, value);
    });
    bb.on('file', (field, stream, info) => {
      if (failure || !checkCsrf()) {
        stream.resume();
        return;
      }
      open.add(stream);
      // The error a failure destroys the stream with is reported by fail(), not by the stream.
      stream.on('error', () => undefined);
      stream.on('limit', () => fail(tooLarge()));
      stream.on('close', () => open.delete(stream));
      const fileInfo = { filename: info.filename ?? '', mimeType: info.mimeType };
      const problem = badText(fileInfo.filename);
      if (problem) {
        stream.resume();
        return fail(new ValidationError([{ field, message: `The file name ${problem}` }]));
      }
      handlersDone = handlersDone
        .then(async () => {
          if (failure) {
            stream.resume();
            return;
          }
          await handlers.onFile(field, fileInfo, stream);
          if (!failure && (stream as unknown as { truncated?: boolean }).truncated)
            fail(tooLarge());
        })
        .catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
    });
    bb.on('filesLimit', () => fail(tooLarge()));
    bb.on('fieldsLimit', () => fail(new BadMultipartError('The form has too many fields.')));
    bb.on('partsLimit', () => fail(new BadMultipartError('The form has too many parts.')));
    bb.on('error', () =>
      fail(new BadMultipartError('The upload could not be read. Choose the file and try again.')),
    );
    bb.on('close', () => {
      if (failure || !checkCsrf()) return;
      void handlersDone.then(() => {
        if (failure) return;
        finished = true;
        resolve(fields);
      });
    });
    // The client going away mid-body: busboy would wait for the rest for ever.
    req.on('close', () => {
      if (!req.complete) fail(new UploadAbortedError());
    });
    req.on('error', () => fail(new UploadAbortedError()));
    req.pipe(bb);
  });
}

/** Reads a whole multipart body, files into memory (up to the limits): for small uploads only. */
export async function readMultipart(req: Request, limits: MultipartLimits): Promise<MultipartBody> {
  const files: UploadedFile[] = [];
  const fields = await streamMultipart(req, limits, {
    async onFile(field, info, stream) {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      if ((stream as unknown as { truncated?: boolean }).truncated) return;
      files.push({
        field,
        filename: info.filename,
        mimeType: info.mimeType,
        bytes: Buffer.concat(chunks),
      });
    },
  });
  return { fields, files };
}
