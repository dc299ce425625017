/**
 * The response clock depends on who the addressee is, not only on the report (issue 15): an
 * HMICFRS report's 56-day duty (Police Act 1996 s.55) falls on the local policing body, not on the
 * national bodies and departments a thematic report also names. The rule itself lives in
 * src/modules/deadlines; this migration adds an administrator's override per assignment (the
 * current one on the assignment, every one kept with its reason), and clears the due dates that
 * the old per-report rule had stored for addressees the law does not bind.
 */
import type { Knex } from 'knex';
import { attachDataVersion, detachDataVersion } from '../src/db/data-version';

// Written out, not imported: a migration records the schema as it was on its date.
const MODES = `'statutory', 'none', 'date'`;

export async function up(knex: Knex): Promise<void> {
  for (const statement of [
    `alter table assignments
       add column clock_override text,
       add column clock_override_due_on date`,
    `alter table assignments
       add constraint assignments_clock_override_valid check (clock_override is null or clock_override in (${MODES}))`,
    `alter table assignments
       add constraint assignments_clock_override_date check ((clock_override = 'date') = (clock_override_due_on is not null))`,
    `comment on column assignments.clock_override is 'An administrator''s override of the response clock for this assignment: statutory (the law''s clock applies anyway), none (no deadline), date (the due date in clock_override_due_on); null: the rule for the legal basis and addressee kind decides. History in assignment_clock_overrides.'`,
  ]) {
    await knex.raw(statement);
  }

  await knex.schema.createTable('assignment_clock_overrides', (t) => {
    t.increments('id').primary({ constraintName: 'assignment_clock_overrides_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('assignment_clock_overrides_assignment_fk');
    t.text('mode').notNullable();
    t.date('due_on');
    t.text('reason').notNullable();
    t.integer('set_by')
      .references('id')
      .inTable('users')
      .withKeyName('assignment_clock_overrides_set_by_fk');
    t.timestamp('set_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // 'rules': the override was removed and the rule decides again.
    t.check(`mode in (${MODES}, 'rules')`, [], 'assignment_clock_overrides_mode_valid');
    t.check(`(mode = 'date') = (due_on is not null)`, [], 'assignment_clock_overrides_date');
    t.check(`length(reason) between 1 and 2000`, [], 'assignment_clock_overrides_reason_length');
    t.index(['assignment_id', 'set_at'], 'assignment_clock_overrides_assignment_idx');
  });
  // The record as of a past date reads the override history (ADR 0011).
  await attachDataVersion(knex, 'assignment_clock_overrides', ['public', 'workspace']);
  await knex.raw(
    `comment on table assignment_clock_overrides is 'Every change of an assignment''s clock override, with its reason (the latest is copied to assignments.clock_override).'`,
  );

  // HMICFRS s.55 binds only the local policing body: no other addressee has a statutory due date.
  await knex.raw(
    `update assignments a set response_due_on = null, updated_at = now()
       from recommendations r, reports p, organisations o
      where r.id = a.recommendation_id and p.id = r.report_id and o.id = a.organisation_id
        and p.legal_basis = 'hmicfrs_s55' and o.kind <> 'pcc_office' and a.response_due_on is not null`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await detachDataVersion(knex, 'assignment_clock_overrides');
  await knex.schema.dropTable('assignment_clock_overrides');
  await knex.raw(
    `alter table assignments drop column clock_override, drop column clock_override_due_on`,
  );
}
