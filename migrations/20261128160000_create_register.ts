/**
 * The register: who recommendations go to (organisations), where they come from (reports), the
 * recommendations themselves with their themes, and assignments (one recommendation addressed to one
 * organisation), which carry the formal response and the status of DOMAIN.md.
 */
import type { Knex } from 'knex';

// The allowed values are written out here, not imported from src/db/tables.ts: a migration records
// the schema as it was on its date, and must not change when the application's lists do later.

const ORGANISATION_KINDS = [
  'police_force',
  'national_body',
  'pcc_office',
  'local_authority',
  'government_department',
  'other',
];
const LEGAL_BASES = ['iopc_para_28a', 'hmicfrs_s55', 'coroner_pfd', 'none'];
const TEXT_STATUSES = ['verified', 'summary', 'pending'];
const ASSIGNMENT_STATUSES = [
  'awaiting_response',
  'in_progress',
  'awaiting_verification',
  'implemented',
  'closed',
];
const CLOSURE_REASONS = ['not_accepted', 'overtaken_by_events', 'superseded', 'not_implemented'];
const STANCES = ['accepted', 'partially_accepted', 'not_accepted'];

const list = (values: string[]) => values.map((v) => `'${v}'`).join(', ');
const SLUG = `'^[a-z0-9]+(-[a-z0-9]+)*$'`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organisations', (t) => {
    t.increments('id').primary({ constraintName: 'organisations_pkey' });
    t.text('slug').notNullable().unique({ indexName: 'organisations_slug_key' });
    t.text('name').notNullable();
    t.text('kind').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`slug ~ ${SLUG} and length(slug) <= 80`, [], 'organisations_slug_format');
    t.check(`length(name) between 1 and 200`, [], 'organisations_name_length');
    t.check(`kind in (${list(ORGANISATION_KINDS)})`, [], 'organisations_kind_valid');
  });
  await knex.raw(
    `comment on table organisations is 'Bodies that recommendations are addressed to, and the overseers and issuers around them.'`,
  );

  await knex.schema.createTable('reports', (t) => {
    t.increments('id').primary({ constraintName: 'reports_pkey' });
    t.text('slug').notNullable().unique({ indexName: 'reports_slug_key' });
    t.text('title').notNullable();
    t.text('issuer_name').notNullable();
    t.text('issuer_short');
    t.date('published_on');
    t.date('dated_on');
    t.text('legal_basis').notNullable();
    t.text('source_url');
    t.text('summary');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`slug ~ ${SLUG} and length(slug) <= 80`, [], 'reports_slug_format');
    t.check(`length(title) between 1 and 300`, [], 'reports_title_length');
    t.check(`legal_basis in (${list(LEGAL_BASES)})`, [], 'reports_legal_basis_valid');
    t.check(`source_url is null or source_url ~ '^(http|https)://'`, [], 'reports_source_url_http');
  });
  await knex.raw(
    `comment on table reports is 'Source documents that make recommendations (an IOPC learning report, an HMICFRS inspection, a coroner''s report).'`,
  );
  await knex.raw(
    `comment on column reports.legal_basis is 'Decides the statutory response clock; the rules live in src/modules/deadlines.'`,
  );
  await knex.raw(
    `comment on column reports.dated_on is 'The date on the report itself, where it differs from publication (starts the coroner''s clock).'`,
  );

  await knex.schema.createTable('themes', (t) => {
    t.increments('id').primary({ constraintName: 'themes_pkey' });
    t.text('slug').notNullable().unique({ indexName: 'themes_slug_key' });
    t.text('name').notNullable();
    t.check(`slug ~ ${SLUG} and length(slug) <= 80`, [], 'themes_slug_format');
  });

  await knex.schema.createTable('recommendations', (t) => {
    t.increments('id').primary({ constraintName: 'recommendations_pkey' });
    t.integer('report_id')
      .notNullable()
      .references('id')
      .inTable('reports')
      .withKeyName('recommendations_report_fk');
    t.text('ref').notNullable().unique({ indexName: 'recommendations_ref_key' });
    t.text('source_number');
    t.text('title');
    t.text('body');
    t.text('text_status').notNullable();
    t.date('made_on');
    t.boolean('made_on_confirmed').notNullable().defaultTo(true);
    t.text('source_url');
    t.integer('repeats_recommendation_id')
      .references('id')
      .inTable('recommendations')
      .withKeyName('recommendations_repeats_fk');
    t.integer('position').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(
      `ref ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$' and length(ref) <= 40`,
      [],
      'recommendations_ref_format',
    );
    t.check(`text_status in (${list(TEXT_STATUSES)})`, [], 'recommendations_text_status_valid');
    // A text is either entered (with a title) or honestly marked as not yet entered.
    t.check(
      `(text_status = 'pending' and body is null) or (text_status <> 'pending' and body is not null and title is not null)`,
      [],
      'recommendations_text_matches_status',
    );
    t.check(`body is null or length(body) <= 20000`, [], 'recommendations_body_length');
    t.check(`title is null or length(title) <= 300`, [], 'recommendations_title_length');
    t.check(
      `repeats_recommendation_id is null or repeats_recommendation_id <> id`,
      [],
      'recommendations_not_self_repeat',
    );
    t.index(['report_id', 'position'], 'recommendations_report_position_idx');
  });
  await knex.raw(
    `comment on column recommendations.ref is 'The tracker''s own reference, unique across all reports (e.g. LIN-01).'`,
  );
  await knex.raw(
    `comment on column recommendations.text_status is 'verified: checked against the source; summary: our own summary of it; pending: not yet entered.'`,
  );
  await knex.raw(
    `comment on column recommendations.made_on_confirmed is 'false when the date made is assumed (e.g. the report''s publication date stands in for it).'`,
  );
  await knex.raw(
    `comment on column recommendations.repeats_recommendation_id is 'The earlier recommendation this one repeats (lineage across reports).'`,
  );

  await knex.schema.createTable('recommendation_themes', (t) => {
    t.integer('recommendation_id')
      .notNullable()
      .references('id')
      .inTable('recommendations')
      .onDelete('CASCADE')
      .withKeyName('recommendation_themes_recommendation_fk');
    t.integer('theme_id')
      .notNullable()
      .references('id')
      .inTable('themes')
      .withKeyName('recommendation_themes_theme_fk');
    t.primary(['recommendation_id', 'theme_id'], { constraintName: 'recommendation_themes_pkey' });
    t.index(['theme_id'], 'recommendation_themes_theme_idx');
  });

  await knex.schema.createTable('assignments', (t) => {
    t.increments('id').primary({ constraintName: 'assignments_pkey' });
    t.integer('recommendation_id')
      .notNullable()
      .references('id')
      .inTable('recommendations')
      .withKeyName('assignments_recommendation_fk');
    t.integer('organisation_id')
      .notNullable()
      .references('id')
      .inTable('organisations')
      .withKeyName('assignments_organisation_fk');
    t.boolean('addressee_confirmed').notNullable().defaultTo(true);
    t.text('status').notNullable().defaultTo('awaiting_response');
    t.text('closure_reason');
    t.date('response_due_on');
    t.text('response_stance');
    t.text('response_text');
    t.date('responded_on');
    t.boolean('response_date_confirmed').notNullable().defaultTo(true);
    t.text('response_source_url');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['recommendation_id', 'organisation_id'], {
      indexName: 'assignments_recommendation_organisation_key',
    });
    t.check(`status in (${list(ASSIGNMENT_STATUSES)})`, [], 'assignments_status_valid');
    t.check(
      `closure_reason is null or closure_reason in (${list(CLOSURE_REASONS)})`,
      [],
      'assignments_closure_reason_valid',
    );
    t.check(
      `(status = 'closed') = (closure_reason is not null)`,
      [],
      'assignments_closed_has_reason',
    );
    t.check(
      `response_stance is null or response_stance in (${list(STANCES)})`,
      [],
      'assignments_response_stance_valid',
    );
    t.check(
      `(response_stance is null) = (responded_on is null)`,
      [],
      'assignments_response_complete',
    );
    // Only a response moves an assignment out of awaiting_response.
    t.check(
      `status = 'awaiting_response' or status = 'closed' or responded_on is not null`,
      [],
      'assignments_progress_needs_response',
    );
    t.check(
      `status <> 'awaiting_response' or responded_on is null or response_stance = 'not_accepted'`,
      [],
      'assignments_awaiting_has_no_response',
    );
    t.check(
      `response_text is null or length(response_text) <= 50000`,
      [],
      'assignments_response_text_length',
    );
    t.index(['organisation_id', 'status'], 'assignments_organisation_status_idx');
    t.index(['status'], 'assignments_status_idx');
    t.index(['response_due_on'], 'assignments_response_due_idx');
  });
  await knex.raw(
    `comment on table assignments is 'One recommendation addressed to one organisation: each addressee answers and implements separately.'`,
  );
  await knex.raw(
    `comment on column assignments.response_due_on is 'The current response due date, written by the deadlines module whenever its inputs change; overdue is derived at read time.'`,
  );
  await knex.raw(
    `comment on column assignments.response_date_confirmed is 'false when only the date the response was reported is known, so lateness cannot be judged.'`,
  );
  await knex.raw(
    `comment on column assignments.addressee_confirmed is 'false when public sources do not confirm this organisation as the addressee.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('assignments');
  await knex.schema.dropTable('recommendation_themes');
  await knex.schema.dropTable('recommendations');
  await knex.schema.dropTable('themes');
  await knex.schema.dropTable('reports');
  await knex.schema.dropTable('organisations');
}
