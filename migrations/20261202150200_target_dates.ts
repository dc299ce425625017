/**
 * Target dates (issue 15): a recommendation's own "implement by" date from its source, with the
 * source's wording ("by 31 December 2024"), and an addressee's own committed date for its
 * assignment. The current date is kept on the row (recommendations.implement_by,
 * assignments.committed_on) for set-based reads; every value it has had is kept with the reason it
 * moved. "Past target" is derived at read time, never stored.
 *
 * Also the notification kinds that remind about targets and sustainment checks.
 */
import type { Knex } from 'knex';
import { attachDataVersion, detachDataVersion } from '../src/db/data-version';

// Written out, not imported: a migration records the schema as it was on its date.
const OLD_KINDS = `'response_due', 'response_overdue', 'response_overdue_escalation', 'action_overdue', 'extension_requested', 'extension_decided', 'update_reviewed', 'review_waiting'`;
const KINDS = `${OLD_KINDS}, 'target_approaching', 'target_passed', 'sustainment_check_due'`;

export async function up(knex: Knex): Promise<void> {
  for (const statement of [
    `alter table recommendations add column implement_by date, add column implement_by_wording text`,
    `alter table recommendations add constraint recommendations_implement_by_wording_length
       check (implement_by_wording is null or length(implement_by_wording) between 1 and 300)`,
    `comment on column recommendations.implement_by is 'The source''s own date for implementing the recommendation (e.g. HMICFRS: "by 31 December 2024"); history in recommendation_target_dates.'`,
    `comment on column recommendations.implement_by_wording is 'How the source words the date, quoted or summarised.'`,
    `alter table assignments add column committed_on date`,
    `comment on column assignments.committed_on is 'The date this addressee committed to implement by; history with reasons in assignment_committed_dates.'`,
    `alter table notifications drop constraint notifications_kind_valid`,
    `alter table notifications add constraint notifications_kind_valid check (kind in (${KINDS}))`,
    `alter table notification_preferences drop constraint notification_preferences_kind_valid`,
    `alter table notification_preferences add constraint notification_preferences_kind_valid check (kind in (${KINDS}, 'weekly_digest'))`,
  ])
    await knex.raw(statement);

  await knex.schema.createTable('recommendation_target_dates', (t) => {
    t.increments('id').primary({ constraintName: 'recommendation_target_dates_pkey' });
    t.integer('recommendation_id')
      .notNullable()
      .references('id')
      .inTable('recommendations')
      .onDelete('CASCADE')
      .withKeyName('recommendation_target_dates_recommendation_fk');
    t.date('implement_by');
    t.text('wording');
    t.date('previous_implement_by');
    t.text('reason');
    t.integer('set_by')
      .references('id')
      .inTable('users')
      .withKeyName('recommendation_target_dates_set_by_fk');
    t.text('set_by_label');
    t.timestamp('set_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // A date that moves (or is removed) keeps the old one and says why.
    t.check(
      `previous_implement_by is null or previous_implement_by is not distinct from implement_by or reason is not null`,
      [],
      'recommendation_target_dates_move_has_reason',
    );
    t.check(
      `reason is null or length(reason) between 1 and 2000`,
      [],
      'recommendation_target_dates_reason_length',
    );
    t.index(['recommendation_id', 'set_at'], 'recommendation_target_dates_recommendation_idx');
  });

  await knex.schema.createTable('assignment_committed_dates', (t) => {
    t.increments('id').primary({ constraintName: 'assignment_committed_dates_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('assignment_committed_dates_assignment_fk');
    t.date('committed_on');
    t.date('previous_committed_on');
    t.text('reason');
    t.integer('set_by')
      .references('id')
      .inTable('users')
      .withKeyName('assignment_committed_dates_set_by_fk');
    t.text('set_by_label');
    t.timestamp('set_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(
      `previous_committed_on is null or previous_committed_on is not distinct from committed_on or reason is not null`,
      [],
      'assignment_committed_dates_move_has_reason',
    );
    t.check(
      `reason is null or length(reason) between 1 and 2000`,
      [],
      'assignment_committed_dates_reason_length',
    );
    t.index(['assignment_id', 'set_at'], 'assignment_committed_dates_assignment_idx');
  });
  await knex.raw(
    `comment on table assignment_committed_dates is 'Every committed date an addressee gave for implementing, with the reason each time it moved.'`,
  );
  await attachDataVersion(knex, 'recommendation_target_dates', ['public', 'workspace']);
  await attachDataVersion(knex, 'assignment_committed_dates', ['public', 'workspace']);
}

export async function down(knex: Knex): Promise<void> {
  await detachDataVersion(knex, 'assignment_committed_dates');
  await detachDataVersion(knex, 'recommendation_target_dates');
  await knex.schema.dropTable('assignment_committed_dates');
  await knex.schema.dropTable('recommendation_target_dates');
  for (const statement of [
    `alter table notifications drop constraint notifications_kind_valid`,
    `alter table notifications add constraint notifications_kind_valid check (kind in (${OLD_KINDS}))`,
    `alter table notification_preferences drop constraint notification_preferences_kind_valid`,
    `alter table notification_preferences add constraint notification_preferences_kind_valid check (kind in (${OLD_KINDS}, 'weekly_digest'))`,
    `alter table assignments drop column committed_on`,
    `alter table recommendations drop column implement_by, drop column implement_by_wording`,
  ])
    await knex.raw(statement);
}
