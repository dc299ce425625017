/**
 * Target dates, derived: the recommendation's own "implement by" date and the addressee's
 * committed date, and whether either has passed while the assignment is still open. Pure, like
 * deadlines.ts: nothing here reads the clock or the database, and nothing derived is stored.
 *
 * The date an assignment is held to is the addressee's committed date where it gave one, else the
 * recommendation's own date; both are shown, and each has its own "past" flag.
 */
import { daysBetween, type CalendarDate } from '../../shared/calendar-date';
import type { AssignmentStatus } from '../../db/tables';

export interface TargetInput {
  implementBy: CalendarDate | null;
  committedOn: CalendarDate | null;
  status: AssignmentStatus;
}

export interface TargetState {
  implementBy: CalendarDate | null;
  committedOn: CalendarDate | null;
  /** The committed date, else the recommendation's own; null when neither is known. */
  heldTo: CalendarDate | null;
  /** heldTo − today while still open (negative once past); null when done or no date. */
  daysLeft: number | null;
  pastImplementBy: boolean;
  pastCommitted: boolean;
  /** The date it is held to has passed and it is neither implemented nor closed. */
  pastTarget: boolean;
}

/** Implemented or closed: nothing is waiting to be done, so no target can be missed any more. */
export const isFinished = (status: AssignmentStatus) =>
  status === 'implemented' || status === 'closed';

export function targetState(input: TargetInput, today: CalendarDate): TargetState {
  const open = !isFinished(input.status);
  const past = (d: CalendarDate | null) => open && d !== null && d < today;
  const heldTo = input.committedOn ?? input.implementBy;
  return {
    implementBy: input.implementBy,
    committedOn: input.committedOn,
    heldTo,
    daysLeft: open && heldTo ? daysBetween(today, heldTo) : null,
    pastImplementBy: past(input.implementBy),
    pastCommitted: past(input.committedOn),
    pastTarget: past(heldTo),
  };
}

/**
 * Which "target coming up" reminder applies with this many days left: the 30-day one while 8 to
 * 30 days are left, the 7-day one from 7 days to the day itself; none otherwise. Windows, not exact
 * days, so a tick missed while the app was stopped is caught up.
 */
export function targetReminderStage(daysLeft: number): 30 | 7 | null {
  if (daysLeft > 30 || daysLeft < 0) return null;
  return daysLeft > 7 ? 30 : 7;
}
