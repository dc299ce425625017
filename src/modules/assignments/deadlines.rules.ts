/**
 * The response deadlines that the law sets for each kind of report, as data.
 *
 * deadlines.ts applies these rules; nothing here is code. To change a rule, or to add a legal basis,
 * edit this table and the tests in deadlines.test.ts, and check the wording of `explanation`,
 * which is shown on public pages.
 */

import type { OrganisationKind } from '../../db/tables';

/** Every legal basis a report can have. The order is the order used in forms and filters. */
export const LEGAL_BASES = ['iopc_para_28a', 'hmicfrs_s55', 'coroner_pfd', 'none'] as const;

export type LegalBasis = (typeof LEGAL_BASES)[number];

/** The event that starts the response clock. */
export type ClockStart = 'recommendation_made' | 'report_published' | 'report_dated';

export interface ClockRule {
  readonly startsFrom: ClockStart;
  /** Every current statutory period is 56 days; widen this type if a new rule needs another. */
  readonly days: 56;
  /**
   * true: the period begins *with* the start day, which counts as day 1 (due = start + days − 1).
   * false: the period runs *from* the start day, which is not counted (due = start + days).
   */
  readonly countStartDay: boolean;
}

/**
 * Who the statutory duty to respond falls on: every organisation the recommendation is addressed
 * to, or only addressees of the kinds listed (an empty list: nobody).
 */
export type DutyHolders = 'every_addressee' | readonly OrganisationKind[];

export interface DeadlineRule {
  /** Full name with the legal source, for report pages and open data. */
  readonly label: string;
  /** A few words for tables, filters and tags. */
  readonly shortLabel: string;
  /** null: the law sets no response deadline; only target dates apply. */
  readonly clock: ClockRule | null;
  /**
   * Which addressees carry the clock. The others have no statutory response deadline unless an
   * administrator records one for their assignment.
   */
  readonly dutyFallsOn: DutyHolders;
  /** Plain English for the public: who the duty falls on. */
  readonly dutyHolders: string;
  /** Whether the body that made the recommendation can give more time. */
  readonly extensionsAllowed: boolean;
  /** Whether the law says an extension must be asked for before the response is due. */
  readonly extensionMustBeRequestedBeforeDue: boolean;
  /** Whether days while judicial review proceedings are in progress are left out of the count. */
  readonly judicialReviewPausesClock: boolean;
  /** Plain English for the public: who must respond, by when, and whether that can change. */
  readonly explanation: string;
}

export const DEADLINE_RULES: Readonly<Record<LegalBasis, DeadlineRule>> = {
  iopc_para_28a: {
    label: 'IOPC recommendation (Police Reform Act 2002, Schedule 3, paragraph 28A)',
    shortLabel: 'IOPC recommendation',
    clock: { startsFrom: 'recommendation_made', days: 56, countStartDay: true },
    // Para 28A(2): the person to whom the recommendation is made must respond.
    dutyFallsOn: 'every_addressee',
    dutyHolders: 'Each organisation the recommendation is made to.',
    extensionsAllowed: true,
    extensionMustBeRequestedBeforeDue: true,
    judicialReviewPausesClock: true,
    explanation:
      'The organisation must respond in writing within 56 days, counting the day the ' +
      'recommendation was made as the first day. For example, a recommendation made on ' +
      '23 November 2021 had to be answered by 17 January 2022. The IOPC can allow more time, ' +
      'but only if the organisation asks before the response is due. Days while a court is ' +
      'dealing with a judicial review of the recommendation are not counted, so the deadline ' +
      'moves later by that many days.',
  },
  hmicfrs_s55: {
    label: 'HMICFRS inspection report (Police Act 1996, section 55)',
    shortLabel: 'HMICFRS report',
    clock: { startsFrom: 'report_published', days: 56, countStartDay: false },
    // s.55: the local policing body (for a force in England, its police and crime commissioner)
    // must comment. National bodies and departments named in a thematic report have no such duty.
    dutyFallsOn: ['pcc_office'],
    dutyHolders:
      'Only the local policing body for the force inspected (the police and crime commissioner’s office). Other organisations named in the report have no statutory deadline unless one is recorded for them.',
    extensionsAllowed: false,
    extensionMustBeRequestedBeforeDue: false,
    judicialReviewPausesClock: false,
    explanation:
      'When His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services publishes an ' +
      'inspection report, the police and crime commissioner (or other local policing body) ' +
      'must prepare comments on it within 56 days of publication and publish them. The day of ' +
      'publication is not counted. The law gives no way to extend this deadline.',
  },
  coroner_pfd: {
    label:
      'Coroner’s report to prevent future deaths (Coroners and Justice Act 2009, Schedule 5, ' +
      'paragraph 7; Coroners (Investigations) Regulations 2013, regulations 28 and 29)',
    shortLabel: 'Prevention of Future Deaths report',
    clock: { startsFrom: 'report_dated', days: 56, countStartDay: false },
    // Regulation 29: each person to whom the report is sent must respond.
    dutyFallsOn: 'every_addressee',
    dutyHolders: 'Each person or organisation the report is sent to.',
    extensionsAllowed: true,
    extensionMustBeRequestedBeforeDue: false,
    judicialReviewPausesClock: false,
    explanation:
      'When a coroner believes action is needed to stop more deaths, they send a report to the ' +
      'people and organisations who can act. Each must reply in writing within 56 days of the ' +
      'date of the report, saying what they have done or will do, or explaining why they will ' +
      'do nothing. The day of the report is not counted. The coroner can allow more time.',
  },
  none: {
    label: 'No statutory response deadline',
    shortLabel: 'No statutory deadline',
    clock: null,
    dutyFallsOn: [],
    dutyHolders: 'Nobody: there is no statutory duty to respond.',
    extensionsAllowed: false,
    extensionMustBeRequestedBeforeDue: false,
    judicialReviewPausesClock: false,
    explanation:
      'No law sets a deadline for responding to this recommendation. Any dates shown are ' +
      'targets set by the organisation or the oversight body.',
  },
};
