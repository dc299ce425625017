/**
 * The data version: a counter per scope ('public': what signed-out visitors can see; 'workspace':
 * what the oversight dashboards and board pack show), bumped in the same transaction as every write
 * to a table those pages read. Every validator (ETag, Last-Modified) and every cache key of a
 * rendered response derives from it, so a cache is right on any number of app instances sharing one
 * database without telling each other anything: each request reads the counter (one primary-key
 * lookup) and a changed counter is a different key.
 *
 * How the bump works (see docs/adr/0011): a statement-level trigger on each watched table
 * (`attachDataVersion`) notes "this transaction changed scope S" in data_version_marks; a deferred
 * constraint trigger on that note bumps data_versions.S when the transaction commits. Bumping at
 * commit keeps the counter's row lock to the last instant of the writing transaction, so it can
 * never be held while that transaction waits for something else (no deadlock with row locks, the
 * audit chain or other writers), and the new version and the new data become visible together.
 *
 * A new table whose rows appear on public pages, feeds, open data or the dashboards must call
 * `attachDataVersion` in its migration.
 */
import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';

export const DATA_VERSION_SCOPES = ['public', 'workspace'] as const;
export type DataVersionScope = (typeof DATA_VERSION_SCOPES)[number];

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function triggerName(table: string): string {
  return `${table}_data_version`.slice(0, 63);
}

/**
 * Makes every insert, update, delete and truncate on `table` bump the data version of `scopes`
 * when its transaction commits. Call it from a migration, after the table is created:
 *
 *   await attachDataVersion(knex, 'status_notes', ['public', 'workspace']);
 *
 * and `detachDataVersion(knex, 'status_notes')` in its `down`. Calling it again replaces the
 * trigger (to change the scopes).
 */
export async function attachDataVersion(
  knex: Knex,
  table: string,
  scopes: readonly DataVersionScope[],
): Promise<void> {
  if (!IDENTIFIER.test(table)) throw new Error(`attachDataVersion: bad table name ${table}`);
  if (scopes.length === 0 || scopes.some((s) => !DATA_VERSION_SCOPES.includes(s)))
    throw new Error(`attachDataVersion: scopes must be some of ${DATA_VERSION_SCOPES.join(', ')}`);
  const name = triggerName(table);
  const args = [...new Set(scopes)].map((s) => `'${s}'`).join(', ');
  await knex.raw(`drop trigger if exists ${name} on ${table}`);
  await knex.raw(
    `create trigger ${name} after insert or update or delete or truncate on ${table}
       for each statement execute function note_data_change(${args})`,
  );
}

/** Undoes `attachDataVersion` (for a migration's `down`). */
export async function detachDataVersion(knex: Knex, table: string): Promise<void> {
  if (!IDENTIFIER.test(table)) throw new Error(`detachDataVersion: bad table name ${table}`);
  await knex.raw(`drop trigger if exists ${triggerName(table)} on ${table}`);
}

export interface DataVersion {
  /** The counter: changes whenever anything in the scope changes. */
  version: number;
  /** When it last changed (the commit of the last write, to the database's clock). */
  changedAt: Date;
}

export type DataVersions = Record<DataVersionScope, DataVersion>;

const READ_SQL = 'select scope, version, changed_at from data_versions';

/**
 * Reads the data versions, one small statement per read. Reads asked for while a statement is
 * running wait for the next one, which starts only after they were asked for: so under load many
 * requests share one statement, and no request ever gets a version read before it arrived (a write
 * that finished before a request began is always seen by it).
 */
export function createDataVersionReader(knex: Knex) {
  let running: Promise<DataVersions> | null = null;
  let queued: Promise<DataVersions> | null = null;

  // The embedded database is open in this process alone (PGlite; see knex.ts), so its version can
  // change only through a statement this process sends. There a read stays good until this
  // process sends a statement that could change data: anything but a SELECT (an INSERT, UPDATE,
  // DELETE, TRUNCATE, a COMMIT, DDL; no function that writes is ever called from a SELECT here, the
  // only functions that write are triggers). Reading it again would cost a turn on PGlite's single
  // thread for every request. A read is kept only if no such statement was sent while it ran; the
  // embedded database has one connection and runs statements in the order sent, so a read sent
  // after a COMMIT sees that commit. A server database is shared by other instances and is read
  // every time.
  const singleProcess = knex.client instanceof ClientPgLite;
  let changes = 0;
  let kept: { versions: DataVersions; changes: number } | null = null;
  if (singleProcess)
    knex.on('query', (query: { sql?: string }) => {
      if (!/^\s*select\b/i.test(query.sql ?? '')) changes += 1;
    });

  async function readNow(): Promise<DataVersions> {
    const before = changes;
    const result = await knex.raw<{
      rows: { scope: DataVersionScope; version: number | string; changed_at: Date | string }[];
    }>(READ_SQL);
    const out = {} as DataVersions;
    for (const scope of DATA_VERSION_SCOPES) out[scope] = { version: 0, changedAt: new Date(0) };
    for (const row of result.rows)
      out[row.scope] = { version: Number(row.version), changedAt: new Date(row.changed_at) };
    if (singleProcess && changes === before) kept = { versions: out, changes };
    return out;
  }

  function start(): Promise<DataVersions> {
    const p = readNow();
    running = p;
    const clear = () => {
      if (running === p) running = null;
    };
    p.then(clear, clear);
    return p;
  }

  return {
    /** The current versions of every scope. */
    read(): Promise<DataVersions> {
      if (kept && kept.changes === changes) return Promise.resolve(kept.versions);
      if (!running) return start();
      // A statement is already running: it may have started before this request arrived, so
      // wait for it and then share the next one.
      queued ??= running
        .catch(() => undefined)
        .then(() => {
          queued = null;
          return start();
        });
      return queued;
    },
  };
}

export type DataVersionReader = ReturnType<typeof createDataVersionReader>;
