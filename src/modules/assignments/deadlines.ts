/**
 * Applies the rules in deadlines.rules.ts to one assignment: when the response is due, how many
 * days are left, whether it is overdue, and whether an extension may be asked for.
 *
 * Everything is derived on demand from stored facts and `today`; nothing here is stored, and
 * nothing reads the clock, the database or the server's time zone. Get `today` from
 * `londonDate(new Date())`.
 *
 * How extensions and judicial review pauses combine:
 * - Pauses are days on which the clock does not run. Every paused day from the clock's start up
 *   to the due date moves the due date one day later; overlapping or touching pauses count each
 *   day once; a pause that begins after the due date has passed changes nothing. An open pause
 *   (`to: null`) counts up to and including `today`.
 * - A granted extension replaces the due date outright with its `newDueOn`. Only the latest one
 *   counts (latest `grantedOn`, then latest `newDueOn`). Pauses up to and including the day it
 *   was granted are taken to be reflected in the new date; paused days after that day move it
 *   later, in the same way as above.
 * - Pauses are ignored, and extensions are refused, for legal bases whose rule does not allow them.
 *
 * Who carries the clock: the rule's `dutyFallsOn` says which addressees the law binds (HMICFRS
 * s.55: only the local policing body; IOPC para 28A and coroners' reports: every addressee). Any
 * other addressee has no response deadline. An administrator's override for one assignment wins:
 * `statutory` applies the rule's clock to this addressee anyway, `none` takes it away, and `date`
 * records a due date of its own (for a body that committed to answer by a date). See `clockBasis`.
 */

import {
  type CalendarDate,
  addDays,
  compareDates,
  daysBetween,
  formatLongDate,
  isCalendarDate,
  maxDate,
} from '../../shared/calendar-date';
import type { OrganisationKind } from '../../db/tables';
import {
  type ClockStart,
  type DeadlineRule,
  type LegalBasis,
  DEADLINE_RULES,
  LEGAL_BASES,
} from './deadlines.rules';

/** An administrator's decision about one assignment's clock, with its reason kept elsewhere. */
export type ClockOverride =
  { mode: 'statutory' } | { mode: 'none' } | { mode: 'date'; dueOn: CalendarDate };

export const CLOCK_OVERRIDE_MODES = ['statutory', 'none', 'date'] as const;
export type ClockOverrideMode = (typeof CLOCK_OVERRIDE_MODES)[number];

/**
 * Why an assignment has (or has no) response deadline:
 * - statutory: the law's clock applies to this addressee (by the rule, or by an override)
 * - recorded_date: an administrator recorded a due date for this assignment
 * - not_this_addressee: the legal basis has a clock, but the duty does not fall on this addressee
 * - overridden_off: an administrator took the clock away for this assignment
 * - no_statutory_clock: the legal basis sets no response clock at all
 */
export type ClockBasis =
  'statutory' | 'recorded_date' | 'not_this_addressee' | 'overridden_off' | 'no_statutory_clock';

export interface GrantedExtension {
  newDueOn: CalendarDate;
  grantedOn: CalendarDate;
}

/** A period of judicial review proceedings, both ends inclusive; `to: null` while still running. */
export interface JudicialReviewPause {
  from: CalendarDate;
  to: CalendarDate | null;
}

export interface ClockInput {
  legalBasis: LegalBasis;
  /** The addressee's kind: whether the statutory duty falls on it depends on it. */
  addresseeKind: OrganisationKind;
  /** The administrator's override for this assignment, if any. */
  override?: ClockOverride | null;
  recommendationMadeOn: CalendarDate | null;
  reportPublishedOn: CalendarDate | null;
  /** Falls back to `reportPublishedOn` when null. */
  reportDatedOn: CalendarDate | null;
  grantedExtensions?: GrantedExtension[];
  pauses?: JudicialReviewPause[];
}

/**
 * Where the response stands, for tags and wording:
 * - no_deadline: the legal basis sets no response clock
 * - due_date_unknown: there is a clock but the date it starts from has not been recorded
 * - due_later / due_today / overdue: no response yet
 * - responded_on_time / responded_late: a response was recorded and the due date is known
 * - responded: a response was recorded but the due date cannot be worked out
 */
export type ClockState =
  | 'no_deadline'
  | 'due_date_unknown'
  | 'due_later'
  | 'due_today'
  | 'overdue'
  | 'responded_on_time'
  | 'responded_late'
  | 'responded';

export interface ResponseClock {
  dueOn: CalendarDate | null;
  /** dueOn − today while there is no response (0 on the due date, negative once overdue). */
  daysRemaining: number | null;
  /** No response and today is after dueOn. */
  overdue: boolean;
  /** Days past dueOn while overdue; otherwise 0. */
  overdueByDays: number;
  /** respondedOn > dueOn; null when there is no response or no due date. */
  respondedLate: boolean | null;
  /** respondedOn − dueOn when responded late, 0 when on time, null when not applicable. */
  respondedDaysLate: number | null;
  /** No response yet and judicial review is stopping the clock today. */
  paused: boolean;
  state: ClockState;
  /** Why there is (or is not) a deadline for this addressee. */
  basis: ClockBasis;
}

const START_DESCRIPTIONS: Record<ClockStart, string> = {
  recommendation_made: 'the date the recommendation was made',
  report_published: 'the date the report was published',
  report_dated: 'the date of the report',
};

const START_FIELDS: Record<ClockStart, string> = {
  recommendation_made: 'recommendationMadeOn',
  report_published: 'reportPublishedOn',
  report_dated: 'reportDatedOn (or reportPublishedOn)',
};

/** Checks a legal basis read from a database row or a request before it reaches the rules. */
export function isLegalBasis(value: unknown): value is LegalBasis {
  return typeof value === 'string' && (LEGAL_BASES as readonly string[]).includes(value);
}

// Inputs often come straight from database rows, so the types alone are not enough.
function ruleFor(input: ClockInput): DeadlineRule {
  if (!isLegalBasis(input.legalBasis)) {
    throw new Error(`Unknown legal basis: ${JSON.stringify(input.legalBasis)}`);
  }
  return DEADLINE_RULES[input.legalBasis];
}

/** Whether the rule's statutory duty falls on an addressee of this kind, before any override. */
export function dutyFallsOn(legalBasis: LegalBasis, addresseeKind: OrganisationKind): boolean {
  const rule = DEADLINE_RULES[legalBasis];
  if (!rule.clock) return false;
  return rule.dutyFallsOn === 'every_addressee' || rule.dutyFallsOn.includes(addresseeKind);
}

/** Why this assignment has, or has not, a response deadline (see the top of this file). */
export function clockBasis(input: ClockInput): ClockBasis {
  const rule = ruleFor(input);
  const override = input.override ?? null;
  if (override?.mode === 'date') return 'recorded_date';
  if (!rule.clock) return 'no_statutory_clock';
  if (override?.mode === 'none') return 'overridden_off';
  if (override?.mode === 'statutory') return 'statutory';
  return dutyFallsOn(input.legalBasis, input.addresseeKind) ? 'statutory' : 'not_this_addressee';
}

const hasDeadline = (basis: ClockBasis) => basis === 'statutory' || basis === 'recorded_date';

function checkDate(value: unknown, field: string): CalendarDate {
  if (!isCalendarDate(value)) {
    throw new Error(
      `${field} must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function optionalDate(value: CalendarDate | null | undefined, field: string): CalendarDate | null {
  return value === null || value === undefined ? null : checkDate(value, field);
}

function clockStartDate(input: ClockInput, startsFrom: ClockStart): CalendarDate | null {
  switch (startsFrom) {
    case 'recommendation_made':
      return optionalDate(input.recommendationMadeOn, 'recommendationMadeOn');
    case 'report_published':
      return optionalDate(input.reportPublishedOn, 'reportPublishedOn');
    case 'report_dated':
      return (
        optionalDate(input.reportDatedOn, 'reportDatedOn') ??
        optionalDate(input.reportPublishedOn, 'reportPublishedOn')
      );
  }
}

function latestExtension(extensions: GrantedExtension[]): GrantedExtension | null {
  let latest: GrantedExtension | null = null;
  for (const [i, extension] of extensions.entries()) {
    checkDate(extension.grantedOn, `grantedExtensions[${i}].grantedOn`);
    checkDate(extension.newDueOn, `grantedExtensions[${i}].newDueOn`);
    const isLater =
      !latest ||
      (compareDates(extension.grantedOn, latest.grantedOn) ||
        compareDates(extension.newDueOn, latest.newDueOn)) > 0;
    if (isLater) latest = extension;
  }
  return latest;
}

interface DateRange {
  from: CalendarDate;
  to: CalendarDate;
}

// The paused days on or after `countFrom`, as sorted ranges that neither overlap nor touch.
function pausedRanges(
  pauses: JudicialReviewPause[],
  countFrom: CalendarDate,
  asOf: CalendarDate,
): DateRange[] {
  const ranges: DateRange[] = [];
  pauses.forEach((pause, i) => {
    const from = checkDate(pause.from, `pauses[${i}].from`);
    const to = pause.to === null ? asOf : checkDate(pause.to, `pauses[${i}].to`);
    if (pause.to !== null && compareDates(to, from) < 0) {
      throw new Error(`pauses[${i}] ends (${to}) before it starts (${from})`);
    }
    const start = maxDate(from, countFrom);
    // An open pause that starts after `asOf` has not begun, so it pauses nothing yet.
    if (compareDates(start, to) <= 0) ranges.push({ from: start, to });
  });
  ranges.sort((a, b) => compareDates(a.from, b.from));

  const merged: DateRange[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && compareDates(range.from, addDays(last.to, 1)) <= 0) {
      last.to = maxDate(last.to, range.to);
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

// Moving the due date can bring a later pause inside the period, so ranges are taken in date
// order against the due date as it stands after the earlier ones.
function addPausedDays(
  dueOn: CalendarDate,
  countFrom: CalendarDate,
  pauses: JudicialReviewPause[],
  asOf: CalendarDate,
): CalendarDate {
  let due = dueOn;
  for (const range of pausedRanges(pauses, countFrom, asOf)) {
    if (compareDates(range.from, due) > 0) break;
    due = addDays(due, daysBetween(range.from, range.to) + 1);
  }
  return due;
}

function isInsidePause(pauses: JudicialReviewPause[], day: CalendarDate): boolean {
  return pauses.some(
    (pause) =>
      compareDates(pause.from, day) <= 0 && (pause.to === null || compareDates(day, pause.to) <= 0),
  );
}

function missingStartMessage(rule: DeadlineRule, startsFrom: ClockStart): string {
  return (
    `The response deadline for this ${rule.shortLabel} cannot be worked out because ` +
    `${START_DESCRIPTIONS[startsFrom]} has not been recorded.`
  );
}

/**
 * The deadline for this addressee before extensions and judicial review pauses: the law's date
 * where the duty falls on it, or the date an administrator recorded. null when it carries no
 * clock, or when the date the clock starts from is not recorded yet.
 */
export function statutoryDueDate(input: ClockInput): CalendarDate | null {
  const { clock } = ruleFor(input);
  const basis = clockBasis(input);
  if (basis === 'recorded_date' && input.override?.mode === 'date')
    return checkDate(input.override.dueOn, 'override.dueOn');
  if (!clock || basis !== 'statutory') return null;
  const start = clockStartDate(input, clock.startsFrom);
  if (!start) return null;
  return addDays(start, clock.countStartDay ? clock.days - 1 : clock.days);
}

/**
 * The date the response is due today: the statutory date or the latest granted extension, moved
 * later by judicial review pauses (see the top of this file). null when the legal basis has no
 * clock, or when the start date is not recorded and no extension has been granted.
 * Throws if an extension is recorded for a legal basis that does not allow extensions.
 */
export function responseDueDate(input: ClockInput, today: CalendarDate): CalendarDate | null {
  const rule = ruleFor(input);
  checkDate(today, 'today');
  const basis = clockBasis(input);
  if (!hasDeadline(basis)) return null;

  const extensions = input.grantedExtensions ?? [];
  if (extensions.length > 0 && !rule.extensionsAllowed) {
    throw new Error(
      `An extension is recorded, but the law does not allow one for legal basis ` +
        `${input.legalBasis} (${rule.shortLabel}).`,
    );
  }
  const extension = latestExtension(extensions);

  let dueOn: CalendarDate;
  let countFrom: CalendarDate;
  if (extension) {
    dueOn = extension.newDueOn;
    countFrom = addDays(extension.grantedOn, 1);
  } else {
    const base = statutoryDueDate(input);
    const start = rule.clock ? clockStartDate(input, rule.clock.startsFrom) : null;
    if (!base) return null;
    if (!start && basis === 'statutory') return null;
    dueOn = base;
    // A recorded date with no known start: only pauses that begin by the due date can move it.
    countFrom = start ?? base;
  }

  const pauses = input.pauses ?? [];
  if (!rule.judicialReviewPausesClock || pauses.length === 0) return dueOn;
  return addPausedDays(dueOn, countFrom, pauses, today);
}

/**
 * Like `responseDueDate`, for code that cannot go on without a due date (for example when
 * recording an extension decision). Throws a sentence saying what is missing instead of
 * returning null.
 */
export function requireResponseDueDate(input: ClockInput, today: CalendarDate): CalendarDate {
  const rule = ruleFor(input);
  const dueOn = responseDueDate(input, today);
  if (dueOn) return dueOn;
  if (!rule.clock || !hasDeadline(clockBasis(input))) {
    throw new Error(
      `There is no response deadline for this addressee (legal basis ${input.legalBasis}, ${clockBasis(input)}).`,
    );
  }
  throw new Error(
    `${missingStartMessage(rule, rule.clock.startsFrom)} ` +
      `(missing ${START_FIELDS[rule.clock.startsFrom]}).`,
  );
}

/**
 * Everything pages and the API show about the response deadline, derived for `today`. Once a
 * response is recorded, an open pause is counted only up to the response date, because the clock
 * no longer matters after that.
 */
export function responseClock(
  input: ClockInput,
  opts: { today: CalendarDate; respondedOn: CalendarDate | null },
): ResponseClock {
  const rule = ruleFor(input);
  const today = checkDate(opts.today, 'today');
  const respondedOn = optionalDate(opts.respondedOn, 'respondedOn');
  const dueOn = responseDueDate(input, respondedOn ?? today);

  const clock: ResponseClock = {
    dueOn,
    daysRemaining: null,
    overdue: false,
    overdueByDays: 0,
    respondedLate: null,
    respondedDaysLate: null,
    paused: false,
    state: 'no_deadline',
    basis: clockBasis(input),
  };

  if (!dueOn) {
    if (!hasDeadline(clock.basis)) return clock;
    return { ...clock, state: respondedOn ? 'responded' : 'due_date_unknown' };
  }

  if (respondedOn) {
    const daysLate = daysBetween(dueOn, respondedOn);
    return {
      ...clock,
      respondedLate: daysLate > 0,
      respondedDaysLate: Math.max(daysLate, 0),
      state: daysLate > 0 ? 'responded_late' : 'responded_on_time',
    };
  }

  const daysRemaining = daysBetween(today, dueOn);
  const paused =
    rule.judicialReviewPausesClock &&
    daysRemaining >= 0 &&
    isInsidePause(input.pauses ?? [], today);
  return {
    ...clock,
    daysRemaining,
    overdue: daysRemaining < 0,
    overdueByDays: Math.max(-daysRemaining, 0),
    paused,
    state: daysRemaining > 0 ? 'due_later' : daysRemaining === 0 ? 'due_today' : 'overdue',
  };
}

/**
 * Whether the addressee may ask for more time today, with a sentence for the user when not.
 * Requests are taken only up to and including the due date (the domain rule for every basis;
 * for IOPC recommendations it is also the law). Whether a response has already been made is for
 * the caller to check.
 */
export function canRequestExtension(
  input: ClockInput,
  today: CalendarDate,
): { allowed: boolean; reason?: string } {
  const rule = ruleFor(input);
  checkDate(today, 'today');
  if (!rule.clock) {
    return {
      allowed: false,
      reason:
        'There is no statutory deadline for this recommendation, so there is nothing to extend.',
    };
  }
  const basis = clockBasis(input);
  if (basis === 'not_this_addressee' || basis === 'overridden_off') {
    return {
      allowed: false,
      reason:
        'There is no statutory deadline for this organisation to respond, so there is nothing to extend.',
    };
  }
  if (!rule.extensionsAllowed) {
    return {
      allowed: false,
      reason: `The law sets a fixed deadline for responding to this ${rule.shortLabel} and gives no way to extend it.`,
    };
  }
  const dueOn = responseDueDate(input, today);
  if (!dueOn) {
    return { allowed: false, reason: missingStartMessage(rule, rule.clock.startsFrom) };
  }
  if (compareDates(today, dueOn) > 0) {
    const due = formatLongDate(dueOn);
    return {
      allowed: false,
      reason: rule.extensionMustBeRequestedBeforeDue
        ? `The law only allows more time to be asked for before the response is due, and it was due on ${due}.`
        : `More time can only be asked for up to the due date, and the response was due on ${due}.`,
    };
  }
  return { allowed: true };
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

/** A short phrase for tags and tables, e.g. '12 days left', 'Due today', 'Overdue by 3 days'. */
export function describeDue(clock: ResponseClock): string {
  switch (clock.state) {
    case 'no_deadline':
      return clock.basis === 'not_this_addressee'
        ? 'No statutory deadline for this organisation'
        : 'No statutory deadline';
    case 'due_date_unknown':
      return 'Due date not known yet';
    case 'due_later': {
      const left = `${days(clock.daysRemaining ?? 0)} left`;
      return clock.paused ? `Paused for judicial review, ${left}` : left;
    }
    case 'due_today':
      return 'Due today';
    case 'overdue':
      return `Overdue by ${days(clock.overdueByDays)}`;
    case 'responded_on_time':
      return 'Responded on time';
    case 'responded_late':
      return `Responded ${days(clock.respondedDaysLate ?? 0)} late`;
    case 'responded':
      return 'Responded';
  }
}
