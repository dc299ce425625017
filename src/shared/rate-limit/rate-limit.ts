/**
 * Rate limits (sign-in, API tokens, feedback) on rate-limiter-flexible, counted in the database's
 * rate_limits table so every instance on one database shares the counts and a restart forgets
 * nothing (ADR 0019).
 *
 * Each limit is a fixed window per key: the first attempt opens a window of `windowSeconds`, each
 * attempt in it spends a point, and once `points` are spent the key waits for the window to end.
 *
 * The library's own PostgreSQL limiter is used with its table layout and its upsert, but three of
 * its methods are given here: its queries go through knex rather than a driver connection (the
 * embedded database is reached through knex-pglite, whose connection has another query signature),
 * an optional transaction of the caller's is honoured (so a refused feedback message rolls its count
 * back with it), and time comes from the app's clock (so tests and a demo can move it). The table is
 * created by a migration (`tableCreated: true`), since the app's role may not create tables.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../clock';

export const RATE_LIMITS_TABLE = 'rate_limits';
/** Longer keys are stored as a hash, so an odd input cannot break the key column's limit. */
const MAX_PLAIN_KEY = 200;

type Db = Knex | Knex.Transaction;

export interface RateLimitRule {
  /** Names the limit; the stored key is `name:key`. */
  name: string;
  /** Attempts allowed in one window. */
  points: number;
  windowSeconds: number;
}

export type RateLimitAnswer =
  | { allowed: true }
  | { allowed: false; /** Until the window ends, at least 1 ms. */ retryAfterMs: number };

export interface RateLimiter {
  readonly rule: RateLimitRule;
  /** Whether `key` may make another attempt now. Writes nothing. */
  peek(key: string, db?: Db): Promise<RateLimitAnswer>;
  /**
   * Counts an attempt by `key`, atomically (one upsert, which holds the row until `db`'s
   * transaction ends): allowed when it was within the limit, else the wait.
   */
  consume(key: string, db?: Db): Promise<RateLimitAnswer>;
}

interface Row {
  points: number | string;
  expire: number | string | null;
}
interface StoreResult {
  rows: Row[];
}
interface StoreOptions {
  db?: Db;
}

/** rate-limiter-flexible's PostgreSQL limiter, reaching the table through knex and our clock. */
class KnexRateLimiterPostgres extends RateLimiterPostgres {
  readonly #knex: Knex;
  readonly #clock: Clock;

  constructor(knex: Knex, clock: Clock, rule: RateLimitRule) {
    super({
      storeClient: knex,
      storeType: 'knex',
      tableName: RATE_LIMITS_TABLE,
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix: rule.name,
      points: rule.points,
      duration: rule.windowSeconds,
    });
    this.#knex = knex;
    this.#clock = clock;
  }

  async _upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire = false,
    options: StoreOptions = {},
  ): Promise<StoreResult> {
    const now = this.#clock.now().getTime();
    const expire = msDuration > 0 ? now + msDuration : null;
    // The library's statement: a window that has ended starts again from these points.
    const result = await (options.db ?? this.#knex).raw(
      `insert into rate_limits as r (key, points, expire) values (?, ?, ?)
         on conflict (key) do update set
           points = case when r.expire <= ? or ? then excluded.points
                         else r.points + excluded.points end,
           expire = case when r.expire <= ? or ? then excluded.expire else r.expire end
         returning points, expire`,
      [rlKey, points, expire, now, forceExpire, now, forceExpire],
    );
    return { rows: result.rows as Row[] };
  }

  async _get(rlKey: string, options: StoreOptions = {}): Promise<StoreResult | null> {
    const rows: Row[] = await (options.db ?? this.#knex)(RATE_LIMITS_TABLE)
      .where({ key: rlKey })
      .where((q) => q.where('expire', '>', this.#clock.now().getTime()).orWhereNull('expire'))
      .select('points', 'expire');
    return rows.length === 0 ? null : { rows };
  }

  async _delete(rlKey: string, options: StoreOptions = {}): Promise<boolean> {
    return (await (options.db ?? this.#knex)(RATE_LIMITS_TABLE).where({ key: rlKey }).delete()) > 0;
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, result: StoreResult): RateLimiterRes {
    const row = result.rows[0]!;
    const stored = Number(row.points);
    const isFirstInDuration = changedPoints === stored;
    const consumed = isFirstInDuration ? changedPoints : stored;
    const msBeforeNext =
      row.expire === null ? -1 : Math.max(Number(row.expire) - this.#clock.now().getTime(), 0);
    return new RateLimiterRes(
      Math.max(this.points - consumed, 0),
      msBeforeNext,
      consumed,
      isFirstInDuration,
    );
  }
}

const storedKey = (key: string) =>
  key.length > MAX_PLAIN_KEY ? `sha256-${createHash('sha256').update(key).digest('hex')}` : key;

const waitOf = (res: RateLimiterRes): RateLimitAnswer => ({
  allowed: false,
  retryAfterMs: Math.max(1, res.msBeforeNext),
});

export function createRateLimiter(knex: Knex, clock: Clock, rule: RateLimitRule): RateLimiter {
  const limiter = new KnexRateLimiterPostgres(knex, clock, rule);
  return {
    rule,
    async peek(key, db) {
      const res = await limiter.get(storedKey(key), { db });
      return res && res.consumedPoints >= rule.points ? waitOf(res) : { allowed: true };
    },
    async consume(key, db) {
      try {
        await limiter.consume(storedKey(key), 1, { db });
        return { allowed: true };
      } catch (err) {
        // The library rejects with its result when the limit is passed, with an Error otherwise.
        if (err instanceof RateLimiterRes) return waitOf(err);
        throw err;
      }
    },
  };
}

/** Deletes the counters whose window has ended; they count for nothing. Returns how many. */
export async function purgeExpiredRateLimits(db: Db, now: Date): Promise<number> {
  return db(RATE_LIMITS_TABLE).where('expire', '<=', now.getTime()).delete();
}
