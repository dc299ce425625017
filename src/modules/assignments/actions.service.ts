/**
 * The action plan of an assignment: its steps, each with an owner, a target date and a state, and
 * every revision kept (a moved target date needs a reason). Each change is an assignment write
 * (`writeAssignment`) with its one audit event.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { AssignmentRow } from '../../db/tables';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { writeAssignment } from './assignment-write';
import {
  checkAction,
  checkActionRevision,
  type ActionRevisionInput,
  type ActionState,
} from './responses.schemas';

export const ACTION_REFUSALS = Object.freeze({
  closed: 'This assignment is closed, so its action plan can no longer be changed.',
  reasonNeeded: 'Give a reason for changing the target date',
});

/** An action's fields as the plan shows them (and as its audit events record them). */
interface ActionFields {
  description: string;
  owner: string;
  targetOn: string;
  state: ActionState;
}

const refuseIfClosed = (a: AssignmentRow) => {
  if (a.status === 'closed') throw new ConflictError(ACTION_REFUSALS.closed);
};

export function createActionsService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  /** Keeps this state of an action in its history: every revision, the first included. */
  const keepRevision = (
    trx: Knex.Transaction,
    actor: CurrentUser,
    actionId: number,
    fields: ActionFields,
    change: { previousTargetOn: string | null; reason: string | null; at: Date },
  ) =>
    trx('assignment_action_revisions').insert({
      action_id: actionId,
      description: fields.description,
      owner: fields.owner,
      previous_target_on: change.previousTargetOn,
      target_on: fields.targetOn,
      state: fields.state,
      reason: change.reason,
      revised_by: actor.id,
      revised_at: change.at,
    });

  return {
    /** Adds a step to the action plan. */
    async addAction(
      actor: CurrentUser,
      assignmentId: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<{ id: number }> {
      return writeAssignment(knex, {
        actor,
        assignmentId,
        permission: 'assignment.act',
        context,
        input: () => checkAction(input),
        change: async (trx, a, valid) => {
          refuseIfClosed(a);
          const now = clock.now();
          const [row] = await trx('assignment_actions')
            .insert({
              assignment_id: a.id,
              description: valid.description,
              owner: valid.owner,
              target_on: valid.targetOn,
              state: valid.state,
              created_at: now,
              updated_at: now,
            })
            .returning('id');
          const id = Number(typeof row === 'object' ? row.id : row);
          await keepRevision(trx, actor, id, valid, {
            previousTargetOn: null,
            reason: null,
            at: now,
          });
          return {
            action: 'assignment.action_added',
            before: null,
            after: { actionId: id, ...valid },
            result: { id },
          };
        },
      });
    },

    /** Changes an action; a new target date needs a reason, and the old date stays in the history. */
    async reviseAction(
      actor: CurrentUser,
      assignmentId: number,
      input: { actionId: number } & Record<string, unknown>,
      context?: RequestContext,
    ): Promise<{ changed: boolean }> {
      const { actionId, ...fields } = input;
      return writeAssignment<ActionRevisionInput, { changed: boolean }>(knex, {
        actor,
        assignmentId,
        permission: 'assignment.act',
        context,
        input: () => checkActionRevision(fields),
        change: async (trx, a, valid) => {
          const reason = valid.reason?.trim() ? valid.reason.trim() : null;
          const action = Number.isSafeInteger(actionId)
            ? await trx('assignment_actions').where({ id: actionId, assignment_id: a.id }).first()
            : undefined;
          if (!action) throw new NotFoundError('There is no such action in this plan.');
          refuseIfClosed(a);
          if (action.target_on !== valid.targetOn && !reason)
            throw new ValidationError([{ field: 'reason', message: ACTION_REFUSALS.reasonNeeded }]);
          const before: ActionFields = {
            description: action.description,
            owner: action.owner,
            targetOn: action.target_on,
            state: action.state,
          };
          const after: ActionFields = {
            description: valid.description,
            owner: valid.owner,
            targetOn: valid.targetOn,
            state: valid.state,
          };
          if (JSON.stringify(before) === JSON.stringify(after))
            return { unchanged: true, result: { changed: false } };
          const now = clock.now();
          await trx('assignment_actions').where({ id: action.id }).update({
            description: after.description,
            owner: after.owner,
            target_on: after.targetOn,
            state: after.state,
            updated_at: now,
          });
          await keepRevision(trx, actor, action.id, after, {
            previousTargetOn: action.target_on,
            reason,
            at: now,
          });
          return {
            action: 'assignment.action_revised',
            before: { actionId: action.id, ...before },
            after: { actionId: action.id, ...after, reason },
            result: { changed: true },
          };
        },
      });
    },
  };
}
