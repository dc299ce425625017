/**
 * Requests for more time to respond: a force lead asks (before the response is due, before a
 * response, one at a time) and an overseer grants or refuses; a granted request moves the due date.
 * Both are assignment writes (`writeAssignment`), each with its one audit event.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { compareDates, formatLongDate, type CalendarDate } from '../../shared/calendar-date';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { AssignmentRow } from '../../db/tables';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { writeAssignment } from './assignment-write';
import { canRequestExtension, responseDueDate, type ClockInput } from './deadlines';
import { clockInputsFor, recomputeResponseDue } from './deadlines.repository';
import {
  checkExtensionDecision,
  checkExtensionRequest,
  type ExtensionState,
} from './responses.schemas';

export const EXTENSION_REFUSALS = Object.freeze({
  alreadyResponded:
    'A formal response has already been recorded, so there is no response deadline left to extend.',
  pendingExtension:
    'A request for more time is already waiting for a decision. Wait for the overseer to decide it before asking again.',
  notLater: 'The date you ask for must be later than the current due date',
  notPending: 'This request has already been decided, so it cannot be decided again.',
});

/** Whether the lead may ask for more time now, with the reason in words when not. */
export function extensionRefusal(
  a: AssignmentRow,
  input: ClockInput,
  today: CalendarDate,
  extensions: { state: ExtensionState }[],
): { allowed: boolean; reason?: string } {
  if (a.responded_on) return { allowed: false, reason: EXTENSION_REFUSALS.alreadyResponded };
  if (extensions.some((e) => e.state === 'pending'))
    return { allowed: false, reason: EXTENSION_REFUSALS.pendingExtension };
  return canRequestExtension(input, today);
}

export function createExtensionsService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  /** The due date a new request must go beyond, or a refusal (409) when none may be made now. */
  async function dueDateToExtend(trx: Knex.Transaction, a: AssignmentRow, today: CalendarDate) {
    const [existing, inputs] = await Promise.all([
      trx('extension_requests').where({ assignment_id: a.id }).select('state'),
      clockInputsFor(trx, [a.id]),
    ]);
    const clockInput = inputs.get(a.id)!;
    const refusal = extensionRefusal(a, clockInput, today, existing);
    if (!refusal.allowed) throw new ConflictError(refusal.reason!);
    return responseDueDate(clockInput, today)!;
  }

  return {
    /** Asks for more time: only before the response is due, before a response, one at a time. */
    async requestExtension(
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
        input: () => checkExtensionRequest(input),
        change: async (trx, a, valid) => {
          const dueOn = await dueDateToExtend(trx, a, clock.today());
          if (compareDates(valid.newDueOn, dueOn) <= 0)
            throw new ValidationError([
              {
                field: 'newDueOn',
                message: `${EXTENSION_REFUSALS.notLater} (${formatLongDate(dueOn)})`,
              },
            ]);
          const [row] = await trx('extension_requests')
            .insert({
              assignment_id: a.id,
              due_on_when_requested: dueOn,
              requested_due_on: valid.newDueOn,
              reason: valid.reason,
              requested_by: actor.id,
              requested_at: clock.now(),
            })
            .returning('id');
          const id = Number(typeof row === 'object' ? row.id : row);
          return {
            action: 'assignment.extension_requested',
            before: { dueOn },
            after: { extensionRequestId: id, requestedDueOn: valid.newDueOn, reason: valid.reason },
            result: { id },
          };
        },
      });
    },

    /** An overseer grants or refuses a pending request; a granted one moves the due date. */
    async decideExtension(
      actor: CurrentUser,
      assignmentId: number,
      input: { extensionId: number } & Record<string, unknown>,
      context?: RequestContext,
    ): Promise<{ dueOn: CalendarDate | null }> {
      const { extensionId, ...fields } = input;
      return writeAssignment(knex, {
        actor,
        assignmentId,
        permission: 'oversight.decide',
        context,
        input: () => checkExtensionDecision(fields),
        change: async (trx, a, valid) => {
          const request = Number.isSafeInteger(extensionId)
            ? await trx('extension_requests')
                .where({ id: extensionId, assignment_id: a.id })
                .forUpdate()
                .first()
            : undefined;
          if (!request) throw new NotFoundError('There is no such request for more time.');
          if (request.state !== 'pending') throw new ConflictError(EXTENSION_REFUSALS.notPending);
          const today = clock.today();
          const state: ExtensionState = valid.decision === 'grant' ? 'granted' : 'refused';
          await trx('extension_requests').where({ id: request.id }).update({
            state,
            decided_by: actor.id,
            decided_at: clock.now(),
            decided_on: today,
            decision_reason: valid.reason,
          });
          let dueOn = a.response_due_on;
          if (state === 'granted') {
            dueOn = responseDueDate((await clockInputsFor(trx, [a.id])).get(a.id)!, today);
            await recomputeResponseDue(trx, [a.id], today, clock.now());
          }
          return {
            action:
              state === 'granted' ? 'assignment.extension_granted' : 'assignment.extension_refused',
            before: { extensionRequestId: request.id, state: 'pending', dueOn: a.response_due_on },
            after: { extensionRequestId: request.id, state, reason: valid.reason, dueOn },
            result: { dueOn },
          };
        },
      });
    },
  };
}
