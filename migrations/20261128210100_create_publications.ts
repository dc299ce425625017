/**
 * What the public may see of the addressee's private material, each an explicit, audited act of an
 * overseer:
 * - update_publications: a public summary of a progress update (written or approved by an
 *   overseer). Never edited in place: a correction withdraws the old publication (with a reason,
 *   and the page says so) and publishes a new one. At most one live publication per update.
 * - evidence_publications: an evidence file made downloadable by the public, withdrawable the
 *   same way.
 * Formal responses are published by their report's publish_responses flag (reports table).
 */
import type { Knex } from 'knex';

const userFk = (t: Knex.CreateTableBuilder, column: string, key: string) =>
  t.integer(column).references('id').inTable('users').onDelete('SET NULL').withKeyName(key);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('update_publications', (t) => {
    t.increments('id').primary({ constraintName: 'update_publications_pkey' });
    t.integer('progress_update_id')
      .notNullable()
      .references('id')
      .inTable('progress_updates')
      .onDelete('CASCADE')
      .withKeyName('update_publications_update_fk');
    t.text('summary').notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable();
    userFk(t, 'published_by', 'update_publications_published_by_fk');
    t.text('publisher_label').notNullable();
    t.timestamp('withdrawn_at', { useTz: true });
    userFk(t, 'withdrawn_by', 'update_publications_withdrawn_by_fk');
    t.text('withdrawn_reason');
    t.check(`length(summary) between 1 and 5000`, [], 'update_publications_summary_length');
    t.check(
      `(withdrawn_at is null) = (withdrawn_reason is null)`,
      [],
      'update_publications_withdrawal_has_reason',
    );
    t.check(
      `withdrawn_reason is null or length(withdrawn_reason) between 1 and 2000`,
      [],
      'update_publications_withdrawn_reason_length',
    );
    t.index(['published_at'], 'update_publications_published_idx');
    t.index(['withdrawn_at'], 'update_publications_withdrawn_idx');
  });
  await knex.raw(
    `create unique index update_publications_one_live on update_publications (progress_update_id) where withdrawn_at is null`,
  );
  await knex.raw(
    `comment on table update_publications is 'Public summaries of progress updates. Never edited: a correction withdraws (with a reason) and publishes anew.'`,
  );

  await knex.schema.createTable('evidence_publications', (t) => {
    t.increments('id').primary({ constraintName: 'evidence_publications_pkey' });
    t.integer('evidence_file_id')
      .notNullable()
      .references('id')
      .inTable('evidence_files')
      .onDelete('CASCADE')
      .withKeyName('evidence_publications_file_fk');
    t.timestamp('published_at', { useTz: true }).notNullable();
    userFk(t, 'published_by', 'evidence_publications_published_by_fk');
    t.text('publisher_label').notNullable();
    t.timestamp('withdrawn_at', { useTz: true });
    userFk(t, 'withdrawn_by', 'evidence_publications_withdrawn_by_fk');
    t.text('withdrawn_reason');
    t.check(
      `(withdrawn_at is null) = (withdrawn_reason is null)`,
      [],
      'evidence_publications_withdrawal_has_reason',
    );
    t.check(
      `withdrawn_reason is null or length(withdrawn_reason) between 1 and 2000`,
      [],
      'evidence_publications_withdrawn_reason_length',
    );
    t.index(['published_at'], 'evidence_publications_published_idx');
  });
  await knex.raw(
    `create unique index evidence_publications_one_live on evidence_publications (evidence_file_id) where withdrawn_at is null`,
  );
  await knex.raw(
    `comment on table evidence_publications is 'Evidence files an overseer made public; withdrawable with a reason.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('evidence_publications');
  await knex.schema.dropTable('update_publications');
}
