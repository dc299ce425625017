/**
 * A portable copy of the tracker's data, the same on the embedded database and a server
 * (ADR 0010): the schema is never copied, it comes from our migrations; the rows of every table
 * are read as JSON (`to_jsonb`) in foreign-key order, batch by batch, and written back with
 * `jsonb_populate_recordset`, so bytes (evidence), dates, times and JSON survive as they are. The
 * target's triggers are switched off while rows go in (the owner's right), so the audit chain keeps
 * its stored ids and hashes and is then verified. Sequences are set past the highest ids.
 */
import type { Knex } from 'knex';
import { verifyAuditChain } from '../modules/operations/audit.repository';
import { MIGRATIONS } from '../../migrations';

/** knex's own tables are not data: the target's come from running the migrations. */
const SKIPPED = new Set(['knex_migrations', 'knex_migrations_lock']);
const BATCH = 500;

export interface TableChunk {
  table: string;
  rows: Record<string, unknown>[];
}

/** Every table in the public schema, each after the tables it refers to. */
export async function tablesInOrder(knex: Knex): Promise<string[]> {
  const tables = (
    await knex.raw(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' order by c.relname`,
    )
  ).rows.map((r: { name: string }) => r.name) as string[];
  const edges = (
    await knex.raw(
      `select cl.relname as child, pr.relname as parent from pg_constraint k
         join pg_class cl on cl.oid = k.conrelid join pg_class pr on pr.oid = k.confrelid
         join pg_namespace n on n.oid = cl.relnamespace
        where k.contype = 'f' and n.nspname = 'public'`,
    )
  ).rows as { child: string; parent: string }[];
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (t: string, path: Set<string>) => {
    if (done.has(t) || path.has(t)) return;
    path.add(t);
    for (const e of edges) if (e.child === t && e.parent !== t) visit(e.parent, path);
    done.add(t);
    order.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return order.filter((t) => !SKIPPED.has(t));
}

async function orderColumns(knex: Knex, table: string): Promise<string> {
  const { rows } = await knex.raw(
    `select a.attname as name from pg_index i
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = ?::regclass and i.indisprimary order by array_position(i.indkey, a.attnum)`,
    [table],
  );
  return rows.length ? (rows as { name: string }[]).map((r) => `"${r.name}"`).join(', ') : 'ctid';
}

/** The rows of every table, in an order the target can insert them in, batch by batch. */
export async function* readData(knex: Knex): AsyncGenerator<TableChunk> {
  for (const table of await tablesInOrder(knex)) {
    const order = await orderColumns(knex, table);
    for (let offset = 0; ; offset += BATCH) {
      const { rows } = await knex.raw(
        `select to_jsonb(t) as r from "${table}" t order by ${order} limit ${BATCH} offset ${offset}`,
      );
      if (rows.length === 0) break;
      yield {
        table,
        rows: (rows as { r: unknown }[]).map(
          (x) => (typeof x.r === 'string' ? JSON.parse(x.r) : x.r) as Record<string, unknown>,
        ),
      };
      if (rows.length < BATCH) break;
    }
  }
}

export async function rowCounts(knex: Knex): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of await tablesInOrder(knex)) {
    const row = await knex(table).count({ n: '*' }).first();
    out[table] = Number(row!.n);
  }
  return out;
}

/** Names of the migrations a database has applied, in order. */
export async function appliedMigrations(knex: Knex): Promise<string[]> {
  if (!(await knex.schema.hasTable('knex_migrations'))) return [];
  return (await knex('knex_migrations').orderBy('id').select('name')).map((r) => r.name as string);
}

export const LATEST_MIGRATIONS = MIGRATIONS.map((m) => m.name);

/** True when the database has no tables of its own (what a move or a restore needs). */
export async function isEmpty(knex: Knex): Promise<boolean> {
  const { rows } = await knex.raw(
    `select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'`,
  );
  return rows[0].n === 0;
}

/**
 * Writes the chunks into a freshly migrated database, in one transaction: rows that migrations
 * themselves created are replaced, triggers are off while rows go in, sequences are set after.
 */
export async function writeData(knex: Knex, chunks: AsyncIterable<TableChunk>): Promise<void> {
  await knex.transaction(async (trx) => {
    const tables = await tablesInOrder(trx);
    for (const t of tables) await trx.raw(`alter table "${t}" disable trigger user`);
    for (const t of [...tables].reverse()) await trx.raw(`delete from "${t}"`);
    for await (const chunk of chunks) {
      if (!tables.includes(chunk.table)) throw new Error(`The target has no table ${chunk.table}.`);
      await trx.raw(
        `insert into "${chunk.table}" select * from jsonb_populate_recordset(null::"${chunk.table}", ?::jsonb)`,
        [JSON.stringify(chunk.rows)],
      );
    }
    for (const t of tables) await trx.raw(`alter table "${t}" enable trigger user`);
    const serials = (
      await trx.raw(
        `select table_name as t, column_name as c from information_schema.columns
          where table_schema = 'public' and pg_get_serial_sequence('"' || table_name || '"', column_name) is not null`,
      )
    ).rows as { t: string; c: string }[];
    for (const { t, c } of serials)
      await trx.raw(
        `select setval(pg_get_serial_sequence(?, ?), coalesce((select max("${c}") from "${t}"), 1), (select max("${c}") from "${t}") is not null)`,
        [`"${t}"`, c],
      );
  });
}

/** Compares row counts and the audit chain of two databases; throws naming the first difference. */
export async function checkSame(
  source: Knex,
  target: Knex,
): Promise<{ tables: number; rows: number; auditEvents: number }> {
  const [a, b] = [await rowCounts(source), await rowCounts(target)];
  for (const t of Object.keys(a))
    if (a[t] !== b[t])
      throw new Error(`Row counts differ for ${t}: ${a[t]} here, ${b[t] ?? 'none'} there.`);
  const chain = await verifyAuditChain(target);
  if (!chain.ok)
    throw new Error(`The copied audit trail does not verify (event ${chain.brokenAt}).`);
  const head = async (k: Knex) =>
    (await k('audit_events').orderBy('id', 'desc').first('hash'))?.hash ?? null;
  if ((await head(source)) !== (await head(target)))
    throw new Error('The audit trail heads differ.');
  return {
    tables: Object.keys(a).length,
    rows: Object.values(a).reduce((x, y) => x + y, 0),
    auditEvents: chain.events,
  };
}
