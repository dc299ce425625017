/**
 * Bringing the schema up to date. On a PostgreSQL server several instances may start at once: each
 * takes a transaction-scoped advisory lock first, so one migrates while the others wait and then
 * find nothing to do. (knex's own lock table would make the losers fail instead of wait.)
 * The embedded database has a single connection and a single process (see lockDataDir), so it
 * needs no lock.
 */
import type { Knex } from 'knex';
import { migrationSource } from '../../migrations';
import type { Database } from './knex';

const MIGRATION_LOCK_KEY = 7365400;

export const MIGRATOR_CONFIG: Knex.MigratorConfig = { migrationSource };

/** Runs `work` while holding the start-up lock (server) or directly (embedded). */
export async function withStartupLock<T>(db: Database, work: () => Promise<T>): Promise<T> {
  if (db.kind === 'embedded') return work();
  return db.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    return work();
  });
}

export async function migrateToLatest(db: Database): Promise<string[]> {
  const [, applied] = (await db.knex.migrate.latest(MIGRATOR_CONFIG)) as [number, string[]];
  return applied;
}

export async function rollbackLast(db: Database): Promise<string[]> {
  const [, rolledBack] = (await db.knex.migrate.rollback(MIGRATOR_CONFIG)) as [number, string[]];
  return rolledBack;
}

/** Names of migrations not yet applied; empty when the schema is current. */
export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const [, pending] = (await knex.migrate.list(MIGRATOR_CONFIG)) as [
    unknown[],
    { file?: string; name?: string }[],
  ];
  return pending.map((m) => m.name ?? m.file ?? String(m));
}
