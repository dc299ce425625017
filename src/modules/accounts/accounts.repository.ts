/** Reads and writes of users, sign-in attempts and recovery codes. Always pass the caller's transaction. */
import type { Knex } from 'knex';
import type { CurrentUser, Role } from './accounts.types';

export interface UserRow {
  id: number;
  email: string;
  name: string;
  role: Role;
  organisation_id: number | null;
  password_hash: string | null;
  password_changed_at: Date | null;
  totp_secret_enc: string | null;
  totp_enabled_at: Date | null;
  totp_last_step: number | null;
  disabled_at: Date | null;
  /** 'service' accounts hold API tokens and can never sign in (they have no password). */
  kind?: 'person' | 'service';
  created_at: Date;
  updated_at: Date;
}

export function toCurrentUser(row: UserRow): CurrentUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    organisationId: row.organisation_id,
    twoFactorEnabled: row.totp_enabled_at !== null,
  };
}

/** Emails are matched case-insensitively (the unique index is on lower(email)). */
export const emailKey = (email: string) => email.trim().toLowerCase();

export function createAccountsRepository() {
  return {
    findUserByEmail(db: Knex | Knex.Transaction, email: string): Promise<UserRow | undefined> {
      return db<UserRow>('users')
        .whereRaw('lower(email) = ?', [emailKey(email)])
        .first();
    },

    findUserById(db: Knex | Knex.Transaction, id: number): Promise<UserRow | undefined> {
      return db<UserRow>('users').where({ id }).first();
    },

    async adminExists(db: Knex | Knex.Transaction): Promise<boolean> {
      // A service account cannot sign in, so it does not count as the first administrator.
      return Boolean(await db('users').where({ role: 'admin', kind: 'person' }).first('id'));
    },

    async recordAttempt(
      db: Knex | Knex.Transaction,
      attempt: { emailKey: string; ip: string; succeeded: boolean; at: Date },
    ): Promise<void> {
      await db('sign_in_attempts').insert({
        email_key: attempt.emailKey,
        ip_address: attempt.ip,
        succeeded: attempt.succeeded,
        attempted_at: attempt.at,
      });
    },

    /** Failed attempts since `since`, for one account and for one client address, in one query. */
    async recentFailures(
      db: Knex | Knex.Transaction,
      key: string,
      ip: string,
      since: Date,
    ): Promise<{
      account: number;
      address: number;
      oldestAccount: Date | null;
      oldestAddress: Date | null;
    }> {
      const row = await db('sign_in_attempts')
        .where('attempted_at', '>=', since)
        .where('succeeded', false)
        .where((q) => q.where('email_key', key).orWhere('ip_address', ip))
        .first(
          db.raw('count(*) filter (where email_key = ?)::int as account', [key]),
          db.raw('count(*) filter (where ip_address = ?)::int as address', [ip]),
          db.raw('min(attempted_at) filter (where email_key = ?) as oldest_account', [key]),
          db.raw('min(attempted_at) filter (where ip_address = ?) as oldest_address', [ip]),
        );
      return {
        account: Number(row?.account ?? 0),
        address: Number(row?.address ?? 0),
        oldestAccount: row?.oldest_account ? new Date(row.oldest_account) : null,
        oldestAddress: row?.oldest_address ? new Date(row.oldest_address) : null,
      };
    },
  };
}

export type AccountsRepository = ReturnType<typeof createAccountsRepository>;
