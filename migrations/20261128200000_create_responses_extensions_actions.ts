/**
 * The addressee's side of an assignment: every version of its formal response, its requests for
 * more time with the overseer's decisions, and its action plan with each action's revisions.
 * The assignment's own response_* columns keep the current response (the public pages read them);
 * these tables keep the history.
 */
import type { Knex } from 'knex';

// Written out, not imported: a migration records the schema as it was on its date.
const STANCES = `'accepted', 'partially_accepted', 'not_accepted'`;
const EXTENSION_STATES = `'pending', 'granted', 'refused'`;
const ACTION_STATES = `'planned', 'in_progress', 'done', 'dropped'`;

const userFk = (t: Knex.CreateTableBuilder, column: string, key: string) =>
  t.integer(column).references('id').inTable('users').withKeyName(key);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('assignment_responses', (t) => {
    t.increments('id').primary({ constraintName: 'assignment_responses_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('assignment_responses_assignment_fk');
    t.integer('version').notNullable();
    t.text('stance').notNullable();
    t.text('text').notNullable();
    t.date('responded_on').notNullable();
    userFk(t, 'recorded_by', 'assignment_responses_recorded_by_fk');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['assignment_id', 'version'], { indexName: 'assignment_responses_version_key' });
    t.check(`version >= 1`, [], 'assignment_responses_version_positive');
    t.check(`stance in (${STANCES})`, [], 'assignment_responses_stance_valid');
    t.check(`length(text) between 1 and 50000`, [], 'assignment_responses_text_length');
  });
  await knex.raw(
    `comment on table assignment_responses is 'Every version of an addressee''s formal response; the latest is copied to assignments.response_*.'`,
  );

  await knex.schema.createTable('extension_requests', (t) => {
    t.increments('id').primary({ constraintName: 'extension_requests_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('extension_requests_assignment_fk');
    t.date('due_on_when_requested').notNullable();
    t.date('requested_due_on').notNullable();
    t.text('reason').notNullable();
    userFk(t, 'requested_by', 'extension_requests_requested_by_fk');
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('state').notNullable().defaultTo('pending');
    userFk(t, 'decided_by', 'extension_requests_decided_by_fk');
    t.timestamp('decided_at', { useTz: true });
    t.date('decided_on');
    t.text('decision_reason');
    t.check(`state in (${EXTENSION_STATES})`, [], 'extension_requests_state_valid');
    t.check(`length(reason) between 1 and 5000`, [], 'extension_requests_reason_length');
    t.check(`requested_due_on > due_on_when_requested`, [], 'extension_requests_later_than_due');
    t.check(
      `(state = 'pending') = (decided_at is null) and (state = 'pending') = (decided_on is null) and (state = 'pending') = (decision_reason is null)`,
      [],
      'extension_requests_decision_complete',
    );
    t.check(
      `decision_reason is null or length(decision_reason) between 1 and 5000`,
      [],
      'extension_requests_decision_reason_length',
    );
    t.index(['assignment_id'], 'extension_requests_assignment_idx');
  });
  await knex.raw(
    `create unique index extension_requests_one_pending_key on extension_requests (assignment_id) where state = 'pending'`,
  );
  await knex.raw(
    `comment on table extension_requests is 'Requests for more time to respond, asked before the due date; a granted one sets assignments.response_due_on through the deadlines module.'`,
  );

  await knex.schema.createTable('assignment_actions', (t) => {
    t.increments('id').primary({ constraintName: 'assignment_actions_pkey' });
    t.integer('assignment_id')
      .notNullable()
      .references('id')
      .inTable('assignments')
      .onDelete('CASCADE')
      .withKeyName('assignment_actions_assignment_fk');
    t.text('description').notNullable();
    t.text('owner').notNullable();
    t.date('target_on').notNullable();
    t.text('state').notNullable().defaultTo('planned');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`state in (${ACTION_STATES})`, [], 'assignment_actions_state_valid');
    t.check(`length(description) between 1 and 2000`, [], 'assignment_actions_description_length');
    t.check(`length(owner) between 1 and 200`, [], 'assignment_actions_owner_length');
    t.index(['assignment_id'], 'assignment_actions_assignment_idx');
  });
  await knex.raw(
    `comment on table assignment_actions is 'Steps in an addressee''s action plan; overdue (target date past, not done or dropped) is derived.'`,
  );

  await knex.schema.createTable('assignment_action_revisions', (t) => {
    t.increments('id').primary({ constraintName: 'assignment_action_revisions_pkey' });
    t.integer('action_id')
      .notNullable()
      .references('id')
      .inTable('assignment_actions')
      .onDelete('CASCADE')
      .withKeyName('assignment_action_revisions_action_fk');
    t.text('description').notNullable();
    t.text('owner').notNullable();
    t.date('previous_target_on');
    t.date('target_on').notNullable();
    t.text('state').notNullable();
    t.text('reason');
    userFk(t, 'revised_by', 'assignment_action_revisions_revised_by_fk');
    t.timestamp('revised_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`state in (${ACTION_STATES})`, [], 'assignment_action_revisions_state_valid');
    t.check(
      `previous_target_on is null or previous_target_on = target_on or reason is not null`,
      [],
      'assignment_action_revisions_date_change_has_reason',
    );
    t.check(
      `reason is null or length(reason) between 1 and 2000`,
      [],
      'assignment_action_revisions_reason_length',
    );
    t.index(['action_id'], 'assignment_action_revisions_action_idx');
  });
  await knex.raw(
    `comment on table assignment_action_revisions is 'Each action as it was after every change (the first row is its creation); a changed target date keeps the old one and a reason.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('assignment_action_revisions');
  await knex.schema.dropTable('assignment_actions');
  await knex.schema.dropTable('extension_requests');
  await knex.schema.dropTable('assignment_responses');
}
