/**
 * The weekly digest: one email per person per week (keyed by the Monday that starts the week, so it
 * is made once whatever the number of instances), listing what changed for them in the last seven
 * days and what is coming due. Sent on the first tick of the week; nothing is sent when there is
 * nothing to say, and never to someone who turned the digest off.
 */
import type { Knex } from 'knex';
import {
  addDays,
  formatLongDate,
  londonDate,
  parseCalendarDate,
  type CalendarDate,
} from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import { renderEmail } from './email.render';
import { enqueueEmails, type OutboxMessage } from './email.outbox';
import { DIGEST_PREFERENCE } from './notifications.kinds';
import type { GenerateContext } from './notifications.generate';

const DAY_MS = 86_400_000;
const MAX_ITEMS = 25;

/** The Monday on or before a date. */
export function weekStart(day: CalendarDate): CalendarDate {
  const { year, month, day: d } = parseCalendarDate(day);
  // Date.UTC is exact for the years this app meets (it misreads only years 0-99).
  const dow = new Date(Date.UTC(year, month - 1, d)).getUTCDay();
  return addDays(day, -((dow + 6) % 7));
}

export interface DigestContent {
  changed: string[];
  due: string[];
}

/** What one person's digest would say at `now` (exported for the digest test). */
export async function digestContent(
  db: Knex | Knex.Transaction,
  user: { id: number; role: string; organisation_id: number | null },
  now: Date,
): Promise<DigestContent> {
  const today = londonDate(now);
  const since = new Date(now.getTime() - 7 * DAY_MS);
  const changed: string[] = (
    await db('notifications')
      .where({ user_id: user.id })
      .where('created_at', '>', since)
      .where('created_at', '<=', now)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(MAX_ITEMS)
      .select('title')
  ).map((r: { title: string }) => r.title);

  const due: string[] = [];
  if (user.role === 'org_lead' && user.organisation_id !== null) {
    const responses: { ref: string; due_on: string }[] = (
      await db.raw(
        `select c.ref, to_char(a.response_due_on, 'YYYY-MM-DD') as due_on
           from assignments a join recommendations c on c.id = a.recommendation_id
          where a.organisation_id = ? and a.status = 'awaiting_response' and a.responded_on is null
            and a.response_due_on is not null and a.response_due_on <= ?::date
            and a.withdrawn_at is null and c.withdrawn_at is null
          order by a.response_due_on, c.ref
          limit ${MAX_ITEMS}`,
        [user.organisation_id, addDays(today, 28)],
      )
    ).rows;
    for (const r of responses)
      due.push(
        r.due_on < today
          ? `${r.ref}: response overdue since ${formatLongDate(r.due_on)}`
          : `${r.ref}: response due on ${formatLongDate(r.due_on)}`,
      );
    const actions: { ref: string; target_on: string; description: string }[] = (
      await db.raw(
        `select c.ref, to_char(x.target_on, 'YYYY-MM-DD') as target_on, x.description
           from assignment_actions x
           join assignments a on a.id = x.assignment_id
           join recommendations c on c.id = a.recommendation_id
          where a.organisation_id = ? and x.state in ('planned', 'in_progress')
            and x.target_on <= ?::date and a.status not in ('implemented', 'closed')
            and a.withdrawn_at is null
          order by x.target_on, x.id
          limit ${MAX_ITEMS}`,
        [user.organisation_id, addDays(today, 14)],
      )
    ).rows;
    for (const x of actions) {
      const what = x.description.length > 80 ? `${x.description.slice(0, 79)}…` : x.description;
      due.push(
        `${x.ref}: action “${what}” ${x.target_on < today ? 'was due' : 'is due'} on ${formatLongDate(x.target_on)}`,
      );
    }
  } else if (user.role === 'overseer') {
    const [counts] = (
      await db.raw(
        `select
           (select count(*) from assignments a join recommendations c on c.id = a.recommendation_id
             where a.status = 'awaiting_response' and a.responded_on is null
               and a.response_due_on < ?::date and a.withdrawn_at is null and c.withdrawn_at is null) as overdue,
           (select count(*) from assignments a join recommendations c on c.id = a.recommendation_id
             where a.status = 'awaiting_response' and a.responded_on is null
               and a.response_due_on between ?::date and ?::date
               and a.withdrawn_at is null and c.withdrawn_at is null) as due_soon,
           (select count(*) from progress_updates p
             left join progress_update_reviews r on r.progress_update_id = p.id
             where r.id is null) as unreviewed`,
        [today, today, addDays(today, 14)],
      )
    ).rows as {
      overdue: number | string;
      due_soon: number | string;
      unreviewed: number | string;
    }[];
    const n = (v: number | string | undefined) => Number(v ?? 0);
    if (n(counts?.overdue)) due.push(`${n(counts?.overdue)} responses are overdue`);
    if (n(counts?.due_soon))
      due.push(`${n(counts?.due_soon)} responses are due in the next 14 days`);
    if (n(counts?.unreviewed))
      due.push(`${n(counts?.unreviewed)} progress updates are waiting for review`);
  }
  return { changed, due };
}

/** Queues this week's digests not yet queued; returns how many were queued by this call. */
export async function queueDigests(
  db: Knex.Transaction,
  now: Date,
  ctx: GenerateContext,
): Promise<number> {
  const week = weekStart(londonDate(now));
  const prefix = `digest:${week}:`;
  const done = new Set(
    (await db('email_outbox').where('dedupe_key', 'like', `${prefix}%`).select('dedupe_key')).map(
      (r: { dedupe_key: string }) => r.dedupe_key,
    ),
  );
  const people: {
    id: number;
    email: string;
    name: string;
    role: string;
    organisation_id: number | null;
  }[] = await db('users as u')
    .leftJoin('notification_preferences as p', function () {
      this.on('p.user_id', 'u.id').andOnVal('p.kind', DIGEST_PREFERENCE);
    })
    .whereIn('u.role', ['org_lead', 'overseer'])
    .whereNull('u.disabled_at')
    .where('u.kind', 'person')
    .where((q) => q.whereNull('p.mode').orWhereNot('p.mode', 'off'))
    .orderBy('u.id')
    .select('u.id', 'u.email', 'u.name', 'u.role', 'u.organisation_id');
  const messages: OutboxMessage[] = [];
  for (const person of people) {
    const key = `${prefix}${person.id}`;
    if (done.has(key)) continue;
    const content = await digestContent(db, person, now);
    if (content.changed.length === 0 && content.due.length === 0) continue;
    const sections = [];
    if (content.changed.length)
      sections.push({ heading: 'What changed in the last 7 days', items: content.changed });
    if (content.due.length) sections.push({ heading: 'What is due', items: content.due });
    messages.push({
      purpose: 'digest',
      to: person.email,
      dedupeKey: key,
      userId: person.id,
      email: renderEmail(ctx.serviceName, {
        subject: `Your weekly summary for the week of ${formatLongDate(week)}`,
        paragraphs: [`Hello ${person.name},`, 'Here is your weekly summary from the tracker.'],
        sections,
        action: {
          text: 'See your notifications',
          href: `${ctx.publicBaseUrl}${paths.notifications.index()}`,
        },
        footer: [
          {
            text: 'You can turn this weekly email off in your',
            link: {
              text: 'notification settings',
              href: `${ctx.publicBaseUrl}${paths.notifications.preferences()}`,
            },
          },
        ],
      }),
    });
  }
  return enqueueEmails(db, now, messages);
}
