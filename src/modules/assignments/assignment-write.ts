/**
 * The one path every write to an assignment takes, so a rule about writes lives here and nowhere
 * else:
 *
 * 1. who may act is settled first, on the assignment as it stands (404 for an assignment the actor
 *    may not see, 403 for one they may see but not change), so a stranger learns nothing from
 *    validation messages;
 * 2. then what was sent is checked (a ValidationError names every field at fault);
 * 3. then, in one transaction, the assignment row is locked and the permission checked again, so
 *    the change is decided on its current state (a status moved by someone else meanwhile is seen);
 * 4. the change is made;
 * 5. exactly one audit event is written, in the same transaction, for the change the write reports
 *    (a write that finds nothing to change says so, and writes none).
 *
 * A write named by an object inside an assignment (a progress update, an evidence file, a status
 * note) reaches the assignment `through` that object, and a stranger gets the object's own 404.
 * A write whose input arrives as a stream (a progress update with its files) cannot check the input
 * before the transaction opens: `beginAssignmentWrite` gives it steps 1, 3 and 5 with the same code,
 * and it checks the input as it reads it.
 *
 * The read side needs nothing more: statement triggers note every changed table and bump the data
 * version when the transaction commits (ADR 0011), so pages, caches and summaries follow.
 */
import type { Knex } from 'knex';
import { NotFoundError } from '../../shared/errors';
import type { AssignmentRow } from '../../db/tables';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import type { Action } from '../accounts/policy';
import { recordAudit, userActor } from '../operations/audit.repository';
import { authorisedAssignment } from './assignments.access';

type Db = Knex | Knex.Transaction;

/** What a write reports for its audit event: the action's name, and the state before and after. */
export interface AuditedChange<R> {
  /** Dotted lower case, for example 'extension.grant'. */
  action: string;
  before: unknown;
  after: unknown;
  /** What the event is about, when not the assignment itself (an evidence file, a publication). */
  subject?: { type: string; id: number | string };
  result: R;
}

/** What a write reports when what was sent changes nothing: no audit event is written. */
export interface NoChange<R> {
  unchanged: true;
  result: R;
}

/** How a write named by an object inside an assignment (an update, a file, a note) reaches it. */
export interface Through {
  /** The assignment the object belongs to; a NotFoundError (with the object's words) if none. */
  assignmentOf: (db: Db) => Promise<number>;
  /** The 404's words when the actor may not see that assignment: the same as for no such object. */
  notFound: string;
}

/** Who writes, to which assignment, with which permission. */
export type WriteTarget = {
  actor: CurrentUser;
  /** The permission the write needs on this assignment. */
  permission: Action;
  context?: RequestContext;
} & (
  { assignmentId: number; through?: undefined } | { through: Through; assignmentId?: undefined }
);

export type AssignmentWrite<I, R> = WriteTarget & {
  /** Checks what was sent, once the actor is known to be allowed; throws a ValidationError. */
  input: () => I;
  /** The change, on the locked row, inside the transaction. */
  change: (
    trx: Knex.Transaction,
    assignment: AssignmentRow,
    valid: I,
  ) => Promise<AuditedChange<R> | NoChange<R>>;
};

/** Steps 1 and 3: the assignment if the actor may do the write's action to it (locked with `forUpdate`). */
async function authorised(db: Db, target: WriteTarget, options: { forUpdate?: boolean } = {}) {
  const { actor, permission, through } = target;
  if (!through) return authorisedAssignment(db, actor, target.assignmentId, permission, options);
  const id = await through.assignmentOf(db);
  try {
    return await authorisedAssignment(db, actor, id, permission, options);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(through.notFound);
    throw err;
  }
}

/** Step 5: the one audit event for the change. */
function audit(
  trx: Knex.Transaction,
  target: WriteTarget,
  assignment: AssignmentRow,
  done: Omit<AuditedChange<unknown>, 'result'>,
) {
  return recordAudit(trx, {
    actor: userActor(target.actor),
    action: done.action,
    subjectType: done.subject?.type ?? 'assignment',
    subjectId: done.subject?.id ?? assignment.id,
    before: done.before,
    after: done.after,
    ipAddress: target.context?.ip ?? null,
    requestId: target.context?.requestId ?? null,
  });
}

/** Runs one write to an assignment the one way (see above) and gives back what `change` returned. */
export async function writeAssignment<I, R>(knex: Knex, write: AssignmentWrite<I, R>): Promise<R> {
  await authorised(knex, write);
  const valid = write.input();
  return knex.transaction(async (trx) => {
    const assignment = await authorised(trx, write, { forUpdate: true });
    const done = await write.change(trx, assignment, valid);
    if ('unchanged' in done) return done.result;
    await audit(trx, write, assignment, done);
    return done.result;
  });
}

/** A write begun by `beginAssignmentWrite`: make the change on `trx`, then `finish` or `abandon`. */
export interface OpenAssignmentWrite {
  trx: Knex.Transaction;
  /** The assignment, locked. */
  assignment: AssignmentRow;
  /** Writes the one audit event and commits. */
  finish(done: Omit<AuditedChange<unknown>, 'result'>): Promise<void>;
  /** Rolls back, unless already finished or abandoned. */
  abandon(): Promise<void>;
}

/**
 * The same write for input that streams in (see above): settles who may act, opens the transaction
 * and locks the assignment; the caller checks the input as it arrives and makes the change, then
 * `finish` writes the one audit event and commits, or `abandon` rolls back.
 */
export async function beginAssignmentWrite(
  knex: Knex,
  target: WriteTarget,
): Promise<OpenAssignmentWrite> {
  await authorised(knex, target);
  const trx = await knex.transaction();
  let assignment: AssignmentRow;
  try {
    assignment = await authorised(trx, target, { forUpdate: true });
  } catch (err) {
    await trx.rollback();
    throw err;
  }
  let settled = false;
  return {
    trx,
    assignment,
    async finish(done) {
      await audit(trx, target, assignment, done);
      await trx.commit();
      settled = true;
    },
    async abandon() {
      if (settled) return;
      settled = true;
      if (!trx.isCompleted()) await trx.rollback();
    },
  };
}
