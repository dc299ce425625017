import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import { ORGANISATION_KINDS, type OrganisationKind } from '../../db/tables';
import {
  type ClockInput,
  canRequestExtension,
  clockBasis,
  dutyFallsOn,
  describeDue,
  isLegalBasis,
  requireResponseDueDate,
  responseClock,
  responseDueDate,
  statutoryDueDate,
} from './deadlines';
import { DEADLINE_RULES, LEGAL_BASES, type LegalBasis } from './deadlines.rules';

// Every expected date below is worked out by hand in the comment beside it, counting month by
// month: "23 Nov + 7 = 30 Nov" means 7 days after 23 November is 30 November.

function iopc(madeOn: string | null, extra: Partial<ClockInput> = {}): ClockInput {
  return {
    legalBasis: 'iopc_para_28a',
    addresseeKind: 'police_force',
    recommendationMadeOn: madeOn,
    reportPublishedOn: null,
    reportDatedOn: null,
    ...extra,
  };
}

function hmicfrs(publishedOn: string | null, extra: Partial<ClockInput> = {}): ClockInput {
  return {
    legalBasis: 'hmicfrs_s55',
    // The body the s.55 duty falls on; other kinds are tested in "who carries the clock".
    addresseeKind: 'pcc_office',
    recommendationMadeOn: null,
    reportPublishedOn: publishedOn,
    reportDatedOn: null,
    ...extra,
  };
}

function coroner(
  datedOn: string | null,
  publishedOn: string | null = null,
  extra: Partial<ClockInput> = {},
): ClockInput {
  return {
    legalBasis: 'coroner_pfd',
    addresseeKind: 'local_authority',
    recommendationMadeOn: null,
    reportPublishedOn: publishedOn,
    reportDatedOn: datedOn,
    ...extra,
  };
}

const noClock: ClockInput = {
  legalBasis: 'none',
  addresseeKind: 'police_force',
  recommendationMadeOn: '2022-01-10',
  reportPublishedOn: '2022-01-10',
  reportDatedOn: '2022-01-10',
};

// The Operation Linden example from DOMAIN.md: made 23 Nov 2021.
// Due = made + 55 (day 1 is the day it was made): 23 Nov + 7 = 30 Nov; + 31 = 31 Dec (38);
// + 17 = 17 Jan 2022 (55).
const LINDEN = iopc('2021-11-23');
const LINDEN_DUE = '2022-01-17';

describe('the rules table', () => {
  it('has a rule for every legal basis and nothing else', () => {
    expect(Object.keys(DEADLINE_RULES).sort()).toEqual([...LEGAL_BASES].sort());
  });

  it.each(LEGAL_BASES)('gives %s a label, a short label and a public explanation', (basis) => {
    const rule = DEADLINE_RULES[basis];
    expect(rule.label.length).toBeGreaterThan(0);
    expect(rule.shortLabel.length).toBeGreaterThan(0);
    expect(rule.explanation).toMatch(/^[A-Z].*\.$/s);
  });

  it('names the legal source of the IOPC rule in full', () => {
    expect(DEADLINE_RULES.iopc_para_28a.label).toBe(
      'IOPC recommendation (Police Reform Act 2002, Schedule 3, paragraph 28A)',
    );
  });

  it('uses a 56-day clock for every statutory basis and none for "none"', () => {
    expect(DEADLINE_RULES.iopc_para_28a.clock).toEqual({
      startsFrom: 'recommendation_made',
      days: 56,
      countStartDay: true,
    });
    expect(DEADLINE_RULES.hmicfrs_s55.clock).toEqual({
      startsFrom: 'report_published',
      days: 56,
      countStartDay: false,
    });
    expect(DEADLINE_RULES.coroner_pfd.clock).toEqual({
      startsFrom: 'report_dated',
      days: 56,
      countStartDay: false,
    });
    expect(DEADLINE_RULES.none.clock).toBeNull();
  });

  it('lets only IOPC and coroner deadlines be extended, and only IOPC be paused', () => {
    const extendable = LEGAL_BASES.filter((b) => DEADLINE_RULES[b].extensionsAllowed);
    const pausable = LEGAL_BASES.filter((b) => DEADLINE_RULES[b].judicialReviewPausesClock);
    expect(extendable).toEqual(['iopc_para_28a', 'coroner_pfd']);
    expect(pausable).toEqual(['iopc_para_28a']);
    expect(DEADLINE_RULES.iopc_para_28a.extensionMustBeRequestedBeforeDue).toBe(true);
  });

  it('recognises legal bases from untrusted input', () => {
    expect(isLegalBasis('coroner_pfd')).toBe(true);
    expect(isLegalBasis('IOPC')).toBe(false);
    expect(isLegalBasis(undefined)).toBe(false);
  });
});

describe('statutoryDueDate', () => {
  describe('IOPC recommendation: 56 days beginning with the day it was made (made + 55)', () => {
    it.each([
      // 23 Nov + 7 = 30 Nov; + 31 = 31 Dec (38); + 17 = 17 Jan (55)
      ['across a year end (the DOMAIN.md example)', '2021-11-23', '2022-01-17'],
      // 31 Dec + 31 = 31 Jan 2024 (31); + 24 = 24 Feb (55)
      ['made on New Year’s Eve', '2023-12-31', '2024-02-24'],
      // 5 Jan + 26 = 31 Jan (26); + 29 = 29 Feb 2024 (55)
      ['landing on a leap day', '2024-01-05', '2024-02-29'],
      // 5 Jan + 26 = 31 Jan (26); + 28 = 28 Feb 2023 (54); + 1 = 1 Mar (55)
      ['the same start in a non-leap year', '2023-01-05', '2023-03-01'],
      // 31 Jan + 28 = 28 Feb (28); + 27 = 27 Mar (55)
      ['made at a month end, due on the day the clocks go forward', '2022-01-31', '2022-03-27'],
      // BST starts 27 Mar 2022. 28 Feb + 31 = 31 Mar (31); + 24 = 24 Apr (55)
      ['with the clocks going forward inside the period', '2022-02-28', '2022-04-24'],
      // BST ends 30 Oct 2022. 15 Sep + 15 = 30 Sep (15); + 31 = 31 Oct (46); + 9 = 9 Nov (55)
      ['with the clocks going back inside the period', '2022-09-15', '2022-11-09'],
    ])('%s: made %s, due %s', (_why, madeOn, dueOn) => {
      expect(statutoryDueDate(iopc(madeOn))).toBe(dueOn);
    });
  });

  describe('HMICFRS report: 56 days from publication (published + 56)', () => {
    it.each([
      // 4 Jan + 27 = 31 Jan (27); + 29 = 29 Feb 2024 (56)
      ['landing on a leap day', '2024-01-04', '2024-02-29'],
      // 4 Jan + 27 = 31 Jan (27); + 28 = 28 Feb 2023 (55); + 1 = 1 Mar (56)
      ['the same start in a non-leap year', '2023-01-04', '2023-03-01'],
      // 1 Dec + 30 = 31 Dec (30); + 26 = 26 Jan 2022 (56)
      ['across a year end', '2021-12-01', '2022-01-26'],
      // BST starts 27 Mar 2022. 1 Mar + 30 = 31 Mar (30); + 26 = 26 Apr (56)
      ['with the clocks going forward inside the period', '2022-03-01', '2022-04-26'],
    ])('%s: published %s, due %s', (_why, publishedOn, dueOn) => {
      expect(statutoryDueDate(hmicfrs(publishedOn))).toBe(dueOn);
    });

    it('ignores the recommendation and report dates', () => {
      const input = { ...hmicfrs('2024-01-04'), recommendationMadeOn: '2023-12-01' };
      expect(statutoryDueDate({ ...input, reportDatedOn: '2023-12-20' })).toBe('2024-02-29');
    });
  });

  describe('coroner’s Prevention of Future Deaths report: 56 days from its date (dated + 56)', () => {
    it.each([
      // 31 Jan + 28 = 28 Feb 2022 (28); + 28 = 28 Mar (56)
      ['dated at the end of January', '2022-01-31', '2022-03-28'],
      // 31 Jan + 29 = 29 Feb 2024 (29); + 27 = 27 Mar (56)
      ['the same date in a leap year', '2024-01-31', '2024-03-27'],
      // 29 Feb + 31 = 31 Mar 2024 (31); + 25 = 25 Apr (56)
      ['dated on a leap day', '2024-02-29', '2024-04-25'],
      // 30 Nov + 31 = 31 Dec (31); + 25 = 25 Jan 2023 (56)
      ['across a year end', '2022-11-30', '2023-01-25'],
    ])('%s: dated %s, due %s', (_why, datedOn, dueOn) => {
      expect(statutoryDueDate(coroner(datedOn))).toBe(dueOn);
    });

    it('uses the date of the report rather than its publication date', () => {
      // dated 31 Jan → 28 Mar as above; published 7 Feb would give 4 Apr
      expect(statutoryDueDate(coroner('2022-01-31', '2022-02-07'))).toBe('2022-03-28');
    });

    it('falls back to the publication date when the report date is not recorded', () => {
      // published 31 Jan 2022 + 56 = 28 Mar, as above
      expect(statutoryDueDate(coroner(null, '2022-01-31'))).toBe('2022-03-28');
    });
  });

  it('is null when there is no statutory deadline', () => {
    expect(statutoryDueDate(noClock)).toBeNull();
  });

  it('is null when the date the clock starts from is not recorded', () => {
    expect(statutoryDueDate(iopc(null, { reportPublishedOn: '2021-11-23' }))).toBeNull();
    expect(statutoryDueDate(hmicfrs(null, { recommendationMadeOn: '2021-11-23' }))).toBeNull();
    expect(statutoryDueDate(coroner(null, null))).toBeNull();
  });

  it('throws, naming the field, when a start date is not a real date', () => {
    expect(() => statutoryDueDate(iopc('2023-02-29'))).toThrow(/recommendationMadeOn.*2023-02-29/);
    expect(() => statutoryDueDate(coroner('2021-1-1'))).toThrow(/reportDatedOn/);
  });

  it('throws for a legal basis it does not know', () => {
    const input = { ...LINDEN, legalBasis: 'ombudsman' as LegalBasis };
    expect(() => statutoryDueDate(input)).toThrow(/Unknown legal basis: "ombudsman"/);
  });
});

describe('responseDueDate', () => {
  const LATER = '2022-06-01';

  it('is the statutory date when there are no extensions or pauses', () => {
    expect(responseDueDate(LINDEN, LATER)).toBe(LINDEN_DUE);
    expect(responseDueDate(hmicfrs('2024-01-04'), LATER)).toBe('2024-02-29');
  });

  it('is null when there is no statutory deadline or no start date', () => {
    expect(responseDueDate(noClock, LATER)).toBeNull();
    expect(responseDueDate(iopc(null), LATER)).toBeNull();
  });

  it('throws for an invalid "today"', () => {
    expect(() => responseDueDate(LINDEN, '2022-02-30')).toThrow(/today/);
  });

  describe('judicial review pauses (IOPC)', () => {
    it('adds the days of a single pause', () => {
      // 1-10 Dec inclusive = 10 days; 17 Jan + 10 = 27 Jan
      const input = iopc('2021-11-23', { pauses: [{ from: '2021-12-01', to: '2021-12-10' }] });
      expect(responseDueDate(input, LATER)).toBe('2022-01-27');
    });

    it('counts overlapping pauses once', () => {
      // 1-10 Dec and 5-14 Dec cover 1-14 Dec = 14 days; 17 Jan + 14 = 31 Jan
      const input = iopc('2021-11-23', {
        pauses: [
          { from: '2021-12-05', to: '2021-12-14' },
          { from: '2021-12-01', to: '2021-12-10' },
        ],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-01-31');
    });

    it('counts the same pause recorded twice once', () => {
      // 1-10 Dec = 10 days; 17 Jan + 10 = 27 Jan
      const pause = { from: '2021-12-01', to: '2021-12-10' };
      expect(responseDueDate(iopc('2021-11-23', { pauses: [pause, pause] }), LATER)).toBe(
        '2022-01-27',
      );
    });

    it('adds back-to-back pauses in full', () => {
      // 1-10 Dec (10) + 11-15 Dec (5) = 15 days; 17 Jan + 14 = 31 Jan; + 1 = 1 Feb
      const input = iopc('2021-11-23', {
        pauses: [
          { from: '2021-12-01', to: '2021-12-10' },
          { from: '2021-12-11', to: '2021-12-15' },
        ],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-02-01');
    });

    it('counts an open pause up to and including today', () => {
      // 10-20 Jan inclusive = 11 days; 17 Jan + 11 = 28 Jan
      const input = iopc('2021-11-23', { pauses: [{ from: '2022-01-10', to: null }] });
      expect(responseDueDate(input, '2022-01-20')).toBe('2022-01-28');
      // a day later: 10-21 Jan = 12 days; 17 Jan + 12 = 29 Jan
      expect(responseDueDate(input, '2022-01-21')).toBe('2022-01-29');
    });

    it('ignores an open pause that has not started yet', () => {
      const input = iopc('2021-11-23', { pauses: [{ from: '2022-01-10', to: null }] });
      expect(responseDueDate(input, '2022-01-05')).toBe(LINDEN_DUE);
    });

    it('ignores pause days before the recommendation was made', () => {
      const input = iopc('2021-11-23', { pauses: [{ from: '2021-11-01', to: '2021-11-10' }] });
      expect(responseDueDate(input, LATER)).toBe(LINDEN_DUE);
    });

    it('counts only the part of a pause from the day the recommendation was made', () => {
      // 20-25 Nov, of which 23, 24 and 25 Nov are in the period = 3 days; 17 Jan + 3 = 20 Jan
      const input = iopc('2021-11-23', { pauses: [{ from: '2021-11-20', to: '2021-11-25' }] });
      expect(responseDueDate(input, LATER)).toBe('2022-01-20');
    });

    it('counts a pause that starts on the due date', () => {
      // 17 Jan only = 1 day; 17 Jan + 1 = 18 Jan
      const input = iopc('2021-11-23', { pauses: [{ from: '2022-01-17', to: '2022-01-17' }] });
      expect(responseDueDate(input, LATER)).toBe('2022-01-18');
    });

    it('ignores a pause that starts after the deadline has passed', () => {
      const input = iopc('2021-11-23', { pauses: [{ from: '2022-01-18', to: '2022-02-01' }] });
      expect(responseDueDate(input, LATER)).toBe(LINDEN_DUE);
    });

    it('counts all of a pause that runs past the original due date', () => {
      // 10-31 Jan = 22 days; 17 Jan + 14 = 31 Jan; + 8 = 8 Feb.
      // Check by counting running days: 23-30 Nov (8) + Dec (31) + 1-9 Jan (9) = 48;
      // the other 8 are 1-8 Feb.
      const input = iopc('2021-11-23', { pauses: [{ from: '2022-01-10', to: '2022-01-31' }] });
      expect(responseDueDate(input, LATER)).toBe('2022-02-08');
    });

    it('counts a later pause that the first pause brought inside the period', () => {
      // 1-10 Dec (10) moves 17 Jan to 27 Jan; 20-21 Jan is then inside the period: + 2 = 29 Jan.
      // Check: running days 23-30 Nov (8) + 11-31 Dec (21) + 1-19 Jan (19) = 48; + 22-29 Jan (8) = 56
      const input = iopc('2021-11-23', {
        pauses: [
          { from: '2022-01-20', to: '2022-01-21' },
          { from: '2021-12-01', to: '2021-12-10' },
        ],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-01-29');
    });

    it('ignores pauses for a basis where judicial review does not stop the clock', () => {
      const input = hmicfrs('2024-01-04', { pauses: [{ from: '2024-01-10', to: '2024-01-20' }] });
      expect(responseDueDate(input, '2024-06-01')).toBe('2024-02-29');
    });

    it('throws for a pause that ends before it starts', () => {
      const input = iopc('2021-11-23', { pauses: [{ from: '2021-12-10', to: '2021-12-01' }] });
      expect(() => responseDueDate(input, LATER)).toThrow(/pauses\[0\] ends/);
    });
  });

  describe('granted extensions', () => {
    const extendedTo28Feb = { newDueOn: '2022-02-28', grantedOn: '2022-01-10' };

    it('replace the due date outright', () => {
      expect(responseDueDate({ ...LINDEN, grantedExtensions: [extendedTo28Feb] }, LATER)).toBe(
        '2022-02-28',
      );
    });

    it('use the most recently granted, even if it gives less time', () => {
      const input = iopc('2021-11-23', {
        grantedExtensions: [
          { newDueOn: '2022-02-28', grantedOn: '2022-01-12' },
          { newDueOn: '2022-03-31', grantedOn: '2022-01-10' },
        ],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-02-28');
    });

    it('use the later new due date when two were granted on the same day', () => {
      const input = iopc('2021-11-23', {
        grantedExtensions: [
          { newDueOn: '2022-03-15', grantedOn: '2022-01-10' },
          { newDueOn: '2022-02-28', grantedOn: '2022-01-10' },
        ],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-03-15');
    });

    it('already include judicial review days up to the day they were granted', () => {
      const input = iopc('2021-11-23', {
        grantedExtensions: [extendedTo28Feb],
        pauses: [{ from: '2021-12-01', to: '2021-12-10' }],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-02-28');
    });

    it('move later by judicial review days after the day they were granted', () => {
      // granted 10 Jan; 1-5 Feb = 5 days; 28 Feb + 5 = 5 Mar (2022 has no 29 Feb)
      const input = iopc('2021-11-23', {
        grantedExtensions: [extendedTo28Feb],
        pauses: [{ from: '2022-02-01', to: '2022-02-05' }],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-03-05');
    });

    it('count only the part of a pause after the day they were granted', () => {
      // pause 5-14 Jan, granted 10 Jan: 11-14 Jan = 4 days; 28 Feb + 4 = 4 Mar
      const input = iopc('2021-11-23', {
        grantedExtensions: [extendedTo28Feb],
        pauses: [{ from: '2022-01-05', to: '2022-01-14' }],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-03-04');
    });

    it('apply to a coroner’s report', () => {
      const input = coroner('2022-01-31', null, {
        grantedExtensions: [{ newDueOn: '2022-04-30', grantedOn: '2022-03-20' }],
      });
      expect(responseDueDate(input, LATER)).toBe('2022-04-30');
    });

    it('give a due date even when the start date was never recorded', () => {
      expect(responseDueDate(iopc(null, { grantedExtensions: [extendedTo28Feb] }), LATER)).toBe(
        '2022-02-28',
      );
    });

    it('are refused as bad data for a basis that cannot be extended', () => {
      const input = hmicfrs('2024-01-04', {
        grantedExtensions: [{ newDueOn: '2024-03-31', grantedOn: '2024-02-01' }],
      });
      expect(() => responseDueDate(input, LATER)).toThrow(/does not allow/);
    });

    it('throw, naming the field, when a date is not real', () => {
      const input = iopc('2021-11-23', {
        grantedExtensions: [{ newDueOn: '2022-02-30', grantedOn: '2022-01-10' }],
      });
      expect(() => responseDueDate(input, LATER)).toThrow(/grantedExtensions\[0\]\.newDueOn/);
    });
  });
});

describe('requireResponseDueDate', () => {
  it('returns the due date when it can be worked out', () => {
    expect(requireResponseDueDate(LINDEN, '2022-01-01')).toBe(LINDEN_DUE);
  });

  it('throws a clear error when the start date is missing', () => {
    expect(() => requireResponseDueDate(iopc(null), '2022-01-01')).toThrow(
      /date the recommendation was made has not been recorded.*recommendationMadeOn/,
    );
  });

  it('throws when the basis has no deadline', () => {
    expect(() => requireResponseDueDate(noClock, '2022-01-01')).toThrow(/no response deadline/);
  });
});

describe('responseClock and describeDue', () => {
  const open = (today: string, input: ClockInput = LINDEN) =>
    responseClock(input, { today, respondedOn: null });

  it('counts the days left before the due date', () => {
    // 5 Jan → 17 Jan = 12 days
    const clock = open('2022-01-05');
    expect(clock).toEqual({
      basis: 'statutory',
      dueOn: LINDEN_DUE,
      daysRemaining: 12,
      overdue: false,
      overdueByDays: 0,
      respondedLate: null,
      respondedDaysLate: null,
      paused: false,
      state: 'due_later',
    });
    expect(describeDue(clock)).toBe('12 days left');
  });

  it('says "1 day left" the day before', () => {
    expect(describeDue(open('2022-01-16'))).toBe('1 day left');
  });

  it('is due today, with 0 days left and not overdue, on the due date', () => {
    const clock = open(LINDEN_DUE);
    expect(clock).toMatchObject({ daysRemaining: 0, overdue: false, state: 'due_today' });
    expect(describeDue(clock)).toBe('Due today');
  });

  it('is overdue by 1 day the day after the due date', () => {
    const clock = open('2022-01-18');
    expect(clock).toMatchObject({
      daysRemaining: -1,
      overdue: true,
      overdueByDays: 1,
      state: 'overdue',
    });
    expect(describeDue(clock)).toBe('Overdue by 1 day');
  });

  it('counts days overdue', () => {
    // 17 Jan → 20 Jan = 3
    expect(describeDue(open('2022-01-20'))).toBe('Overdue by 3 days');
  });

  it('is overdue the day after a leap-day deadline', () => {
    // HMICFRS published 4 Jan 2024 → due 29 Feb (see above); 29 Feb + 1 = 1 Mar
    expect(open('2024-03-01', hmicfrs('2024-01-04'))).toMatchObject({
      dueOn: '2024-02-29',
      overdueByDays: 1,
    });
  });

  it('counts days left across the day the clocks go forward', () => {
    // made 28 Feb 2022 → due 24 Apr (see above). 27 Mar → 31 Mar = 4; + 24 = 28
    expect(open('2022-03-27', iopc('2022-02-28')).daysRemaining).toBe(28);
  });

  it('is due today on a coroner’s deadline', () => {
    // dated 31 Jan 2022 → due 28 Mar (see above)
    expect(describeDue(open('2022-03-28', coroner('2022-01-31')))).toBe('Due today');
  });

  it('records a late response with the number of days late', () => {
    // 17 Jan → 19 Jan = 2 days late
    const clock = responseClock(LINDEN, { today: '2022-03-01', respondedOn: '2022-01-19' });
    expect(clock).toEqual({
      basis: 'statutory',
      dueOn: LINDEN_DUE,
      daysRemaining: null,
      overdue: false,
      overdueByDays: 0,
      respondedLate: true,
      respondedDaysLate: 2,
      paused: false,
      state: 'responded_late',
    });
    expect(describeDue(clock)).toBe('Responded 2 days late');
  });

  it('says "1 day late" for a response the day after the due date', () => {
    const clock = responseClock(LINDEN, { today: '2022-03-01', respondedOn: '2022-01-18' });
    expect(describeDue(clock)).toBe('Responded 1 day late');
  });

  it.each(['2022-01-17', '2021-12-01'])('treats a response on %s as on time', (respondedOn) => {
    const clock = responseClock(LINDEN, { today: '2022-03-01', respondedOn });
    expect(clock).toMatchObject({ respondedLate: false, respondedDaysLate: 0, overdue: false });
    expect(describeDue(clock)).toBe('Responded on time');
  });

  it('stops counting an open pause at the response date', () => {
    // pause from 10 Jan still open; responded 25 Jan: 10-25 Jan = 16 days; 17 Jan + 14 = 31 Jan;
    // + 2 = 2 Feb. Counting to "today" (1 Mar) instead would move the date to 3 Mar.
    const input = iopc('2021-11-23', { pauses: [{ from: '2022-01-10', to: null }] });
    const clock = responseClock(input, { today: '2022-03-01', respondedOn: '2022-01-25' });
    expect(clock).toMatchObject({ dueOn: '2022-02-02', respondedLate: false, paused: false });
  });

  it('shows the clock as paused, with the days left held, while judicial review is open', () => {
    // 10-20 Jan = 11 days; due 28 Jan; 20 Jan → 28 Jan = 8 days left.
    // Next day: 10-21 Jan = 12 days; due 29 Jan; 21 Jan → 29 Jan = still 8.
    const input = iopc('2021-11-23', { pauses: [{ from: '2022-01-10', to: null }] });
    const clock = open('2022-01-20', input);
    expect(clock).toMatchObject({ dueOn: '2022-01-28', daysRemaining: 8, paused: true });
    expect(describeDue(clock)).toBe('Paused for judicial review, 8 days left');
    expect(open('2022-01-21', input)).toMatchObject({ daysRemaining: 8, paused: true });
  });

  it('is not paused once a pause has ended', () => {
    // 1-10 Dec = 10 days; due 27 Jan; 20 Jan → 27 Jan = 7 days
    const input = iopc('2021-11-23', { pauses: [{ from: '2021-12-01', to: '2021-12-10' }] });
    expect(open('2022-01-20', input)).toMatchObject({ daysRemaining: 7, paused: false });
  });

  it('stays overdue when judicial review starts after the deadline has passed', () => {
    // the pause from 18 Jan does not count; 17 Jan → 20 Jan = 3 days overdue
    const input = iopc('2021-11-23', { pauses: [{ from: '2022-01-18', to: null }] });
    expect(open('2022-01-20', input)).toMatchObject({ overdueByDays: 3, paused: false });
  });

  it('has no deadline for the basis "none", whether or not there is a response', () => {
    const clock = open('2022-01-20', noClock);
    expect(clock).toMatchObject({
      dueOn: null,
      daysRemaining: null,
      overdue: false,
      respondedLate: null,
      state: 'no_deadline',
    });
    expect(describeDue(clock)).toBe('No statutory deadline');
    const answered = responseClock(noClock, { today: '2022-01-20', respondedOn: '2022-01-19' });
    expect(describeDue(answered)).toBe('No statutory deadline');
  });

  it('says the due date is not known when the start date is missing', () => {
    const clock = open('2022-01-20', iopc(null));
    expect(clock).toMatchObject({ dueOn: null, overdue: false, state: 'due_date_unknown' });
    expect(describeDue(clock)).toBe('Due date not known yet');
    const answered = responseClock(iopc(null), { today: '2022-01-20', respondedOn: '2022-01-19' });
    expect(answered).toMatchObject({ respondedLate: null, state: 'responded' });
    expect(describeDue(answered)).toBe('Responded');
  });

  it('throws for an invalid response date', () => {
    expect(() => responseClock(LINDEN, { today: '2022-01-20', respondedOn: '19/01/2022' })).toThrow(
      /respondedOn/,
    );
  });
});

describe('canRequestExtension', () => {
  it.each(['2022-01-16', LINDEN_DUE])('allows an IOPC extension request on %s', (today) => {
    expect(canRequestExtension(LINDEN, today)).toEqual({ allowed: true });
  });

  it('refuses an IOPC extension request the day after the due date, saying why', () => {
    const result = canRequestExtension(LINDEN, '2022-01-18');
    expect(result.allowed).toBe(false);
    expect(result.reason).toBe(
      'The law only allows more time to be asked for before the response is due, and it was due ' +
        'on 17 January 2022.',
    );
  });

  it('measures against a due date moved by judicial review', () => {
    // 1-10 Dec moves the due date to 27 Jan, so 20 Jan is still in time
    const input = iopc('2021-11-23', { pauses: [{ from: '2021-12-01', to: '2021-12-10' }] });
    expect(canRequestExtension(input, '2022-01-20').allowed).toBe(true);
  });

  it('measures against the latest extension', () => {
    const input = iopc('2021-11-23', {
      grantedExtensions: [{ newDueOn: '2022-02-28', grantedOn: '2022-01-10' }],
    });
    expect(canRequestExtension(input, '2022-02-28').allowed).toBe(true);
    expect(canRequestExtension(input, '2022-03-01').reason).toMatch(/28 February 2022/);
  });

  it('allows a coroner’s report extension up to the due date only', () => {
    // dated 31 Jan 2022 → due 28 Mar (see above)
    expect(canRequestExtension(coroner('2022-01-31'), '2022-03-28').allowed).toBe(true);
    expect(canRequestExtension(coroner('2022-01-31'), '2022-03-29')).toEqual({
      allowed: false,
      reason:
        'More time can only be asked for up to the due date, and the response was due on ' +
        '28 March 2022.',
    });
  });

  it('refuses for an HMICFRS report, whose deadline cannot be extended', () => {
    expect(canRequestExtension(hmicfrs('2024-01-04'), '2024-01-10')).toEqual({
      allowed: false,
      reason:
        'The law sets a fixed deadline for responding to this HMICFRS report and gives no way to ' +
        'extend it.',
    });
  });

  it('refuses when there is no statutory deadline', () => {
    expect(canRequestExtension(noClock, '2022-01-10')).toEqual({
      allowed: false,
      reason:
        'There is no statutory deadline for this recommendation, so there is nothing to extend.',
    });
  });

  it('refuses when the start date is missing, naming the missing date', () => {
    expect(canRequestExtension(iopc(null), '2022-01-10').reason).toBe(
      'The response deadline for this IOPC recommendation cannot be worked out because the date ' +
        'the recommendation was made has not been recorded.',
    );
  });
});

describe('who carries the clock: legal basis and addressee kind', () => {
  const KINDS = ORGANISATION_KINDS;
  const base = (legalBasis: LegalBasis, addresseeKind: OrganisationKind): ClockInput => ({
    legalBasis,
    addresseeKind,
    recommendationMadeOn: '2021-11-23',
    reportPublishedOn: '2024-01-04',
    reportDatedOn: '2022-01-31',
  });

  // 23 Nov + 55 = 17 Jan; 4 Jan 2024 + 56 = 29 Feb 2024; 31 Jan + 56 = 28 Mar.
  const EXPECTED: Record<LegalBasis, (kind: OrganisationKind) => string | null> = {
    iopc_para_28a: () => '2022-01-17',
    hmicfrs_s55: (kind) => (kind === 'pcc_office' ? '2024-02-29' : null),
    coroner_pfd: () => '2022-03-28',
    none: () => null,
  };

  for (const basis of LEGAL_BASES)
    it.each(KINDS)(`${basis}: an addressee of kind %s gets the date the rule gives it`, (kind) => {
      const input = base(basis, kind);
      expect(statutoryDueDate(input)).toBe(EXPECTED[basis](kind));
      expect(responseDueDate(input, '2021-12-01')).toBe(EXPECTED[basis](kind));
      expect(dutyFallsOn(basis, kind)).toBe(EXPECTED[basis](kind) !== null);
    });

  it('HMICFRS s.55: national bodies and departments have no clock, so are never overdue', () => {
    for (const kind of ['national_body', 'government_department', 'police_force'] as const) {
      const clock = responseClock(base('hmicfrs_s55', kind), {
        today: '2026-11-28',
        respondedOn: null,
      });
      expect(clock).toMatchObject({
        dueOn: null,
        overdue: false,
        overdueByDays: 0,
        state: 'no_deadline',
        basis: 'not_this_addressee',
      });
      expect(describeDue(clock)).toBe('No statutory deadline for this organisation');
      expect(canRequestExtension(base('hmicfrs_s55', kind), '2024-01-10').allowed).toBe(false);
    }
    const pcc = responseClock(base('hmicfrs_s55', 'pcc_office'), {
      today: '2026-11-28',
      respondedOn: null,
    });
    // 29 Feb 2024 → 28 Feb 2025 = 365 days, → 28 Feb 2026 = 730, → 28 Nov 2026 = 730 + 273 = 1,003.
    expect(pcc).toMatchObject({ dueOn: '2024-02-29', overdue: true, basis: 'statutory' });
    expect(pcc.overdueByDays).toBe(1003);
  });

  it('an override applies the clock to an addressee the rule leaves out, or takes it away', () => {
    const homeOffice = base('hmicfrs_s55', 'government_department');
    expect(responseDueDate({ ...homeOffice, override: { mode: 'statutory' } }, '2024-01-10')).toBe(
      '2024-02-29',
    );
    expect(clockBasis({ ...homeOffice, override: { mode: 'statutory' } })).toBe('statutory');
    const pcc = base('hmicfrs_s55', 'pcc_office');
    const off = { ...pcc, override: { mode: 'none' as const } };
    expect(responseDueDate(off, '2024-01-10')).toBeNull();
    expect(responseClock(off, { today: '2026-01-01', respondedOn: null })).toMatchObject({
      overdue: false,
      state: 'no_deadline',
      basis: 'overridden_off',
    });
  });

  it('a recorded date gives a clock to anyone, even where the law sets none', () => {
    for (const basis of LEGAL_BASES) {
      const input: ClockInput = {
        ...base(basis, 'national_body'),
        override: { mode: 'date', dueOn: '2024-12-31' },
      };
      expect(clockBasis(input)).toBe('recorded_date');
      expect(statutoryDueDate(input)).toBe('2024-12-31');
      const clock = responseClock(input, { today: '2025-01-02', respondedOn: null });
      expect(clock).toMatchObject({ dueOn: '2024-12-31', overdue: true, overdueByDays: 2 });
    }
  });

  it('every rule names who carries its duty, in words for the public', () => {
    for (const basis of LEGAL_BASES) expect(DEADLINE_RULES[basis].dutyHolders).toMatch(/\S/);
  });
});

describe('independence from the server time zone', () => {
  // Zones as far from London as possible in both directions, plus UTC and London itself.
  const ZONES = ['UTC', 'Europe/London', 'America/Los_Angeles', 'Pacific/Kiritimati'];

  // Jest gives each test file its own copy of process.env, so setting TZ inside a test would not
  // reach Date or Intl. A child process started with TZ set is a real check.
  const SCRIPT = `
    const d = require(${JSON.stringify(join(__dirname, 'deadlines.ts'))});
    const iopc = (made, extra) => ({ legalBasis: 'iopc_para_28a', addresseeKind: 'police_force', recommendationMadeOn: made,
      reportPublishedOn: null, reportDatedOn: null, ...extra });
    const linden = iopc('2021-11-23');
    process.stdout.write(JSON.stringify({
      statutory: [
        d.statutoryDueDate(linden),
        d.statutoryDueDate(iopc('2022-02-28')),
        d.statutoryDueDate(iopc('2022-09-15')),
        d.statutoryDueDate({ legalBasis: 'hmicfrs_s55', addresseeKind: 'pcc_office', recommendationMadeOn: null,
          reportPublishedOn: '2024-01-04', reportDatedOn: null }),
        d.statutoryDueDate({ legalBasis: 'coroner_pfd', addresseeKind: 'other', recommendationMadeOn: null,
          reportPublishedOn: null, reportDatedOn: '2022-01-31' }),
      ],
      paused: d.responseDueDate(iopc('2021-11-23', { pauses: [{ from: '2022-01-10', to: null }] }),
        '2022-01-20'),
      clock: d.describeDue(d.responseClock(linden, { today: '2022-01-18', respondedOn: null })),
      extension: d.canRequestExtension(linden, '2022-01-17').allowed,
    }));
  `;

  function runInZone(zone: string): unknown {
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', SCRIPT], {
      cwd: resolve(__dirname, '../../..'),
      env: { ...process.env, TZ: zone },
      encoding: 'utf8',
    });
    return JSON.parse(out);
  }

  it.each(ZONES)(
    'gives the same results with TZ=%s',
    (zone) => {
      expect(runInZone(zone)).toEqual({
        // the worked examples above
        statutory: ['2022-01-17', '2022-04-24', '2022-11-09', '2024-02-29', '2022-03-28'],
        paused: '2022-01-28',
        clock: 'Overdue by 1 day',
        extension: true,
      });
    },
    30_000,
  );
});
