/**
 * Formal responses as a record: every response is a version (assignment_responses), from the first
 * one, whoever or whatever recorded it. The database refuses to change or remove a version
 * (trigger assignment_responses_no_rewrite); a correction is a new version.
 *
 * "Current" means the latest version (highest number) dated on or before the day in question:
 * today for the live pages, the day asked for on the record as of a past date. Pages, the board
 * pack, feeds and open data all read versions through here or through `currentVersionSql`.
 */
import type { Knex } from 'knex';
import type { CalendarDate } from '../../shared/calendar-date';
import type { ResponseStance } from '../../db/tables';

type Db = Knex | Knex.Transaction;

export interface ResponseVersionRow {
  assignmentId: number;
  version: number;
  stance: ResponseStance;
  text: string | null;
  respondedOn: CalendarDate;
  respondedOnConfirmed: boolean;
  sourceUrl: string | null;
  /** A user's name, or the seed's or import's label when no user recorded it. */
  recordedBy: string | null;
  recordedAt: Date;
}

export interface NewResponseVersion {
  assignmentId: number;
  stance: ResponseStance;
  text: string | null;
  respondedOn: CalendarDate;
  respondedOnConfirmed: boolean;
  sourceUrl: string | null;
  recordedBy: { userId: number } | { label: string };
  recordedAt: Date;
}

/**
 * Appends a version and returns its number. The caller holds the assignment's row lock and copies
 * the version onto the assignment (see `currentCopy`), in the same transaction.
 */
export async function appendResponseVersion(
  trx: Knex.Transaction,
  v: NewResponseVersion,
): Promise<number> {
  const last = await trx('assignment_responses')
    .where({ assignment_id: v.assignmentId })
    .max<{ n: number | null }>('version as n')
    .first();
  const version = Number(last?.n ?? 0) + 1;
  await trx('assignment_responses').insert({
    assignment_id: v.assignmentId,
    version,
    stance: v.stance,
    text: v.text,
    responded_on: v.respondedOn,
    responded_on_confirmed: v.respondedOnConfirmed,
    source_url: v.sourceUrl,
    recorded_by: 'userId' in v.recordedBy ? v.recordedBy.userId : null,
    recorded_by_label: 'label' in v.recordedBy ? v.recordedBy.label : null,
    recorded_at: v.recordedAt,
  });
  return version;
}

/** The assignment columns that copy the current version (responded_on stays the first one's day). */
export function currentCopy(v: Pick<NewResponseVersion, 'stance' | 'text' | 'sourceUrl'>) {
  return {
    response_stance: v.stance,
    response_text: v.text,
    response_source_url: v.sourceUrl,
  };
}

/**
 * For assignments written with a response directly (the seeds' bulk inserts), version 1 from the
 * assignment's own columns where it has no version yet: one statement for the whole register.
 */
export async function recordResponsesWithoutVersions(db: Db, label: string): Promise<void> {
  await db.raw(
    `insert into assignment_responses
       (assignment_id, version, stance, text, responded_on, responded_on_confirmed, source_url, recorded_by, recorded_by_label, recorded_at)
     select a.id, 1, a.response_stance, nullif(a.response_text, ''), a.responded_on, a.response_date_confirmed,
            a.response_source_url, null, ?, a.updated_at
       from assignments a
      where a.response_stance is not null and a.responded_on is not null
        and not exists (select 1 from assignment_responses v where v.assignment_id = a.id)`,
    [label],
  );
}

interface VersionDbRow {
  assignment_id: number;
  version: number;
  stance: ResponseStance;
  text: string | null;
  responded_on: CalendarDate;
  responded_on_confirmed: boolean;
  source_url: string | null;
  recorded_by_name: string | null;
  recorded_by_label: string | null;
  recorded_at: Date | string;
}

/**
 * The versions of these assignments dated on or before `upTo` (every version when null), oldest
 * first per assignment. One query for a whole page.
 */
export async function responseVersionsFor(
  db: Db,
  assignmentIds: number[],
  upTo: CalendarDate | null = null,
): Promise<Map<number, ResponseVersionRow[]>> {
  const byAssignment = new Map<number, ResponseVersionRow[]>();
  if (assignmentIds.length === 0) return byAssignment;
  const query = db('assignment_responses as v')
    .leftJoin('users as u', 'u.id', 'v.recorded_by')
    .whereIn('v.assignment_id', assignmentIds)
    .orderBy([{ column: 'v.assignment_id' }, { column: 'v.version' }])
    .select<VersionDbRow[]>(
      'v.assignment_id',
      'v.version',
      'v.stance',
      'v.text',
      'v.responded_on',
      'v.responded_on_confirmed',
      'v.source_url',
      'v.recorded_by_label',
      'v.recorded_at',
      'u.name as recorded_by_name',
    );
  if (upTo) query.where('v.responded_on', '<=', upTo);
  for (const r of await query) {
    const list = byAssignment.get(r.assignment_id) ?? [];
    list.push({
      assignmentId: r.assignment_id,
      version: r.version,
      stance: r.stance,
      text: r.text,
      respondedOn: r.responded_on,
      respondedOnConfirmed: r.responded_on_confirmed,
      sourceUrl: r.source_url,
      recordedBy: r.recorded_by_name ?? r.recorded_by_label,
      recordedAt: new Date(r.recorded_at),
    });
    byAssignment.set(r.assignment_id, list);
  }
  return byAssignment;
}

/**
 * SQL for one column of the version of assignment `alias` current at the end of a day (the one
 * binding), for the record as of a past date. `alias` and `column` come from our own code only.
 */
export function currentVersionColumnSql(
  alias: string,
  column: 'stance' | 'text' | 'source_url' | 'responded_on' | 'responded_on_confirmed' | 'version',
): string {
  return `(select v.${column} from assignment_responses v where v.assignment_id = ${alias}.id and v.responded_on <= ? order by v.version desc limit 1)`;
}
