/**
 * Reminders and notifications (issue 8): everything lives in PostgreSQL so the same design works on
 * a server database with several app instances and on the embedded database.
 * - notifications: one row per recipient per reminder or event. dedupe_key is unique, so creating a
 *   reminder is `insert ... on conflict do nothing`: however many instances tick at once, and however
 *   often, each reminder exists once.
 * - notification_preferences: per user and kind, whether it is emailed at once, kept for the weekly
 *   digest, or not emailed (the in-app list always shows it).
 * - email_outbox: every email, sent by whichever instance claims it first (`for update skip
 *   locked`); kept when no SMTP server is configured, so an administrator can read what would go.
 * - recommendation_followers: members of the public following a recommendation by email.
 */
import type { Knex } from 'knex';

// Written out, not imported: a migration records the schema as it was on its date.
const KINDS = `'response_due', 'response_overdue', 'response_overdue_escalation', 'action_overdue', 'extension_requested', 'extension_decided', 'update_reviewed', 'review_waiting'`;
const PREFERENCE_KINDS = `${KINDS}, 'weekly_digest'`;
const MODES = `'immediate', 'digest', 'off'`;
const OUTBOX_STATES = `'pending', 'sending', 'sent', 'failed'`;
const PURPOSES = `'notification', 'digest', 'invitation', 'password_reset', 'follow_confirmation', 'follow_update'`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.increments('id').primary({ constraintName: 'notifications_pkey' });
    t.integer('user_id')
      .notNullable()
      .references('id')
      .inTable('users')
      .onDelete('CASCADE')
      .withKeyName('notifications_user_fk');
    t.text('kind').notNullable();
    t.text('dedupe_key').notNullable().unique({ indexName: 'notifications_dedupe_key' });
    t.text('title').notNullable();
    t.text('body').notNullable();
    t.text('link_path');
    t.integer('assignment_id')
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('notifications_assignment_fk');
    t.text('email_mode').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('read_at', { useTz: true });
    t.check(`kind in (${KINDS})`, [], 'notifications_kind_valid');
    t.check(`email_mode in (${MODES})`, [], 'notifications_email_mode_valid');
    t.check(`length(title) between 1 and 300`, [], 'notifications_title_length');
    t.check(`length(body) between 1 and 5000`, [], 'notifications_body_length');
    t.index(['user_id', 'created_at'], 'notifications_user_created_idx');
  });
  await knex.raw(
    `create index notifications_unread_idx on notifications (user_id) where read_at is null`,
  );
  await knex.raw(
    `comment on column notifications.dedupe_key is 'What the reminder is about, e.g. response_due:14:<assignment>:<due date>:<user>; unique, so it is created once whatever the number of instances.'`,
  );
  await knex.raw(
    `comment on column notifications.email_mode is 'The recipient''s preference when it was created: emailed at once, kept for the weekly digest, or not emailed.'`,
  );

  await knex.schema.createTable('notification_preferences', (t) => {
    t.integer('user_id')
      .notNullable()
      .references('id')
      .inTable('users')
      .onDelete('CASCADE')
      .withKeyName('notification_preferences_user_fk');
    t.text('kind').notNullable();
    t.text('mode').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['user_id', 'kind'], { constraintName: 'notification_preferences_pkey' });
    t.check(`kind in (${PREFERENCE_KINDS})`, [], 'notification_preferences_kind_valid');
    t.check(`mode in (${MODES})`, [], 'notification_preferences_mode_valid');
  });
  await knex.raw(
    `comment on table notification_preferences is 'Only choices that differ from the default (emailed at once; weekly digest on) need a row.'`,
  );

  await knex.schema.createTable('recommendation_followers', (t) => {
    t.increments('id').primary({ constraintName: 'recommendation_followers_pkey' });
    t.integer('recommendation_id')
      .notNullable()
      .references('id')
      .inTable('recommendations')
      .onDelete('CASCADE')
      .withKeyName('recommendation_followers_recommendation_fk');
    t.text('email').notNullable();
    t.text('confirm_token_hash').unique({ indexName: 'recommendation_followers_confirm_key' });
    t.timestamp('confirmation_sent_at', { useTz: true }).notNullable();
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.check(
      `length(email) between 3 and 254 and position('@' in email) > 1`,
      [],
      'recommendation_followers_email_shape',
    );
  });
  await knex.raw(
    `create unique index recommendation_followers_email_key on recommendation_followers (recommendation_id, lower(email))`,
  );
  await knex.raw(
    `comment on table recommendation_followers is 'People following a recommendation by email. The address is used for nothing else and the row is deleted on unsubscribe; only a SHA-256 of the confirmation token is kept.'`,
  );

  await knex.schema.createTable('email_outbox', (t) => {
    t.increments('id').primary({ constraintName: 'email_outbox_pkey' });
    t.text('dedupe_key').unique({ indexName: 'email_outbox_dedupe_key' });
    t.text('purpose').notNullable();
    t.text('to_address').notNullable();
    t.text('subject').notNullable();
    t.text('text_body').notNullable();
    t.text('html_body').notNullable();
    t.integer('user_id')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('email_outbox_user_fk');
    t.integer('follower_id')
      .references('id')
      .inTable('recommendation_followers')
      .onDelete('CASCADE')
      .withKeyName('email_outbox_follower_fk');
    t.integer('notification_id')
      .references('id')
      .inTable('notifications')
      .onDelete('SET NULL')
      .withKeyName('email_outbox_notification_fk');
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.timestamp('locked_until', { useTz: true });
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('sent_at', { useTz: true });
    t.check(`status in (${OUTBOX_STATES})`, [], 'email_outbox_status_valid');
    t.check(`purpose in (${PURPOSES})`, [], 'email_outbox_purpose_valid');
    t.check(`attempts >= 0`, [], 'email_outbox_attempts_positive');
    t.check(`(status = 'sent') = (sent_at is not null)`, [], 'email_outbox_sent_has_time');
    t.index(['created_at'], 'email_outbox_created_idx');
  });
  await knex.raw(
    `create index email_outbox_due_idx on email_outbox (next_attempt_at, id) where status = 'pending'`,
  );
  await knex.raw(
    `comment on table email_outbox is 'Every email, before and after sending. Instances claim pending rows with for update skip locked, so two never send the same one; a failed send waits longer each time (exponential back-off), then is marked failed.'`,
  );
  await knex.raw(
    `comment on column email_outbox.follower_id is 'Set for emails to a follower: deleting the follower (unsubscribe) deletes these too, so the address is gone.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('email_outbox');
  await knex.schema.dropTable('recommendation_followers');
  await knex.schema.dropTable('notification_preferences');
  await knex.schema.dropTable('notifications');
}
