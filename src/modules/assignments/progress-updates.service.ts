/**
 * Progress updates and their evidence files. An update is posted by a lead of the assignment's
 * organisation; its evidence streams in with the form and is stored in chunks inside the one
 * transaction that also stores the update, its file rows, any status change and its audit event, so
 * a refusal, a limit, a scanner verdict or the client going away part-way leaves nothing behind.
 * That transaction is the write path's streaming entry point, `beginAssignmentWrite`.
 * Updates are append-only: there is no way to edit or delete one.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { NotFoundError, ValidationError, type FieldError } from '../../shared/errors';
import { PayloadTooLargeError, UnprocessableError } from '../../shared/api/api-errors';
import type { AssignmentStatus } from '../../db/tables';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { can } from '../accounts/policy';
import { authorisedAssignment } from './assignments.access';
import { beginAssignmentWrite } from './assignment-write';
import { nextState } from './lifecycle';
import { changeStatus, statusActor } from './status-history';
import { recordAudit, userActor } from '../operations/audit.repository';
import { SNIFF_BYTES, sanitiseFilename, sniffType } from './evidence.sniff';
import { noScanner, type EvidenceScanner } from './evidence.scanner';
import { databaseEvidenceStore, type EvidenceStore, type EvidenceWriter } from './evidence.store';

export const SELF_ASSESSMENTS = ['on_track', 'at_risk', 'off_track', 'complete'] as const;
export type SelfAssessment = (typeof SELF_ASSESSMENTS)[number];
export const NARRATIVE_MAX = 20000;
/** The size of each stored piece of a file's bytes. */
export const CHUNK_BYTES = 256 * 1024;
/** The most updates one page lists (newest first). */
export const UPDATES_SHOWN = 100;

export const NO_SUCH_FILE =
  'There is no evidence file with that number, or it is not yours to see.';

export interface EvidenceFileSummary {
  id: number;
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

export interface ProgressUpdateSummary {
  id: number;
  createdAt: Date;
  author: string;
  selfAssessment: SelfAssessment;
  narrative: string;
  files: EvidenceFileSummary[];
  /** The oversight office's review (src/modules/assignments/decisions.service.ts), once there is one. */
  review: {
    decision: 'accepted' | 'returned';
    feedback: string | null;
    reviewer: string;
    reviewedAt: Date;
  } | null;
}

export interface UploadFields {
  narrative: string;
  selfAssessment: string;
}

export function checkUpdateFields(fields: Partial<UploadFields>): {
  narrative: string;
  selfAssessment: SelfAssessment;
} {
  const errors: FieldError[] = [];
  const narrative = (fields.narrative ?? '').replace(/\r\n?/g, '\n').trim();
  if (narrative === '')
    errors.push({ field: 'narrative', message: 'Enter what has happened since the last update' });
  else if (narrative.length > NARRATIVE_MAX)
    errors.push({
      field: 'narrative',
      message: `The update must be ${NARRATIVE_MAX} characters or fewer`,
    });
  const selfAssessment = fields.selfAssessment ?? '';
  if (!(SELF_ASSESSMENTS as readonly string[]).includes(selfAssessment))
    errors.push({ field: 'selfAssessment', message: 'Choose how the work is going' });
  if (errors.length) throw new ValidationError(errors);
  return { narrative, selfAssessment: selfAssessment as SelfAssessment };
}

export interface ProgressUpdatesDeps {
  knex: Knex;
  clock: Clock;
  maxFileBytes: number;
  maxFiles: number;
  scanner?: EvidenceScanner;
  /** Where the bytes go: the database (default) or files (the embedded database). */
  evidenceStore?: EvidenceStore;
}

/** A stored evidence file, with the id of its row. */
type StoredFile = EvidenceFileSummary & { fileId: number };

/**
 * Streams one evidence file into the store inside the update's transaction: sniffs its type from
 * the first bytes (refusing an empty file or a type the tracker does not take), writes it in chunks
 * while hashing it, and refuses it whole if the upload limit cut it short.
 */
async function storeFile(
  where: { trx: Knex.Transaction; store: EvidenceStore; now: Date },
  updateId: number,
  filename: string,
  stream: Readable,
): Promise<StoredFile> {
  const { trx, store, now } = where;
  const name = sanitiseFilename(filename);
  const hash = createHash('sha256');
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let size = 0;
  let fileId: number | null = null;
  let writer: EvidenceWriter | null = null;

  const start = async () => {
    const head = Buffer.concat(buffered).subarray(0, SNIFF_BYTES);
    if (head.length === 0)
      throw new UnprocessableError(
        `The file “${name}” is empty. Choose a file with something in it.`,
      );
    const type = sniffType(head, filename);
    if (!type)
      throw new UnprocessableError(
        `The file “${name}” is not a type the tracker accepts. Upload a PDF, Word, Excel, CSV, plain text, PNG or JPEG file.`,
      );
    const [row] = await trx('evidence_files')
      .insert({
        progress_update_id: updateId,
        original_name: name,
        content_type: type.contentType,
        created_at: now,
      })
      .returning(['id']);
    fileId = row.id as number;
    writer = store.begin(trx, fileId);
    return type;
  };
  const flush = async (all: boolean) => {
    if (fileId === null) return;
    while (bufferedBytes >= CHUNK_BYTES || (all && bufferedBytes > 0)) {
      const joined = Buffer.concat(buffered);
      const piece = joined.subarray(0, Math.min(CHUNK_BYTES, joined.length));
      const rest = joined.subarray(piece.length);
      buffered = rest.length ? [rest] : [];
      bufferedBytes = rest.length;
      await writer!.write(piece);
    }
  };

  let type = null;
  let sha256: string;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      if (fileId === null && bufferedBytes >= SNIFF_BYTES) type = await start();
      if (bufferedBytes >= CHUNK_BYTES) await flush(false);
    }
    if ((stream as unknown as { truncated?: boolean }).truncated)
      throw new PayloadTooLargeError('A file is too large.');
    if (fileId === null) type = await start();
    await flush(true);
    sha256 = hash.digest('hex');
    await (writer as EvidenceWriter | null)?.finish(sha256);
  } catch (err) {
    await (writer as EvidenceWriter | null)?.abort();
    throw err;
  }
  await trx('evidence_files').where({ id: fileId }).update({ size_bytes: size, sha256 });
  return {
    id: fileId!,
    fileId: fileId!,
    name,
    contentType: type!.contentType,
    sizeBytes: size,
    sha256,
  };
}

/** Asks the scanner about every stored file; the first one refused refuses the whole update. */
async function scanAll(
  scanner: EvidenceScanner,
  where: { trx: Knex.Transaction; store: EvidenceStore },
  stored: StoredFile[],
): Promise<void> {
  for (const file of stored) {
    const verdict = await scanner.scan({
      name: file.name,
      contentType: file.contentType,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      readBytes: () => where.store.read(where.trx, { id: file.fileId, sha256: file.sha256 }),
    });
    if (!verdict.clean)
      throw new UnprocessableError(
        `The file “${file.name}” was refused by the virus scanner: ${verdict.reason}`,
      );
  }
}

export function createProgressUpdatesService(deps: ProgressUpdatesDeps) {
  const { knex, clock } = deps;
  const scanner = deps.scanner ?? noScanner;
  const store = deps.evidenceStore ?? databaseEvidenceStore;

  return {
    maxFileBytes: deps.maxFileBytes,
    maxFiles: deps.maxFiles,

    /** The assignment, its updates (newest first, at most UPDATES_SHOWN) and whether `user` may post. */
    async listFor(user: CurrentUser, assignmentId: number) {
      const assignment = await authorisedAssignment(
        knex,
        user,
        assignmentId,
        'assignment.read_private',
      );
      const recommendation = await knex('recommendations')
        .where({ id: assignment.recommendation_id })
        .first('ref', 'title');
      const organisation = await knex('organisations')
        .where({ id: assignment.organisation_id })
        .first('name');
      const rows = await knex('progress_updates')
        .where({ assignment_id: assignment.id })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(UPDATES_SHOWN + 1)
        .select('id', 'created_at', 'author_label', 'self_assessment', 'narrative');
      const shown = rows.slice(0, UPDATES_SHOWN);
      const files = shown.length
        ? await knex('evidence_files')
            .whereIn(
              'progress_update_id',
              shown.map((r) => r.id),
            )
            .orderBy('id')
            .select(
              'id',
              'progress_update_id',
              'original_name',
              'content_type',
              'size_bytes',
              'sha256',
            )
        : [];
      const reviews = shown.length
        ? await knex('progress_update_reviews')
            .whereIn(
              'progress_update_id',
              shown.map((r) => r.id),
            )
            .select('progress_update_id', 'decision', 'feedback', 'reviewer_label', 'created_at')
        : [];
      const reviewOf = (id: number) => {
        const v = reviews.find((x) => x.progress_update_id === id);
        return v
          ? {
              decision: v.decision,
              feedback: v.feedback,
              reviewer: v.reviewer_label,
              reviewedAt: new Date(v.created_at),
            }
          : null;
      };
      const updates: ProgressUpdateSummary[] = shown.map((r) => ({
        id: r.id,
        createdAt: new Date(r.created_at),
        author: r.author_label,
        selfAssessment: r.self_assessment,
        narrative: r.narrative,
        files: files
          .filter((f) => f.progress_update_id === r.id)
          .map((f) => ({
            id: f.id,
            name: f.original_name,
            contentType: f.content_type,
            sizeBytes: Number(f.size_bytes),
            sha256: f.sha256,
          })),
        review: reviewOf(r.id),
      }));
      return {
        assignment,
        reference: recommendation?.ref as string,
        title: (recommendation?.title as string | null) ?? null,
        organisation: organisation?.name as string,
        updates,
        more: rows.length > UPDATES_SHOWN,
        canPost: can(user, 'assignment.act', { organisationId: assignment.organisation_id }),
      };
    },

    /**
     * Starts posting an update: checks the user may (404/403 before any of the body is read), opens
     * the transaction and locks the assignment. Feed it the form with onField/onFile as the body
     * streams in, then commit(); on any failure, rollback().
     */
    async beginUpload(user: CurrentUser, context: RequestContext, assignmentId: number) {
      const write = await beginAssignmentWrite(knex, {
        actor: user,
        assignmentId,
        permission: 'assignment.act',
        context,
      });
      const { trx, assignment } = write;
      const now = clock.now();
      const fields: Partial<UploadFields> = {};
      const stored: StoredFile[] = [];
      let update: Promise<{
        id: number;
        narrative: string;
        selfAssessment: SelfAssessment;
        newStatus: AssignmentStatus | null;
      }> | null = null;

      const ensureUpdate = () => {
        update ??= (async () => {
          const checked = checkUpdateFields(fields);
          const newStatus =
            checked.selfAssessment === 'complete'
              ? nextState(assignment.status, { kind: 'claim_complete' }).status
              : null;
          const [row] = await trx('progress_updates')
            .insert({
              assignment_id: assignment.id,
              author_id: user.id,
              author_label: user.name || user.email,
              self_assessment: checked.selfAssessment,
              narrative: checked.narrative,
              created_at: now,
            })
            .returning(['id']);
          return { id: row.id as number, ...checked, newStatus };
        })();
        return update;
      };

      return {
        fields,
        onField(name: string, value: string) {
          if (name === 'narrative') fields.narrative = value;
          if (name === 'selfAssessment') fields.selfAssessment = value;
        },
        async onFile(field: string, info: { filename: string }, stream: Readable) {
          if (field !== 'files' || info.filename === '') {
            // Not evidence (or an empty file input): read and drop.
            for await (const chunk of stream) void chunk;
            return;
          }
          const { id } = await ensureUpdate();
          stored.push(await storeFile({ trx, store, now }, id, info.filename, stream));
        },
        async commit() {
          const saved = await ensureUpdate();
          await scanAll(scanner, { trx, store }, stored);
          if (saved.newStatus)
            await changeStatus(
              trx,
              assignment,
              { status: saved.newStatus, closureReason: null },
              'claim_complete',
              { actor: statusActor(user), at: now },
            );
          await write.finish({
            action: 'progress_update.create',
            subject: { type: 'progress_update', id: saved.id },
            before: saved.newStatus ? { status: assignment.status } : undefined,
            after: {
              assignmentId: assignment.id,
              selfAssessment: saved.selfAssessment,
              narrative: saved.narrative,
              files: stored.map((f) => ({
                name: f.name,
                contentType: f.contentType,
                sizeBytes: f.sizeBytes,
                sha256: f.sha256,
              })),
              ...(saved.newStatus ? { status: saved.newStatus } : {}),
            },
          });
          return {
            id: saved.id,
            status: saved.newStatus ?? assignment.status,
            files: stored.length,
          };
        },
        async rollback() {
          await write.abandon();
        },
      };
    },

    /**
     * An evidence file for download, if `user` may read its assignment (404 otherwise, the same as
     * a file that does not exist). The download is audited before any byte is sent.
     */
    async openDownload(user: CurrentUser, context: RequestContext, fileId: number) {
      if (!Number.isSafeInteger(fileId) || fileId < 1 || fileId > 2147483647)
        throw new NotFoundError(NO_SUCH_FILE);
      const row = await knex('evidence_files as f')
        .join('progress_updates as u', 'u.id', 'f.progress_update_id')
        .where('f.id', fileId)
        .first(
          'f.id',
          'f.original_name',
          'f.content_type',
          'f.size_bytes',
          'f.sha256',
          'u.assignment_id',
        );
      if (!row) throw new NotFoundError(NO_SUCH_FILE);
      try {
        await authorisedAssignment(knex, user, row.assignment_id, 'assignment.read_private');
      } catch (err) {
        if (err instanceof NotFoundError) throw new NotFoundError(NO_SUCH_FILE);
        throw err;
      }
      await recordAudit(knex, {
        actor: userActor(user),
        action: 'evidence.download',
        subjectType: 'evidence_file',
        subjectId: row.id,
        after: {
          assignmentId: row.assignment_id,
          name: row.original_name,
          sizeBytes: Number(row.size_bytes),
          sha256: row.sha256,
        },
        ipAddress: context.ip,
        requestId: context.requestId,
      });
      return {
        name: row.original_name as string,
        contentType: row.content_type as string,
        sizeBytes: Number(row.size_bytes),
        sha256: row.sha256 as string,
        chunks: () => store.read(knex, { id: row.id, sha256: row.sha256 }),
      };
    },
  };
}

export type ProgressUpdatesService = ReturnType<typeof createProgressUpdatesService>;
export type UploadSession = Awaited<ReturnType<ProgressUpdatesService['beginUpload']>>;
