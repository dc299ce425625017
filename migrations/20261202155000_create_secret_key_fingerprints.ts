/**
 * secret_key_fingerprints: one row, written at the first start, holding a fingerprint of the
 * SECRET_KEY that the database's sealed secrets (two-factor secrets) and signed links depend on.
 * A process started with another key finds a different fingerprint and refuses to start, instead of
 * failing later at two-factor sign-in. The fingerprint is an HMAC-SHA256 of a fixed label under the
 * key, so it says only "same key or not": it is neither the key nor a hash that some other part of
 * the system could also compute from the key (ADR 0018).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('secret_key_fingerprints', (t) => {
    // A single row: the primary key can only be true.
    t.boolean('id').notNullable().defaultTo(true).primary({
      constraintName: 'secret_key_fingerprints_pkey',
    });
    t.text('fingerprint').notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable();
    t.check('id', [], 'secret_key_fingerprints_single_row');
    t.check(`fingerprint ~ '^v1\\.[0-9a-f]{64}$'`, [], 'secret_key_fingerprints_format');
  });
  await knex.raw(
    `comment on table secret_key_fingerprints is 'A keyed fingerprint (HMAC-SHA256 of a fixed label) of the SECRET_KEY this database was first started with; never the key or a plain hash of it. A start with another key is refused.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('secret_key_fingerprints');
}
