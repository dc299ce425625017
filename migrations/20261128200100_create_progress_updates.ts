/**
 * Progress updates (append-only narratives from the addressee, each with a self-assessment) and the
 * evidence files uploaded with them. A file's bytes are kept in the database in chunks of about
 * 256 KB, written as the upload streams in, so no upload is ever held whole in memory; the file row
 * records the sniffed content type, the sanitised original name, the size and the SHA-256.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('progress_updates', (t) => {
    t.increments('id').primary({ constraintName: 'progress_updates_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('progress_updates_assignment_fk');
    t.integer('author_id')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('progress_updates_author_fk');
    t.text('author_label').notNullable();
    t.text('self_assessment').notNullable();
    t.text('narrative').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.check(
      `self_assessment in ('on_track', 'at_risk', 'off_track', 'complete')`,
      [],
      'progress_updates_self_assessment_valid',
    );
    t.check(`length(narrative) between 1 and 20000`, [], 'progress_updates_narrative_length');
    t.index(['assignment_id', 'created_at'], 'progress_updates_assignment_idx');
  });
  await knex.schema.createTable('evidence_files', (t) => {
    t.increments('id').primary({ constraintName: 'evidence_files_pkey' });
    t.integer('progress_update_id')
      .notNullable()
      .references('id')
      .inTable('progress_updates')
      .onDelete('CASCADE')
      .withKeyName('evidence_files_update_fk');
    t.text('original_name').notNullable();
    t.text('content_type').notNullable();
    t.bigInteger('size_bytes').notNullable().defaultTo(0);
    t.text('sha256').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.check(`length(original_name) between 1 and 255`, [], 'evidence_files_name_length');
    t.check(`size_bytes >= 0`, [], 'evidence_files_size_valid');
    t.index(['progress_update_id'], 'evidence_files_update_idx');
  });
  await knex.schema.createTable('evidence_file_chunks', (t) => {
    t.integer('file_id')
      .notNullable()
      .references('id')
      .inTable('evidence_files')
      .onDelete('CASCADE')
      .withKeyName('evidence_file_chunks_file_fk');
    t.integer('seq').notNullable();
    t.binary('bytes').notNullable();
    t.primary(['file_id', 'seq'], { constraintName: 'evidence_file_chunks_pkey' });
  });
  await knex.raw(
    `comment on table progress_updates is 'Append-only progress updates on an assignment, private to its organisation and the oversight office.'`,
  );
  await knex.raw(
    `comment on table evidence_file_chunks is 'The bytes of each evidence file, in order of seq, about 256 KB each.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('evidence_file_chunks');
  await knex.schema.dropTable('evidence_files');
  await knex.schema.dropTable('progress_updates');
}
