/**
 * Judicial review pauses (issue 15): days while judicial review proceedings about a recommendation
 * are in progress are not counted towards an IOPC response deadline (Police Reform Act 2002 Sch. 3
 * para 28A). An overseer records each pause, from a date to a date or still open, with a reason;
 * the deadlines module adds the paused days. While an open pause is stopping the clock the due
 * date is not fixed yet, so assignments.response_due_on is null until it ends (ADR 0015).
 */
import type { Knex } from 'knex';
import { attachDataVersion, detachDataVersion } from '../src/db/data-version';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('assignment_pauses', (t) => {
    t.increments('id').primary({ constraintName: 'assignment_pauses_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('assignment_pauses_assignment_fk');
    t.date('from_on').notNullable();
    t.date('to_on');
    t.text('reason').notNullable();
    t.integer('recorded_by')
      .references('id')
      .inTable('users')
      .withKeyName('assignment_pauses_recorded_by_fk');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('ended_by')
      .references('id')
      .inTable('users')
      .withKeyName('assignment_pauses_ended_by_fk');
    t.timestamp('ended_at', { useTz: true });
    t.check(`to_on is null or to_on >= from_on`, [], 'assignment_pauses_ends_after_start');
    t.check(`length(reason) between 1 and 2000`, [], 'assignment_pauses_reason_length');
    t.index(['assignment_id'], 'assignment_pauses_assignment_idx');
  });
  await knex.raw(
    `comment on table assignment_pauses is 'Judicial review proceedings that stop an assignment''s response clock: from_on to to_on, both counted, to_on null while still running.'`,
  );
  await knex.raw(
    `comment on column assignment_pauses.ended_at is 'When an open pause was given its end date (to_on), for the record as of a past date.'`,
  );
  await attachDataVersion(knex, 'assignment_pauses', ['public', 'workspace']);
}

export async function down(knex: Knex): Promise<void> {
  await detachDataVersion(knex, 'assignment_pauses');
  await knex.schema.dropTable('assignment_pauses');
}
