/**
 * The data version (src/db/data-version.ts, docs/adr/0011): a counter per scope, bumped when a
 * transaction that changed a watched table commits. Public pages, feeds and open data (scope
 * 'public') and the dashboards and board pack ('workspace') derive their validators and cache keys
 * from it.
 *
 * - data_versions: one row per scope.
 * - data_version_marks: "transaction T changed scope S", written by the statement triggers and
 *   removed again at commit by the deferred trigger that bumps the counter (so it stays empty).
 * - note_data_change(scopes...): the statement trigger function attachDataVersion installs.
 * - bump_data_version(): the deferred constraint trigger on the marks.
 */
import type { Knex } from 'knex';
import {
  attachDataVersion,
  detachDataVersion,
  type DataVersionScope,
} from '../src/db/data-version';

/** Tables read by public pages, feeds and open data: they change both scopes. */
const PUBLIC_TABLES = [
  'reports',
  'recommendations',
  'assignments',
  'organisations',
  'themes',
  'recommendation_themes',
  'assignment_status_changes',
  'assignment_responses',
  'extension_requests',
  'update_publications',
  'evidence_publications',
];
/** Tables only the signed-in dashboards and board pack read. */
const WORKSPACE_TABLES = [
  'progress_updates',
  'progress_update_reviews',
  'evidence_files',
  'assignment_actions',
  'assignment_action_revisions',
  'delivery_confidence_ratings',
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table data_versions (
      scope text primary key,
      version bigint not null default 0,
      changed_at timestamptz not null default now(),
      constraint data_versions_scope_check check (scope in ('public', 'workspace'))
    )`);
  await knex.raw(
    `comment on table data_versions is 'A counter per scope, bumped when a transaction that changed a table the scope''s pages read commits; cache keys and ETags derive from it (ADR 0011)'`,
  );
  await knex.raw(`insert into data_versions (scope) values ('public'), ('workspace')`);
  await knex.raw(`
    create table data_version_marks (
      txid bigint not null,
      scope text not null,
      constraint data_version_marks_pkey primary key (txid, scope)
    )`);
  await knex.raw(
    `comment on table data_version_marks is 'Scopes changed by transactions still running; each row is removed when its transaction commits'`,
  );
  await knex.raw(`
    create function note_data_change() returns trigger language plpgsql as $$
    declare
      s text;
    begin
      foreach s in array tg_argv loop
        insert into data_version_marks (txid, scope) values (txid_current(), s)
          on conflict do nothing;
      end loop;
      return null;
    end $$`);
  // At commit: every scope row is locked in one order first, so two committing writers that
  // changed different scopes cannot deadlock; nothing else happens after it in the transaction.
  await knex.raw(`
    create function bump_data_version() returns trigger language plpgsql as $$
    begin
      perform 1 from data_versions order by scope for update;
      update data_versions set version = version + 1, changed_at = clock_timestamp()
       where scope = new.scope;
      delete from data_version_marks where txid = new.txid and scope = new.scope;
      return null;
    end $$`);
  await knex.raw(`
    create constraint trigger data_version_marks_bump after insert on data_version_marks
      deferrable initially deferred for each row execute function bump_data_version()`);

  const both: DataVersionScope[] = ['public', 'workspace'];
  for (const table of PUBLIC_TABLES) await attachDataVersion(knex, table, both);
  for (const table of WORKSPACE_TABLES) await attachDataVersion(knex, table, ['workspace']);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [...PUBLIC_TABLES, ...WORKSPACE_TABLES]) await detachDataVersion(knex, table);
  await knex.raw('drop trigger if exists data_version_marks_bump on data_version_marks');
  await knex.raw('drop function if exists bump_data_version()');
  await knex.raw('drop function if exists note_data_change()');
  await knex.raw('drop table if exists data_version_marks');
  await knex.raw('drop table if exists data_versions');
}
