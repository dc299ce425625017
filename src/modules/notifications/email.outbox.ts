/**
 * The email outbox. Emails are written in the same transaction as whatever caused them (a reminder,
 * an invitation) and sent later by `drainOutbox`, on whichever instance claims them first:
 * - claiming is one UPDATE over `select ... for update skip locked`, so two instances never take the
 *   same row, and a claimed row is 'sending' until the attempt ends;
 * - a refused send goes back to 'pending' with a later next_attempt_at (doubling each time, capped),
 *   and after the last allowed attempt it is 'failed', with the error kept for administrators;
 * - a row left 'sending' past its lease (its instance stopped mid-send) is marked failed rather than
 *   sent again: the SMTP server may already have accepted it, and the issue asks for at most once.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../logger';
import type { RenderedEmail } from './email.render';
import type { MailSender } from './mailer';

export type OutboxPurpose =
  | 'notification'
  | 'digest'
  | 'invitation'
  | 'password_reset'
  | 'follow_confirmation'
  | 'follow_update';

export interface OutboxMessage {
  purpose: OutboxPurpose;
  to: string;
  email: RenderedEmail;
  /** Unique when given: a second message with the same key is not queued. */
  dedupeKey?: string | null;
  userId?: number | null;
  followerId?: number | null;
  notificationId?: number | null;
}

export interface OutboxRow {
  id: number;
  dedupe_key: string | null;
  purpose: OutboxPurpose;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  user_id: number | null;
  follower_id: number | null;
  notification_id: number | null;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

type Db = Knex | Knex.Transaction;

/** Queues emails; the caller's transaction decides whether they are kept. Returns how many were new. */
export async function enqueueEmails(db: Db, now: Date, messages: OutboxMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  // Sorted by key so two instances inserting the same batch take the unique index's locks in the
  // same order and cannot deadlock.
  const rows = [...messages]
    .sort((a, b) => (a.dedupeKey ?? '').localeCompare(b.dedupeKey ?? ''))
    .map((m) => ({
      dedupe_key: m.dedupeKey ?? null,
      purpose: m.purpose,
      to_address: m.to,
      subject: m.email.subject,
      text_body: m.email.text,
      html_body: m.email.html,
      user_id: m.userId ?? null,
      follower_id: m.followerId ?? null,
      notification_id: m.notificationId ?? null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    }));
  let added = 0;
  for (let i = 0; i < rows.length; i += 200) {
    const inserted = await db('email_outbox')
      .insert(rows.slice(i, i + 200))
      .onConflict('dedupe_key')
      .ignore()
      .returning('id');
    added += inserted.length;
  }
  return added;
}

export interface DrainOptions {
  maxAttempts: number;
  /** The first retry waits this long; each later one twice as long as the one before. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  leaseMs?: number;
  batchSize?: number;
}

export interface DrainResult {
  sent: number;
  retrying: number;
  failed: number;
}

export function retryDelayMs(attempts: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempts - 1));
}

/** Sends what is due, batch by batch, until nothing due is left. Without a sender, does nothing. */
export async function drainOutbox(
  knex: Knex,
  clock: Clock,
  sender: MailSender | null,
  options: DrainOptions,
  logger?: Logger,
): Promise<DrainResult> {
  const result: DrainResult = { sent: 0, retrying: 0, failed: 0 };
  if (!sender) return result;
  const base = options.baseDelayMs ?? 60_000;
  const maxDelay = options.maxDelayMs ?? 6 * 3_600_000;
  const lease = options.leaseMs ?? 10 * 60_000;
  const batchSize = options.batchSize ?? 20;
  const start = clock.now();

  result.failed += (await knex('email_outbox')
    .where({ status: 'sending' })
    .where('locked_until', '<', start)
    .update({
      status: 'failed',
      last_error:
        'The instance sending this email stopped before it finished; it was not sent again because it may already have been delivered.',
      locked_until: null,
    })) as number;

  for (;;) {
    const now = clock.now();
    const claimed: OutboxRow[] = (
      await knex.raw(
        `update email_outbox
            set status = 'sending', attempts = attempts + 1, locked_until = ?
          where id in (select id from email_outbox
                        where status = 'pending' and next_attempt_at <= ?
                        order by next_attempt_at, id
                        limit ?
                        for update skip locked)
        returning *`,
        [new Date(now.getTime() + lease), now, batchSize],
      )
    ).rows;
    if (claimed.length === 0) break;
    for (const row of claimed.sort((a, b) => a.id - b.id)) {
      try {
        await sender.send({
          to: row.to_address,
          subject: row.subject,
          text: row.text_body,
          html: row.html_body,
        });
        await knex('email_outbox')
          .where({ id: row.id, status: 'sending' })
          .update({ status: 'sent', sent_at: clock.now(), locked_until: null, last_error: null });
        result.sent += 1;
      } catch (err) {
        const message = String((err as Error)?.message ?? err).slice(0, 1000);
        const giveUp = row.attempts >= options.maxAttempts;
        await knex('email_outbox')
          .where({ id: row.id, status: 'sending' })
          .update({
            status: giveUp ? 'failed' : 'pending',
            last_error: message,
            locked_until: null,
            next_attempt_at: new Date(
              clock.now().getTime() + retryDelayMs(row.attempts, base, maxDelay),
            ),
          });
        if (giveUp) result.failed += 1;
        else result.retrying += 1;
        logger?.warn({ outboxId: row.id, attempts: row.attempts, giveUp }, 'email send failed');
      }
    }
  }
  return result;
}
