/**
 * Removes what can no longer be used: expired sessions (bots opening the sign-in page create
 * anonymous ones), rate-limit counters whose window has ended (sign-in, API tokens and feedback
 * alike), and one-time links a week past their expiry. Runs at start and then every few minutes in each instance; the deletes are
 * idempotent, so several instances doing it at once is harmless.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../logger';
import { purgeExpiredRateLimits } from '../../shared/rate-limit/rate-limit';
import type { SessionService } from './sessions.service';

const LINKS_KEPT_AFTER_EXPIRY_MS = 7 * 24 * 3_600_000;
export const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000;

export interface HousekeepingResult {
  sessions: number;
  rateLimits: number;
  links: number;
}

export async function sweepAccounts(
  knex: Knex,
  clock: Clock,
  sessions: SessionService,
): Promise<HousekeepingResult> {
  const now = clock.now().getTime();
  const expiredSessions = await sessions.purgeExpired();
  const rateLimits = await purgeExpiredRateLimits(knex, clock.now());
  const links = await knex('one_time_tokens')
    .where('expires_at', '<', new Date(now - LINKS_KEPT_AFTER_EXPIRY_MS))
    .delete();
  return { sessions: expiredSessions, rateLimits, links };
}

/** Starts the periodic sweep; returns a function that stops it (for graceful shutdown). */
export function startHousekeeping(
  knex: Knex,
  clock: Clock,
  sessions: SessionService,
  logger: Logger,
): () => void {
  const run = () =>
    sweepAccounts(knex, clock, sessions).then(
      (result) => {
        if (result.sessions || result.rateLimits || result.links)
          logger.info({ removed: result }, 'housekeeping');
      },
      (err: unknown) => logger.warn({ err }, 'housekeeping failed; will try again'),
    );
  void run();
  const timer = setInterval(run, HOUSEKEEPING_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
