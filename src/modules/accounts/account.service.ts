/**
 * A signed-in person's own account: changing the password, setting up two-factor authentication
 * (TOTP) with recovery codes, getting new recovery codes, and turning two-factor off where the role
 * allows it. Every change is written in one transaction with its audit event; no event holds a
 * password, a TOTP secret or code, or a recovery code.
 *
 * Re-authentication (the current password, asked before a password change, new recovery codes or
 * turning two-factor off) is throttled with the sign-in limits: a wrong password is recorded as a
 * failed sign-in attempt, so guessing here and at /sign-in share one budget.
 *
 * A two-factor secret being set up is kept sealed in users.totp_secret_enc, with totp_enabled_at
 * still null, and bound to the session that asked for it: reloading the page shows the same QR
 * code, but another session (someone else who knows the password) gets a new secret and can never
 * see the one the owner is about to confirm. Once confirmed, the secret alone is sealed in its place.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { FieldError } from '../../shared/errors';
import { openSecret, sealSecret } from '../../shared/secret-box';
import { recordAudit, userActor } from '../operations/audit.repository';
import { emailKey, type AccountsRepository, type UserRow } from './accounts.repository';
import {
  ROLES_REQUIRING_TWO_FACTOR,
  type CurrentUser,
  type RequestContext,
  type Role,
  type Session,
} from './accounts.types';
import { checkPasswordPolicy, type PasswordHasher } from './password';
import {
  DEFAULT_RECOVERY_CODE_COUNT,
  generateRecoveryCodes,
  hashRecoveryCode,
  normaliseRecoveryCode,
} from './recovery-codes';
import type { SessionService } from './sessions.service';
import { PASSWORD_CHANGE_MESSAGES } from './account.schemas';
import { createSignInThrottle } from './throttle';
import { generateTotpSecret, totpUri, verifyTotp } from './totp';

export type ReauthenticationPurpose =
  'change_password' | 'regenerate_recovery_codes' | 'disable_two_factor';

export interface AccountSummary {
  name: string;
  email: string;
  role: Role;
  passwordChangedAt: Date | null;
  twoFactorEnabled: boolean;
  /** Whether the role must use two-factor (so it cannot be turned off). */
  twoFactorRequired: boolean;
  /** Unused recovery codes left (0 when two-factor is off). */
  recoveryCodesLeft: number;
}

export type ChangePasswordOutcome =
  | { kind: 'changed'; otherSessionsEnded: number }
  | { kind: 'invalid'; errors: FieldError[] }
  | { kind: 'throttled'; retryAfterMinutes: number };

export type StartEnrolmentOutcome =
  { kind: 'already_enabled' } | { kind: 'pending'; secret: string; uri: string };

export type CompleteEnrolmentOutcome =
  | {
      kind: 'enabled';
      recoveryCodes: string[];
      /** Set when the session was 'enrol_required': the new, fully signed-in session. */
      newSession: { token: string; session: Session } | null;
    }
  | { kind: 'refused' }
  | { kind: 'not_started' }
  | { kind: 'already_enabled' };

export type RegenerateOutcome =
  | { kind: 'regenerated'; recoveryCodes: string[] }
  | { kind: 'wrong_password' }
  | { kind: 'throttled'; retryAfterMinutes: number }
  | { kind: 'not_enabled' };

export type DisableOutcome =
  | { kind: 'disabled'; otherSessionsEnded: number }
  | { kind: 'required_for_role' }
  | { kind: 'wrong_password' }
  | { kind: 'throttled'; retryAfterMinutes: number }
  | { kind: 'not_enabled' };

type Reauthentication =
  | { ok: true; row: UserRow }
  | { ok: false; kind: 'wrong_password' }
  | { ok: false; kind: 'throttled'; retryAfterMinutes: number };

/** What totp_secret_enc holds (sealed) while two-factor is being set up. */
interface PendingSecret {
  pendingFor: string;
  secret: string;
}

/**
 * Rows a delete removed. Knex answers a number, except on the embedded database: knex-pglite 0.14
 * reports a delete's command as 'DEL', so knex hands back the raw result ({ affectedRows, ... }).
 */
function deletedCount(result: unknown): number {
  if (typeof result === 'number') return result;
  const r = result as { rowCount?: unknown; affectedRows?: unknown } | null;
  return Number(r?.rowCount ?? r?.affectedRows ?? 0) || 0;
}

/** The otpauth label uses ':' as its separator, so neither part may contain one. */
const withoutColons = (text: string) => text.replace(/:/g, ' ').trim();

export type AccountService = ReturnType<typeof createAccountService>;

export function createAccountService(deps: {
  knex: Knex;
  clock: Clock;
  repository: AccountsRepository;
  sessions: SessionService;
  hasher: PasswordHasher;
  secretKey: Buffer;
  /** The configured service name: the issuer shown in authenticator apps, and a banned password word. */
  serviceName: string;
}) {
  const { knex, clock, repository, sessions, hasher, secretKey, serviceName } = deps;

  const audit = (
    db: Knex | Knex.Transaction,
    user: { id: number; email: string },
    action: string,
    context: RequestContext,
    after?: unknown,
  ) =>
    recordAudit(db, {
      actor: userActor(user),
      action,
      subjectType: 'user',
      subjectId: user.id,
      after,
      ipAddress: context.ip,
      requestId: context.requestId,
    });

  /** Minutes to wait when this account or address has failed too often lately, else null. */
  const throttle = createSignInThrottle(knex, clock);
  const throttled = (user: CurrentUser, ip: string) => throttle.wait(emailKey(user.email), ip);

  /** Checks the current password (throttled); a wrong one is recorded and audited. */
  async function reauthenticate(
    user: CurrentUser,
    password: string,
    purpose: ReauthenticationPurpose,
    context: RequestContext,
  ): Promise<Reauthentication> {
    const wait = await throttled(user, context.ip);
    if (wait !== null) {
      await audit(knex, user, 'account.reauthentication_throttled', context, { purpose });
      return { ok: false, kind: 'throttled', retryAfterMinutes: wait };
    }
    const row = await repository.findUserById(knex, user.id);
    const passwordOk = await hasher.verify(password, row?.password_hash);
    if (row && passwordOk && !row.disabled_at) return { ok: true, row };
    await knex.transaction(async (trx) => {
      await throttle.recordFailure(trx, emailKey(user.email), context.ip);
      await audit(trx, user, 'account.reauthentication_failed', context, { purpose });
    });
    return { ok: false, kind: 'wrong_password' };
  }

  /** The user's row, locked, provided the password hash is still the one just verified. */
  async function lockUnchanged(
    trx: Knex.Transaction,
    verified: UserRow,
  ): Promise<UserRow | undefined> {
    const row = await trx<UserRow>('users').where({ id: verified.id }).forUpdate().first();
    return row && row.password_hash === verified.password_hash && !row.disabled_at
      ? row
      : undefined;
  }

  function readPending(sealed: string | null): PendingSecret | null {
    if (!sealed) return null;
    try {
      const value: unknown = JSON.parse(openSecret(sealed, secretKey));
      if (
        value &&
        typeof value === 'object' &&
        typeof (value as PendingSecret).pendingFor === 'string' &&
        typeof (value as PendingSecret).secret === 'string'
      )
        return value as PendingSecret;
    } catch {
      // Not a pending secret (or sealed under another key): treat as none.
    }
    return null;
  }

  async function replaceRecoveryCodes(trx: Knex.Transaction, userId: number): Promise<string[]> {
    const codes = generateRecoveryCodes(DEFAULT_RECOVERY_CODE_COUNT);
    await trx('recovery_codes').where({ user_id: userId }).delete();
    await trx('recovery_codes').insert(
      codes.map((code) => ({
        user_id: userId,
        code_hash: hashRecoveryCode(normaliseRecoveryCode(code)),
      })),
    );
    return codes;
  }

  return {
    async summary(userId: number): Promise<AccountSummary | null> {
      const row = await repository.findUserById(knex, userId);
      if (!row) return null;
      const enabled = row.totp_enabled_at !== null;
      const left = enabled
        ? await knex('recovery_codes')
            .where({ user_id: userId })
            .whereNull('used_at')
            .count<{ count: number }[]>({ count: '*' })
        : [{ count: 0 }];
      return {
        name: row.name,
        email: row.email,
        role: row.role,
        passwordChangedAt: row.password_changed_at ? new Date(row.password_changed_at) : null,
        twoFactorEnabled: enabled,
        twoFactorRequired: ROLES_REQUIRING_TWO_FACTOR.includes(row.role),
        recoveryCodesLeft: Number(left[0]?.count ?? 0),
      };
    },

    async changePassword(input: {
      user: CurrentUser;
      sessionId: string;
      currentPassword: string;
      newPassword: string;
      confirmPassword: string;
      context: RequestContext;
    }): Promise<ChangePasswordOutcome> {
      const { user, context } = input;
      const errors: FieldError[] = [];

      const row = await repository.findUserById(knex, user.id);
      const [problem] = checkPasswordPolicy(input.newPassword, {
        email: row?.email ?? user.email,
        name: row?.name ?? user.name,
        otherWords: [serviceName],
      });
      const nfc = (s: string) => s.normalize('NFC');
      let newPasswordError = problem;
      if (!newPasswordError && nfc(input.newPassword) === nfc(input.currentPassword))
        newPasswordError = PASSWORD_CHANGE_MESSAGES.sameAsCurrent;
      const mismatch =
        !newPasswordError && nfc(input.newPassword) !== nfc(input.confirmPassword)
          ? PASSWORD_CHANGE_MESSAGES.mismatch
          : undefined;

      const reauth = await reauthenticate(user, input.currentPassword, 'change_password', context);
      if (!reauth.ok && reauth.kind === 'throttled')
        return { kind: 'throttled', retryAfterMinutes: reauth.retryAfterMinutes };
      if (!reauth.ok)
        errors.push({ field: 'currentPassword', message: PASSWORD_CHANGE_MESSAGES.wrongCurrent });
      if (newPasswordError) errors.push({ field: 'newPassword', message: newPasswordError });
      if (mismatch) errors.push({ field: 'confirmPassword', message: mismatch });
      if (errors.length > 0 || !reauth.ok) return { kind: 'invalid', errors };

      const newHash = await hasher.hash(input.newPassword);
      return knex.transaction(async (trx) => {
        const locked = await lockUnchanged(trx, reauth.row);
        if (!locked)
          return {
            kind: 'invalid' as const,
            errors: [{ field: 'currentPassword', message: PASSWORD_CHANGE_MESSAGES.wrongCurrent }],
          };
        const now = clock.now();
        await trx('users')
          .where({ id: locked.id })
          .update({ password_hash: newHash, password_changed_at: now, updated_at: now });
        const ended = deletedCount(
          await sessions.destroyAllForUser(trx, locked.id, input.sessionId),
        );
        await audit(trx, locked, 'account.password_changed', context, {
          otherSessionsEnded: ended,
        });
        return { kind: 'changed' as const, otherSessionsEnded: ended };
      });
    },

    /**
     * The secret to show for setting up two-factor: the one this session was already shown, or a
     * new one (sealed and stored, two-factor not yet on).
     */
    async startEnrolment(input: {
      user: CurrentUser;
      sessionId: string;
      context: RequestContext;
    }): Promise<StartEnrolmentOutcome> {
      return knex.transaction(async (trx) => {
        const row = await trx<UserRow>('users').where({ id: input.user.id }).forUpdate().first();
        if (!row) throw new Error(`No user ${input.user.id}`);
        if (row.totp_enabled_at) return { kind: 'already_enabled' as const };
        let secret = readPending(row.totp_secret_enc);
        if (secret?.pendingFor !== input.sessionId) {
          secret = { pendingFor: input.sessionId, secret: generateTotpSecret() };
          await trx('users')
            .where({ id: row.id })
            .update({
              totp_secret_enc: sealSecret(JSON.stringify(secret), secretKey),
              totp_last_step: null,
              updated_at: clock.now(),
            });
          await audit(trx, row, 'account.two_factor_setup_started', input.context);
        }
        return {
          kind: 'pending' as const,
          secret: secret.secret,
          uri: totpUri({
            secret: secret.secret,
            accountName: withoutColons(row.email),
            issuer: withoutColons(serviceName) || 'Recommendation tracker',
          }),
        };
      });
    },

    /**
     * Confirms setup with a code from the app: turns two-factor on, replaces the recovery codes,
     * ends the user's other sessions and, for a session that had to enrol, starts a new full one.
     */
    async completeEnrolment(input: {
      user: CurrentUser;
      session: Session;
      code: string;
      context: RequestContext;
    }): Promise<CompleteEnrolmentOutcome> {
      const { user, session, context } = input;
      return knex.transaction(async (trx) => {
        const row = await trx<UserRow>('users').where({ id: user.id }).forUpdate().first();
        if (!row || row.disabled_at) return { kind: 'not_started' as const };
        if (row.totp_enabled_at) return { kind: 'already_enabled' as const };
        const pending = readPending(row.totp_secret_enc);
        if (!pending || pending.pendingFor !== session.id) return { kind: 'not_started' as const };
        const totp = verifyTotp(pending.secret, input.code, {
          now: clock.now(),
          lastUsedStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
        });
        if (!totp.ok) return { kind: 'refused' as const };

        const now = clock.now();
        await trx('users')
          .where({ id: row.id })
          .update({
            totp_secret_enc: sealSecret(pending.secret, secretKey),
            totp_enabled_at: now,
            totp_last_step: totp.step,
            updated_at: now,
          });
        const recoveryCodes = await replaceRecoveryCodes(trx, row.id);
        // A session that had to enrol is replaced by a new one (a new id); any other session of
        // this user was opened without the new factor, so it ends.
        const enrolling = session.state === 'enrol_required';
        if (enrolling) await sessions.destroy(trx, session.id);
        const ended = deletedCount(
          await sessions.destroyAllForUser(trx, row.id, enrolling ? undefined : session.id),
        );
        await audit(trx, row, 'account.two_factor_enabled', context, {
          recoveryCodes: recoveryCodes.length,
          otherSessionsEnded: ended,
        });
        let newSession: { token: string; session: Session } | null = null;
        if (enrolling) {
          newSession = await sessions.start(trx, { userId: row.id, state: 'active', context });
          await audit(trx, row, 'auth.sign_in', context, { twoFactor: 'enrolment' });
        }
        return { kind: 'enabled' as const, recoveryCodes, newSession };
      });
    },

    async regenerateRecoveryCodes(input: {
      user: CurrentUser;
      password: string;
      context: RequestContext;
    }): Promise<RegenerateOutcome> {
      const reauth = await reauthenticate(
        input.user,
        input.password,
        'regenerate_recovery_codes',
        input.context,
      );
      if (!reauth.ok)
        return reauth.kind === 'throttled'
          ? { kind: 'throttled', retryAfterMinutes: reauth.retryAfterMinutes }
          : { kind: 'wrong_password' };
      return knex.transaction(async (trx) => {
        const row = await lockUnchanged(trx, reauth.row);
        if (!row) return { kind: 'wrong_password' as const };
        if (!row.totp_enabled_at) return { kind: 'not_enabled' as const };
        const recoveryCodes = await replaceRecoveryCodes(trx, row.id);
        await audit(trx, row, 'account.recovery_codes_regenerated', input.context, {
          recoveryCodes: recoveryCodes.length,
        });
        return { kind: 'regenerated' as const, recoveryCodes };
      });
    },

    async disableTwoFactor(input: {
      user: CurrentUser;
      sessionId: string;
      password: string;
      context: RequestContext;
    }): Promise<DisableOutcome> {
      // The role is checked first, and again on the locked row below.
      if (ROLES_REQUIRING_TWO_FACTOR.includes(input.user.role))
        return { kind: 'required_for_role' };
      const reauth = await reauthenticate(
        input.user,
        input.password,
        'disable_two_factor',
        input.context,
      );
      if (!reauth.ok)
        return reauth.kind === 'throttled'
          ? { kind: 'throttled', retryAfterMinutes: reauth.retryAfterMinutes }
          : { kind: 'wrong_password' };
      return knex.transaction(async (trx) => {
        const row = await lockUnchanged(trx, reauth.row);
        if (!row) return { kind: 'wrong_password' as const };
        if (ROLES_REQUIRING_TWO_FACTOR.includes(row.role))
          return { kind: 'required_for_role' as const };
        if (!row.totp_enabled_at) return { kind: 'not_enabled' as const };
        await trx('users').where({ id: row.id }).update({
          totp_secret_enc: null,
          totp_enabled_at: null,
          totp_last_step: null,
          updated_at: clock.now(),
        });
        await trx('recovery_codes').where({ user_id: row.id }).delete();
        const ended = deletedCount(await sessions.destroyAllForUser(trx, row.id, input.sessionId));
        await audit(trx, row, 'account.two_factor_disabled', input.context, {
          otherSessionsEnded: ended,
        });
        return { kind: 'disabled' as const, otherSessionsEnded: ended };
      });
    },
  };
}
