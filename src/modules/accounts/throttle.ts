/**
 * Throttling of password and code guesses: too many failures for one account, or from one client
 * address, within the window means waiting until the window ends. Counted by the shared rate
 * limiter (src/shared/rate-limit), so it holds across instances and restarts. Throttles; never locks
 * out for good. Only failures count: signing in does not spend or reset anything.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { createRateLimiter, type RateLimitAnswer } from '../../shared/rate-limit/rate-limit';

/** Failed attempts allowed in the window before further attempts are refused for a while. */
export const THROTTLE = { windowMinutes: 15, perAccount: 5, perAddress: 20 } as const;

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;

export function createSignInThrottle(knex: Knex, clock: Clock) {
  const windowSeconds = THROTTLE.windowMinutes * 60;
  const perAccount = createRateLimiter(knex, clock, {
    name: 'sign-in-account',
    points: THROTTLE.perAccount,
    windowSeconds,
  });
  const perAddress = createRateLimiter(knex, clock, {
    name: 'sign-in-address',
    points: THROTTLE.perAddress,
    windowSeconds,
  });
  const waitMs = (answer: RateLimitAnswer) => (answer.allowed ? 0 : answer.retryAfterMs);

  return {
    /** Minutes to wait when this account (by email key) or address has failed too often lately, else null. */
    async wait(
      key: string,
      ip: string,
      db: Knex | Knex.Transaction = knex,
    ): Promise<number | null> {
      const answers = await Promise.all([perAccount.peek(key, db), perAddress.peek(ip, db)]);
      const longest = Math.max(...answers.map(waitMs));
      return longest > 0 ? Math.max(1, Math.ceil(longest / 60_000)) : null;
    },

    /** Counts a failed guess against the account and the address; pass the audit's transaction. */
    async recordFailure(db: Knex | Knex.Transaction, key: string, ip: string): Promise<void> {
      await perAccount.consume(key, db);
      await perAddress.consume(ip, db);
    },
  };
}
