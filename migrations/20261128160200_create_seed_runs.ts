/**
 * Which seed sets have been applied. A seed runs once per version: later starts see the row and leave
 * the data alone, so nothing a user changed (or deleted) in the app is put back by a restart.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('seed_runs', (t) => {
    t.text('name').notNullable();
    t.integer('version').notNullable();
    t.timestamp('applied_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['name', 'version'], { constraintName: 'seed_runs_pkey' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('seed_runs');
}
