/**
 * The board pack: what the oversight office takes to its monthly Public Accountability Board. For
 * a period of London calendar days (by default the month up to today) it gathers what changed in
 * the period, what is overdue now, how delivery confidence moved, and what is waiting for a
 * decision. Read-only, for those allowed 'oversight.view'; the check is here so the page and the
 * API cannot skip it.
 */
import type { Clock } from '../../shared/clock';
import {
  addDays,
  isCalendarDate,
  parseCalendarDate,
  type CalendarDate,
} from '../../shared/calendar-date';
import { ValidationError, type FieldError } from '../../shared/errors';
import type { CurrentUser } from '../accounts/accounts.types';
import { authorise } from '../accounts/policy';
import { londonMidnight } from '../../shared/calendar-date';
import type { DashboardsService } from './dashboards.service';
import type { VersionMemo } from '../../shared/response-cache/version-memo';
import type { BoardPackRepository } from './board-pack.repository';

export type BoardPackPeriod = {
  from: CalendarDate;
  to: CalendarDate;
};

/** The same day a month earlier; the month's last day when it has no such day (31 Mar → 29 Feb). */
export function monthBefore(day: CalendarDate): CalendarDate {
  const { year, month, day: d } = parseCalendarDate(day);
  const y = month === 1 ? year - 1 : year;
  const m = month === 1 ? 12 : month - 1;
  const firstOfThis = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`;
  const lastOfPrevious = parseCalendarDate(addDays(firstOfThis, -1)).day;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, lastOfPrevious)).padStart(2, '0')}`;
}

/** The longest period a pack covers: a year and a day, to keep one request's work bounded. */
const MAX_DAYS = 366;

export type BoardPackService = ReturnType<typeof createBoardPackService>;

export function createBoardPackService(deps: {
  repository: BoardPackRepository;
  dashboards: DashboardsService;
  clock: Clock;
  /** Keeps each pack's rows for the data version they were read at (absent: read every time). */
  memo?: VersionMemo;
}) {
  const { repository, dashboards, clock } = deps;

  /**
   * The period asked for, with the defaults filled in, or a ValidationError naming each bad date.
   * Empty or missing dates take their defaults.
   */
  function period(query: { from?: unknown; to?: unknown }): BoardPackPeriod {
    const errors: FieldError[] = [];
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : v === undefined ? '' : null);
    const fromText = text(query.from);
    const toText = text(query.to);
    const today = clock.today();
    let to: CalendarDate = today;
    if (toText === null || (toText !== '' && !isCalendarDate(toText)))
      errors.push({ field: 'to', message: 'Enter the end date as a real date, YYYY-MM-DD' });
    else if (toText !== '') to = toText;
    let from: CalendarDate | null = null;
    if (fromText === null || (fromText !== '' && !isCalendarDate(fromText)))
      errors.push({ field: 'from', message: 'Enter the start date as a real date, YYYY-MM-DD' });
    else if (fromText !== '') from = fromText;
    if (errors.length) throw new ValidationError(errors);
    if (from === null) from = monthBefore(to);
    if (from > to)
      throw new ValidationError([
        { field: 'from', message: 'The start date must be the same as or before the end date' },
      ]);
    if (addDays(from, MAX_DAYS) < to)
      throw new ValidationError([
        { field: 'from', message: `The period can be at most ${MAX_DAYS} days long` },
      ]);
    return { from, to };
  }

  return {
    period,
    today: () => clock.today(),

    async pack(user: CurrentUser | null, p: BoardPackPeriod) {
      authorise(user, 'oversight.view');
      // [start of `from`, start of the day after `to`) in London.
      const start = londonMidnight(p.from);
      const end = londonMidnight(addDays(p.to, 1));
      const [
        statusChanges,
        responses,
        reviews,
        extensionsDecided,
        ragChanges,
        pendingExtensions,
        awaitingVerification,
        notAccepted,
        overdue,
      ] = await dashboards.overdue(user, {}).then(async (overdueNow) => {
        const read = async () =>
          [
            await repository.statusChanges(start, end),
            await repository.responses(p.from, p.to),
            await repository.reviews(start, end),
            await repository.extensions({ start, end }),
            await repository.ragChanges(start, end),
            await repository.extensions(null),
            await repository.awaitingVerification(),
            await repository.notAccepted(),
          ] as const;
        // The same for everyone allowed to read it (checked above): once per data version and day.
        const rows = await (deps.memo
          ? deps.memo.get('workspace', `boardPack|${clock.today()}|${p.from}|${p.to}`, read)
          : read());
        return [...rows, overdueNow] as const;
      });
      const instant = (v: Date | string) => new Date(v);
      return {
        from: p.from,
        to: p.to,
        today: overdue.today,
        reviewWaitingDays: overdue.reviewWaitingDays,
        changed: {
          statusChanges: statusChanges.map((c) => ({ ...c, changed_at: instant(c.changed_at) })),
          responses,
          reviews: reviews.map((v) => ({ ...v, created_at: instant(v.created_at) })),
          extensions: extensionsDecided.map((e) => ({
            ...e,
            requested_at: instant(e.requested_at),
          })),
        },
        overdue: { responses: overdue.responses, actions: overdue.actions },
        ragChanges,
        decisions: {
          pendingExtensions: pendingExtensions.map((e) => ({
            ...e,
            requested_at: instant(e.requested_at),
          })),
          awaitingVerification: awaitingVerification.map((a) => ({
            ...a,
            since: a.since === null ? null : instant(a.since),
          })),
          notAccepted,
          updatesWaiting: overdue.updates,
        },
      };
    },
  };
}

export type BoardPack = Awaited<ReturnType<BoardPackService['pack']>>;
