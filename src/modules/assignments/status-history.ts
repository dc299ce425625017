/**
 * Writing a status change, and reading the status an assignment had at a past moment.
 *
 * Every change of `assignments.status` goes through `changeStatus`, inside the transaction that
 * makes it (after `nextState` has allowed it), so the history in `assignment_status_changes` is
 * exactly the sequence of statuses. Dashboards, the board pack and the public record "as of a date"
 * read the past from it with `statusAtSql`.
 *
 * The rule for the past: at instant T, an assignment's status is the `to_status` of its latest
 * change at or before T; with no change by then it was awaiting a response, from the day its
 * recommendation was made. (Whether it existed at T, withdrawn or not yet made, is the caller's
 * filter: `recommendations.made_on` and `assignments.withdrawn_at`.)
 */
import type { Knex } from 'knex';
import type { AssignmentStatus, ClosureReason } from '../../db/tables';
import type { LifecycleEvent, LifecycleState } from './lifecycle';
import { nextState } from './lifecycle';

export type StatusEvent = LifecycleEvent['kind'];

/**
 * The actor of a status change or review made by a signed-in user or a token: its id, and the
 * label kept with the row and shown in status history and board packs. The label is the person's
 * name (their email only when they have no name), so pages shown to an office or a board do not
 * spread email addresses; the audit events keep the email.
 */
export function statusActor(user: {
  id: number;
  email: string;
  name?: string | null;
  apiTokenId?: number;
}) {
  const who = user.name?.trim() || user.email;
  return { id: user.id, label: user.apiTokenId ? `${who} (API token ${user.apiTokenId})` : who };
}

export interface StatusChangeMeta {
  /** Who made the change: a user (id and a label kept even if the user is later removed). */
  actor: { id: number | null; label: string };
  at: Date;
  /** The words given with the change (a closure or reopening reason), shown in the history. */
  note?: string | null;
}

/**
 * Writes `next` to the assignment and, if the status or closure reason changed, one history row.
 * `alsoSet` holds other columns that must change in the same statement (a response with the status
 * it brings). Returns true when the status changed. Call inside the transaction that locked the row.
 */
export async function changeStatus(
  trx: Knex.Transaction,
  assignment: { id: number; status: AssignmentStatus; closure_reason?: ClosureReason | null },
  next: LifecycleState,
  event: StatusEvent,
  meta: StatusChangeMeta,
  alsoSet: Record<string, unknown> = {},
): Promise<boolean> {
  const changed =
    next.status !== assignment.status ||
    (next.closureReason ?? null) !== (assignment.closure_reason ?? null);
  if (!changed && Object.keys(alsoSet).length === 0) return false;
  // One statement, so the table's checks (a response before progress, say) see the whole change.
  await trx('assignments')
    .where({ id: assignment.id })
    .update({
      ...alsoSet,
      ...(changed ? { status: next.status, closure_reason: next.closureReason } : {}),
      updated_at: meta.at,
    });
  if (!changed) return false;
  await trx('assignment_status_changes').insert({
    assignment_id: assignment.id,
    from_status: assignment.status,
    to_status: next.status,
    closure_reason: next.closureReason,
    event,
    note: meta.note ?? null,
    actor_id: meta.actor.id,
    actor_label: meta.actor.label,
    changed_at: meta.at,
  });
  return true;
}

/** `nextState` then `changeStatus`: decides (or refuses, 409) and records in one step. */
export async function applyTransition(
  trx: Knex.Transaction,
  assignment: { id: number; status: AssignmentStatus; closure_reason?: ClosureReason | null },
  event: LifecycleEvent,
  meta: StatusChangeMeta,
  alsoSet: Record<string, unknown> = {},
): Promise<LifecycleState> {
  const next = nextState(assignment.status, event);
  await changeStatus(trx, assignment, next, event.kind, meta, alsoSet);
  return next;
}

/**
 * SQL for the status assignment `alias` had at the end of instant `at` (a bound parameter, so it
 * is safe): use it as a select column or in a where clause, e.g.
 *   knex('assignments as a').select(statusAtSql(knex, 'a', end).wrap('(', ') as status'))
 * One indexed lookup per assignment (assignment_status_changes_assignment_idx).
 */
export function statusAtSql(knex: Knex, alias: string, at: Date): Knex.Raw {
  return knex.raw(
    `coalesce((select c.to_status from assignment_status_changes c where c.assignment_id = ??.id and c.changed_at <= ? order by c.changed_at desc, c.id desc limit 1), 'awaiting_response')`,
    [alias, at],
  );
}

/**
 * For assignments written with a status directly (the seeds), one change from awaiting_response to
 * their status, dated on their response (else their last update), where they have no history yet.
 * The same rule the oversight migration used for rows that existed before history was kept.
 */
export async function recordStatusesWithoutHistory(
  trx: Knex | Knex.Transaction,
  actorLabel: string,
): Promise<void> {
  await trx.raw(
    `insert into assignment_status_changes
       (assignment_id, from_status, to_status, closure_reason, event, actor_label, changed_at)
     select a.id, 'awaiting_response', a.status, a.closure_reason, 'recorded', ?,
            coalesce((a.responded_on + time '12:00') at time zone 'UTC', a.updated_at)
       from assignments a
      where a.status <> 'awaiting_response'
        and not exists (select 1 from assignment_status_changes c where c.assignment_id = a.id)`,
    [actorLabel],
  );
}
