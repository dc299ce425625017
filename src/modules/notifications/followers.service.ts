/**
 * Following a recommendation by email (public, no account). The address is used for one thing only:
 * emails about that recommendation's published changes (an addressee's status changing, a response
 * being recorded, a public status note being published). It is kept until the person unsubscribes, when the row, and every queued or sent
 * email to it, is deleted.
 *
 * - Confirmation first: nothing is sent but the confirmation email until its link is opened. Only a
 *   SHA-256 of the confirmation token is stored.
 * - The unsubscribe link in every email carries an HMAC of the follower's id under SECRET_KEY, so no
 *   unsubscribe token needs storing and one cannot be guessed from another.
 * - Asking again for the same address does not reveal whether it already follows, and does not send
 *   another confirmation within CONFIRMATION_COOLDOWN_MS.
 */
import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { NotFoundError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { recordAudit, type AuditActor } from '../operations/audit.repository';
import { createOneTimeToken, hashToken, isWellFormedToken, safeEqual } from '../accounts/tokens';
import { STATUS_LABELS, STANCE_LABELS } from '../register/register.labels';
import { formatLongDate, londonDate, type CalendarDate } from '../../shared/calendar-date';
import type { TextStatus } from '../../db/tables';
import { renderEmail } from './email.render';
import {
  addresseeInWords,
  recommendationInWords,
  responseDateInWords,
  type RecommendationNaming,
} from './email.caveats';
import { enqueueEmails, type OutboxMessage } from './email.outbox';
import { LOOKBACK_DAYS, type GenerateContext } from './notifications.generate';

export const CONFIRMATION_LIFETIME_MS = 7 * 86_400_000;
export const CONFIRMATION_COOLDOWN_MS = 10 * 60_000;
const PUBLIC_ACTOR: AuditActor = { type: 'public', label: 'member of the public' };

export interface FollowerDeps {
  knex: Knex;
  clock: Clock;
  secretKey: Buffer;
  serviceName: string;
  publicBaseUrl: string;
}

interface RecommendationSummary {
  id: number;
  ref: string;
  title: string;
}

export type ConfirmOutcome =
  | { ok: true; recommendation: RecommendationSummary }
  | { ok: false; problem: 'unknown' | 'expired' };

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

export function unsubscribeToken(secretKey: Buffer, followerId: number): string {
  const mac = createHmac('sha256', secretKey)
    .update(`recommendation-follower:${followerId}`)
    .digest('base64url');
  return `${followerId}.${mac}`;
}

function followerIdFrom(secretKey: Buffer, token: unknown): number | null {
  if (typeof token !== 'string' || token.length > 80) return null;
  const match = /^([1-9]\d{0,9})\.[A-Za-z0-9_-]{43}$/.exec(token);
  if (!match) return null;
  const id = Number(match[1]);
  return safeEqual(unsubscribeToken(secretKey, id), token) ? id : null;
}

export type FollowersService = ReturnType<typeof createFollowersService>;

export function createFollowersService(deps: FollowerDeps) {
  const { knex, clock } = deps;
  const abs = (path: string) => `${deps.publicBaseUrl}${path}`;

  async function publicRecommendation(
    db: Knex | Knex.Transaction,
    ref: string,
  ): Promise<RecommendationSummary & { inWords: string }> {
    const row = await db('recommendations as c')
      .join('reports as r', 'r.id', 'c.report_id')
      .where('c.ref', ref)
      .whereNull('c.withdrawn_at')
      .first(
        'c.id',
        'c.ref',
        'c.title',
        'c.text_status',
        'c.source_number',
        'r.title as report_title',
      );
    if (!row) throw new NotFoundError();
    return {
      id: row.id,
      ref: row.ref,
      title: row.title ?? row.ref,
      inWords: recommendationInWords(namingOf(row)),
    };
  }

  function unsubscribeFooter(followerId: number) {
    return [
      {
        text: 'You get this because you asked to follow this recommendation. Your email address is used for nothing else. To stop, and have your address deleted:',
        link: {
          text: 'unsubscribe',
          href: abs(paths.follow.unsubscribe(unsubscribeToken(deps.secretKey, followerId))),
        },
      },
    ];
  }

  return {
    publicRecommendation: async (ref: string): Promise<RecommendationSummary> => {
      const { id, ref: found, title } = await publicRecommendation(knex, ref);
      return { id, ref: found, title };
    },

    /**
     * Asks to follow: queues a confirmation email unless the address already follows, or was sent
     * one a moment ago. The outcome is the same either way, so the page reveals nothing.
     */
    async follow(ref: string, email: string, context: { requestId?: string | null }) {
      const now = clock.now();
      const rec = await publicRecommendation(knex, ref);
      const work = knex.transaction(async (trx) => {
        const existing = await trx('recommendation_followers')
          .where({ recommendation_id: rec.id })
          .whereRaw('lower(email) = lower(?)', [email])
          .forUpdate()
          .first();
        if (existing?.confirmed_at) return;
        if (
          existing &&
          now.getTime() - new Date(existing.confirmation_sent_at).getTime() <
            CONFIRMATION_COOLDOWN_MS
        )
          return;
        const { token, hash } = createOneTimeToken();
        let followerId: number;
        if (existing) {
          await trx('recommendation_followers')
            .where({ id: existing.id })
            .update({ confirm_token_hash: hash, confirmation_sent_at: now });
          followerId = existing.id;
        } else {
          const [row] = await trx('recommendation_followers')
            .insert({
              recommendation_id: rec.id,
              email,
              confirm_token_hash: hash,
              confirmation_sent_at: now,
              created_at: now,
            })
            .returning('id');
          followerId = row.id;
        }
        await enqueueEmails(trx, now, [
          {
            purpose: 'follow_confirmation',
            to: email,
            followerId,
            email: renderEmail(deps.serviceName, {
              subject: `Confirm that you want updates about ${rec.ref}`,
              paragraphs: [
                `Someone, probably you, asked to be emailed when recommendation ${rec.inWords} changes.`,
                'Open the link below within 7 days to confirm. If you did not ask, ignore this email: nothing more will be sent, and the address will not be used.',
              ],
              action: { text: 'Confirm and follow', href: abs(paths.follow.confirm(token)) },
              footer: unsubscribeFooter(followerId),
            }),
          },
        ]);
        // The audit trail names the follower by id only: the address is not to be used elsewhere.
        await recordAudit(trx, {
          actor: PUBLIC_ACTOR,
          action: 'follower.confirmation_sent',
          subjectType: 'recommendation_follower',
          subjectId: followerId,
          after: { recommendationId: rec.id },
          requestId: context.requestId ?? null,
        });
      });
      // Two requests for the same new address at once: the other one made the row; nothing to do.
      await work.catch((err: unknown) => {
        if (!isUniqueViolation(err)) throw err;
      });
      return { id: rec.id, ref: rec.ref, title: rec.title };
    },

    async confirm(token: unknown, context: { requestId?: string | null }): Promise<ConfirmOutcome> {
      if (!isWellFormedToken(token)) return { ok: false, problem: 'unknown' };
      return knex.transaction(async (trx): Promise<ConfirmOutcome> => {
        const row = await trx('recommendation_followers')
          .where({ confirm_token_hash: hashToken(token) })
          .forUpdate()
          .first();
        if (!row) return { ok: false, problem: 'unknown' };
        const now = clock.now();
        if (now.getTime() - new Date(row.confirmation_sent_at).getTime() > CONFIRMATION_LIFETIME_MS)
          return { ok: false, problem: 'expired' };
        await trx('recommendation_followers')
          .where({ id: row.id })
          .update({ confirmed_at: now, confirm_token_hash: null });
        await recordAudit(trx, {
          actor: PUBLIC_ACTOR,
          action: 'follower.confirmed',
          subjectType: 'recommendation_follower',
          subjectId: row.id,
          after: { recommendationId: row.recommendation_id },
          requestId: context.requestId ?? null,
        });
        const rec = await trx('recommendations')
          .where({ id: row.recommendation_id })
          .first('id', 'ref', 'title');
        return {
          ok: true,
          recommendation: { id: rec.id, ref: rec.ref, title: rec.title ?? rec.ref },
        };
      });
    },

    /** The recommendation an unsubscribe link is for, or 404 when the link is not (or no longer) valid. */
    async checkUnsubscribe(token: unknown): Promise<RecommendationSummary> {
      const id = followerIdFrom(deps.secretKey, token);
      if (id === null) throw new NotFoundError();
      const row = await knex('recommendation_followers as f')
        .join('recommendations as c', 'c.id', 'f.recommendation_id')
        .where('f.id', id)
        .first('c.id', 'c.ref', 'c.title');
      if (!row) throw new NotFoundError();
      return { id: row.id, ref: row.ref, title: row.title ?? row.ref };
    },

    /** Deletes the follower and every email to them: the address is not kept anywhere. */
    async unsubscribe(token: unknown, context: { requestId?: string | null }) {
      const id = followerIdFrom(deps.secretKey, token);
      if (id === null) throw new NotFoundError();
      return knex.transaction(async (trx) => {
        const row = await trx('recommendation_followers as f')
          .join('recommendations as c', 'c.id', 'f.recommendation_id')
          .where('f.id', id)
          .first('f.id', 'c.id as recommendation_id', 'c.ref', 'c.title');
        if (!row) throw new NotFoundError();
        await trx('email_outbox').where({ follower_id: id }).delete();
        await trx('recommendation_followers').where({ id }).delete();
        await recordAudit(trx, {
          actor: PUBLIC_ACTOR,
          action: 'follower.unsubscribed',
          subjectType: 'recommendation_follower',
          subjectId: id,
          before: { recommendationId: row.recommendation_id },
          requestId: context.requestId ?? null,
        });
        return { ref: row.ref as string, title: (row.title ?? row.ref) as string };
      });
    },

    unsubscribeFooter,
  };
}

/** The columns every follower email needs to name the recommendation and addressee honestly. */
const NAMING_COLUMNS = `c.ref, c.title, c.text_status, c.source_number, r.title as report_title,
              o.name as organisation_name, a.addressee_confirmed`;

interface NamingRow {
  ref: string;
  title: string | null;
  text_status: TextStatus;
  source_number: string | null;
  report_title: string;
}

const namingOf = (row: NamingRow): RecommendationNaming => ({
  ref: row.ref,
  title: row.title,
  textStatus: row.text_status,
  reportTitle: row.report_title,
  sourceNumber: row.source_number,
});

interface FollowerChangeRow extends NamingRow {
  follower_id: number;
  email: string;
  organisation_name: string;
  addressee_confirmed: boolean;
}

interface StatusChange {
  change_id: number;
  to_status: keyof typeof STATUS_LABELS;
}
interface RecordedResponse {
  response_id: number;
  stance: keyof typeof STANCE_LABELS;
  responded_on: CalendarDate;
  responded_on_confirmed: boolean;
  publish: boolean;
}
interface PublishedNote {
  note_id: number;
  note: string;
  published_at: Date;
}

/**
 * The changes to followed recommendations made in (`since`, `now`] after each follower confirmed:
 * one row per change and follower. `table` (as `alias`) holds the change, `at` is its instant,
 * `columns` are its own; `where` narrows it further.
 */
async function changesForFollowers<Row>(
  db: Knex.Transaction,
  change: { table: string; alias: string; columns: string; at: string; where?: string },
  since: Date,
  now: Date,
): Promise<(FollowerChangeRow & Row)[]> {
  const { alias } = change;
  return (
    await db.raw(
      `select f.id as follower_id, f.email, ${change.columns}, ${NAMING_COLUMNS}
         from ${change.table} ${alias}
         join assignments a on a.id = ${alias}.assignment_id
         join recommendations c on c.id = a.recommendation_id
         join reports r on r.id = c.report_id
         join organisations o on o.id = a.organisation_id
         join recommendation_followers f
           on f.recommendation_id = c.id and f.confirmed_at is not null and ${change.at} > f.confirmed_at
        where ${change.at} > ? and ${change.at} <= ?${change.where ? ` and ${change.where}` : ''}
          and a.withdrawn_at is null and c.withdrawn_at is null
        order by ${alias}.id, f.id`,
      [since, now],
    )
  ).rows;
}

/**
 * Queues emails to confirmed followers about changes since they confirmed: status changes,
 * recorded responses (the stance only when the report publishes responses) and public status
 * notes (a note withdrawn before this runs is never sent). Each names the recommendation and the
 * addressee with the page's caveats. Keyed per change and follower, so each is queued once.
 */
export async function queueFollowerUpdates(
  db: Knex.Transaction,
  now: Date,
  ctx: GenerateContext,
  footerFor: (followerId: number) => Footer,
): Promise<number> {
  const since = new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000);
  const changes = await changesForFollowers<StatusChange>(
    db,
    {
      table: 'assignment_status_changes',
      alias: 'sc',
      columns: 'sc.id as change_id, sc.to_status',
      at: 'sc.changed_at',
    },
    since,
    now,
  );
  const responses = await changesForFollowers<RecordedResponse>(
    db,
    {
      table: 'assignment_responses',
      alias: 'v',
      columns: `v.id as response_id, v.stance,
              to_char(v.responded_on, 'YYYY-MM-DD') as responded_on, v.responded_on_confirmed,
              r.publish_responses as publish`,
      at: 'v.recorded_at',
    },
    since,
    now,
  );
  const notes = await changesForFollowers<PublishedNote>(
    db,
    {
      table: 'status_notes',
      alias: 'n',
      columns: 'n.id as note_id, n.note, n.published_at',
      at: 'n.published_at',
      where: 'n.withdrawn_at is null',
    },
    since,
    now,
  );
  return enqueueEmails(db, now, followerEmails({ changes, responses, notes }, ctx, footerFor));
}

type Footer = { text: string; link?: { text: string; href: string } }[];

/** The emails for the changes found, in order: status changes, responses, then status notes. */
function followerEmails(
  found: {
    changes: (FollowerChangeRow & StatusChange)[];
    responses: (FollowerChangeRow & RecordedResponse)[];
    notes: (FollowerChangeRow & PublishedNote)[];
  },
  ctx: GenerateContext,
  footerFor: (followerId: number) => Footer,
): OutboxMessage[] {
  const { changes, responses, notes } = found;
  /** One follower's email about one change, with the link to the recommendation's page. */
  const message = (
    row: FollowerChangeRow,
    key: string,
    subject: string,
    paragraphs: string[],
  ): OutboxMessage => ({
    purpose: 'follow_update',
    to: row.email,
    followerId: row.follower_id,
    dedupeKey: `follow:${key}:${row.follower_id}`,
    email: renderEmail(ctx.serviceName, {
      subject: `${row.ref}: ${subject}`,
      paragraphs,
      action: {
        text: `See ${row.ref} in the tracker`,
        href: `${ctx.publicBaseUrl}${paths.recommendations.show(row.ref)}`,
      },
      footer: footerFor(row.follower_id),
    }),
  });
  const named = (row: FollowerChangeRow) => ({
    recommendation: recommendationInWords(namingOf(row)),
    addressee: addresseeInWords(row.organisation_name, row.addressee_confirmed),
    addresseeShort: addresseeInWords(row.organisation_name, row.addressee_confirmed, true),
  });
  return [
    ...changes.map((c) => {
      const n = named(c);
      const status = STATUS_LABELS[c.to_status] ?? c.to_status;
      return message(c, `status:${c.change_id}`, `${n.addresseeShort} is now “${status}”`, [
        `The status of recommendation ${n.recommendation} for ${n.addressee} changed to “${status}”.`,
      ]);
    }),
    ...responses.map((v) => {
      const n = named(v);
      return message(v, `response:${v.response_id}`, `${n.addresseeShort} has responded`, [
        v.publish
          ? `${n.addressee} recorded its formal response to recommendation ${n.recommendation}: ${STANCE_LABELS[v.stance] ?? v.stance}.`
          : `${n.addressee} recorded its formal response to recommendation ${n.recommendation}.`,
        `The response was ${responseDateInWords(v.responded_on, v.responded_on_confirmed)}.`,
      ]);
    }),
    ...notes.map((s) => {
      const n = named(s);
      return message(s, `status-note:${s.note_id}`, `a status note for ${n.addresseeShort}`, [
        `On ${formatLongDate(londonDate(new Date(s.published_at)))} the oversight office published a status note on recommendation ${n.recommendation} for ${n.addressee}: why it stands where it does.`,
        `Why: ${s.note}`,
      ]);
    }),
  ];
}
