/**
 * The database connection. With DATABASE_URL the app talks to a PostgreSQL server through a pg pool;
 * without it, it runs an embedded PostgreSQL (PGlite, PostgreSQL compiled to WebAssembly) whose files
 * live in DATA_DIR, so a new user needs nothing installed. Both are driven through the same knex
 * interface, and every migration and query must run on both (server 15+, embedded 18).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import ClientPgLite from 'knex-pglite';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { PROJECT_ROOT } from '../shared/project-root';

const DATE_OID = 1082;
const INT8_OID = 20;

// Dates stay 'YYYY-MM-DD' strings: turning them into Date objects in the server's zone can move
// them by a day. Counts come back as int8; every int8 here (ids, counts) fits in a double.
pg.types.setTypeParser(DATE_OID, (v: string) => v);
pg.types.setTypeParser(INT8_OID, (v: string) => Number(v));
const PGLITE_PARSERS = { [DATE_OID]: (v: string) => v, [INT8_OID]: (v: string) => Number(v) };

export interface Database {
  knex: Knex;
  kind: 'server' | 'embedded';
  /** Closes the pool (server) or the embedded database, releasing DATA_DIR. */
  close(): Promise<void>;
  /** The embedded engine, for dumping it; absent on a server database. */
  pglite?: PGlite;
}

export class DataDirInUseError extends Error {}

export async function openDatabase(config: Config['database'], logger: Logger): Promise<Database> {
  if (config.kind === 'server') return openServerDatabase(config, logger);
  return openEmbeddedDatabase(config.dataDir, logger);
}

export function openServerDatabase(
  config: Extract<Config['database'], { kind: 'server' }>,
  logger: Logger,
): Database {
  const knex = knexFactory({
    client: 'pg',
    // knex would otherwise print its own warnings (with stack traces) straight to the console.
    log: knexLog(logger),
    connection: {
      connectionString: config.url,
      connectionTimeoutMillis: config.connectTimeoutMs,
      statement_timeout: config.statementTimeoutMs,
      idle_in_transaction_session_timeout: Math.max(config.statementTimeoutMs * 2, 60000),
      application_name: 'recommendation-tracker',
    } as Knex.PgConnectionConfig,
    pool: {
      min: 0,
      max: config.poolMax,
      acquireTimeoutMillis: config.connectTimeoutMs + 1000,
      idleTimeoutMillis: 30000,
      // knex marks a connection that emitted 'error' as disposed and never hands it out again;
      // this handler only makes the event visible in the logs.
      afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
        conn.on('error', (err) => logger.warn({ err }, 'database connection lost'));
        done(null, conn);
      },
    },
  });
  return { knex, kind: 'server', close: () => knex.destroy() };
}

function knexLog(logger: Logger): Knex.Config['log'] {
  const text = (message: unknown) =>
    message instanceof Error ? message.message : String(message).split('\n')[0];
  return {
    warn: (message: unknown) => logger.warn({ source: 'knex' }, text(message)),
    error: (message: unknown) => logger.error({ source: 'knex' }, text(message)),
    deprecate: (method: string, alternative: string) =>
      logger.warn({ source: 'knex' }, `${method} is deprecated; use ${alternative}`),
    debug: (message: unknown) => logger.debug({ source: 'knex' }, text(message)),
  };
}

/**
 * PGlite keeps the whole database in one process; a second process opening the same folder would
 * corrupt it. A lock file holding our pid refuses a second instance with a clear message, and is
 * taken over when the process that wrote it is gone.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'tracker.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DataDirInUseError(
          `The data folder ${dataDir} is in use by another running instance (process ${holder}). ` +
            'Stop it, or set DATA_DIR to another folder, or set DATABASE_URL to share a PostgreSQL server.',
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirInUseError(`Could not lock the data folder ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function openEmbeddedDatabase(dataDir: string, logger: Logger): Promise<Database> {
  fs.mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    const pgdata = path.join(dataDir, 'pgdata');
    const fresh = !fs.existsSync(path.join(pgdata, 'PG_VERSION'));
    if (fresh)
      logger.info(
        { dataDir },
        'creating the embedded database (first start only, takes a few seconds)',
      );
    if (fresh) await createClusterInChildProcess(pgdata);
    const pglite = await PGlite.create(pgdata, { parsers: PGLITE_PARSERS });
    return wrapPglite(pglite, async () => unlock(), pglite);
  } catch (err) {
    unlock();
    throw err;
  }
}

/**
 * Creating a new embedded cluster (initdb) grows the WebAssembly heap to about 750 MiB, which the
 * process would then keep for as long as it runs; opening an existing one takes about 270 MiB. So a
 * first start creates the cluster in a short-lived child process and then opens it like any later
 * start.
 */
async function createClusterInChildProcess(pgdata: string): Promise<void> {
  const code =
    "import { PGlite } from '@electric-sql/pglite';" +
    'const db = await PGlite.create(process.argv[1]); await db.query("select 1"); await db.close();';
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, pgdata], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`creating the embedded database failed: ${stderr.trim() || `exit ${code}`}`),
          ),
    );
  });
}

/**
 * An embedded database held in memory, empty or loaded from a tarball made by `dumpEmbedded`: how
 * tests get a migrated copy quickly (one migration per run, one cheap copy per test file).
 */
export async function openEmbeddedInMemory(dump?: Blob): Promise<Database> {
  const pglite = await PGlite.create(
    dump ? { loadDataDir: dump, parsers: PGLITE_PARSERS } : { parsers: PGLITE_PARSERS },
  );
  return wrapPglite(pglite, async () => undefined, pglite);
}

/** The embedded database's files as an uncompressed tarball. */
export async function dumpEmbedded(db: Database): Promise<Blob> {
  if (!db.pglite) throw new Error('dumpEmbedded needs an embedded database');
  return db.pglite.dumpDataDir('none');
}

/**
 * knex-pglite names a delete's command 'DEL', so knex's postgres client does not see 'DELETE' and
 * returns the raw result instead of the row count that `.delete()` promises (and the pg driver gives).
 */
class ClientPgLiteWithDeleteCount extends (ClientPgLite as unknown as new (config: Knex.Config) => {
  processResponse(obj: { method?: string }, runner: unknown): unknown;
}) {
  override processResponse(obj: { method?: string }, runner: unknown): unknown {
    return super.processResponse(obj.method === 'del' ? { ...obj, method: 'delete' } : obj, runner);
  }
}

function wrapPglite(pglite: PGlite, afterClose: () => Promise<void>, engine: PGlite): Database {
  const knex = knexFactory({
    client: ClientPgLiteWithDeleteCount as unknown as typeof knexFactory.Client,
    dialect: 'postgres',
    connection: () => ({ pglite }) as object,
  } as Knex.Config);
  let closed = false;
  return {
    knex,
    kind: 'embedded',
    pglite: engine,
    close: async () => {
      if (closed) return;
      closed = true;
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
      await afterClose();
    },
  };
}
