/**
 * status_notes: the public reason an assignment stands where it does, written by an overseer when
 * verifying, closing, reopening or rating (ADR 0014). Separate from the private commentary on
 * status changes and ratings, and published like any public text: never edited; a newer note
 * replaces an older one on the page (both kept, so the record as of a past date shows the note
 * current then); a withdrawal sets withdrawn_at with a reason, which the public page shows.
 */
import type { Knex } from 'knex';
import { attachDataVersion, detachDataVersion } from '../src/db/data-version';

const userFk = (t: Knex.CreateTableBuilder, column: string, key: string) =>
  t.integer(column).references('id').inTable('users').onDelete('SET NULL').withKeyName(key);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('status_notes', (t) => {
    t.increments('id').primary({ constraintName: 'status_notes_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('status_notes_assignment_fk');
    t.text('occasion').notNullable();
    t.text('note').notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable();
    userFk(t, 'published_by', 'status_notes_published_by_fk');
    t.text('publisher_label').notNullable();
    t.timestamp('withdrawn_at', { useTz: true });
    userFk(t, 'withdrawn_by', 'status_notes_withdrawn_by_fk');
    t.text('withdrawn_reason');
    t.check(
      `occasion in ('verify', 'close', 'reopen', 'rate', 'review')`,
      [],
      'status_notes_occasion_valid',
    );
    t.check(`length(note) between 1 and 2000`, [], 'status_notes_note_length');
    t.check(
      `(withdrawn_at is null) = (withdrawn_reason is null)`,
      [],
      'status_notes_withdrawal_has_reason',
    );
    t.check(
      `withdrawn_reason is null or length(withdrawn_reason) between 1 and 2000`,
      [],
      'status_notes_withdrawn_reason_length',
    );
    t.index(['assignment_id', 'published_at'], 'status_notes_assignment_idx');
    t.index(['published_at'], 'status_notes_published_idx');
  });
  await knex.raw(
    `comment on table status_notes is 'Public status notes: why an assignment stands where it does, by an overseer. Never edited; the latest live one is current; withdrawn with a reason.'`,
  );
  await attachDataVersion(knex, 'status_notes', ['public', 'workspace']);
}

export async function down(knex: Knex): Promise<void> {
  await detachDataVersion(knex, 'status_notes');
  await knex.schema.dropTable('status_notes');
}
