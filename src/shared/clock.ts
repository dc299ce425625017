/**
 * The app's sense of "now". Everything that depends on today (overdue flags, days remaining) asks
 * the clock, so tests and demos can move time without touching the system clock.
 */
import { londonDate, type CalendarDate } from './calendar-date';

export interface Clock {
  now(): Date;
  /** Today's date in Europe/London, whatever the server's zone. */
  today(): CalendarDate;
}

export const systemClock: Clock = {
  now: () => new Date(),
  today: () => londonDate(new Date()),
};

/** A clock that stays where it is put; for tests. */
export function fixedClock(instant: Date | string): Clock & { set(to: Date | string): void } {
  let current = new Date(instant);
  return {
    now: () => new Date(current),
    today: () => londonDate(current),
    set: (to) => {
      current = new Date(to);
    },
  };
}
