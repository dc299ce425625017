/**
 * Reading multipart/form-data uploads as a stream (busboy), with limits on the bytes of each file,
 * the number of files and the number and size of fields. Files are collected in memory up to the
 * limit, so the limit is also the most memory one upload can take.
 *
 * CSRF: the CSRF middleware lets multipart requests through only to paths registered with
 * `acceptMultipartAt` (csrf.ts), and those handlers must read the body with `readMultipart`, which
 * checks the `_csrf` field before it accepts a single file byte. Forms must therefore put `{{> csrf}}`
 * before the file input. A missing or wrong token, or a file that comes before the token, is refused
 * with 403 and nothing is kept.
 *
 * Usage (in a controller):
 *   const { fields, files } = await readMultipart(req, { maxFileBytes: 5e6, maxFiles: 1, maxFields: 5 });
 */
import busboy from 'busboy';
import type { Request } from 'express';
import { AppError } from './errors';
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

export function readMultipart(req: Request, limits: MultipartLimits): Promise<MultipartBody> {
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
        limits: {
          fileSize: limits.maxFileBytes,
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
    const files: UploadedFile[] = [];
    let csrfChecked = false;
    let failed = false;

    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      files.length = 0;
      req.unpipe(bb);
      // Read and drop the rest of the request, so the client gets our answer instead of a reset.
      req.resume();
      reject(err);
    };
    const checkCsrf = () => {
      if (csrfChecked) return true;
      if (!verifyCsrfToken(req, fields._csrf)) {
        fail(new CsrfError());
        return false;
      }
      csrfChecked = true;
      return true;
    };

    bb.on('field', (name, value, info) => {
      if (failed) return;
      if (info.valueTruncated || info.nameTruncated) return fail(tooLarge());
      fields[name] = value;
    });
    bb.on('file', (field, stream, info) => {
      if (failed || !checkCsrf()) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (!failed) chunks.push(chunk);
      });
      stream.on('limit', () => fail(tooLarge()));
      stream.on('close', () => {
        if (failed || (stream as unknown as { truncated?: boolean }).truncated) return;
        files.push({
          field,
          filename: info.filename ?? '',
          mimeType: info.mimeType,
          bytes: Buffer.concat(chunks),
        });
      });
    });
    bb.on('filesLimit', () => fail(tooLarge()));
    bb.on('fieldsLimit', () => fail(new BadMultipartError('The form has too many fields.')));
    bb.on('partsLimit', () => fail(new BadMultipartError('The form has too many parts.')));
    bb.on('error', () =>
      fail(new BadMultipartError('The upload could not be read. Choose the file and try again.')),
    );
    bb.on('close', () => {
      if (failed || !checkCsrf()) return;
      resolve({ fields, files });
    });
    req.pipe(bb);
  });
}
