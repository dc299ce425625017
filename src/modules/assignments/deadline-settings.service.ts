/**
 * An assignment's deadlines: why it has (or has not) a statutory response clock, and the
 * administrator's override of it with every earlier override and its reason.
 *
 * Every write is an assignment write (`writeAssignment`: who may act settled before the input is
 * looked at, the row locked, one audit event); a change that can move the due date stores the date
 * the deadlines module now gives (ADR 0003, `movingDueDate`).
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { CalendarDate } from '../../shared/calendar-date';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { AssignmentRow } from '../../db/tables';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { authorise, can } from '../accounts/policy';
import { applyTransition, statusActor } from './status-history';
import { writeAssignment } from './assignment-write';
import { authorisedAssignment } from './assignments.access';
import { responseClock, type ClockOverride, type ResponseClock } from './deadlines';
import { DEADLINE_RULES, type DeadlineRule } from './deadlines.rules';
import { clockInputsFor, recomputeResponseDue } from './deadlines.repository';
import {
  checkCommittedDate,
  checkEndPause,
  checkImplementBy,
  checkOutcome,
  checkOverride,
  checkPause,
  type ClockOverrideInput,
  type CommittedDateInput,
  type ImplementByInput,
  type OverrideChoice,
} from './deadline-settings.schemas';
import { targetState, type TargetState } from './deadlines.targets';

const MESSAGES_CHECK = {
  evidence:
    'Select a progress update posted since the check was set that shows the change has lasted (ask the organisation to post one with its evidence)',
};

const reasonOf = (r: string | undefined) => (r && r.trim() ? r.trim() : null);
const MOVE_NEEDS_REASON = 'Give the reason the date is changing';
const NO_CLOCK_TO_APPLY =
  'The report’s legal basis sets no response clock to apply. Record a due date instead.';
const NO_PAUSE_FOR_THIS_BASIS =
  'Judicial review proceedings do not stop the response clock for this kind of report, so no pause can be recorded.';
const ENDED_BEFORE_BEGAN = 'The day the proceedings ended must be on or after the day they began';

/** Checks the override form: the schema, and a date exactly when one is being recorded. */
function validatedOverride(input: unknown): ClockOverrideInput {
  const errors = checkOverride.errors(input);
  const fields = (input ?? {}) as Record<string, unknown>;
  const dueOn = typeof fields.dueOn === 'string' ? fields.dueOn : '';
  if (!errors.some((e) => e.field === 'dueOn')) {
    if (fields.mode === 'date' && !dueOn)
      errors.push({ field: 'dueOn', message: 'Enter the due date to record' });
    if (fields.mode !== 'date' && dueOn)
      errors.push({
        field: 'dueOn',
        message: 'Leave the date empty unless you are recording a due date',
      });
  }
  if (errors.length) throw new ValidationError(errors);
  return input as ClockOverrideInput;
}

/** Checks the pause form: the schema, an end on or after the start, and a start not in the future. */
function checkedPause(input: unknown, today: CalendarDate) {
  const valid = checkPause(input);
  const toOn = valid.toOn || null;
  if (toOn && toOn < valid.fromOn)
    throw new ValidationError([{ field: 'toOn', message: ENDED_BEFORE_BEGAN }]);
  if (valid.fromOn > today)
    throw new ValidationError([
      { field: 'fromOn', message: 'The day the proceedings began cannot be in the future' },
    ]);
  return { fromOn: valid.fromOn, toOn, reason: valid.reason.trim() };
}

/** The still-open pause `pauseId` of the assignment, if `toOn` may end it (404, 409 or 400 if not). */
async function openPause(
  trx: Knex.Transaction,
  a: AssignmentRow,
  pauseId: number,
  toOn: CalendarDate,
  today: CalendarDate,
) {
  const pause = Number.isSafeInteger(pauseId)
    ? await trx('assignment_pauses').where({ id: pauseId, assignment_id: a.id }).first()
    : undefined;
  if (!pause) throw new NotFoundError('There is no such pause on this assignment.');
  if (pause.to_on !== null)
    throw new ConflictError('This pause already has an end date, so it cannot be ended again.');
  if (toOn < pause.from_on)
    throw new ValidationError([{ field: 'toOn', message: ENDED_BEFORE_BEGAN }]);
  if (toOn > today)
    throw new ValidationError([
      { field: 'toOn', message: 'The day the proceedings ended cannot be in the future' },
    ]);
  return pause as { id: number };
}

/** Checks the check outcome form: the schema, and evidence cited when the change has lasted. */
function checkedOutcome(input: unknown) {
  const valid = checkOutcome(input);
  const evidenceId = valid.evidenceUpdateId ? Number(valid.evidenceUpdateId) : null;
  if (valid.outcome === 'sustained' && evidenceId === null)
    throw new ValidationError([{ field: 'evidenceUpdateId', message: MESSAGES_CHECK.evidence }]);
  return { outcome: valid.outcome, evidenceId, note: valid.note.trim() };
}

/** The open sustainment check (409 if none), and the cited update posted since it was set (400). */
async function openCheck(trx: Knex.Transaction, a: AssignmentRow, evidenceId: number | null) {
  const check = await trx('sustainment_checks')
    .where({ assignment_id: a.id })
    .whereNull('outcome')
    .forUpdate()
    .first();
  if (!check) throw new ConflictError('There is no sustainment check waiting for an outcome.');
  if (evidenceId !== null) {
    const update = await trx('progress_updates')
      .where({ id: evidenceId, assignment_id: a.id })
      .where('created_at', '>=', check.set_at)
      .first('id');
    if (!update)
      throw new ValidationError([{ field: 'evidenceUpdateId', message: MESSAGES_CHECK.evidence }]);
  }
  return check as { id: number; due_on: CalendarDate };
}

export interface OverrideRecord {
  mode: OverrideChoice;
  dueOn: CalendarDate | null;
  reason: string;
  setBy: string | null;
  setAt: Date;
}

export interface AssignmentDeadlines {
  id: number;
  ref: string;
  title: string | null;
  organisation: { name: string; kind: string };
  report: { title: string; legalBasis: string };
  rule: DeadlineRule;
  clock: ResponseClock;
  respondedOn: CalendarDate | null;
  override: ClockOverride | null;
  overrides: OverrideRecord[];
  targets: TargetState & { wording: string | null };
  targetHistory: {
    what: 'implement_by' | 'committed';
    on: CalendarDate | null;
    previous: CalendarDate | null;
    wording: string | null;
    reason: string | null;
    setBy: string | null;
    setAt: Date;
  }[];
  pauses: {
    id: number;
    from: CalendarDate;
    to: CalendarDate | null;
    reason: string;
    recordedBy: string | null;
    recordedAt: Date;
    endedBy: string | null;
    endedAt: Date | null;
  }[];
  checks: {
    id: number;
    dueOn: CalendarDate;
    due: boolean;
    outcome: 'sustained' | 'reopened' | null;
    note: string | null;
    decidedOn: CalendarDate | null;
    evidenceUpdateId: number | null;
  }[];
  /** Progress updates posted since the open check was set: the evidence a sustained outcome cites. */
  evidenceChoices: { id: number; postedAt: Date; summary: string }[];
  may: {
    override: boolean;
    commit: boolean;
    implementBy: boolean;
    pause: boolean;
    check: boolean;
  };
}

/**
 * Writes a recommendation's "implement by" date and its history row (the register's admin pages
 * and the import both come here). The caller holds the row lock and writes the audit event.
 */
export async function recordImplementBy(
  trx: Knex.Transaction,
  v: {
    recommendationId: number;
    previous: CalendarDate | null;
    implementBy: CalendarDate | null;
    wording: string | null;
    reason: string | null;
    setBy: { userId: number } | { label: string };
    at: Date;
  },
): Promise<void> {
  await trx('recommendation_target_dates').insert({
    recommendation_id: v.recommendationId,
    implement_by: v.implementBy,
    wording: v.wording,
    previous_implement_by: v.previous,
    reason: v.reason,
    set_by: 'userId' in v.setBy ? v.setBy.userId : null,
    set_by_label: 'label' in v.setBy ? v.setBy.label : null,
    set_at: v.at,
  });
  await trx('recommendations')
    .where({ id: v.recommendationId })
    .update({ implement_by: v.implementBy, implement_by_wording: v.wording, updated_at: v.at });
}

/** Both target dates' changes in one list, newest first. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- history rows as knex returns them
function targetHistoryOf(implementHistory: any[], committedHistory: any[]) {
  return [
    ...implementHistory.map((t) => ({
      what: 'implement_by' as const,
      on: t.implement_by,
      previous: t.previous_implement_by,
      wording: t.wording,
      reason: t.reason,
      setBy: t.set_by_name ?? t.set_by_label,
      setAt: new Date(t.set_at),
    })),
    ...committedHistory.map((t) => ({
      what: 'committed' as const,
      on: t.committed_on,
      previous: t.previous_committed_on,
      wording: null,
      reason: t.reason,
      setBy: t.set_by_name ?? t.set_by_label,
      setAt: new Date(t.set_at),
    })),
  ].sort((x, y) => y.setAt.getTime() - x.setAt.getTime());
}

/** A judicial review pause as the page shows it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row as knex returns it
const toPause = (p: any) => ({
  id: p.id,
  from: p.from_on,
  to: p.to_on,
  reason: p.reason,
  recordedBy: p.recorded_by_name,
  recordedAt: new Date(p.recorded_at),
  endedBy: p.ended_by_name,
  endedAt: p.ended_at ? new Date(p.ended_at) : null,
});

/** Which of the deadline forms the actor may use on this assignment. */
function mayOf(actor: CurrentUser, a: AssignmentRow, checkOpen: boolean, rule: DeadlineRule) {
  return {
    check: can(actor, 'oversight.decide') && checkOpen,
    pause: can(actor, 'oversight.decide') && rule.judicialReviewPausesClock,
    override: can(actor, 'register.manage'),
    commit:
      can(actor, 'assignment.act', { organisationId: a.organisation_id }) ||
      can(actor, 'oversight.decide'),
    implementBy: can(actor, 'register.manage'),
  };
}

export type AssignmentDeadlinesService = ReturnType<typeof createAssignmentDeadlinesService>;

export function createAssignmentDeadlinesService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  async function clockOf(db: Knex | Knex.Transaction, id: number, respondedOn: string | null) {
    const input = (await clockInputsFor(db, [id])).get(id)!;
    return { input, clock: responseClock(input, { today: clock.today(), respondedOn }) };
  }

  /**
   * Makes a change that can move the response due date, then stores the date the deadlines module
   * now gives (ADR 0003): the clock before and after, for the audit event, and the change's result.
   */
  async function movingDueDate<T>(
    trx: Knex.Transaction,
    a: AssignmentRow,
    change: (now: Date, before: Awaited<ReturnType<typeof clockOf>>) => Promise<T>,
  ) {
    const before = await clockOf(trx, a.id, a.responded_on);
    const now = clock.now();
    const result = await change(now, before);
    await recomputeResponseDue(trx, [a.id], clock.today(), now);
    const after = await clockOf(trx, a.id, a.responded_on);
    return { before, after, result };
  }

  /** The assignment's target dates with their history, its pauses and its sustainment checks. */
  async function datesOf(a: AssignmentRow) {
    const [rec, implementHistory, committedHistory, pauseRows, checkRows] = await Promise.all([
      knex('recommendations')
        .where({ id: a.recommendation_id })
        .first('implement_by', 'implement_by_wording'),
      knex('recommendation_target_dates as t')
        .leftJoin('users as u', 'u.id', 't.set_by')
        .where('t.recommendation_id', a.recommendation_id)
        .select('t.*', 'u.name as set_by_name'),
      knex('assignment_committed_dates as t')
        .leftJoin('users as u', 'u.id', 't.set_by')
        .where('t.assignment_id', a.id)
        .select('t.*', 'u.name as set_by_name'),
      knex('assignment_pauses as p')
        .leftJoin('users as r', 'r.id', 'p.recorded_by')
        .leftJoin('users as e', 'e.id', 'p.ended_by')
        .where('p.assignment_id', a.id)
        .orderBy([{ column: 'p.from_on' }, { column: 'p.id' }])
        .select('p.*', 'r.name as recorded_by_name', 'e.name as ended_by_name'),
      knex('sustainment_checks')
        .where({ assignment_id: a.id })
        .orderBy([
          { column: 'set_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .select('*'),
    ]);
    return { rec, implementHistory, committedHistory, pauseRows, checkRows };
  }

  return {
    /** Everything the deadlines page shows, for anyone who may read the assignment (404 otherwise). */
    async get(actor: CurrentUser, id: number): Promise<AssignmentDeadlines> {
      const a = await authorisedAssignment(knex, actor, id, 'assignment.read_private');
      const [context, history, state] = await Promise.all([
        knex('assignments as a')
          .join('recommendations as r', 'r.id', 'a.recommendation_id')
          .join('reports as p', 'p.id', 'r.report_id')
          .join('organisations as o', 'o.id', 'a.organisation_id')
          .where('a.id', a.id)
          .first(
            'r.ref',
            'r.title',
            'p.title as report_title',
            'p.legal_basis',
            'o.name as organisation_name',
            'o.kind as organisation_kind',
          ),
        knex('assignment_clock_overrides as c')
          .leftJoin('users as u', 'u.id', 'c.set_by')
          .where('c.assignment_id', a.id)
          .orderBy([
            { column: 'c.set_at', order: 'desc' },
            { column: 'c.id', order: 'desc' },
          ])
          .select('c.mode', 'c.due_on', 'c.reason', 'c.set_at', 'u.name as set_by_name'),
        clockOf(knex, a.id, a.responded_on),
      ]);
      const { rec, implementHistory, committedHistory, pauseRows, checkRows } = await datesOf(a);
      const open = checkRows.find((c) => c.outcome === null);
      const evidenceChoices: { id: number; created_at: Date | string; narrative: string }[] = open
        ? await knex('progress_updates')
            .where({ assignment_id: a.id })
            .where('created_at', '>=', open.set_at)
            .orderBy('created_at', 'desc')
            .limit(50)
            .select('id', 'created_at', 'narrative')
        : [];
      const targetHistory = targetHistoryOf(implementHistory, committedHistory);
      return {
        id: a.id,
        ref: context.ref,
        title: context.title,
        organisation: { name: context.organisation_name, kind: context.organisation_kind },
        report: { title: context.report_title, legalBasis: context.legal_basis },
        rule: DEADLINE_RULES[state.input.legalBasis],
        clock: state.clock,
        respondedOn: a.responded_on,
        override: state.input.override ?? null,
        overrides: history.map((h) => ({
          mode: h.mode,
          dueOn: h.due_on,
          reason: h.reason,
          setBy: h.set_by_name,
          setAt: new Date(h.set_at),
        })),
        targets: {
          ...targetState(
            { implementBy: rec.implement_by, committedOn: a.committed_on, status: a.status },
            clock.today(),
          ),
          wording: rec.implement_by_wording,
        },
        targetHistory,
        pauses: pauseRows.map(toPause),
        checks: checkRows.map((c) => ({
          id: c.id,
          dueOn: c.due_on,
          due: c.outcome === null && c.due_on <= clock.today(),
          outcome: c.outcome,
          note: c.outcome_note,
          decidedOn: c.decided_on,
          evidenceUpdateId: c.evidence_update_id,
        })),
        evidenceChoices: evidenceChoices.map((u) => ({
          id: u.id,
          postedAt: new Date(u.created_at),
          summary: u.narrative.length > 120 ? `${u.narrative.slice(0, 119)}…` : u.narrative,
        })),
        may: mayOf(actor, a, open !== undefined, DEADLINE_RULES[state.input.legalBasis]),
      };
    },

    /**
     * An administrator decides how the response clock applies to this assignment: by the rule
     * ('rules'), the law's clock anyway ('statutory'), no clock ('none'), or a recorded due date
     * ('date'). The reason is required and kept; the due date is worked out again.
     */
    async setClockOverride(
      actor: CurrentUser,
      id: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<{ dueOn: CalendarDate | null }> {
      return writeAssignment(knex, {
        actor,
        assignmentId: id,
        permission: 'register.manage',
        context,
        input: () => validatedOverride(input),
        change: async (trx, a, valid) => {
          const dueOn = valid.dueOn ? valid.dueOn : null;
          const reason = valid.reason.trim();
          const { before, after } = await movingDueDate(trx, a, async (now, before) => {
            if (valid.mode === 'statutory' && !DEADLINE_RULES[before.input.legalBasis].clock)
              throw new ValidationError([{ field: 'mode', message: NO_CLOCK_TO_APPLY }]);
            await trx('assignment_clock_overrides').insert({
              assignment_id: a.id,
              mode: valid.mode,
              due_on: dueOn,
              reason,
              set_by: actor.id,
              set_at: now,
            });
            await trx('assignments')
              .where({ id: a.id })
              .update({
                clock_override: valid.mode === 'rules' ? null : valid.mode,
                clock_override_due_on: dueOn,
                updated_at: now,
              });
          });
          const overrideOf = (c: typeof before) => ({
            override: c.input.override ?? null,
            basis: c.clock.basis,
            dueOn: c.clock.dueOn,
          });
          return {
            action: 'assignment.clock_override_set',
            before: overrideOf(before),
            after: { ...overrideOf(after), reason },
            result: { dueOn: after.clock.dueOn },
          };
        },
      });
    },

    /**
     * The addressee's committed date (its lead, or an overseer recording it): empty removes it. A
     * date that moves keeps the old one and needs a reason.
     */
    async setCommittedDate(
      actor: CurrentUser,
      id: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<{ changed: boolean }> {
      const first = await authorisedAssignment(knex, actor, id, 'assignment.read_private');
      const permission = can(actor, 'assignment.act', { organisationId: first.organisation_id })
        ? 'assignment.act'
        : 'oversight.decide';
      return writeAssignment<CommittedDateInput, { changed: boolean }>(knex, {
        actor,
        assignmentId: id,
        permission,
        context,
        input: () => checkCommittedDate(input),
        change: async (trx, a, valid) => {
          const next = valid.committedOn || null;
          const reason = reasonOf(valid.reason);
          if (a.committed_on === next) return { unchanged: true, result: { changed: false } };
          if (a.committed_on !== null && !reason)
            throw new ValidationError([{ field: 'reason', message: MOVE_NEEDS_REASON }]);
          const now = clock.now();
          await trx('assignment_committed_dates').insert({
            assignment_id: a.id,
            committed_on: next,
            previous_committed_on: a.committed_on,
            reason,
            set_by: actor.id,
            set_at: now,
          });
          await trx('assignments')
            .where({ id: a.id })
            .update({ committed_on: next, updated_at: now });
          return {
            action: 'assignment.committed_date_set',
            before: { committedOn: a.committed_on },
            after: { committedOn: next, reason },
            result: { changed: true },
          };
        },
      });
    },

    /**
     * An administrator records the recommendation's own "implement by" date with the source's
     * wording (for every addressee of the recommendation). A date that moves needs a reason.
     */
    async setImplementBy(
      actor: CurrentUser,
      id: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<{ changed: boolean }> {
      return writeAssignment<ImplementByInput, { changed: boolean }>(knex, {
        actor,
        assignmentId: id,
        permission: 'register.manage',
        context,
        input: () => checkImplementBy(input),
        change: async (trx, a, valid) => {
          const next = valid.implementBy || null;
          const wording = valid.wording?.trim() ? valid.wording.trim() : null;
          const reason = reasonOf(valid.reason);
          const rec = await trx('recommendations')
            .where({ id: a.recommendation_id })
            .forUpdate()
            .first('id', 'implement_by', 'implement_by_wording');
          if (rec.implement_by === next && rec.implement_by_wording === wording)
            return { unchanged: true, result: { changed: false } };
          if (rec.implement_by !== null && rec.implement_by !== next && !reason)
            throw new ValidationError([{ field: 'reason', message: MOVE_NEEDS_REASON }]);
          await recordImplementBy(trx, {
            recommendationId: rec.id,
            previous: rec.implement_by,
            implementBy: next,
            wording,
            reason,
            setBy: { userId: actor.id },
            at: clock.now(),
          });
          return {
            action: 'recommendation.implement_by_set',
            subject: { type: 'recommendation', id: rec.id },
            before: { implementBy: rec.implement_by, wording: rec.implement_by_wording },
            after: { implementBy: next, wording, reason },
            result: { changed: true },
          };
        },
      });
    },

    /**
     * An overseer records judicial review proceedings that stop the clock: from a day, to a day or
     * still in progress, with a reason. Only where the legal basis lets proceedings stop the clock.
     */
    async recordPause(
      actor: CurrentUser,
      id: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<{ pauseId: number; dueOn: CalendarDate | null }> {
      return writeAssignment(knex, {
        actor,
        assignmentId: id,
        permission: 'oversight.decide',
        context,
        input: () => checkedPause(input, clock.today()),
        change: async (trx, a, { fromOn, toOn, reason }) => {
          const { before, after, result } = await movingDueDate(trx, a, async (now, before) => {
            if (!DEADLINE_RULES[before.input.legalBasis].judicialReviewPausesClock)
              throw new ConflictError(NO_PAUSE_FOR_THIS_BASIS);
            const [row] = await trx('assignment_pauses')
              .insert({
                assignment_id: a.id,
                from_on: fromOn,
                to_on: toOn,
                reason,
                recorded_by: actor.id,
                recorded_at: now,
              })
              .returning('id');
            return Number(typeof row === 'object' ? row.id : row);
          });
          return {
            action: 'assignment.pause_recorded',
            before: { dueOn: before.clock.dueOn },
            after: { pauseId: result, from: fromOn, to: toOn, reason, dueOn: after.clock.dueOn },
            result: { pauseId: result, dueOn: after.clock.dueOn },
          };
        },
      });
    },

    /** An overseer gives the day proceedings ended to a pause recorded as still open. */
    async endPause(
      actor: CurrentUser,
      id: number,
      pauseId: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<{ dueOn: CalendarDate | null }> {
      return writeAssignment(knex, {
        actor,
        assignmentId: id,
        permission: 'oversight.decide',
        context,
        input: () => checkEndPause(input),
        change: async (trx, a, valid) => {
          const pause = await openPause(trx, a, pauseId, valid.toOn, clock.today());
          const { before, after } = await movingDueDate(trx, a, async (now) => {
            await trx('assignment_pauses')
              .where({ id: pause.id })
              .update({ to_on: valid.toOn, ended_by: actor.id, ended_at: now });
          });
          return {
            action: 'assignment.pause_ended',
            before: { pauseId: pause.id, to: null, dueOn: before.clock.dueOn },
            after: { pauseId: pause.id, to: valid.toOn, dueOn: after.clock.dueOn },
            result: { dueOn: after.clock.dueOn },
          };
        },
      });
    },

    /**
     * The outcome of the open sustainment check: sustained, citing a progress update posted since
     * the check was set as the evidence, or reopened (the assignment goes back to in progress).
     */
    async recordCheckOutcome(
      actor: CurrentUser,
      id: number,
      input: unknown,
      context?: RequestContext,
    ): Promise<{ outcome: 'sustained' | 'reopened' }> {
      return writeAssignment(knex, {
        actor,
        assignmentId: id,
        permission: 'oversight.decide',
        context,
        input: () => checkedOutcome(input),
        change: async (trx, a, { outcome, evidenceId, note }) => {
          const check = await openCheck(trx, a, evidenceId);
          const now = clock.now();
          if (outcome === 'reopened')
            await applyTransition(
              trx,
              a,
              { kind: 'reopen' },
              { actor: statusActor(actor), at: now, note },
            );
          else if (a.status !== 'implemented')
            throw new ConflictError('Only an implemented assignment can be found to have lasted.');
          await trx('sustainment_checks').where({ id: check.id }).update({
            outcome,
            outcome_note: note,
            evidence_update_id: evidenceId,
            decided_by: actor.id,
            decided_at: now,
            decided_on: clock.today(),
          });
          return {
            action:
              outcome === 'sustained' ? 'assignment.sustained' : 'assignment.reopened_after_check',
            before: { status: a.status, checkId: check.id, dueOn: check.due_on },
            after: {
              status: outcome === 'reopened' ? 'in_progress' : a.status,
              outcome,
              note,
              evidenceUpdateId: evidenceId,
            },
            result: { outcome },
          };
        },
      });
    },

    /** Open sustainment checks, soonest first, for the oversight office's workspace list. */
    async openChecks(actor: CurrentUser) {
      authorise(actor, 'oversight.view');
      const rows: {
        assignment_id: number;
        due_on: CalendarDate;
        ref: string;
        title: string | null;
        organisation_name: string;
      }[] = await knex('sustainment_checks as c')
        .join('assignments as a', 'a.id', 'c.assignment_id')
        .join('recommendations as r', 'r.id', 'a.recommendation_id')
        .join('organisations as o', 'o.id', 'a.organisation_id')
        .whereNull('c.outcome')
        .whereNull('a.withdrawn_at')
        .orderBy([{ column: 'c.due_on' }, { column: 'r.ref' }])
        .limit(500)
        .select('c.assignment_id', 'c.due_on', 'r.ref', 'r.title', 'o.name as organisation_name');
      const today = clock.today();
      return rows.map((r) => ({ ...r, due: r.due_on <= today }));
    },
  };
}
