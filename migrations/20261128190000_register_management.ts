/**
 * Register management by administrators: a report's publication setting for formal responses, and
 * withdrawal of recommendations and assignments. A withdrawn row is never deleted: it stays in the
 * register's history with who withdrew it, when and why, and stops counting as live.
 */
import type { Knex } from 'knex';

// A withdrawal is all three facts or none of them (withdrawn_by may be null for a withdrawal made
// by the system rather than a user), and the reason is never blank.
const WITHDRAWAL_COMPLETE =
  `(withdrawn_at is null and withdrawn_reason is null and withdrawn_by is null) or ` +
  `(withdrawn_at is not null and withdrawn_reason is not null and length(btrim(withdrawn_reason)) between 1 and 2000)`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => {
    t.boolean('publish_responses').notNullable().defaultTo(true);
  });
  await knex.raw(
    `comment on column reports.publish_responses is 'true: addressees'' formal responses to this report''s recommendations are published when received.'`,
  );

  for (const table of ['recommendations', 'assignments']) {
    await knex.schema.alterTable(table, (t) => {
      t.timestamp('withdrawn_at', { useTz: true });
      t.text('withdrawn_reason');
      t.integer('withdrawn_by')
        .references('id')
        .inTable('users')
        .withKeyName(`${table}_withdrawn_by_fk`);
      t.check(WITHDRAWAL_COMPLETE, [], `${table}_withdrawal_complete`);
    });
    await knex.raw(
      `comment on column ${table}.withdrawn_at is 'Set when an administrator withdraws it: it stays visible in history but no longer counts as live.'`,
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['assignments', 'recommendations']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropChecks([`${table}_withdrawal_complete`]);
      t.dropForeign(['withdrawn_by'], `${table}_withdrawn_by_fk`);
      t.dropColumns('withdrawn_at', 'withdrawn_reason', 'withdrawn_by');
    });
  }
  await knex.schema.alterTable('reports', (t) => {
    t.dropColumn('publish_responses');
  });
}
