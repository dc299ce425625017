/**
 * Sessions kept in the database. The cookie holds a random token; the table holds only its SHA-256,
 * so a copy of the database cannot be replayed as cookies. A session is refused (and deleted) when it
 * has been idle too long, is older than the absolute limit, or its user is disabled. Signing in or
 * completing two-factor always starts a new session (a new id), never promotes the old one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { CurrentUser, RequestContext, Role, Session, SessionState } from './accounts.types';

const TOUCH_INTERVAL_MS = 60_000;

export interface LoadedSession {
  session: Session;
  user: CurrentUser | null;
}

export type SessionService = ReturnType<typeof createSessionService>;

const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * An anonymous session's cookie value starts with this mark (base64url never holds a '.'), so a
 * signed-out visitor's page views can be told from a signed-in one's without reading the session
 * table: only a form that needs the session's CSRF token, or a form post, reads it.
 */
const ANONYMOUS_MARK = 'a.';

/** Whether a cookie value names an anonymous session (one that only carries a CSRF token). */
export function isAnonymousSessionToken(token: string | undefined): boolean {
  return typeof token === 'string' && token.startsWith(ANONYMOUS_MARK);
}

export function createSessionService(deps: {
  knex: Knex;
  clock: Clock;
  idleMinutes: number;
  absoluteHours: number;
}) {
  const { knex, clock } = deps;
  const idleMs = deps.idleMinutes * 60_000;
  const absoluteMs = deps.absoluteHours * 3_600_000;

  return {
    idleMs,
    absoluteMs,

    /** Starts a session, returning the cookie value (shown to the browser once, never stored). */
    async start(
      db: Knex | Knex.Transaction,
      input: { userId: number | null; state: SessionState; context: RequestContext },
    ): Promise<{ token: string; session: Session }> {
      const random = randomBytes(32).toString('base64url');
      const token = input.state === 'anonymous' ? `${ANONYMOUS_MARK}${random}` : random;
      const now = clock.now();
      const row = {
        id: hashSessionToken(token),
        user_id: input.userId,
        state: input.state,
        csrf_token: randomBytes(32).toString('base64url'),
        created_at: now,
        last_seen_at: now,
        ip_address: input.context.ip,
        user_agent: input.context.userAgent?.slice(0, 300) ?? null,
      };
      await db('sessions').insert(row);
      return {
        token,
        session: {
          id: row.id,
          userId: row.user_id,
          state: row.state,
          csrfToken: row.csrf_token,
          createdAt: now,
          lastSeenAt: now,
        },
      };
    },

    /** The session for a cookie value, or null when it is unknown, expired or its user disabled. */
    async load(token: string | undefined): Promise<LoadedSession | null> {
      if (!token || token.length > 100) return null;
      const id = hashSessionToken(token);
      const row = await knex('sessions as s')
        .leftJoin('users as u', 'u.id', 's.user_id')
        .where('s.id', id)
        .first(
          's.*',
          'u.email',
          'u.name',
          'u.role',
          'u.organisation_id',
          'u.disabled_at',
          'u.totp_enabled_at',
        );
      if (!row) return null;
      const now = clock.now().getTime();
      const expired =
        now - new Date(row.last_seen_at).getTime() > idleMs ||
        now - new Date(row.created_at).getTime() > absoluteMs ||
        (row.user_id !== null && row.disabled_at !== null);
      if (expired) {
        await knex('sessions').where({ id }).delete();
        return null;
      }
      if (now - new Date(row.last_seen_at).getTime() > TOUCH_INTERVAL_MS) {
        await knex('sessions').where({ id }).update({ last_seen_at: clock.now() });
      }
      return {
        session: {
          id,
          userId: row.user_id,
          state: row.state,
          csrfToken: row.csrf_token,
          createdAt: new Date(row.created_at),
          lastSeenAt: new Date(row.last_seen_at),
        },
        user:
          row.user_id === null
            ? null
            : {
                id: row.user_id,
                email: row.email,
                name: row.name,
                role: row.role as Role,
                organisationId: row.organisation_id,
                twoFactorEnabled: row.totp_enabled_at !== null,
              },
      };
    },

    async destroy(db: Knex | Knex.Transaction, id: string): Promise<void> {
      await db('sessions').where({ id }).delete();
    },

    /** Ends every session of a user at once (disabled, password changed, role changed). */
    async destroyAllForUser(
      db: Knex | Knex.Transaction,
      userId: number,
      exceptId?: string,
    ): Promise<number> {
      const query = db('sessions').where({ user_id: userId });
      if (exceptId) query.whereNot({ id: exceptId });
      return query.delete();
    },

    /** Removes sessions that can no longer be used; run now and then. */
    async purgeExpired(): Promise<number> {
      const now = clock.now().getTime();
      return knex('sessions')
        .where('last_seen_at', '<', new Date(now - idleMs))
        .orWhere('created_at', '<', new Date(now - absoluteMs))
        .delete();
    },
  };
}
