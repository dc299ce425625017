/**
 * Invitations an administrator can see, resend and revoke. A revoked link is marked, not deleted,
 * so the person who follows it is told it was withdrawn (rather than "not valid"), and the list of
 * pending invitations can leave it out. The index serves that list: the newest invitation per
 * email address.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('one_time_tokens', (t) => {
    t.timestamp('revoked_at', { useTz: true });
    t.integer('revoked_by')
      .references('id')
      .inTable('users')
      .onDelete('SET NULL')
      .withKeyName('one_time_tokens_revoked_by_fk');
    t.check('revoked_at is null or used_at is null', [], 'one_time_tokens_revoked_unused');
  });
  await knex.raw(
    `create index one_time_tokens_invitation_email_idx on one_time_tokens (lower(email), id desc) where purpose = 'invitation'`,
  );
  await knex.raw(
    `comment on column one_time_tokens.revoked_at is 'When an administrator withdrew the link; a revoked link is refused as withdrawn.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index one_time_tokens_invitation_email_idx');
  await knex.schema.alterTable('one_time_tokens', (t) => {
    t.dropChecks(['one_time_tokens_revoked_unused']);
    t.dropForeign(['revoked_by'], 'one_time_tokens_revoked_by_fk');
    t.dropColumn('revoked_by');
    t.dropColumn('revoked_at');
  });
}
