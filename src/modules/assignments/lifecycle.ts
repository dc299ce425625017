/**
 * The life of an assignment (DOMAIN.md), as one pure function: given the current status and what
 * happened, the next status, or a refusal that says why in words a person can act on. Services call
 * it inside the transaction that stores the change, after locking the assignment row, and write the
 * new status with the change and its audit event. Nothing else may set `assignments.status`.
 *
 *   awaiting_response ─ response accepted / partially ─▶ in_progress
 *   awaiting_response ─ response not_accepted ─▶ awaiting_response (the overseer decides: close or challenge)
 *   in_progress ─ update marked complete ─▶ awaiting_verification
 *   awaiting_verification ─ verify (an accepted complete update) ─▶ implemented
 *   awaiting_verification ─ the complete update returned with feedback ─▶ in_progress
 *   any open state ─ close with a reason ─▶ closed
 *   implemented ─ reopen (the improvement did not stick) ─▶ in_progress
 */
import { ConflictError } from '../../shared/errors';
import type { AssignmentStatus, ClosureReason, ResponseStance } from '../../db/tables';

export type LifecycleEvent =
  /** The addressee records (or revises) its formal response. */
  | { kind: 'respond'; stance: ResponseStance }
  /** The addressee posts a progress update marked complete: it claims implementation. */
  | { kind: 'claim_complete' }
  /** An overseer returns a progress update with feedback; `claimedComplete` if it claimed implementation. */
  | { kind: 'return_update'; claimedComplete: boolean }
  /** An overseer verifies implementation; `hasAcceptedComplete` if an accepted update marked complete exists. */
  | { kind: 'verify'; hasAcceptedComplete: boolean }
  | { kind: 'close'; reason: ClosureReason }
  | { kind: 'reopen' };

export interface LifecycleState {
  status: AssignmentStatus;
  closureReason: ClosureReason | null;
}

/** A transition DOMAIN.md does not allow: 409, with the reason, and nothing changes. */
export class IllegalTransitionError extends ConflictError {}

const OPEN: readonly AssignmentStatus[] = [
  'awaiting_response',
  'in_progress',
  'awaiting_verification',
];

export const isOpen = (status: AssignmentStatus) => OPEN.includes(status);

const refuse = (message: string): never => {
  throw new IllegalTransitionError(message);
};

export function nextState(current: AssignmentStatus, event: LifecycleEvent): LifecycleState {
  const stay: LifecycleState = { status: current, closureReason: null };
  switch (event.kind) {
    case 'respond':
      if (current === 'closed')
        return refuse('This assignment is closed, so its response can no longer be changed.');
      if (current === 'awaiting_response' && event.stance !== 'not_accepted')
        return { status: 'in_progress', closureReason: null };
      return stay;

    case 'claim_complete':
      if (current === 'in_progress')
        return { status: 'awaiting_verification', closureReason: null };
      if (current === 'awaiting_response')
        return refuse(
          'Record the formal response first: implementation can be claimed only once work is in progress.',
        );
      if (current === 'awaiting_verification')
        return refuse(
          'Implementation has already been claimed and is waiting for the overseer to verify it.',
        );
      if (current === 'implemented')
        return refuse('This recommendation has already been verified as implemented.');
      return refuse('This assignment is closed, so nothing more can be claimed on it.');

    case 'return_update':
      if (current === 'closed')
        return refuse('This assignment is closed, so its updates can no longer be reviewed.');
      if (event.claimedComplete && current === 'awaiting_verification')
        return { status: 'in_progress', closureReason: null };
      return stay;

    case 'verify':
      if (current !== 'awaiting_verification')
        return refuse(
          current === 'implemented'
            ? 'This assignment is already verified as implemented.'
            : 'Only an assignment awaiting verification can be verified: the addressee must first post an update marked complete.',
        );
      if (!event.hasAcceptedComplete)
        return refuse(
          'Accept the progress update that claims completion before verifying implementation.',
        );
      return { status: 'implemented', closureReason: null };

    case 'close':
      if (!isOpen(current))
        return refuse(
          current === 'closed'
            ? 'This assignment is already closed.'
            : 'A verified assignment cannot be closed; reopen it first if the improvement did not stick.',
        );
      return { status: 'closed', closureReason: event.reason };

    case 'reopen':
      if (current !== 'implemented')
        return refuse('Only an assignment verified as implemented can be reopened.');
      return { status: 'in_progress', closureReason: null };
  }
}
