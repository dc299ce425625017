/**
 * Uploaded import files waiting to be confirmed: the parsed, normalised content is kept between the
 * preview and the confirmation, so what is applied is exactly what was previewed, and the file is not
 * uploaded twice. Rows are short-lived: an unapplied upload expires after a day (see import.service.ts).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('imports', (t) => {
    t.text('id').primary({ constraintName: 'imports_pkey' });
    t.integer('created_by')
      .notNullable()
      .references('id')
      .inTable('users')
      .onDelete('CASCADE')
      .withKeyName('imports_created_by_fk');
    t.text('filename').notNullable();
    t.text('format').notNullable();
    t.jsonb('payload').notNullable();
    t.text('plan_digest').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('applied_at', { useTz: true });
    t.check(`format in ('csv', 'json')`, [], 'imports_format_valid');
    t.check(`length(filename) between 1 and 255`, [], 'imports_filename_length');
    t.check(`plan_digest ~ '^[0-9a-f]{64}$'`, [], 'imports_plan_digest_hex');
    t.index(['created_at'], 'imports_created_at_idx');
  });
  await knex.raw(
    `comment on table imports is 'Uploaded import files between preview and confirmation; unapplied ones expire after a day.'`,
  );
  await knex.raw(
    `comment on column imports.payload is 'The file parsed, checked and normalised (the report and its recommendations), not the raw bytes.'`,
  );
  await knex.raw(
    `comment on column imports.plan_digest is 'SHA-256 of the plan shown in the preview; confirming re-plans and refuses if it no longer matches.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('imports');
}
