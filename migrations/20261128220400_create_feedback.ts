/**
 * Feedback from the public about a recommendation's progress:
 * - feedback_messages: the message, which recommendation it is about, and where the oversight
 *   office is with it (new, read, handled). No name, email or address is asked for or kept. Never
 *   published. The reference is kept beside the foreign key so a message outlives a deleted
 *   recommendation.
 * - feedback_submissions: one row per message accepted, keyed by a keyed hash of the sender's
 *   address (not the address), so submissions can be rate-limited across instances. Rows older
 *   than the limit's window are deleted as new ones arrive, and the rows are not linked to the
 *   messages.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feedback_messages', (t) => {
    t.increments('id').primary({ constraintName: 'feedback_messages_pkey' });
    t.integer('recommendation_id')
      .references('id')
      .inTable('recommendations')
      .onDelete('SET NULL')
      .withKeyName('feedback_messages_recommendation_fk');
    t.text('recommendation_ref').notNullable();
    t.text('message').notNullable();
    t.text('state').notNullable().defaultTo('new');
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.timestamp('state_changed_at', { useTz: true });
    t.integer('state_changed_by')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('feedback_messages_state_changed_by_fk');
    t.check(`length(message) between 1 and 2000`, [], 'feedback_messages_message_length');
    t.check(`state in ('new', 'read', 'handled')`, [], 'feedback_messages_state_valid');
    t.index(['state', 'received_at'], 'feedback_messages_state_idx');
    t.index(['received_at'], 'feedback_messages_received_idx');
  });
  await knex.raw(
    `comment on table feedback_messages is 'Messages from the public about a recommendation. Private to the oversight office; never published.'`,
  );

  await knex.schema.createTable('feedback_submissions', (t) => {
    t.increments('id').primary({ constraintName: 'feedback_submissions_pkey' });
    t.text('sender_key').notNullable();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.index(['sender_key', 'submitted_at'], 'feedback_submissions_sender_idx');
    t.index(['submitted_at'], 'feedback_submissions_submitted_idx');
  });
  await knex.raw(
    `comment on table feedback_submissions is 'Rate limiting of feedback: a keyed hash of the sender address per accepted message; kept only for the length of the window.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('feedback_submissions');
  await knex.schema.dropTable('feedback_messages');
}
