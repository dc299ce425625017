/**
 * Status history, reviews and delivery confidence ratings kept the actor's email address as the label shown in the workspace and
 * in board packs. New rows keep the person's name (statusActor); this brings the existing rows in
 * line, for people who still exist and have a name: a label that is exactly their email, or their
 * email followed by " (API token N)", becomes their name in the same form. Other labels (seeds,
 * imports, removed people) are left as they are. The audit events are not touched.
 */
import type { Knex } from 'knex';

const TABLES = [
  { table: 'assignment_status_changes', id: 'actor_id', label: 'actor_label' },
  { table: 'progress_update_reviews', id: 'reviewer_id', label: 'reviewer_label' },
  { table: 'delivery_confidence_ratings', id: 'rated_by', label: 'rater_label' },
] as const;

export async function up(knex: Knex): Promise<void> {
  for (const { table, id, label } of TABLES) {
    await knex.raw(
      `update ?? as t
          set ?? = trim(u.name) || substr(t.??, length(u.email) + 1)
         from users u
        where u.id = t.??
          and trim(u.name) <> ''
          and (t.?? = u.email or left(t.??, length(u.email) + 12) = u.email || ' (API token ')`,
      [table, label, label, id, label, label],
    );
  }
}

/** The names cannot be turned back into the emails they replaced without guessing; nothing to do. */
export async function down(): Promise<void> {}
