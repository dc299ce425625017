/**
 * An assignment's deadlines: why it has (or has not) a statutory response clock, and the
 * administrator's override of it with every earlier override and its reason.
 *
 * Writes follow the workspace's shape: who may act is settled before the input is looked at; then
 * one transaction locks the assignment, makes the change, stores the due date the deadlines module
 * now gives (ADR 0003) and writes one audit event.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import type { CalendarDate } from '../../shared/calendar-date';
import { ValidationError } from '../../shared/errors';
import { ajv, toFieldErrors } from '../../shared/validation';
import type { CurrentUser, RequestContext } from '../accounts/accounts.types';
import { can } from '../accounts/policy';
import { recordAudit, userActor } from '../audit/audit.repository';
import { authorisedAssignment } from '../assignments/assignments.access';
import { responseClock, type ClockOverride, type ResponseClock } from '../deadlines/deadlines';
import { DEADLINE_RULES, type DeadlineRule } from '../deadlines/deadlines.rules';
import { clockInputsFor, recomputeResponseDue } from '../deadlines/deadlines.repository';
import { ClockOverrideInput, type OverrideChoice } from './assignment-deadlines.schemas';

const compiled = { override: ajv.compile<ClockOverrideInput>(ClockOverrideInput) };

const MESSAGES: Record<string, string> = {
  mode: 'Select how the response clock should apply to this organisation',
  dueOn: 'Enter the due date as a real date, like 2024-12-31',
  reason: `Enter the reason (up to 2,000 characters)`,
};

/** Checks the override form: the schema, and a date exactly when one is being recorded. */
function validatedOverride(input: unknown): ClockOverrideInput {
  const ok = compiled.override(input);
  const errors = ok
    ? []
    : toFieldErrors(compiled.override.errors).map((e) => ({
        field: e.field,
        message: MESSAGES[e.field] ?? e.message,
      }));
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
  may: { override: boolean };
}

export type AssignmentDeadlinesService = ReturnType<typeof createAssignmentDeadlinesService>;

export function createAssignmentDeadlinesService(deps: { knex: Knex; clock: Clock }) {
  const { knex, clock } = deps;

  async function clockOf(db: Knex | Knex.Transaction, id: number, respondedOn: string | null) {
    const input = (await clockInputsFor(db, [id])).get(id)!;
    return { input, clock: responseClock(input, { today: clock.today(), respondedOn }) };
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
        may: { override: can(actor, 'register.manage') },
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
      await authorisedAssignment(knex, actor, id, 'register.manage');
      const valid = validatedOverride(input);
      const dueOn = valid.dueOn ? valid.dueOn : null;
      return knex.transaction(async (trx) => {
        const a = await authorisedAssignment(trx, actor, id, 'register.manage', {
          forUpdate: true,
        });
        const before = await clockOf(trx, a.id, a.responded_on);
        if (valid.mode === 'statutory' && !DEADLINE_RULES[before.input.legalBasis].clock)
          throw new ValidationError([
            {
              field: 'mode',
              message:
                'The report’s legal basis sets no response clock to apply. Record a due date instead.',
            },
          ]);
        const now = clock.now();
        await trx('assignment_clock_overrides').insert({
          assignment_id: a.id,
          mode: valid.mode,
          due_on: dueOn,
          reason: valid.reason.trim(),
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
        await recomputeResponseDue(trx, [a.id], clock.today(), now);
        const after = await clockOf(trx, a.id, a.responded_on);
        await recordAudit(trx, {
          actor: userActor(actor),
          action: 'assignment.clock_override_set',
          subjectType: 'assignment',
          subjectId: a.id,
          before: {
            override: before.input.override ?? null,
            basis: before.clock.basis,
            dueOn: before.clock.dueOn,
          },
          after: {
            override: after.input.override ?? null,
            basis: after.clock.basis,
            dueOn: after.clock.dueOn,
            reason: valid.reason.trim(),
          },
          ipAddress: context?.ip ?? null,
          requestId: context?.requestId ?? null,
        });
        return { dueOn: after.clock.dueOn };
      });
    },
  };
}
