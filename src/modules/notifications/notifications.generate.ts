/**
 * Works out, with one query per kind, which reminders are due at an instant, and creates each one
 * once. Every reminder has a dedupe key naming what it is about (for example
 * `response_due:14:<assignment>:<due date>:<user>`); the unique index on it makes creation
 * `insert ... on conflict do nothing`, so instances ticking at the same moment, or a tick repeated
 * after a restart, create nothing twice. Only the instance whose insert created a row queues its
 * email, in the same transaction.
 *
 * Windows rather than exact days: a reminder is due while its window is open (the 14-day one while
 * 8 to 14 days are left, and so on), so a tick missed while the app was stopped is caught up, yet a
 * stale reminder is never sent once a later one applies. Events read from other tables (extension
 * requests, reviews) are picked up for LOOKBACK_DAYS after they happen.
 */
import type { Knex } from 'knex';
import {
  addDays,
  daysBetween,
  formatLongDate,
  londonDate,
  type CalendarDate,
} from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import type { TextStatus } from '../../db/tables';
import { renderEmail } from './email.render';
import { addresseeInWords, recommendationInWords } from './email.caveats';
import { enqueueEmails, type OutboxMessage } from './email.outbox';
import type { EmailMode, NotificationKind } from './notifications.kinds';
import { targetReminderStage } from '../assignments/deadlines.targets';

export const LOOKBACK_DAYS = 7;
/** After this many days overdue, overseers are told as well. */
export const ESCALATE_AFTER_DAYS = 14;
const DAY_MS = 86_400_000;

export interface GenerateContext {
  serviceName: string;
  publicBaseUrl: string;
  reviewWaitingDays: number;
}

export interface Candidate {
  userId: number;
  kind: NotificationKind;
  dedupeKey: string;
  title: string;
  body: string;
  linkPath: string | null;
  assignmentId: number | null;
}

interface Recipient {
  id: number;
  email: string;
  name: string;
  role: string;
  organisation_id: number | null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * What a reminder needs to name a recommendation and its addressee with the page's caveats
 * (email.caveats.ts): from recommendation `c`, report `rp`, organisation `o`, assignment `a`.
 */
const NAMING_COLUMNS = `c.ref, c.title, c.text_status, c.source_number, rp.title as report_title,
              o.name as organisation_name, a.addressee_confirmed`;

interface Naming {
  ref: string;
  title: string | null;
  text_status: TextStatus;
  source_number: string | null;
  report_title: string;
  organisation_name: string;
  addressee_confirmed: boolean;
}

const inWords = (row: Naming) =>
  recommendationInWords({
    ref: row.ref,
    title: row.title,
    textStatus: row.text_status,
    reportTitle: row.report_title,
    sourceNumber: row.source_number,
  });

/** Which "due in" reminder applies with this many days left, if any (14, 7 or 1). */
export function dueStage(daysLeft: number): 14 | 7 | 1 | null {
  if (daysLeft > 14 || daysLeft < 0) return null;
  if (daysLeft > 7) return 14;
  if (daysLeft > 1) return 7;
  return 1;
}

/** The overdue notice's number: 0 on days 1 to 7 overdue, 1 on days 8 to 14, and so on weekly. */
export function overdueWeek(daysOverdue: number): number | null {
  return daysOverdue >= 1 ? Math.floor((daysOverdue - 1) / 7) : null;
}

async function recipients(db: Knex.Transaction): Promise<Recipient[]> {
  return db('users')
    .whereIn('role', ['org_lead', 'overseer'])
    .whereNull('disabled_at')
    .where({ kind: 'person' })
    .orderBy('id')
    .select('id', 'email', 'name', 'role', 'organisation_id');
}

/** What every family of reminders is worked out from. */
interface Scene {
  db: Knex.Transaction;
  now: Date;
  today: CalendarDate;
  /** Events read from other tables are picked up after this instant. */
  lookbackFrom: Date;
  leadsOf: (organisationId: number) => Recipient[];
  overseers: Recipient[];
  ctx: GenerateContext;
}

/**
 * The response clock: due in 14, 7 and 1 days, then weekly once overdue; the overseers too once it
 * is long overdue.
 */
async function responseClockReminders({
  db,
  today,
  leadsOf,
  overseers,
}: Scene): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const clocks: (Naming & {
    assignment_id: number;
    organisation_id: number;
    due_on: CalendarDate;
  })[] = (
    await db.raw(
      `select a.id as assignment_id, a.organisation_id, to_char(a.response_due_on, 'YYYY-MM-DD') as due_on,
              ${NAMING_COLUMNS}
         from assignments a
         join recommendations c on c.id = a.recommendation_id
         join reports rp on rp.id = c.report_id
         join organisations o on o.id = a.organisation_id
        where a.status = 'awaiting_response' and a.responded_on is null
          and a.response_due_on is not null and a.response_due_on <= ?::date
          and a.withdrawn_at is null and c.withdrawn_at is null
        order by a.id`,
      [addDays(today, 14)],
    )
  ).rows;
  for (const a of clocks) {
    const daysLeft = daysBetween(today, a.due_on);
    const link = paths.assignments.show(a.assignment_id);
    const stage = dueStage(daysLeft);
    const what = a.addressee_confirmed
      ? `${a.organisation_name}’s formal response to ${inWords(a)}`
      : `The formal response of ${addresseeInWords(a.organisation_name, false)} to ${inWords(a)}`;
    if (stage !== null) {
      for (const u of leadsOf(a.organisation_id)) {
        out.push({
          userId: u.id,
          kind: 'response_due',
          dedupeKey: `response_due:${stage}:${a.assignment_id}:${a.due_on}:${u.id}`,
          title: `Response due in ${plural(stage, 'day')}: ${a.ref}`,
          body: `${what} is due on ${formatLongDate(a.due_on)}${daysLeft === 0 ? ' (today)' : ''}.`,
          linkPath: link,
          assignmentId: a.assignment_id,
        });
      }
      continue;
    }
    const overdue = -daysLeft;
    const week = overdueWeek(overdue);
    if (week === null) continue;
    for (const u of leadsOf(a.organisation_id)) {
      out.push({
        userId: u.id,
        kind: 'response_overdue',
        dedupeKey: `response_overdue:${week}:${a.assignment_id}:${a.due_on}:${u.id}`,
        title: `Response overdue: ${a.ref}`,
        body: `${what} was due on ${formatLongDate(a.due_on)}. It is ${plural(overdue, 'day')} overdue. Record the response, or ask the oversight office what to do next.`,
        linkPath: link,
        assignmentId: a.assignment_id,
      });
    }
    if (overdue > ESCALATE_AFTER_DAYS) {
      for (const u of overseers) {
        out.push({
          userId: u.id,
          kind: 'response_overdue_escalation',
          dedupeKey: `response_overdue_escalation:${a.assignment_id}:${a.due_on}:${u.id}`,
          title: `Response more than ${ESCALATE_AFTER_DAYS} days overdue: ${a.ref}, ${a.organisation_name}`,
          body: `${what} was due on ${formatLongDate(a.due_on)} and is now ${plural(overdue, 'day')} overdue. No response has been recorded.`,
          linkPath: link,
          assignmentId: a.assignment_id,
        });
      }
    }
  }
  return out;
}

/** Actions in the plan past their target date. */
async function actionReminders({ db, today, leadsOf }: Scene): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const actions: {
    action_id: number;
    target_on: CalendarDate;
    description: string;
    assignment_id: number;
    organisation_id: number;
    ref: string;
  }[] = (
    await db.raw(
      `select x.id as action_id, to_char(x.target_on, 'YYYY-MM-DD') as target_on, x.description,
              a.id as assignment_id, a.organisation_id, c.ref
         from assignment_actions x
         join assignments a on a.id = x.assignment_id
         join recommendations c on c.id = a.recommendation_id
        where x.state in ('planned', 'in_progress') and x.target_on < ?::date
          and a.status not in ('implemented', 'closed')
          and a.withdrawn_at is null and c.withdrawn_at is null
        order by x.id`,
      [today],
    )
  ).rows;
  for (const x of actions) {
    for (const u of leadsOf(x.organisation_id)) {
      out.push({
        userId: u.id,
        kind: 'action_overdue',
        dedupeKey: `action_overdue:${x.action_id}:${x.target_on}:${u.id}`,
        title: `Action past its target date: ${x.ref}`,
        body: `The action “${clip(x.description, 200)}” had a target date of ${formatLongDate(x.target_on)} and is not marked done. Update the action plan with its progress or a new date.`,
        linkPath: paths.assignments.show(x.assignment_id),
        assignmentId: x.assignment_id,
      });
    }
  }
  return out;
}

/** Target dates approaching and passed. */
async function targetReminders({ db, today, leadsOf, overseers }: Scene): Promise<Candidate[]> {
  const out: Candidate[] = [];
  // Target dates: the addressee's committed date, else the recommendation's own "implement by".
  const targets: (Naming & {
    assignment_id: number;
    organisation_id: number;
    held_to: CalendarDate;
    committed: boolean;
  })[] = (
    await db.raw(
      `select a.id as assignment_id, a.organisation_id,
              to_char(coalesce(a.committed_on, c.implement_by), 'YYYY-MM-DD') as held_to,
              (a.committed_on is not null) as committed,
              ${NAMING_COLUMNS}
         from assignments a
         join recommendations c on c.id = a.recommendation_id
         join reports rp on rp.id = c.report_id
         join organisations o on o.id = a.organisation_id
        where a.status not in ('implemented', 'closed')
          and coalesce(a.committed_on, c.implement_by) <= ?::date
          and a.withdrawn_at is null and c.withdrawn_at is null
        order by a.id`,
      [addDays(today, 30)],
    )
  ).rows;
  for (const t of targets) {
    const daysLeft = daysBetween(today, t.held_to);
    const link = paths.assignments.deadlines(t.assignment_id);
    const whose = t.committed
      ? `the date ${addresseeInWords(t.organisation_name, t.addressee_confirmed)} committed to`
      : 'the recommendation’s own target date';
    const what = inWords(t);
    const stage = targetReminderStage(daysLeft);
    if (stage !== null) {
      for (const u of leadsOf(t.organisation_id))
        out.push({
          userId: u.id,
          kind: 'target_approaching',
          dedupeKey: `target_approaching:${stage}:${t.assignment_id}:${t.held_to}:${u.id}`,
          title: `Target date in ${plural(Math.max(daysLeft, 0), 'day')}: ${t.ref}`,
          body: `${what} is to be implemented by ${formatLongDate(t.held_to)}, ${whose}${daysLeft === 0 ? ' (today)' : ''}.`,
          linkPath: link,
          assignmentId: t.assignment_id,
        });
      continue;
    }
    if (daysLeft >= 0) continue;
    // Once for each date it is held to: a new committed date starts its reminders afresh.
    for (const u of [...leadsOf(t.organisation_id), ...overseers])
      out.push({
        userId: u.id,
        kind: 'target_passed',
        dedupeKey: `target_passed:${t.assignment_id}:${t.held_to}:${u.id}`,
        title: `Target date passed: ${t.ref}, ${t.organisation_name}`,
        body: `${what} was to be implemented by ${formatLongDate(t.held_to)}, ${whose}, and is not yet implemented.`,
        linkPath: link,
        assignmentId: t.assignment_id,
      });
  }
  return out;
}

/** Sustainment checks that have come due. */
async function sustainmentReminders({ db, today, overseers }: Scene): Promise<Candidate[]> {
  const out: Candidate[] = [];
  // Sustainment checks that have come due: the overseers check the change has lasted, once.
  const checks: {
    id: number;
    assignment_id: number;
    due_on: CalendarDate;
    ref: string;
    organisation_name: string;
    addressee_confirmed: boolean;
  }[] = (
    await db.raw(
      `select s.id, s.assignment_id, to_char(s.due_on, 'YYYY-MM-DD') as due_on, c.ref, o.name as organisation_name,
              a.addressee_confirmed
         from sustainment_checks s
         join assignments a on a.id = s.assignment_id
         join recommendations c on c.id = a.recommendation_id
         join organisations o on o.id = a.organisation_id
        where s.outcome is null and s.due_on <= ?::date
          and a.withdrawn_at is null and c.withdrawn_at is null
        order by s.id`,
      [today],
    )
  ).rows;
  for (const s of checks)
    for (const u of overseers)
      out.push({
        userId: u.id,
        kind: 'sustainment_check_due',
        dedupeKey: `sustainment_check_due:${s.id}:${s.due_on}:${u.id}`,
        title: `Sustainment check due: ${s.ref}, ${s.organisation_name}`,
        body: `It is time to check that the implementation of ${s.ref} by ${addresseeInWords(s.organisation_name, s.addressee_confirmed)} has lasted (the check was set for ${formatLongDate(s.due_on)}). Record that it has lasted, with a progress update as evidence, or reopen the assignment.`,
        linkPath: paths.assignments.deadlines(s.assignment_id),
        assignmentId: s.assignment_id,
      });
  return out;
}

/** Extension requests made (to the overseers) and decided (to the addressee's leads). */
async function extensionReminders({
  db,
  now,
  lookbackFrom,
  leadsOf,
  overseers,
}: Scene): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const extensions: {
    id: number;
    assignment_id: number;
    organisation_id: number;
    requested_due_on: CalendarDate;
    state: string;
    requested_at: Date;
    decided_at: Date | null;
    ref: string;
    organisation_name: string;
    addressee_confirmed: boolean;
  }[] = (
    await db.raw(
      `select e.id, e.assignment_id, a.organisation_id, to_char(e.requested_due_on, 'YYYY-MM-DD') as requested_due_on,
              e.state, e.requested_at, e.decided_at, c.ref, o.name as organisation_name, a.addressee_confirmed
         from extension_requests e
         join assignments a on a.id = e.assignment_id
         join recommendations c on c.id = a.recommendation_id
         join organisations o on o.id = a.organisation_id
        where (e.requested_at > ? and e.requested_at <= ?) or (e.decided_at > ? and e.decided_at <= ?)
        order by e.id`,
      [lookbackFrom, now, lookbackFrom, now],
    )
  ).rows;
  for (const e of extensions) {
    const link = paths.assignments.show(e.assignment_id);
    const requestedAt = new Date(e.requested_at);
    if (requestedAt > lookbackFrom && requestedAt <= now) {
      for (const u of overseers) {
        out.push({
          userId: u.id,
          kind: 'extension_requested',
          dedupeKey: `extension_requested:${e.id}:${u.id}`,
          title: `Extension requested: ${e.ref}, ${e.organisation_name}`,
          body: `${addresseeInWords(e.organisation_name, e.addressee_confirmed)} asked for its response to ${e.ref} to be due on ${formatLongDate(e.requested_due_on)}. The request needs a decision.`,
          linkPath: link,
          assignmentId: e.assignment_id,
        });
      }
    }
    if (e.decided_at && e.state !== 'pending') {
      const decidedAt = new Date(e.decided_at);
      if (decidedAt > lookbackFrom && decidedAt <= now) {
        for (const u of leadsOf(e.organisation_id)) {
          out.push({
            userId: u.id,
            kind: 'extension_decided',
            dedupeKey: `extension_decided:${e.id}:${u.id}`,
            title: `Extension ${e.state}: ${e.ref}`,
            body:
              e.state === 'granted'
                ? `Your request for more time on ${e.ref} was granted: the response is now due on ${formatLongDate(e.requested_due_on)}.`
                : `Your request for more time on ${e.ref} was refused. The due date has not changed; the decision gives the reasons.`,
            linkPath: link,
            assignmentId: e.assignment_id,
          });
        }
      }
    }
  }
  return out;
}

/** Progress updates reviewed, told to the addressee's leads. */
async function reviewReminders({ db, now, lookbackFrom, leadsOf }: Scene): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const reviews: {
    id: number;
    decision: 'accepted' | 'returned';
    assignment_id: number;
    organisation_id: number;
    ref: string;
  }[] = (
    await db.raw(
      `select r.id, r.decision, p.assignment_id, a.organisation_id, c.ref
         from progress_update_reviews r
         join progress_updates p on p.id = r.progress_update_id
         join assignments a on a.id = p.assignment_id
         join recommendations c on c.id = a.recommendation_id
        where r.created_at > ? and r.created_at <= ?
        order by r.id`,
      [lookbackFrom, now],
    )
  ).rows;
  for (const r of reviews) {
    for (const u of leadsOf(r.organisation_id)) {
      out.push({
        userId: u.id,
        kind: 'update_reviewed',
        dedupeKey: `update_reviewed:${r.id}:${u.id}`,
        title:
          r.decision === 'accepted'
            ? `Progress update accepted: ${r.ref}`
            : `Progress update returned with feedback: ${r.ref}`,
        body:
          r.decision === 'accepted'
            ? `The oversight office accepted a progress update on ${r.ref}.`
            : `The oversight office returned a progress update on ${r.ref} with feedback. Read the feedback and post a new update.`,
        linkPath: paths.assignments.updates(r.assignment_id),
        assignmentId: r.assignment_id,
      });
    }
  }
  return out;
}

/** Progress updates waiting too long for review, told to the overseers. */
async function waitingReminders({ db, now, overseers, ctx }: Scene): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const waitingSince = new Date(now.getTime() - ctx.reviewWaitingDays * DAY_MS);
  const waiting: {
    id: number;
    assignment_id: number;
    created_at: Date;
    ref: string;
    organisation_name: string;
    addressee_confirmed: boolean;
  }[] = (
    await db.raw(
      `select p.id, p.assignment_id, p.created_at, c.ref, o.name as organisation_name, a.addressee_confirmed
         from progress_updates p
         join assignments a on a.id = p.assignment_id
         join recommendations c on c.id = a.recommendation_id
         join organisations o on o.id = a.organisation_id
         left join progress_update_reviews r on r.progress_update_id = p.id
        where r.id is null and p.created_at <= ?
          and a.withdrawn_at is null and c.withdrawn_at is null
        order by p.id`,
      [waitingSince],
    )
  ).rows;
  for (const p of waiting) {
    for (const u of overseers) {
      out.push({
        userId: u.id,
        kind: 'review_waiting',
        dedupeKey: `review_waiting:${p.id}:${u.id}`,
        title: `Update waiting for review: ${p.ref}, ${p.organisation_name}`,
        body: `${addresseeInWords(p.organisation_name, p.addressee_confirmed)} posted a progress update on ${p.ref} on ${formatLongDate(londonDate(new Date(p.created_at)))}. It has waited more than ${plural(ctx.reviewWaitingDays, 'day')} for review.`,
        linkPath: paths.assignments.updates(p.assignment_id),
        assignmentId: p.assignment_id,
      });
    }
  }
  return out;
}

/** Each family of reminders, in the order its candidates are listed. */
const FAMILIES = [
  responseClockReminders,
  actionReminders,
  targetReminders,
  sustainmentReminders,
  extensionReminders,
  reviewReminders,
  waitingReminders,
];

/** Every candidate reminder at `now`; creating them is left to `createNotifications`. */
export async function dueCandidates(
  db: Knex.Transaction,
  now: Date,
  ctx: GenerateContext,
): Promise<Candidate[]> {
  const people = await recipients(db);
  const scene: Scene = {
    db,
    now,
    today: londonDate(now),
    lookbackFrom: new Date(now.getTime() - LOOKBACK_DAYS * DAY_MS),
    leadsOf: (organisationId) =>
      people.filter((p) => p.role === 'org_lead' && p.organisation_id === organisationId),
    overseers: people.filter((p) => p.role === 'overseer'),
    ctx,
  };
  const out: Candidate[] = [];
  // One after another: they share the transaction's one connection.
  for (const family of FAMILIES) out.push(...(await family(scene)));
  return out;
}

/** Each user's email choice per kind; kinds without a row are emailed straight away. */
export async function preferencesFor(
  db: Knex | Knex.Transaction,
  userIds: number[],
): Promise<Map<number, Map<string, EmailMode>>> {
  const map = new Map<number, Map<string, EmailMode>>();
  if (userIds.length === 0) return map;
  const rows: { user_id: number; kind: string; mode: EmailMode }[] = await db(
    'notification_preferences',
  )
    .whereIn('user_id', [...new Set(userIds)])
    .select('user_id', 'kind', 'mode');
  for (const r of rows) {
    if (!map.has(r.user_id)) map.set(r.user_id, new Map());
    map.get(r.user_id)!.set(r.kind, r.mode);
  }
  return map;
}

/**
 * Stores the candidates that are new, and queues an email for each whose recipient wants it at
 * once. Returns the ids created by this call (rows another instance created are not returned).
 */
export async function createNotifications(
  db: Knex.Transaction,
  now: Date,
  candidates: Candidate[],
  ctx: GenerateContext,
): Promise<number[]> {
  if (candidates.length === 0) return [];
  const existing = new Set<string>();
  // Most candidates already exist after the first tick: skip them before inserting, in chunks.
  for (let i = 0; i < candidates.length; i += 500) {
    const keys = candidates.slice(i, i + 500).map((c) => c.dedupeKey);
    const rows: { dedupe_key: string }[] = await db('notifications')
      .whereIn('dedupe_key', keys)
      .select('dedupe_key');
    for (const r of rows) existing.add(r.dedupe_key);
  }
  const fresh = candidates
    .filter((c) => !existing.has(c.dedupeKey))
    .sort((a, b) => a.dedupeKey.localeCompare(b.dedupeKey));
  if (fresh.length === 0) return [];
  const prefs = await preferencesFor(
    db,
    fresh.map((c) => c.userId),
  );
  const modeOf = (c: Candidate): EmailMode => prefs.get(c.userId)?.get(c.kind) ?? 'immediate';
  const created: { id: number; dedupe_key: string }[] = [];
  for (let i = 0; i < fresh.length; i += 200) {
    const inserted = await db('notifications')
      .insert(
        fresh.slice(i, i + 200).map((c) => ({
          user_id: c.userId,
          kind: c.kind,
          dedupe_key: c.dedupeKey,
          title: c.title,
          body: c.body,
          link_path: c.linkPath,
          assignment_id: c.assignmentId,
          email_mode: modeOf(c),
          created_at: now,
        })),
      )
      .onConflict('dedupe_key')
      .ignore()
      .returning(['id', 'dedupe_key']);
    created.push(...inserted);
  }
  const byKey = new Map(fresh.map((c) => [c.dedupeKey, c]));
  const wanted = created.filter((r) => modeOf(byKey.get(r.dedupe_key)!) === 'immediate');
  if (wanted.length) {
    const users: { id: number; email: string; name: string }[] = await db('users')
      .whereIn('id', [...new Set(wanted.map((r) => byKey.get(r.dedupe_key)!.userId))])
      .select('id', 'email', 'name');
    const userById = new Map(users.map((u) => [u.id, u]));
    const messages: OutboxMessage[] = wanted.map((r) => {
      const c = byKey.get(r.dedupe_key)!;
      const user = userById.get(c.userId)!;
      return {
        purpose: 'notification',
        to: user.email,
        dedupeKey: `notification:${r.id}`,
        userId: user.id,
        notificationId: r.id,
        email: renderEmail(ctx.serviceName, {
          subject: c.title,
          paragraphs: [`Hello ${user.name},`, c.body],
          action: c.linkPath
            ? { text: 'Open it in the tracker', href: `${ctx.publicBaseUrl}${c.linkPath}` }
            : undefined,
          footer: [
            {
              text: 'You get this email because of your role in the tracker. Choose which emails you get:',
              link: {
                text: 'notification settings',
                href: `${ctx.publicBaseUrl}${paths.notifications.preferences()}`,
              },
            },
          ],
        }),
      };
    });
    await enqueueEmails(db, now, messages);
  }
  return created.map((r) => r.id);
}
