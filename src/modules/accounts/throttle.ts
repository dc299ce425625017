/**
 * Throttling of password and code guesses: too many failures for one account, or from one client
 * address, within the window means waiting until the oldest of them leaves it. Counted in
 * sign_in_attempts, so it holds across instances and restarts. Throttles; never locks out for good.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { AccountsRepository } from './accounts.repository';

/** Failed attempts allowed in the window before further attempts are refused for a while. */
export const THROTTLE = { windowMinutes: 15, perAccount: 5, perAddress: 20 } as const;

/** Minutes to wait when this account (by email key) or address has failed too often lately, else null. */
export async function throttleWait(
  db: Knex | Knex.Transaction,
  deps: { repository: AccountsRepository; clock: Clock },
  key: string,
  ip: string,
): Promise<number | null> {
  const windowMs = THROTTLE.windowMinutes * 60_000;
  const now = deps.clock.now().getTime();
  const failures = await deps.repository.recentFailures(db, key, ip, new Date(now - windowMs));
  const until = Math.max(
    failures.account >= THROTTLE.perAccount && failures.oldestAccount
      ? failures.oldestAccount.getTime() + windowMs
      : 0,
    failures.address >= THROTTLE.perAddress && failures.oldestAddress
      ? failures.oldestAddress.getTime() + windowMs
      : 0,
  );
  return until > now ? Math.max(1, Math.ceil((until - now) / 60_000)) : null;
}
