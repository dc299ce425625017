/**
 * The stored facts the deadlines module needs for an assignment, read in one place: the report's
 * legal basis and dates, the recommendation's date, the addressee's kind, the administrator's
 * override, granted extensions and judicial review pauses. And the one writer of
 * `assignments.response_due_on` after any of them changes (ADR 0003).
 */
import type { Knex } from 'knex';
import { addDays, type CalendarDate } from '../../shared/calendar-date';
import type { OrganisationKind } from '../../db/tables';
import {
  responseDueDate,
  type ClockInput,
  type ClockOverride,
  type GrantedExtension,
  type JudicialReviewPause,
} from './deadlines';
import type { LegalBasis } from './deadlines.rules';

type Db = Knex | Knex.Transaction;

/** The override as the module takes it, from the assignment's two columns. */
export function overrideFrom(row: {
  clock_override: string | null;
  clock_override_due_on: CalendarDate | null;
}): ClockOverride | null {
  if (row.clock_override === 'statutory' || row.clock_override === 'none')
    return { mode: row.clock_override };
  if (row.clock_override === 'date' && row.clock_override_due_on)
    return { mode: 'date', dueOn: row.clock_override_due_on };
  return null;
}

interface BaseRow {
  id: number;
  legal_basis: LegalBasis;
  made_on: CalendarDate | null;
  published_on: CalendarDate | null;
  dated_on: CalendarDate | null;
  kind: OrganisationKind;
  clock_override: string | null;
  clock_override_due_on: CalendarDate | null;
}

/** Every clock input of these assignments: three queries for any number of them. */
export async function clockInputsFor(
  db: Db,
  assignmentIds: number[],
): Promise<Map<number, ClockInput>> {
  const inputs = new Map<number, ClockInput>();
  if (assignmentIds.length === 0) return inputs;
  const [base, extensions, pauses] = await Promise.all([
    db('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('reports as p', 'p.id', 'r.report_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .whereIn('a.id', assignmentIds)
      .select<BaseRow[]>(
        'a.id',
        'p.legal_basis',
        'r.made_on',
        'p.published_on',
        'p.dated_on',
        'o.kind',
        'a.clock_override',
        'a.clock_override_due_on',
      ),
    db('extension_requests')
      .whereIn('assignment_id', assignmentIds)
      .where({ state: 'granted' })
      .select<
        { assignment_id: number; requested_due_on: CalendarDate; decided_on: CalendarDate }[]
      >('assignment_id', 'requested_due_on', 'decided_on'),
    pausesFor(db, assignmentIds),
  ]);
  const granted = new Map<number, GrantedExtension[]>();
  for (const e of extensions) {
    const list = granted.get(e.assignment_id) ?? [];
    list.push({ newDueOn: e.requested_due_on, grantedOn: e.decided_on });
    granted.set(e.assignment_id, list);
  }
  for (const row of base)
    inputs.set(row.id, {
      legalBasis: row.legal_basis,
      addresseeKind: row.kind,
      override: overrideFrom(row),
      recommendationMadeOn: row.made_on,
      reportPublishedOn: row.published_on,
      reportDatedOn: row.dated_on,
      grantedExtensions: granted.get(row.id) ?? [],
      pauses: pauses.get(row.id) ?? [],
    });
  return inputs;
}

/** Judicial review pauses of these assignments, in date order: one query for any number. */
export async function pausesFor(
  db: Db,
  assignmentIds: number[],
): Promise<Map<number, JudicialReviewPause[]>> {
  const byAssignment = new Map<number, JudicialReviewPause[]>();
  if (assignmentIds.length === 0) return byAssignment;
  const rows: { assignment_id: number; from_on: CalendarDate; to_on: CalendarDate | null }[] =
    await db('assignment_pauses')
      .whereIn('assignment_id', assignmentIds)
      .orderBy([{ column: 'from_on' }, { column: 'id' }])
      .select('assignment_id', 'from_on', 'to_on');
  for (const r of rows) {
    const list = byAssignment.get(r.assignment_id) ?? [];
    list.push({ from: r.from_on, to: r.to_on });
    byAssignment.set(r.assignment_id, list);
  }
  return byAssignment;
}

/**
 * The due date to store: the module's answer, or null while an open pause is stopping the clock
 * (the date then moves every day, so no stored date could be right tomorrow; pages work it out
 * for the day they show, and set-based lists treat the assignment as not yet due).
 */
export function storedDueDate(
  input: ClockInput,
  respondedOn: CalendarDate | null,
  today: CalendarDate,
): CalendarDate | null {
  if (respondedOn) return responseDueDate(input, respondedOn);
  const due = responseDueDate(input, today);
  if (due !== null && due !== responseDueDate(input, addDays(today, 1))) return null;
  return due;
}

/**
 * Works the due date out again for these assignments and stores it where it changed. Returns what
 * moved, for the caller's audit event. Call inside the transaction that changed an input.
 */
export async function recomputeResponseDue(
  trx: Db,
  assignmentIds: number[],
  today: CalendarDate,
  now: Date,
): Promise<{ assignmentId: number; from: CalendarDate | null; to: CalendarDate | null }[]> {
  if (assignmentIds.length === 0) return [];
  const [inputs, stored] = await Promise.all([
    clockInputsFor(trx, assignmentIds),
    trx('assignments')
      .whereIn('id', assignmentIds)
      .select<
        { id: number; response_due_on: CalendarDate | null; responded_on: CalendarDate | null }[]
      >('id', 'response_due_on', 'responded_on'),
  ]);
  const moved: { assignmentId: number; from: CalendarDate | null; to: CalendarDate | null }[] = [];
  for (const row of stored) {
    const input = inputs.get(row.id);
    if (!input) continue;
    // After a response the clock no longer runs: pauses count only up to the response.
    const due = storedDueDate(input, row.responded_on, today);
    if (due === row.response_due_on) continue;
    await trx('assignments')
      .where({ id: row.id })
      .update({ response_due_on: due, updated_at: now });
    moved.push({ assignmentId: row.id, from: row.response_due_on, to: due });
  }
  return moved;
}
