/**
 * Two database roles on a PostgreSQL server (ADR 0009): migrations run as the owner of the schema
 * (DATABASE_MIGRATION_URL), the app as a role that owns nothing (DATABASE_URL). A table's owner can
 * always disable its triggers, so only a role that does not own `audit_events` is really held to
 * the append-only rule; this role may INSERT and SELECT there and nothing else. After migrating,
 * the owner grants the app role what it needs on every table, so tables added by later migrations
 * are covered at the next start. The embedded database has a single role and skips all of this.
 */
import type { Knex } from 'knex';

/** Tables the app may only add to and read: its own audit trail and the chain's checkpoints. */
export const APPEND_ONLY_TABLES = ['audit_events', 'audit_checkpoints'];
/** knex's bookkeeping: the app reads it (readiness) but never writes it. */
const READ_ONLY_TABLES = ['knex_migrations', 'knex_migrations_lock'];

/** The login role in a postgres:// URL, or null when it names none. */
export function roleOf(url: string): string | null {
  try {
    const user = new URL(url).username;
    return user ? decodeURIComponent(user) : null;
  } catch {
    return null;
  }
}

/**
 * Grants `role` what the app needs in the public schema, run by the owner after migrating. Does
 * nothing when `role` is the owner itself (one URL for both).
 */
export async function grantAppPrivileges(owner: Knex, role: string): Promise<boolean> {
  const current = (await owner.raw('select current_user as name')).rows[0].name as string;
  if (current === role) return false;
  const existing = await owner.raw(
    'select table_name from information_schema.tables where table_schema = ? and table_name = any(?)',
    ['public', [...APPEND_ONLY_TABLES, ...READ_ONLY_TABLES]],
  );
  const present = new Set((existing.rows as { table_name: string }[]).map((r) => r.table_name));
  await owner.transaction(async (trx) => {
    await trx.raw('grant usage on schema public to ??', [role]);
    await trx.raw('grant select, insert, update, delete on all tables in schema public to ??', [
      role,
    ]);
    await trx.raw('grant usage, select on all sequences in schema public to ??', [role]);
    for (const table of APPEND_ONLY_TABLES.filter((t) => present.has(t)))
      await trx.raw('revoke update, delete, truncate, references, trigger on ?? from ??', [
        table,
        role,
      ]);
    for (const table of READ_ONLY_TABLES.filter((t) => present.has(t)))
      await trx.raw('revoke insert, update, delete, truncate on ?? from ??', [table, role]);
  });
  return true;
}
