/**
 * The oversight office's side of an assignment, and the history every status change leaves:
 * - assignment_status_changes: one row per change of assignments.status, written in the same
 *   transaction as the change (src/modules/assignments/status-history.ts). Dashboards, the board
 *   pack and the public record "as of a date" reconstruct past states from it. An assignment with no
 *   row had been awaiting a response since its recommendation was made.
 * - progress_update_reviews: an overseer's decision on a progress update (accepted, or returned
 *   with feedback), at most one per update.
 * - delivery_confidence_ratings: the overseer's RAG rating with commentary and date; every rating
 *   is kept, the latest is the current one.
 * Existing assignments that have already left awaiting_response get one back-filled change, dated
 * on their response (or their last update when they have none).
 */
import type { Knex } from 'knex';

// Written out, not imported: a migration records the schema as it was on its date.
const STATUSES = `'awaiting_response', 'in_progress', 'awaiting_verification', 'implemented', 'closed'`;
const CLOSURE_REASONS = `'not_accepted', 'overtaken_by_events', 'superseded', 'not_implemented'`;
const EVENTS = `'respond', 'claim_complete', 'return_update', 'verify', 'close', 'reopen', 'recorded'`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('assignment_status_changes', (t) => {
    t.increments('id').primary({ constraintName: 'assignment_status_changes_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('assignment_status_changes_assignment_fk');
    t.text('from_status');
    t.text('to_status').notNullable();
    t.text('closure_reason');
    t.text('event').notNullable();
    t.text('note');
    t.integer('actor_id')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('assignment_status_changes_actor_fk');
    t.text('actor_label').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable();
    t.check(
      `from_status is null or from_status in (${STATUSES})`,
      [],
      'assignment_status_changes_from_valid',
    );
    t.check(`to_status in (${STATUSES})`, [], 'assignment_status_changes_to_valid');
    t.check(
      `(to_status = 'closed') = (closure_reason is not null) and (closure_reason is null or closure_reason in (${CLOSURE_REASONS}))`,
      [],
      'assignment_status_changes_closure_valid',
    );
    t.check(`event in (${EVENTS})`, [], 'assignment_status_changes_event_valid');
    t.check(
      `note is null or length(note) between 1 and 5000`,
      [],
      'assignment_status_changes_note_length',
    );
    t.index(['assignment_id', 'changed_at'], 'assignment_status_changes_assignment_idx');
    t.index(['changed_at'], 'assignment_status_changes_changed_at_idx');
  });
  await knex.raw(
    `comment on table assignment_status_changes is 'Append-only: every change of assignments.status, written with the change. No row: awaiting a response since the recommendation was made.'`,
  );
  await knex.raw(`
    insert into assignment_status_changes
      (assignment_id, from_status, to_status, closure_reason, event, actor_label, changed_at)
    select a.id, 'awaiting_response', a.status, a.closure_reason, 'recorded', 'Recorded before history was kept',
           coalesce((a.responded_on + time '12:00') at time zone 'UTC', a.updated_at)
      from assignments a
     where a.status <> 'awaiting_response'`);

  await knex.schema.createTable('progress_update_reviews', (t) => {
    t.increments('id').primary({ constraintName: 'progress_update_reviews_pkey' });
    t.integer('progress_update_id')
      .notNullable()
      .references('id')
      .inTable('progress_updates')
      .onDelete('CASCADE')
      .withKeyName('progress_update_reviews_update_fk');
    t.text('decision').notNullable();
    t.text('feedback');
    t.integer('reviewer_id')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('progress_update_reviews_reviewer_fk');
    t.text('reviewer_label').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['progress_update_id'], { indexName: 'progress_update_reviews_update_key' });
    t.check(`decision in ('accepted', 'returned')`, [], 'progress_update_reviews_decision_valid');
    t.check(
      `feedback is null or length(feedback) between 1 and 5000`,
      [],
      'progress_update_reviews_feedback_length',
    );
    t.check(
      `decision <> 'returned' or feedback is not null`,
      [],
      'progress_update_reviews_returned_has_feedback',
    );
    t.index(['created_at'], 'progress_update_reviews_created_idx');
  });
  await knex.raw(
    `comment on table progress_update_reviews is 'An overseer''s decision on a progress update: accepted, or returned with feedback. One per update.'`,
  );
  // The review queue reads updates oldest first.
  await knex.raw(`create index progress_updates_created_idx on progress_updates (created_at, id)`);

  await knex.schema.createTable('delivery_confidence_ratings', (t) => {
    t.increments('id').primary({ constraintName: 'delivery_confidence_ratings_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('delivery_confidence_ratings_assignment_fk');
    t.text('rating').notNullable();
    t.text('commentary').notNullable();
    t.date('rated_on').notNullable();
    t.integer('rated_by')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('delivery_confidence_ratings_rated_by_fk');
    t.text('rater_label').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.check(`rating in ('red', 'amber', 'green')`, [], 'delivery_confidence_ratings_rating_valid');
    t.check(
      `length(commentary) between 1 and 5000`,
      [],
      'delivery_confidence_ratings_commentary_length',
    );
    t.index(['assignment_id', 'created_at'], 'delivery_confidence_ratings_assignment_idx');
    t.index(['created_at'], 'delivery_confidence_ratings_created_idx');
  });
  await knex.raw(
    `comment on table delivery_confidence_ratings is 'The oversight office''s delivery confidence (RAG) for an assignment, with commentary; the latest row is current. Shown beside the status, never instead of it.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('delivery_confidence_ratings');
  await knex.raw(`drop index if exists progress_updates_created_idx`);
  await knex.schema.dropTable('progress_update_reviews');
  await knex.schema.dropTable('assignment_status_changes');
}
