/**
 * Daily checkpoints of the audit chain's head (ADR 0010): one row per London day holding the
 * newest event's id and hash, published in the open data and the Atom feed. Whoever keeps a copy
 * can later tell whether history before it was rewritten, even by someone with superuser rights
 * who recomputed every hash. Append-only like audit_events; one per day, so several instances
 * writing the same day's checkpoint store it once.
 */
import type { Knex } from 'knex';
import { attachDataVersion, detachDataVersion } from '../src/db/data-version';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_checkpoints', (t) => {
    t.bigIncrements('id').primary({ constraintName: 'audit_checkpoints_pkey' });
    t.date('day').notNullable().unique({ indexName: 'audit_checkpoints_day_unique' });
    t.bigInteger('head_event_id').notNullable();
    t.text('head_hash').notNullable();
    t.bigInteger('event_count').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`head_hash ~ '^[0-9a-f]{64}$'`, [], 'audit_checkpoints_hash_format');
  });
  await knex.raw(
    `comment on table audit_checkpoints is 'The audit chain head, once per Europe/London day; published in /data and the feed so a rewrite of earlier events is detectable.'`,
  );
  for (const statement of [
    `create function audit_checkpoints_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_checkpoints is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end
    $$`,
    `create trigger audit_checkpoints_no_update_delete before update or delete on audit_checkpoints
      for each row execute function audit_checkpoints_refuse_change()`,
    `create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints
      for each statement execute function audit_checkpoints_refuse_change()`,
  ]) {
    await knex.raw(statement);
  }
  // The feed and the open data show the checkpoints (ADR 0011).
  await attachDataVersion(knex, 'audit_checkpoints', ['public']);
}

export async function down(knex: Knex): Promise<void> {
  await detachDataVersion(knex, 'audit_checkpoints');
  await knex.raw('drop table audit_checkpoints');
  await knex.raw('drop function audit_checkpoints_refuse_change()');
}
