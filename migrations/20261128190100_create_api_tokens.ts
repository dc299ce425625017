/**
 * API tokens for /api/v1, and service accounts to own them.
 *
 * users.kind tells people ('person', who sign in with a password) from service accounts ('service':
 * other systems, which never sign in and only hold API tokens). A service account has no password
 * and no two-factor secret, so no sign-in path can ever succeed for it.
 *
 * api_tokens keeps only a SHA-256 of each token (the token is shown once, when issued), the scope
 * it acts with (a role, and an organisation for org_lead), a required expiry at most a year away,
 * and when it was revoked and last used.
 */
import type { Knex } from 'knex';

// Spelled out rather than imported: a migration records the schema as it was on its date.
const ROLES = ['admin', 'overseer', 'viewer', 'org_lead'];
const list = (values: string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('kind').notNullable().defaultTo('person');
    t.check(`kind in ('person', 'service')`, [], 'users_kind_valid');
    t.check(
      `kind <> 'service' or (password_hash is null and totp_secret_enc is null)`,
      [],
      'users_service_has_no_credentials',
    );
  });
  await knex.raw(
    `comment on column users.kind is 'person: signs in with a password; service: another system, which only holds API tokens and can never sign in.'`,
  );

  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id').primary({ constraintName: 'api_tokens_pkey' });
    t.text('token_hash').notNullable().unique({ indexName: 'api_tokens_hash_key' });
    t.text('token_hint').notNullable();
    t.text('name').notNullable();
    t.integer('user_id')
      .notNullable()
      .references('id')
      .inTable('users')
      .onDelete('CASCADE')
      .withKeyName('api_tokens_user_fk');
    t.text('role').notNullable();
    t.integer('organisation_id')
      .references('id')
      .inTable('organisations')
      .withKeyName('api_tokens_organisation_fk');
    t.integer('created_by')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('api_tokens_created_by_fk');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.integer('revoked_by')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('api_tokens_revoked_by_fk');
    t.timestamp('last_used_at', { useTz: true });
    t.check(`role in (${list(ROLES)})`, [], 'api_tokens_role_valid');
    t.check(
      `(role = 'org_lead') = (organisation_id is not null)`,
      [],
      'api_tokens_org_lead_has_organisation',
    );
    t.check(`length(name) between 1 and 200`, [], 'api_tokens_name_length');
    t.check(
      `expires_at > created_at and expires_at <= created_at + interval '366 days'`,
      [],
      'api_tokens_expiry_within_a_year',
    );
    t.index(['user_id'], 'api_tokens_user_idx');
    t.index(['created_at'], 'api_tokens_created_idx');
  });
  await knex.raw(
    `comment on table api_tokens is 'Bearer tokens for /api/v1. Only a SHA-256 of each token is kept; the token itself is shown once when issued.'`,
  );
  await knex.raw(
    `comment on column api_tokens.token_hint is 'The first characters of the token, so an administrator can recognise a token found in a log or a leak.'`,
  );
  await knex.raw(
    `comment on column api_tokens.last_used_at is 'Written at most once a minute per token.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_tokens');
  await knex.schema.alterTable('users', (t) => {
    t.dropChecks(['users_kind_valid', 'users_service_has_no_credentials']);
    t.dropColumn('kind');
  });
}
