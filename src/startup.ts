/**
 * What happens before the app listens: open the database, bring the schema up to date and apply the
 * reference seed, all under the start-up lock so several instances can start together safely.
 */
import type { Config } from './config';
import type { Logger } from './logger';
import { openDatabase, type Database } from './db/knex';
import { migrateToLatest, withStartupLock } from './db/migrate';
import { isDatabaseUnavailable } from './db/errors';
import { applyLindenSeed } from '../seeds/operation-linden';

export class StartupError extends Error {}

/** A database URL with any password removed, for messages. */
export function describeDatabase(config: Config['database']): string {
  if (config.kind === 'embedded') return `the embedded database in ${config.dataDir}`;
  try {
    const url = new URL(config.url);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'the database in DATABASE_URL';
  }
}

export async function prepareDatabase(config: Config, logger: Logger): Promise<Database> {
  let db: Database;
  try {
    db = await openDatabase(config.database, logger);
  } catch (err) {
    throw new StartupError(
      `Cannot open ${describeDatabase(config.database)}: ${(err as Error).message}`,
    );
  }
  try {
    await withStartupLock(db, async () => {
      const applied = await migrateToLatest(db);
      if (applied.length) logger.info({ migrations: applied }, 'database migrated');
      if (config.seedOnStart) {
        const seed = await applyLindenSeed(db.knex);
        if (seed.applied) logger.info({ created: seed.created }, 'Operation Linden seed applied');
      }
    });
  } catch (err) {
    await db.close().catch(() => undefined);
    const code = (err as { code?: string }).code;
    // The server answered but refused this database or login: the fix is almost always in DATABASE_URL.
    const hint = code && ['3D000', '28000', '28P01'].includes(code) ? '; check DATABASE_URL' : '';
    const reason = isDatabaseUnavailable(err)
      ? `cannot reach ${describeDatabase(config.database)} (${(err as { code?: string }).code ?? (err as Error).message}). Check DATABASE_URL and that PostgreSQL is running`
      : `preparing ${describeDatabase(config.database)} failed: ${(err as Error).message}${hint}`;
    throw new StartupError(`Start-up failed: ${reason}.`);
  }
  return db;
}
