/**
 * Growing and recovering (ADR 0010), with the app's settings:
 *
 *   npm run db:move -- <postgres URL>   copy the embedded database (DATA_DIR) into an empty server
 *                                       database: migrations for the schema, then the data, checked
 *   npm run db:backup -- <file>         write the configured database to a portable backup
 *   npm run db:restore -- <file>        load a backup into the configured database, which must be
 *                                       empty (as DATABASE_MIGRATION_URL when set, then granting the
 *                                       app role)
 *
 * The app must not be running on the embedded database (it holds DATA_DIR). A backup is gzipped JSON
 * lines: a header, then one line per batch of rows. It holds password hashes and sealed secrets:
 * it is written readable by its owner only; keep it as safe as the database.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { once } from 'node:events';
import { loadConfig, type Config } from '../config';
import { createLogger } from '../logger';
import { openDatabase, openServerDatabase, type Database } from '../db/knex';
import { migrateToLatest } from '../db/migrate';
import { grantAppPrivileges, roleOf } from '../db/roles';
import { describeDatabase } from '../startup';
import {
  appliedMigrations,
  checkSame,
  isEmpty,
  LATEST_MIGRATIONS,
  readData,
  rowCounts,
  writeData,
  type TableChunk,
} from '../db/portable';

const FORMAT = 'recommendation-tracker-backup';
const USAGE =
  'usage: npm run db:move -- <postgres URL> | npm run db:backup -- <file> | npm run db:restore -- <file>';
const logger = createLogger('warn');

function serverConfig(url: string): Extract<Config['database'], { kind: 'server' }> {
  return { kind: 'server', url, poolMax: 2, connectTimeoutMs: 10000, statementTimeoutMs: 600000 };
}

/** The configured database, as the owner when DATABASE_MIGRATION_URL is set. */
async function openConfigured(config: Config): Promise<{ db: Database; appRole: string | null }> {
  const d = config.database;
  if (d.kind === 'server' && d.migrationUrl)
    return { db: openServerDatabase(serverConfig(d.migrationUrl), logger), appRole: roleOf(d.url) };
  return { db: await openDatabase(d, logger), appRole: null };
}

async function prepareTarget(target: Database, what: string): Promise<void> {
  if (!(await isEmpty(target.knex)))
    throw new Error(`${what} is not empty. Use a new, empty database (nothing is changed).`);
  await migrateToLatest(target);
}

async function move(url: string | undefined): Promise<string> {
  if (!url || !/^postgres(ql)?:\/\//.test(url)) throw new Error(USAGE);
  const config = loadConfig();
  if (config.database.kind !== 'embedded')
    throw new Error('db:move copies the embedded database: run it without DATABASE_URL set.');
  const source = await openDatabase(config.database, logger);
  const target = openServerDatabase(serverConfig(url), logger);
  try {
    await migrateToLatest(source);
    await prepareTarget(target, describeDatabase(serverConfig(url)));
    await writeData(target.knex, readData(source.knex));
    const same = await checkSame(source.knex, target.knex);
    const keyFile = path.join(config.dataDir, 'secret.key');
    return [
      `Copied ${same.rows} rows in ${same.tables} tables to ${describeDatabase(serverConfig(url))}; row counts match and the audit trail (${same.auditEvents} events) verifies.`,
      '',
      'Next, start the tracker on the server with:',
      `  DATABASE_URL=${describeDatabase(serverConfig(url))}   (with its password; ideally the app role, with DATABASE_MIGRATION_URL the owner: docs/deployment.md)`,
      config.secretKey
        ? '  SECRET_KEY as now (the data was sealed with it)'
        : `  SECRET_KEY=<the contents of ${keyFile}> (the data was sealed with that key; keep the file safe)`,
      `The embedded database in ${config.dataDir} is unchanged; keep it until you have checked the server.`,
    ].join('\n');
  } finally {
    await target.close();
    await source.close();
  }
}

async function backup(file: string | undefined): Promise<string> {
  if (!file) throw new Error(USAGE);
  const config = loadConfig();
  const { db } = await openConfigured(config);
  try {
    const migrations = await appliedMigrations(db.knex);
    const out = fs.createWriteStream(file, { mode: 0o600, flags: 'wx' });
    const gzip = zlib.createGzip();
    gzip.pipe(out);
    const write = async (line: unknown) => {
      if (!gzip.write(`${JSON.stringify(line)}\n`)) await once(gzip, 'drain');
    };
    await db.knex.transaction(
      async (trx) => {
        await write({ format: FORMAT, version: 1, migrations, counts: await rowCounts(trx) });
        for await (const chunk of readData(trx)) await write(chunk);
      },
      { isolationLevel: 'repeatable read' },
    );
    gzip.end();
    await once(out, 'close');
    return `Wrote ${file} from ${describeDatabase(config.database)}.`;
  } finally {
    await db.close();
  }
}

async function* chunksFrom(lines: AsyncIterator<string>): AsyncGenerator<TableChunk> {
  for (;;) {
    const next = await lines.next();
    if (next.done) return;
    if (next.value.trim()) yield JSON.parse(next.value) as TableChunk;
  }
}

async function restore(file: string | undefined): Promise<string> {
  if (!file) throw new Error(USAGE);
  const config = loadConfig();
  const input = fs.createReadStream(file).pipe(zlib.createGunzip());
  const lines = readline.createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  const header = first.done
    ? null
    : (JSON.parse(first.value) as {
        format?: string;
        migrations?: string[];
        counts?: Record<string, number>;
      });
  if (header?.format !== FORMAT) throw new Error(`${file} is not a tracker backup.`);
  const unknown = (header.migrations ?? []).filter((m) => !LATEST_MIGRATIONS.includes(m));
  if (unknown.length)
    throw new Error(
      `${file} was made by a newer version of the tracker (${unknown[0]}); upgrade first.`,
    );
  const { db, appRole } = await openConfigured(config);
  try {
    await prepareTarget(db, describeDatabase(config.database));
    await writeData(db.knex, chunksFrom(lines));
    if (appRole) await grantAppPrivileges(db.knex, appRole);
    const counts = await rowCounts(db.knex);
    for (const [t, n] of Object.entries(header.counts ?? {}))
      if (counts[t] !== n)
        throw new Error(`Restored ${counts[t]} rows of ${t}, the backup has ${n}.`);
    return `Restored ${file} into ${describeDatabase(config.database)}; row counts match the backup. Start the app with the SECRET_KEY the data was sealed with.`;
  } finally {
    await db.close();
  }
}

const [command, arg] = process.argv.slice(2);
const commands: Record<string, (a: string | undefined) => Promise<string>> = {
  move,
  backup,
  restore,
};
(commands[command ?? ''] ?? (async () => Promise.reject(new Error(USAGE))))(arg).then(
  (message) => process.stdout.write(`${message}\n`),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
