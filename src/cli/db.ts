/**
 * Database commands: `npm run db:migrate`, `db:rollback` (the last migration) and `db:seed` (the
 * Operation Linden reference data; safe to repeat). Uses the same settings as the app; with
 * DATABASE_MIGRATION_URL they run as that owner role, and `migrate` grants the app role
 * (DATABASE_URL) its privileges afterwards.
 */
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { openDatabase } from '../db/knex';
import { migrateToLatest, rollbackLast, withStartupLock } from '../db/migrate';
import { grantAppPrivileges, roleOf } from '../db/roles';
import { applyLindenSeed } from '../../seeds/operation-linden';

const USAGE = 'usage: tsx src/cli/db.ts migrate|rollback|seed';

async function main(command: string | undefined): Promise<string> {
  if (!command || !['migrate', 'rollback', 'seed'].includes(command)) throw new Error(USAGE);
  const config = loadConfig();
  const target =
    config.database.kind === 'server' && config.database.migrationUrl
      ? { ...config.database, url: config.database.migrationUrl }
      : config.database;
  const appRole =
    target !== config.database && config.database.kind === 'server'
      ? roleOf(config.database.url)
      : null;
  const db = await openDatabase(
    target,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
  );
  try {
    return await withStartupLock(db, async () => {
      if (command === 'migrate') {
        const applied = await migrateToLatest(db);
        if (appRole) await grantAppPrivileges(db.knex, appRole);
        return applied.length
          ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
          : 'Already up to date.';
      }
      if (command === 'rollback') {
        const undone = await rollbackLast(db);
        return undone.length ? `Rolled back: ${undone.join(', ')}` : 'Nothing to roll back.';
      }
      await migrateToLatest(db);
      const seed = await applyLindenSeed(db.knex);
      return seed.applied
        ? `Operation Linden seed applied: ${JSON.stringify(seed.created)}`
        : 'Operation Linden seed was already applied; nothing changed.';
    });
  } finally {
    await db.close();
  }
}

main(process.argv[2]).then(
  (message) => {
    console.log(message);
  },
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
