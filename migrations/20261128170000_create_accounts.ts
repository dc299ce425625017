/**
 * Accounts: users and their roles, sessions kept in the database (so they hold across instances and
 * restarts), one-time link tokens (first-run setup, invitations, password resets), two-factor
 * recovery codes, and sign-in attempts for throttling. Secrets are never stored in the clear:
 * passwords as scrypt hashes, tokens and codes as SHA-256, TOTP secrets encrypted (AES-256-GCM).
 */
import type { Knex } from 'knex';

// Spelled out rather than imported: a migration records the schema as it was on its date.
const ROLES = ['admin', 'overseer', 'viewer', 'org_lead'];
const SESSION_STATES = ['anonymous', 'mfa_pending', 'enrol_required', 'active'];
const TOKEN_PURPOSES = ['setup', 'invitation', 'password_reset'];
const list = (values: string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary({ constraintName: 'users_pkey' });
    t.text('email').notNullable();
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.integer('organisation_id')
      .references('id')
      .inTable('organisations')
      .withKeyName('users_organisation_fk');
    t.text('password_hash');
    t.timestamp('password_changed_at', { useTz: true });
    t.text('totp_secret_enc');
    t.timestamp('totp_enabled_at', { useTz: true });
    t.bigInteger('totp_last_step');
    t.timestamp('disabled_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`role in (${list(ROLES)})`, [], 'users_role_valid');
    t.check(
      `(role = 'org_lead') = (organisation_id is not null)`,
      [],
      'users_org_lead_has_organisation',
    );
    t.check(
      `length(email) between 3 and 254 and position('@' in email) > 1`,
      [],
      'users_email_shape',
    );
    t.check(`length(name) between 1 and 200`, [], 'users_name_length');
    t.check(`totp_enabled_at is null or totp_secret_enc is not null`, [], 'users_totp_has_secret');
  });
  await knex.raw('create unique index users_email_key on users (lower(email))');
  await knex.raw(
    `comment on table users is 'People who sign in: admins, overseers, viewers and organisation leads.'`,
  );
  await knex.raw(
    `comment on column users.totp_secret_enc is 'TOTP secret encrypted with SECRET_KEY (AES-256-GCM); set at enrolment, enabled once a code is confirmed.'`,
  );
  await knex.raw(
    `comment on column users.totp_last_step is 'The last accepted TOTP time step, so a code cannot be used twice.'`,
  );

  await knex.schema.createTable('sessions', (t) => {
    t.text('id').primary({ constraintName: 'sessions_pkey' });
    t.integer('user_id')
      .references('id')
      .inTable('users')
      .onDelete('CASCADE')
      .withKeyName('sessions_user_fk');
    t.text('state').notNullable().defaultTo('anonymous');
    t.text('csrf_token').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.text('ip_address');
    t.text('user_agent');
    t.check(`state in (${list(SESSION_STATES)})`, [], 'sessions_state_valid');
    t.check(`(state = 'anonymous') = (user_id is null)`, [], 'sessions_user_matches_state');
    t.index(['user_id'], 'sessions_user_idx');
    t.index(['last_seen_at'], 'sessions_last_seen_idx');
  });
  await knex.raw(
    `comment on column sessions.id is 'SHA-256 of the session cookie''s value; the value itself is never stored.'`,
  );

  await knex.schema.createTable('one_time_tokens', (t) => {
    t.increments('id').primary({ constraintName: 'one_time_tokens_pkey' });
    t.text('token_hash').notNullable().unique({ indexName: 'one_time_tokens_hash_key' });
    t.text('purpose').notNullable();
    t.integer('user_id')
      .references('id')
      .inTable('users')
      .onDelete('CASCADE')
      .withKeyName('one_time_tokens_user_fk');
    t.text('email');
    t.text('name');
    t.text('role');
    t.integer('organisation_id')
      .references('id')
      .inTable('organisations')
      .withKeyName('one_time_tokens_organisation_fk');
    t.integer('created_by')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('one_time_tokens_created_by_fk');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.check(`purpose in (${list(TOKEN_PURPOSES)})`, [], 'one_time_tokens_purpose_valid');
    t.check(`role is null or role in (${list(ROLES)})`, [], 'one_time_tokens_role_valid');
    t.check(
      `purpose <> 'password_reset' or user_id is not null`,
      [],
      'one_time_tokens_reset_has_user',
    );
    t.check(
      `purpose <> 'invitation' or (email is not null and role is not null)`,
      [],
      'one_time_tokens_invitation_complete',
    );
  });
  await knex.raw(
    `comment on table one_time_tokens is 'Links sent or shown once: first-run setup (24 h), invitations (7 days), password resets. Only a SHA-256 of each token is kept.'`,
  );

  await knex.schema.createTable('recovery_codes', (t) => {
    t.increments('id').primary({ constraintName: 'recovery_codes_pkey' });
    t.integer('user_id')
      .notNullable()
      .references('id')
      .inTable('users')
      .onDelete('CASCADE')
      .withKeyName('recovery_codes_user_fk');
    t.text('code_hash').notNullable();
    t.timestamp('used_at', { useTz: true });
    t.unique(['user_id', 'code_hash'], { indexName: 'recovery_codes_user_code_key' });
  });

  await knex.schema.createTable('sign_in_attempts', (t) => {
    t.bigIncrements('id').primary({ constraintName: 'sign_in_attempts_pkey' });
    t.text('email_key').notNullable();
    t.text('ip_address').notNullable();
    t.boolean('succeeded').notNullable();
    t.timestamp('attempted_at', { useTz: true }).notNullable();
    t.index(['email_key', 'attempted_at'], 'sign_in_attempts_email_idx');
    t.index(['ip_address', 'attempted_at'], 'sign_in_attempts_ip_idx');
  });
  await knex.raw(
    `comment on table sign_in_attempts is 'Recent sign-in attempts, counted per account and per client address to throttle guessing.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sign_in_attempts');
  await knex.schema.dropTable('recovery_codes');
  await knex.schema.dropTable('one_time_tokens');
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('users');
}
