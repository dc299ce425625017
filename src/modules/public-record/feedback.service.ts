/**
 * Feedback from the public about a recommendation, and the oversight office's inbox of it.
 *
 * - Anyone may send a message (no account, no name, no email). Messages are private to the
 *   oversight office and never published anywhere.
 * - Sending is rate-limited per client address by the shared rate limiter, counted in the database
 *   so the limit holds across instances and restarts. The address itself is never stored: only a
 *   keyed hash of it, and only until housekeeping after the limit's window has ended.
 * - Overseers move a message to read or handled; each change is one transaction with its audit
 *   event (which names the states, never the message text).
 */
import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { NotFoundError } from '../../shared/errors';
import { createRateLimiter } from '../../shared/rate-limit/rate-limit';
import { recordAudit, userActor } from '../operations/audit.repository';
import { authorise, can } from '../accounts/policy';
import type { CurrentUser } from '../accounts/accounts.types';
import { FEEDBACK_MAX_CHARS, type FeedbackState } from './feedback.schemas';

export { FEEDBACK_MAX_CHARS };

/** Messages accepted from one client address within the window before further ones are refused. */
export const FEEDBACK_RATE = { perWindow: 5, windowMinutes: 60 } as const;
export const INBOX_PAGE_SIZE = 25;

export interface FeedbackMessage {
  id: number;
  recommendationRef: string;
  recommendationExists: boolean;
  message: string;
  state: FeedbackState;
  receivedAt: Date;
  stateChangedAt: Date | null;
}

export type FeedbackService = ReturnType<typeof createFeedbackService>;

/** Thrown inside the submit transaction to roll back a message over the limit, count and all. */
class OverTheLimit extends Error {
  constructor(readonly retryAfterMs: number) {
    super('feedback rate limit reached');
  }
}

export function createFeedbackService(deps: { knex: Knex; clock: Clock; secretKey: Buffer }) {
  const { knex, clock } = deps;
  const senders = createRateLimiter(knex, clock, {
    name: 'feedback-sender',
    points: FEEDBACK_RATE.perWindow,
    windowSeconds: FEEDBACK_RATE.windowMinutes * 60,
  });
  const senderKey = (address: string) =>
    createHmac('sha256', deps.secretKey).update(`feedback-sender:${address}`).digest('base64url');

  const toMessage = (row: {
    id: number;
    recommendation_ref: string;
    recommendation_id: number | null;
    message: string;
    state: FeedbackState;
    received_at: Date;
    state_changed_at: Date | null;
  }): FeedbackMessage => ({
    id: row.id,
    recommendationRef: row.recommendation_ref,
    recommendationExists: row.recommendation_id !== null,
    message: row.message,
    state: row.state,
    receivedAt: new Date(row.received_at),
    stateChangedAt: row.state_changed_at ? new Date(row.state_changed_at) : null,
  });

  async function findRow(db: Knex | Knex.Transaction, id: number) {
    const row = await db('feedback_messages').where({ id }).first();
    if (!row) throw new NotFoundError('There is no such message.');
    return row;
  }

  return {
    /** The recommendation a form is for (any recommendation, withdrawn ones too), or a 404. */
    async recommendation(ref: string): Promise<{ id: number; ref: string; title: string | null }> {
      const row = await knex('recommendations')
        .where({ ref: ref.toUpperCase() })
        .first('id', 'ref', 'title');
      if (!row) throw new NotFoundError(`There is no recommendation with the reference ${ref}.`);
      return row;
    },

    /**
     * Stores a message unless this address has sent too many lately, in which case nothing is
     * stored and the caller learns how many seconds to wait. `message` has been validated.
     */
    async submit(input: {
      ref: string;
      message: string;
      senderAddress: string;
    }): Promise<{ stored: true; id: number } | { stored: false; retryAfterSeconds: number }> {
      const now = clock.now();
      const key = senderKey(input.senderAddress);
      try {
        return await knex.transaction(async (trx) => {
          const rec = await trx('recommendations')
            .where({ ref: input.ref.toUpperCase() })
            .first('id', 'ref');
          if (!rec)
            throw new NotFoundError(`There is no recommendation with the reference ${input.ref}.`);
          // Counted in this transaction: two messages from one address at once queue on the
          // counter's row, and one over the limit is rolled back with its count.
          const counted = await senders.consume(key, trx);
          if (!counted.allowed) throw new OverTheLimit(counted.retryAfterMs);
          const [row] = await trx('feedback_messages')
            .insert({
              recommendation_id: rec.id,
              recommendation_ref: rec.ref,
              message: input.message,
              state: 'new',
              received_at: now,
            })
            .returning(['id']);
          await recordAudit(trx, {
            actor: { type: 'public', label: 'member of the public' },
            action: 'feedback.receive',
            subjectType: 'feedback_message',
            subjectId: row.id,
            after: {
              recommendationRef: rec.ref,
              state: 'new',
              characters: [...input.message].length,
            },
          });
          return { stored: true as const, id: row.id as number };
        });
      } catch (err) {
        if (!(err instanceof OverTheLimit)) throw err;
        return { stored: false, retryAfterSeconds: Math.ceil(err.retryAfterMs / 1000) };
      }
    },

    /** A page of the inbox, newest first, optionally only messages in one state. */
    async inbox(user: CurrentUser | null, filter: { state?: FeedbackState; page: number }) {
      authorise(user, 'oversight.view');
      const base = () => {
        const q = knex('feedback_messages');
        if (filter.state) q.where({ state: filter.state });
        return q;
      };
      const [rows, counts] = await Promise.all([
        base()
          .orderBy([
            { column: 'received_at', order: 'desc' },
            { column: 'id', order: 'desc' },
          ])
          .limit(INBOX_PAGE_SIZE)
          .offset((filter.page - 1) * INBOX_PAGE_SIZE),
        knex('feedback_messages')
          .groupBy('state')
          .select('state', knex.raw('count(*)::int as count')),
      ]);
      const byState: Record<FeedbackState, number> = { new: 0, read: 0, handled: 0 };
      for (const c of counts as { state: FeedbackState; count: number }[])
        byState[c.state] = Number(c.count);
      const total = filter.state
        ? byState[filter.state]
        : byState.new + byState.read + byState.handled;
      return {
        items: rows.map(toMessage),
        total,
        byState,
        pageCount: Math.max(1, Math.ceil(total / INBOX_PAGE_SIZE)),
      };
    },

    /**
     * One message. Opening a new message marks it read when the reader is the one who deals with
     * messages (an overseer); readers who only look (viewers, administrators) change nothing.
     */
    async open(user: CurrentUser | null, id: number): Promise<FeedbackMessage> {
      authorise(user, 'oversight.view');
      const row = await findRow(knex, id);
      if (row.state === 'new' && can(user, 'oversight.decide')) {
        return toMessage(await changeState(user!, id, 'read'));
      }
      return toMessage(row);
    },

    async setState(user: CurrentUser | null, id: number, state: FeedbackState) {
      authorise(user, 'oversight.decide');
      return toMessage(await changeState(user!, id, state));
    },
  };

  async function changeState(user: CurrentUser, id: number, state: FeedbackState) {
    return knex.transaction(async (trx) => {
      const before = await trx('feedback_messages').where({ id }).forUpdate().first();
      if (!before) throw new NotFoundError('There is no such message.');
      if (before.state === state) return before;
      const [after] = await trx('feedback_messages')
        .where({ id })
        .update({ state, state_changed_at: clock.now(), state_changed_by: user.id })
        .returning('*');
      await recordAudit(trx, {
        actor: userActor(user),
        action: 'feedback.state',
        subjectType: 'feedback_message',
        subjectId: id,
        before: { state: before.state },
        after: { state },
      });
      return after;
    });
  }
}
