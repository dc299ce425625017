/**
 * Loading an assignment for a signed-in user, with the policy applied to that very object: the
 * one way workspace routes reach an assignment by id, so no route can forget the per-object check.
 * An id that does not exist, and another organisation's assignment, are the same 404.
 */
import type { Knex } from 'knex';
import { NotFoundError } from '../../shared/errors';
import type { AssignmentRow } from '../../db/tables';
import type { CurrentUser } from '../accounts/accounts.types';
import { authorise, type Action } from '../accounts/policy';

export const NO_SUCH_ASSIGNMENT =
  'There is no assignment with that number, or it is not yours to see.';

/**
 * The assignment `id` if `user` may do `action` to it (404 if they may not even see it, 403 if they
 * may see but not do). With `forUpdate`, the row is locked for the rest of the transaction, so
 * status changes are decided on the current status.
 */
export async function authorisedAssignment(
  db: Knex | Knex.Transaction,
  user: CurrentUser | null,
  id: number,
  action: Action,
  options: { forUpdate?: boolean } = {},
): Promise<AssignmentRow> {
  if (!Number.isSafeInteger(id) || id < 1 || id > 2147483647)
    throw new NotFoundError(NO_SUCH_ASSIGNMENT);
  const query = db<AssignmentRow>('assignments').where({ id }).whereNull('withdrawn_at');
  if (options.forUpdate) query.forUpdate();
  const row = await query.first();
  if (!row) throw new NotFoundError(NO_SUCH_ASSIGNMENT);
  try {
    authorise(user, action, { organisationId: row.organisation_id });
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(NO_SUCH_ASSIGNMENT);
    throw err;
  }
  return row;
}
