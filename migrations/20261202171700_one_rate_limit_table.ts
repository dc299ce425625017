/**
 * One table for every rate limit (ADR 0019): rate_limits holds a counter per key for the current
 * window, kept by rate-limiter-flexible. Its columns are the ones that library's PostgreSQL limiter
 * uses (key, points, expire in milliseconds since the epoch), so the table is created here, by the
 * owner, and the limiter is told it exists: the app's role may not create tables (ADR 0009).
 *
 * The three counting tables it replaces go: sign_in_attempts (sign-in, two-factor and
 * re-authentication failures, and failed API tokens under the key "(api token)") and
 * feedback_submissions (feedback per sender). Nothing else read them: every sign-in outcome is
 * also an audit event. Their rows are not carried over: they only ever mattered for the next
 * quarter of an hour (an hour for feedback), so a deployment forgets at most that much.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.text('key').notNullable().primary({ constraintName: 'rate_limits_pkey' });
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
    t.check('char_length(key) between 1 and 300', [], 'rate_limits_key_length');
    t.index(['expire'], 'rate_limits_expire_idx');
  });
  await knex.raw(
    `comment on table rate_limits is 'Rate limiting (sign-in, API tokens, feedback): what each key has used in its current window. A row past its window counts for nothing and is deleted by housekeeping.'`,
  );
  await knex.raw(
    `comment on column rate_limits.key is 'The limit''s name, a colon, then what is counted: an email key, a client address, or a keyed hash of one.'`,
  );
  await knex.raw(
    `comment on column rate_limits.expire is 'When the window ends, in milliseconds since 1970 (UTC); the count starts again after it.'`,
  );
  await knex.schema.dropTable('sign_in_attempts');
  await knex.schema.dropTable('feedback_submissions');
}

export async function down(knex: Knex): Promise<void> {
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
  await knex.schema.createTable('feedback_submissions', (t) => {
    t.increments('id').primary({ constraintName: 'feedback_submissions_pkey' });
    t.text('sender_key').notNullable();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.index(['sender_key', 'submitted_at'], 'feedback_submissions_sender_idx');
    t.index(['submitted_at'], 'feedback_submissions_submitted_idx');
  });
  await knex.raw(
    `comment on table feedback_submissions is 'Rate limiting of feedback: a keyed hash of the sender address per accepted message; kept only for the length of the window.'`,
  );
  await knex.schema.dropTable('rate_limits');
}
