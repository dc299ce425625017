/** Reads of users. Always pass the caller's transaction. */
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
  };
}

export type AccountsRepository = ReturnType<typeof createAccountsRepository>;
