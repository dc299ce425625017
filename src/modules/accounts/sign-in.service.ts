/**
 * Signing in: the password step (with throttling and no user enumeration), the two-factor step
 * (TOTP or a single-use recovery code), and signing out. Every outcome is an audit event written in
 * the same transaction as the change it describes; no event holds a password, code or token.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { openSecret } from '../../shared/secret-box';
import { recordAudit, userActor } from '../operations/audit.repository';
import {
  ROLES_REQUIRING_TWO_FACTOR,
  type CurrentUser,
  type RequestContext,
  type Session,
} from './accounts.types';
import { emailKey, toCurrentUser, type AccountsRepository } from './accounts.repository';
import type { PasswordHasher } from './password';
import {
  hashRecoveryCode,
  isWellFormedRecoveryCode,
  normaliseRecoveryCode,
} from './recovery-codes';
import type { SessionService } from './sessions.service';
import { createSignInThrottle } from './throttle';
import { verifyTotp } from './totp';

export { THROTTLE } from './throttle';

export type SignInOutcome =
  | {
      kind: 'signed_in';
      token: string;
      session: Session;
      next: 'workspace' | 'two_factor' | 'enrol_two_factor';
    }
  | { kind: 'refused' }
  | { kind: 'throttled'; retryAfterMinutes: number };

export type TwoFactorOutcome =
  | { kind: 'signed_in'; token: string; session: Session }
  | { kind: 'refused' }
  | { kind: 'throttled'; retryAfterMinutes: number };

export type SignInService = ReturnType<typeof createSignInService>;

export function createSignInService(deps: {
  knex: Knex;
  clock: Clock;
  repository: AccountsRepository;
  sessions: SessionService;
  hasher: PasswordHasher;
  secretKey: Buffer;
}) {
  const { knex, clock, repository, sessions, hasher } = deps;

  const throttle = createSignInThrottle(knex, clock);

  return {
    async signIn(input: {
      email: string;
      password: string;
      previousSessionId: string | null;
      context: RequestContext;
    }): Promise<SignInOutcome> {
      const key = emailKey(input.email);
      const wait = await throttle.wait(key, input.context.ip);
      if (wait !== null) {
        await recordAudit(knex, {
          actor: { type: 'public', label: key },
          action: 'auth.sign_in_throttled',
          subjectType: 'user',
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'throttled', retryAfterMinutes: wait };
      }
      const user = await repository.findUserByEmail(knex, key);
      // Always run the hash, even for an unknown email, so the time taken does not reveal which emails exist.
      const passwordOk = await hasher.verify(input.password, user?.password_hash);
      const ok = Boolean(user && passwordOk && !user.disabled_at);
      return knex.transaction(async (trx) => {
        if (!ok || !user) {
          await throttle.recordFailure(trx, key, input.context.ip);
          await recordAudit(trx, {
            actor: user ? userActor(user) : { type: 'public', label: key },
            action: 'auth.sign_in_failed',
            subjectType: 'user',
            subjectId: user?.id ?? null,
            after: {
              reason: !user ? 'unknown_email' : user.disabled_at ? 'disabled' : 'wrong_password',
            },
            ipAddress: input.context.ip,
            requestId: input.context.requestId,
          });
          return { kind: 'refused' as const };
        }
        if (hasher.needsRehash(user.password_hash!)) {
          await trx('users')
            .where({ id: user.id })
            .update({ password_hash: await hasher.hash(input.password) });
        }
        const next = user.totp_enabled_at
          ? ('two_factor' as const)
          : ROLES_REQUIRING_TWO_FACTOR.includes(user.role)
            ? ('enrol_two_factor' as const)
            : ('workspace' as const);
        if (input.previousSessionId) await sessions.destroy(trx, input.previousSessionId);
        const started = await sessions.start(trx, {
          userId: user.id,
          state:
            next === 'workspace'
              ? 'active'
              : next === 'two_factor'
                ? 'mfa_pending'
                : 'enrol_required',
          context: input.context,
        });
        await recordAudit(trx, {
          actor: userActor(user),
          action: next === 'workspace' ? 'auth.sign_in' : 'auth.password_accepted',
          subjectType: 'user',
          subjectId: user.id,
          after: { next },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'signed_in' as const, ...started, next };
      });
    },

    /** The second step: a TOTP code (not reused) or an unused recovery code. Starts a new, full session. */
    async completeTwoFactor(input: {
      pendingUser: CurrentUser;
      sessionId: string;
      code: string;
      context: RequestContext;
    }): Promise<TwoFactorOutcome> {
      const key = emailKey(input.pendingUser.email);
      const wait = await throttle.wait(key, input.context.ip);
      if (wait !== null) return { kind: 'throttled', retryAfterMinutes: wait };
      return knex.transaction(async (trx) => {
        const user = await trx('users').where({ id: input.pendingUser.id }).forUpdate().first();
        let method: 'totp' | 'recovery_code' | null = null;
        if (user?.totp_secret_enc && user.totp_enabled_at && !user.disabled_at) {
          const secret = openSecret(user.totp_secret_enc, deps.secretKey);
          const totp = verifyTotp(secret, input.code, {
            now: clock.now(),
            lastUsedStep: user.totp_last_step ?? undefined,
          });
          if (totp.ok) {
            await trx('users').where({ id: user.id }).update({ totp_last_step: totp.step });
            method = 'totp';
          } else if (isWellFormedRecoveryCode(input.code)) {
            const used = await trx('recovery_codes')
              .where({
                user_id: user.id,
                code_hash: hashRecoveryCode(normaliseRecoveryCode(input.code)),
              })
              .whereNull('used_at')
              .update({ used_at: clock.now() });
            if (used === 1) method = 'recovery_code';
          }
        }
        if (!method) {
          await throttle.recordFailure(trx, key, input.context.ip);
          await recordAudit(trx, {
            actor: userActor(input.pendingUser),
            action: 'auth.two_factor_failed',
            subjectType: 'user',
            subjectId: input.pendingUser.id,
            ipAddress: input.context.ip,
            requestId: input.context.requestId,
          });
          return { kind: 'refused' as const };
        }
        await sessions.destroy(trx, input.sessionId);
        const started = await sessions.start(trx, {
          userId: input.pendingUser.id,
          state: 'active',
          context: input.context,
        });
        await recordAudit(trx, {
          actor: userActor(input.pendingUser),
          action: 'auth.sign_in',
          subjectType: 'user',
          subjectId: input.pendingUser.id,
          after: { twoFactor: method },
          ipAddress: input.context.ip,
          requestId: input.context.requestId,
        });
        return { kind: 'signed_in' as const, ...started };
      });
    },

    async signOut(input: {
      session: Session;
      user: CurrentUser | null;
      context: RequestContext;
    }): Promise<void> {
      await knex.transaction(async (trx) => {
        await sessions.destroy(trx, input.session.id);
        if (input.user) {
          await recordAudit(trx, {
            actor: userActor(input.user),
            action: 'auth.sign_out',
            subjectType: 'user',
            subjectId: input.user.id,
            ipAddress: input.context.ip,
            requestId: input.context.requestId,
          });
        }
      });
    },

    /** An anonymous session, so a signed-out form (sign in, setup, invitation) has a CSRF token. */
    async startAnonymous(context: RequestContext) {
      return sessions.start(knex, { userId: null, state: 'anonymous', context });
    },

    /** The anonymous session a cookie names, when it is still good (and is anonymous). */
    async loadAnonymous(token: string) {
      const loaded = await sessions.load(token);
      return loaded && loaded.session.state === 'anonymous' && loaded.session.userId === null
        ? loaded.session
        : null;
    },

    toCurrentUser,
  };
}
