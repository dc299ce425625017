/**
 * How an email names a recommendation, an addressee and a response date: with the caveats the
 * public page shows, in its words (register.caveats.ts), so that an email never says more than the
 * record does.
 *
 * Usage: `recommendationInWords({ ref, title, textStatus, reportTitle, sourceNumber })` gives
 * "LIN-08 (Operation Linden recommendation 8; text not yet public)";
 * `addresseeInWords(name, confirmed)` gives "X (addressee not confirmed by public sources)";
 * `responseDateInWords(day, confirmed)` gives "made on 20 April 2022" or "reported on 20 April
 * 2022; the date of the response itself is not confirmed" (to follow "The response was").
 */
import { formatLongDate, type CalendarDate } from '../../shared/calendar-date';
import type { TextStatus } from '../../db/tables';
import { CAVEAT_TEXT } from '../public-record/register.caveats';
import { pendingTitle } from '../public-record/register.view-model';

export interface RecommendationNaming {
  ref: string;
  title: string | null;
  textStatus: TextStatus;
  reportTitle: string;
  sourceNumber: string | null;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** The recommendation's title as its page gives it (by report and number while not public). */
export function recommendationTitle(r: RecommendationNaming): string {
  return r.title ?? pendingTitle(r.reportTitle, r.sourceNumber, r.ref);
}

export function recommendationInWords(r: RecommendationNaming, maxTitle = 120): string {
  const title = clip(recommendationTitle(r), maxTitle);
  if (r.textStatus === 'pending') return `${r.ref} (${title}; text not yet public)`;
  if (r.textStatus === 'summary') return `${r.ref} (${title}; its text here is our summary)`;
  return `${r.ref} (${title})`;
}

/** The addressee, saying so when public sources do not confirm it; `short` for a subject line. */
export function addresseeInWords(name: string, confirmed: boolean, short = false): string {
  if (confirmed) return name;
  return short
    ? `${name} (addressee not confirmed)`
    : `${name} (${CAVEAT_TEXT.addressee_not_confirmed})`;
}

/** "made on <day>", or "reported on <day>; …not confirmed" when that is only when it was reported. */
export function responseDateInWords(day: CalendarDate, confirmed: boolean): string {
  return confirmed
    ? `made on ${formatLongDate(day)}`
    : `reported on ${formatLongDate(day)}; the date of the response itself is not confirmed`;
}
