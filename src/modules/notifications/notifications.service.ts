/**
 * Reminders and notifications: the scheduler's tick, the in-app list, preferences, and the outbox
 * as administrators see it. `tick()` is what every instance runs on its interval (and what tests
 * call with a clock they move): create what is due, queue digests and followers' emails, then send
 * what is waiting. Each step is safe to run on several instances at once (see the files it calls).
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../logger';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { recordAudit, userActor } from '../operations/audit.repository';
import type { CurrentUser } from '../accounts/accounts.types';
import { paths } from '../../shared/paths';
import { drainOutbox, enqueueEmails, type DrainResult, type OutboxRow } from './email.outbox';
import { renderEmail } from './email.render';
import type { MailSender } from './mailer';
import { createNotifications, dueCandidates, type GenerateContext } from './notifications.generate';
import { queueDigests } from './notifications.digest';
import { createFollowersService, queueFollowerUpdates } from './followers.service';
import {
  DIGEST_PREFERENCE,
  EMAIL_MODES,
  NOTIFICATION_KINDS,
  type EmailMode,
  type NotificationKind,
} from './notifications.kinds';

export interface NotificationsDeps {
  knex: Knex;
  clock: Clock;
  logger?: Logger;
  sender: MailSender | null;
  secretKey: Buffer;
  serviceName: string;
  publicBaseUrl: string;
  reviewWaitingDays: number;
  maxAttempts: number;
  /** The first retry's wait; doubled for each later one. */
  retryBaseMs?: number;
}

export interface NotificationItem {
  id: number;
  kind: NotificationKind;
  title: string;
  body: string;
  linkPath: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export interface TickResult {
  created: number;
  digests: number;
  followerEmails: number;
  email: DrainResult;
}

export const PAGE_SIZE = 25;

export type NotificationsService = ReturnType<typeof createNotificationsService>;

export function createNotificationsService(deps: NotificationsDeps) {
  const { knex, clock } = deps;
  const ctx: GenerateContext = {
    serviceName: deps.serviceName,
    publicBaseUrl: deps.publicBaseUrl.replace(/\/+$/, ''),
    reviewWaitingDays: deps.reviewWaitingDays,
  };
  const followers = createFollowersService({
    knex,
    clock,
    secretKey: deps.secretKey,
    serviceName: deps.serviceName,
    publicBaseUrl: ctx.publicBaseUrl,
  });

  /** Creates what is due at `now`; separate from sending so an SMTP outage never stops creation. */
  async function generate(now: Date) {
    const created = await knex.transaction(async (trx) =>
      createNotifications(trx, now, await dueCandidates(trx, now, ctx), ctx),
    );
    const digests = await knex.transaction((trx) => queueDigests(trx, now, ctx));
    const followerEmails = await knex.transaction((trx) =>
      queueFollowerUpdates(trx, now, ctx, followers.unsubscribeFooter),
    );
    return { created: created.length, digests, followerEmails };
  }

  return {
    followers,

    async tick(): Promise<TickResult> {
      const made = await generate(clock.now());
      const email = await drainOutbox(
        knex,
        clock,
        deps.sender,
        { maxAttempts: deps.maxAttempts, baseDelayMs: deps.retryBaseMs },
        deps.logger,
      );
      return { ...made, email };
    },

    generate: () => generate(clock.now()),

    /** Sends what is waiting in the outbox (nothing when no SMTP server is configured). */
    drain: () =>
      drainOutbox(
        knex,
        clock,
        deps.sender,
        { maxAttempts: deps.maxAttempts, baseDelayMs: deps.retryBaseMs },
        deps.logger,
      ),

    async unreadCount(userId: number): Promise<number> {
      const row = await knex('notifications')
        .where({ user_id: userId })
        .whereNull('read_at')
        .count<{ count: string | number }[]>({ count: '*' })
        .first();
      return Number(row?.count ?? 0);
    },

    async list(userId: number, page: number) {
      const [rows, total] = await Promise.all([
        knex('notifications')
          .where({ user_id: userId })
          .orderBy([
            { column: 'created_at', order: 'desc' },
            { column: 'id', order: 'desc' },
          ])
          .limit(PAGE_SIZE)
          .offset((page - 1) * PAGE_SIZE)
          .select('id', 'kind', 'title', 'body', 'link_path', 'created_at', 'read_at'),
        knex('notifications')
          .where({ user_id: userId })
          .count<{ count: string | number }[]>({ count: '*' })
          .first(),
      ]);
      const items: NotificationItem[] = rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        title: r.title,
        body: r.body,
        linkPath: r.link_path,
        createdAt: new Date(r.created_at),
        readAt: r.read_at ? new Date(r.read_at) : null,
      }));
      return { items, total: Number(total?.count ?? 0) };
    },

    /** Marks one of the user's own notifications read; another person's is the same 404 as none. */
    async markRead(userId: number, id: number): Promise<void> {
      const found = await knex('notifications').where({ id, user_id: userId }).first('id');
      if (!found) throw new NotFoundError();
      await knex('notifications')
        .where({ id, user_id: userId })
        .whereNull('read_at')
        .update({ read_at: clock.now() });
    },

    async markAllRead(userId: number): Promise<number> {
      return knex('notifications')
        .where({ user_id: userId })
        .whereNull('read_at')
        .update({ read_at: clock.now() });
    },

    async preferences(userId: number): Promise<Record<string, EmailMode>> {
      const rows: { kind: string; mode: EmailMode }[] = await knex('notification_preferences')
        .where({ user_id: userId })
        .select('kind', 'mode');
      const out: Record<string, EmailMode> = {};
      for (const kind of NOTIFICATION_KINDS) out[kind] = 'immediate';
      out[DIGEST_PREFERENCE] = 'immediate';
      for (const r of rows) out[r.kind] = r.mode;
      return out;
    },

    /** Saves every choice at once, with its audit event. */
    async savePreferences(
      actor: CurrentUser,
      choices: Record<string, string>,
      context: { ip?: string | null; requestId?: string | null },
    ): Promise<void> {
      const errors = [];
      for (const kind of NOTIFICATION_KINDS) {
        if (!EMAIL_MODES.includes(choices[kind] as EmailMode))
          errors.push({ field: kind, message: 'Choose how you want to hear about this' });
      }
      if (!['immediate', 'off'].includes(choices[DIGEST_PREFERENCE] ?? ''))
        errors.push({
          field: DIGEST_PREFERENCE,
          message: 'Choose whether to get the weekly digest',
        });
      if (errors.length) throw new ValidationError(errors);
      const now = clock.now();
      await knex.transaction(async (trx) => {
        const before = await trx('notification_preferences')
          .where({ user_id: actor.id })
          .select('kind', 'mode');
        await trx('notification_preferences').where({ user_id: actor.id }).delete();
        const rows = [...NOTIFICATION_KINDS, DIGEST_PREFERENCE]
          .filter((kind) => choices[kind] !== 'immediate')
          .map((kind) => ({ user_id: actor.id, kind, mode: choices[kind], updated_at: now }));
        if (rows.length) await trx('notification_preferences').insert(rows);
        await recordAudit(trx, {
          actor: userActor(actor),
          action: 'notification_preferences.update',
          subjectType: 'user',
          subjectId: actor.id,
          before: Object.fromEntries(
            before.map((r: { kind: string; mode: string }) => [r.kind, r.mode]),
          ),
          after: Object.fromEntries(rows.map((r) => [r.kind, r.mode])),
          ipAddress: context.ip ?? null,
          requestId: context.requestId ?? null,
        });
      });
    },

    async outbox(page: number, status: string | null) {
      const base = () => {
        const q = knex('email_outbox');
        if (status) q.where({ status });
        return q;
      };
      const [rows, total, counts] = await Promise.all([
        base()
          .orderBy('id', 'desc')
          .limit(PAGE_SIZE)
          .offset((page - 1) * PAGE_SIZE)
          .select(
            'id',
            'purpose',
            'to_address',
            'subject',
            'status',
            'attempts',
            'next_attempt_at',
            'last_error',
            'created_at',
            'sent_at',
          ),
        base().count<{ count: string | number }[]>({ count: '*' }).first(),
        knex('email_outbox').groupBy('status').select('status').count({ count: '*' }),
      ]);
      return {
        rows: rows as OutboxRow[],
        total: Number(total?.count ?? 0),
        counts: Object.fromEntries(
          (counts as { status: string; count: string | number }[]).map((c) => [
            c.status,
            Number(c.count),
          ]),
        ) as Record<string, number>,
      };
    },

    async outboxMessage(id: number): Promise<OutboxRow> {
      const row = await knex<OutboxRow>('email_outbox').where({ id }).first();
      if (!row) throw new NotFoundError();
      return row;
    },

    smtpConfigured: deps.sender !== null,

    /**
     * Queues the email for an invitation or password reset link, inside the transaction that made
     * the link (accounts calls this through its `onLinkIssued` hook). The admin still sees the link.
     */
    async emailLink(
      trx: Knex.Transaction,
      link: {
        purpose: 'invitation' | 'password_reset';
        email: string;
        name: string;
        url: string;
        expiresAt: Date;
        userId: number | null;
      },
    ): Promise<void> {
      const until = new Intl.DateTimeFormat('en-GB', {
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hour12: false,
        timeZone: 'Europe/London',
      }).format(link.expiresAt);
      const invitation = link.purpose === 'invitation';
      await enqueueEmails(trx, clock.now(), [
        {
          purpose: link.purpose,
          to: link.email,
          userId: link.userId,
          email: renderEmail(deps.serviceName, {
            subject: invitation
              ? `You have been invited to ${deps.serviceName}`
              : `Reset your password for ${deps.serviceName}`,
            paragraphs: [
              `Hello ${link.name},`,
              invitation
                ? `An administrator has invited you to ${deps.serviceName}. Open the link below to choose a password and create your account.`
                : 'An administrator has made a link for you to choose a new password.',
              `The link works once, until ${until} (UK time). If you did not expect this email, ignore it.`,
            ],
            action: {
              text: invitation ? 'Create your account' : 'Choose a new password',
              href: link.url,
            },
            footer: [{ text: `Sign in later at ${ctx.publicBaseUrl}${paths.signIn.form()}` }],
          }),
        },
      ]);
    },
  };
}
