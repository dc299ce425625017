/**
 * Where evidence bytes live (ADR 0006, and docs/performance.md for the embedded database). Two
 * stores behind one interface:
 * - `databaseEvidenceStore`: `evidence_file_chunks` rows in the upload's transaction (a PostgreSQL
 *   server; unchanged);
 * - `fileEvidenceStore(dir)`: files under DATA_DIR/evidence named by their SHA-256, for the
 *   embedded database, whose WebAssembly heap grows with every chunk written through it and never
 *   gives the memory back. A file is written to a temporary name while the upload streams in and
 *   renamed to its hash when complete; identical files are stored once. If the transaction then
 *   rolls back, the named file stays without a row pointing at it (harmless: the next identical
 *   upload reuses it). Files uploaded before the switch are still read from their chunks.
 *
 * Moving a database elsewhere (issue 16's db:move) must copy evidence too: read each file with the
 * source store's `read` and write it with the target's `begin`/`write`/`finish`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';

export interface EvidenceWriter {
  /** Appends the next piece of the file. */
  write(piece: Buffer): Promise<void>;
  /** Ends the file, whose SHA-256 (hex) is now known. */
  finish(sha256: string): Promise<void>;
  /** Gives up (the upload failed); the transaction's rollback removes any rows. */
  abort(): Promise<void>;
}

export interface EvidenceStore {
  readonly kind: 'database' | 'files';
  /** Starts storing the bytes of evidence file `fileId` within the upload's transaction. */
  begin(trx: Knex.Transaction, fileId: number): EvidenceWriter;
  /** The file's bytes, in order. */
  read(
    db: Knex | Knex.Transaction,
    file: { id: number; sha256: string | null },
  ): AsyncIterable<Buffer>;
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new Error('Stored evidence bytes are not binary');
}

async function* chunksOf(db: Knex | Knex.Transaction, fileId: number): AsyncIterable<Buffer> {
  for (let seq = 0; ; seq++) {
    const row = await db('evidence_file_chunks').where({ file_id: fileId, seq }).first('bytes');
    if (!row) return;
    yield toBuffer(row.bytes);
  }
}

export const databaseEvidenceStore: EvidenceStore = {
  kind: 'database',
  begin(trx, fileId) {
    let seq = 0;
    return {
      async write(piece) {
        await trx('evidence_file_chunks').insert({ file_id: fileId, seq: seq++, bytes: piece });
      },
      async finish() {},
      async abort() {},
    };
  },
  read: (db, file) => chunksOf(db, file.id),
};

const SHA256_HEX = /^[0-9a-f]{64}$/;
const READ_CHUNK_BYTES = 256 * 1024;

export function fileEvidenceStore(dir: string): EvidenceStore {
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  // One process holds DATA_DIR (see lockDataDir): anything left in tmp is from a crash.
  for (const name of fs.readdirSync(tmp)) fs.rmSync(path.join(tmp, name), { force: true });
  const named = (sha256: string) => path.join(dir, sha256.slice(0, 2), sha256);

  return {
    kind: 'files',
    begin(_trx, fileId) {
      const partial = path.join(tmp, `${fileId}-${randomBytes(6).toString('hex')}`);
      let handle: fs.promises.FileHandle | null = null;
      const open = async () => (handle ??= await fs.promises.open(partial, 'wx', 0o600));
      return {
        async write(piece) {
          await (await open()).write(piece);
        },
        async finish(sha256) {
          if (!SHA256_HEX.test(sha256)) throw new Error('finish needs the file’s SHA-256 in hex');
          await (await open()).close();
          handle = null;
          const target = named(sha256);
          await fs.promises.mkdir(path.dirname(target), { recursive: true });
          if (fs.existsSync(target)) await fs.promises.rm(partial, { force: true });
          else await fs.promises.rename(partial, target);
        },
        async abort() {
          await handle?.close().catch(() => undefined);
          handle = null;
          await fs.promises.rm(partial, { force: true });
        },
      };
    },
    async *read(db, file) {
      const target = file.sha256 && SHA256_HEX.test(file.sha256) ? named(file.sha256) : null;
      if (!target || !fs.existsSync(target)) {
        yield* chunksOf(db, file.id);
        return;
      }
      for await (const chunk of fs.createReadStream(target, { highWaterMark: READ_CHUNK_BYTES }))
        yield chunk as Buffer;
    },
  };
}
