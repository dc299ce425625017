/**
 * Indexes for the oversight dashboards (src/modules/dashboards). Each dashboard section is one
 * set-based query; these keep the "what is late" lists from reading whole tables as they grow:
 * - open actions by target date (the overdue-actions list reads only planned and in-progress
 *   actions whose target has passed);
 * - live, unanswered assignments by due date (the overdue-responses list and counts);
 * - ratings in the order that finds each assignment's latest (current) one in a single pass.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `create index assignment_actions_open_target_idx on assignment_actions (target_on, assignment_id) where state in ('planned', 'in_progress')`,
  );
  await knex.raw(
    `create index assignments_unanswered_due_idx on assignments (response_due_on) where responded_on is null and withdrawn_at is null`,
  );
  await knex.raw(
    `create index delivery_confidence_ratings_latest_idx on delivery_confidence_ratings (assignment_id, created_at desc, id desc)`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index if exists delivery_confidence_ratings_latest_idx`);
  await knex.raw(`drop index if exists assignments_unanswered_due_idx`);
  await knex.raw(`drop index if exists assignment_actions_open_target_idx`);
}
