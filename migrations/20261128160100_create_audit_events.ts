/**
 * The audit trail: an append-only record of every change, chained by SHA-256 so that editing or
 * removing a past event is detectable. Triggers refuse UPDATE, DELETE and TRUNCATE outright, and
 * compute each event's hash from the previous one, so no code path can write an unchained event.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary({ constraintName: 'audit_events_pkey' });
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor_type').notNullable();
    t.text('actor_id');
    t.text('actor_label');
    t.text('action').notNullable();
    t.text('subject_type').notNullable();
    t.text('subject_id');
    t.jsonb('before');
    t.jsonb('after');
    t.text('ip_address');
    t.text('request_id');
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable();
    t.check(
      `actor_type in ('user', 'system', 'public', 'api_token')`,
      [],
      'audit_events_actor_type_valid',
    );
    t.check(`action ~ '^[a-z_]+(\\.[a-z_]+)+$'`, [], 'audit_events_action_format');
    t.index(['subject_type', 'subject_id', 'occurred_at'], 'audit_events_subject_idx');
  });
  await knex.raw(
    `comment on table audit_events is 'Append-only record of every change and every read of evidence; hash-chained, see audit_events_chain().'`,
  );
  await knex.raw(
    `comment on column audit_events.hash is 'sha256 of prev_hash and this event''s fields, computed by the audit_events_chain trigger.'`,
  );

  // Every insert takes one lock, so the chain has a single order; the id is drawn after the lock so
  // that id order is chain order.
  // PGlite runs one statement per query, so each is sent on its own.
  for (const statement of [
    `    create function audit_event_content(e audit_events) returns text language sql immutable as $$
      select concat_ws('|', e.id::text, to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_type, coalesce(e.actor_id, ''), coalesce(e.actor_label, ''), e.action, e.subject_type,
        coalesce(e.subject_id, ''), coalesce(e.before::text, ''), coalesce(e.after::text, ''),
        coalesce(e.ip_address, ''), coalesce(e.request_id, ''))
    $$`,
    `    create function audit_events_chain() returns trigger language plpgsql as $$
    declare
      previous text;
    begin
      perform pg_advisory_xact_lock(7365401);
      new.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
      select hash into previous from audit_events order by id desc limit 1;
      new.prev_hash := coalesce(previous, repeat('0', 64));
      new.hash := encode(sha256(convert_to(new.prev_hash || '|' || audit_event_content(new), 'UTF8')), 'hex');
      return new;
    end
    $$`,
    `    alter table audit_events alter column id drop default`,
    `    create trigger audit_events_chain before insert on audit_events
      for each row execute function audit_events_chain()`,
    `    create function audit_events_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end
    $$`,
    `    create trigger audit_events_no_update_delete before update or delete on audit_events
      for each row execute function audit_events_refuse_change()`,
    `    create trigger audit_events_no_truncate before truncate on audit_events
      for each statement execute function audit_events_refuse_change()`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function audit_event_content(audit_events)');
  await knex.raw('drop table audit_events');
  await knex.raw('drop function audit_events_refuse_change()');
  await knex.raw('drop function audit_events_chain()');
}
