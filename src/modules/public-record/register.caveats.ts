/**
 * The caveats the public pages show beside an assignment, in one place, so that open data, the
 * Atom feeds, the API and emails warn about the same things in the same words as the page: a
 * response whose own date is not known (only the day it was reported), an addressee that public
 * sources do not confirm, a recommendation text that is our summary or not yet public, and a date
 * made that is assumed from the report.
 *
 * Usage: `caveatsOf({ organisationName, addresseeConfirmed, textStatus, madeOnConfirmed,
 * respondedOn, responseDateConfirmed })` gives the list, in that order; each has a stable `code`,
 * a short `text` (for a cell, a JSON field or an email) and a full `sentence` (for a feed entry).
 */
import type { TextStatus } from '../../db/tables';

export const CAVEAT_CODES = [
  'addressee_not_confirmed',
  'response_date_not_confirmed',
  'text_summary',
  'text_pending',
  'made_on_not_confirmed',
] as const;
export type CaveatCode = (typeof CAVEAT_CODES)[number];

export interface Caveat {
  code: CaveatCode;
  text: string;
  sentence: string;
}

export interface CaveatFacts {
  /** The addressee, when the caveats are about one assignment. */
  organisationName?: string | null;
  addresseeConfirmed?: boolean | null;
  textStatus: TextStatus;
  madeOnConfirmed: boolean;
  /** The date the first response stands at, if any, and whether it is its own date. */
  respondedOn?: string | null;
  responseDateConfirmed?: boolean | null;
}

/** Short words, without semicolons, so that a list of them joined by "; " splits back exactly. */
export const CAVEAT_TEXT: Record<CaveatCode, string> = {
  addressee_not_confirmed: 'addressee not confirmed by public sources',
  response_date_not_confirmed:
    'response date is the day it was reported (the date of the response itself is not confirmed)',
  text_summary: 'text is our summary (the source has the exact wording)',
  text_pending: 'text not yet public (not in any copy of the report available to us)',
  made_on_not_confirmed: 'date made not confirmed (the report’s date is used)',
};

export function caveatsOf(facts: CaveatFacts): Caveat[] {
  const out: Caveat[] = [];
  const add = (code: CaveatCode, sentence: string) =>
    out.push({ code, text: CAVEAT_TEXT[code], sentence });
  if (facts.addresseeConfirmed === false)
    add(
      'addressee_not_confirmed',
      `Public sources do not confirm that this recommendation was addressed to ${facts.organisationName ?? 'this organisation'}.`,
    );
  if (facts.respondedOn && facts.responseDateConfirmed === false)
    add(
      'response_date_not_confirmed',
      'The response date is the day it was reported; the date of the response itself is not confirmed.',
    );
  if (facts.textStatus === 'summary')
    add(
      'text_summary',
      'The text of the recommendation in this register is our own summary; the source document has the authoritative wording.',
    );
  if (facts.textStatus === 'pending')
    add(
      'text_pending',
      'The text of this recommendation is not yet public in any copy available to us, so it has not been entered.',
    );
  if (!facts.madeOnConfirmed)
    add(
      'made_on_not_confirmed',
      'The exact date the recommendation was made has not been confirmed; the report’s publication date is used.',
    );
  return out;
}

/** The short texts joined for one CSV cell or one line of an email, or null when there are none. */
export function caveatWords(caveats: Caveat[]): string | null {
  return caveats.map((c) => c.text).join('; ') || null;
}
