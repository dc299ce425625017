/**
 * Sustainment checks (issue 15): verifying implementation is not the end. When verifying, an
 * overseer may set a date to check that the change has lasted; when it comes, the overseer records
 * that it was sustained (with a progress update as the evidence) or reopens the assignment. One
 * open check per assignment; outcomes are kept.
 */
import type { Knex } from 'knex';
import { attachDataVersion, detachDataVersion } from '../src/db/data-version';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sustainment_checks', (t) => {
    t.increments('id').primary({ constraintName: 'sustainment_checks_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('sustainment_checks_assignment_fk');
    t.date('due_on').notNullable();
    t.integer('set_by')
      .references('id')
      .inTable('users')
      .withKeyName('sustainment_checks_set_by_fk');
    t.timestamp('set_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('outcome');
    t.text('outcome_note');
    t.integer('evidence_update_id')
      .references('id')
      .inTable('progress_updates')
      .withKeyName('sustainment_checks_evidence_update_fk');
    t.integer('decided_by')
      .references('id')
      .inTable('users')
      .withKeyName('sustainment_checks_decided_by_fk');
    t.timestamp('decided_at', { useTz: true });
    t.date('decided_on');
    t.check(
      `outcome is null or outcome in ('sustained', 'reopened')`,
      [],
      'sustainment_checks_outcome_valid',
    );
    t.check(
      `(outcome is null) = (decided_at is null) and (outcome is null) = (decided_on is null) and (outcome is null) = (outcome_note is null)`,
      [],
      'sustainment_checks_outcome_complete',
    );
    t.check(
      `outcome is distinct from 'sustained' or evidence_update_id is not null`,
      [],
      'sustainment_checks_sustained_has_evidence',
    );
    t.check(
      `outcome_note is null or length(outcome_note) between 1 and 5000`,
      [],
      'sustainment_checks_note_length',
    );
    t.index(['assignment_id'], 'sustainment_checks_assignment_idx');
  });
  await knex.raw(
    `create unique index sustainment_checks_one_open_key on sustainment_checks (assignment_id) where outcome is null`,
  );
  await knex.raw(
    `comment on table sustainment_checks is 'Checks, set when implementation is verified, that a change has lasted; outcome sustained (with a progress update as evidence) or reopened.'`,
  );
  await attachDataVersion(knex, 'sustainment_checks', ['public', 'workspace']);
}

export async function down(knex: Knex): Promise<void> {
  await detachDataVersion(knex, 'sustainment_checks');
  await knex.schema.dropTable('sustainment_checks');
}
