/**
 * The HTTP side of posting an update with its files and of downloading a file, shared by the
 * workspace pages and /api/v1, so both stream the same way, keep the same limits and leave nothing
 * behind on failure.
 */
import { once } from 'node:events';
import type { Request, Response } from 'express';
import { AppError, ValidationError } from '../../shared/errors';
import { CsrfError } from '../../shared/middleware/csrf';
import {
  BadMultipartError,
  isMultipart,
  PayloadTooLargeError,
  streamMultipart,
  UploadAbortedError,
} from '../../shared/multipart';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { attachmentDisposition } from './evidence.sniff';
import type { ProgressUpdatesService, UploadFields } from './progress-updates.service';

export type ReceiveOutcome =
  | { ok: true; saved: { id: number; status: string; files: number } }
  /** Refused for what was sent (400/409/413/422): nothing was kept; the text fields as sent. */
  | { ok: false; error: AppError; fields: Partial<UploadFields> };

export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

/**
 * Streams a multipart update into the database in one transaction: committed only when the whole
 * body has arrived and every check passed, rolled back otherwise. A refusal of what was sent comes
 * back as `{ ok: false }`; anything else (CSRF, the client going away, a fault) is thrown after the
 * rollback.
 */
export async function receiveUpdate(
  service: ProgressUpdatesService,
  req: Request,
  user: CurrentUser,
  context: RequestContext,
  assignmentId: number,
  authenticatedBy: 'form' | 'bearer',
): Promise<ReceiveOutcome> {
  const upload = await service.beginUpload(user, context, assignmentId);
  if (!isMultipart(req)) {
    await upload.rollback();
    return {
      ok: false,
      error: new ValidationError([
        { field: 'narrative', message: 'Enter what has happened since the last update' },
      ]),
      fields: {},
    };
  }
  try {
    await streamMultipart(
      req,
      {
        maxFileBytes: service.maxFileBytes,
        maxFiles: service.maxFiles,
        maxFields: 10,
        maxFieldBytes: 128 * 1024,
        tooLargeMessage: `Each file must be ${describeBytes(service.maxFileBytes)} or smaller, and you can upload at most ${service.maxFiles} files with one update. Nothing was saved.`,
        authenticatedBy,
      },
      { onField: upload.onField, onFile: upload.onFile },
    );
    return { ok: true, saved: await upload.commit() };
  } catch (err) {
    await upload.rollback();
    if (err instanceof CsrfError || err instanceof UploadAbortedError) throw err;
    if (
      err instanceof AppError &&
      (err instanceof ValidationError ||
        err instanceof BadMultipartError ||
        [409, 413, 422].includes(err.status))
    )
      return { ok: false, error: err, fields: { ...upload.fields } };
    throw err;
  }
}

/** Whether the connection should close after a refusal, so the client stops sending a huge body. */
export const closesConnection = (error: AppError) => error instanceof PayloadTooLargeError;

/** What sending a file needs: its stored name, type, size, hash and a chunk-by-chunk reader. */
export interface SendableFile {
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  chunks(): AsyncIterable<Buffer>;
}

/**
 * Sends an evidence file (already authorised and audited) as a download, chunk by chunk. Private
 * files are never stored by caches (the default); a published one may pass its own Cache-Control.
 */
export async function sendEvidence(
  res: Response,
  file: SendableFile,
  options: { cacheControl?: string } = {},
): Promise<void> {
  res.set({
    'Content-Type': file.contentType,
    'Content-Length': String(file.sizeBytes),
    'Content-Disposition': attachmentDisposition(file.name),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': options.cacheControl ?? 'no-store',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    // RFC 9530: lets a client check what it received against the SHA-256 recorded at upload.
    'Repr-Digest': `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`,
  });
  res.status(200);
  for await (const chunk of file.chunks()) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  }
  res.end();
}
