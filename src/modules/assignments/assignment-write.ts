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
 * 5. exactly one audit event is written, in the same transaction, for the change the write reports.
 *
 * The read side needs nothing more: statement triggers note every changed table and bump the data
 * version when the transaction commits (ADR 0011), so pages, caches and summaries follow.
 */
import type { Knex } from 'knex';
import type { AssignmentRow } from '../../db/tables';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import type { Action } from '../accounts/policy';
import { recordAudit, userActor } from '../operations/audit.repository';
import { authorisedAssignment } from './assignments.access';

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

export interface AssignmentWrite<I, R> {
  actor: CurrentUser;
  assignmentId: number;
  /** The permission the write needs on this assignment. */
  permission: Action;
  /** Checks what was sent, once the actor is known to be allowed; throws a ValidationError. */
  input: () => I;
  /** The change, on the locked row, inside the transaction. */
  change: (trx: Knex.Transaction, assignment: AssignmentRow, valid: I) => Promise<AuditedChange<R>>;
  context?: RequestContext;
}

/** Runs one write to an assignment the one way (see above) and gives back what `change` returned. */
export async function writeAssignment<I, R>(knex: Knex, write: AssignmentWrite<I, R>): Promise<R> {
  const { actor, assignmentId, permission, context } = write;
  await authorisedAssignment(knex, actor, assignmentId, permission);
  const valid = write.input();
  return knex.transaction(async (trx) => {
    const assignment = await authorisedAssignment(trx, actor, assignmentId, permission, {
      forUpdate: true,
    });
    const done = await write.change(trx, assignment, valid);
    await recordAudit(trx, {
      actor: userActor(actor),
      action: done.action,
      subjectType: done.subject?.type ?? 'assignment',
      subjectId: done.subject?.id ?? assignmentId,
      before: done.before,
      after: done.after,
      ipAddress: context?.ip ?? null,
      requestId: context?.requestId ?? null,
    });
    return done.result;
  });
}
