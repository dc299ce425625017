/**
 * The oversight dashboards' reads. Every method is ONE set-based statement, however many
 * recommendations, organisations or months it covers: no query per row, cell or month.
 *
 * "Live" means what the register counts: an assignment not withdrawn, of a recommendation not
 * withdrawn. The filters (report, organisation, theme) narrow the live set the same way everywhere,
 * so a page, its CSV and its API answer agree. `today` and `now` always come from the app clock as
 * bound values, never from the database's current_date or now().
 */
import type { Knex } from 'knex';
import type { CalendarDate } from '../../shared/calendar-date';
import type { AssignmentStatus, ClosureReason, ResponseStance } from '../../db/tables';

// A type, not an interface, so it passes as a query to the path builders.
export type DashboardFilters = {
  report?: string;
  organisation?: string;
  theme?: string;
};

export type Rag = 'red' | 'amber' | 'green';
export type ActionState = 'planned' | 'in_progress' | 'done' | 'dropped';

type Binding = string | number | Date | null;

/** A piece of SQL with its bindings, to be placed inside a larger statement. */
interface Fragment {
  sql: string;
  bindings: Binding[];
}

/**
 * The filtered assignments with what every dashboard shows about them. With `history`, withdrawn
 * ones are kept (with their withdrawal time) so the past can be reconstructed as it was.
 */
function liveAssignments(filters: DashboardFilters, options: { history?: boolean } = {}): Fragment {
  const where: string[] = options.history
    ? ['true']
    : ['a.withdrawn_at is null', 'r.withdrawn_at is null'];
  const bindings: Binding[] = [];
  if (filters.report) {
    where.push('rp.slug = ?');
    bindings.push(filters.report);
  }
  if (filters.organisation) {
    where.push('o.slug = ?');
    bindings.push(filters.organisation);
  }
  if (filters.theme) {
    where.push(
      'exists (select 1 from recommendation_themes rt join themes t on t.id = rt.theme_id where rt.recommendation_id = r.id and t.slug = ?)',
    );
    bindings.push(filters.theme);
  }
  return {
    sql: `select a.id, a.recommendation_id, a.organisation_id, a.status, a.closure_reason,
                 a.response_due_on, a.responded_on, a.response_stance, a.response_date_confirmed,
                 a.committed_on, r.implement_by,
                 least(a.withdrawn_at, r.withdrawn_at) as withdrawn_at,
                 r.ref, r.title, r.position, r.made_on, r.report_id,
                 rp.slug as report_slug, rp.title as report_title,
                 (date '9999-12-31' - coalesce(rp.published_on, date '0001-01-01')) as report_order,
                 o.slug as organisation_slug, o.name as organisation_name
            from assignments a
            join recommendations r on r.id = a.recommendation_id
            join reports rp on rp.id = r.report_id
            join organisations o on o.id = a.organisation_id
           where ${where.join(' and ')}`,
    bindings,
  };
}

/** The current delivery confidence of live assignment `l`: its latest rating, if any. For a few rows. */
const CURRENT_RAG = `(select d.rating from delivery_confidence_ratings d where d.assignment_id = l.id order by d.created_at desc, d.id desc limit 1)`;

/**
 * Every assignment's latest rating in one ordered pass (the index on assignment, created_at desc,
 * id desc), to hash-join against many rows. A correlated lookup per row would be as quick to run,
 * but its cost estimate grows with the rows and makes PostgreSQL spend seconds JIT-compiling.
 */
const LATEST_RATINGS = `latest_ratings as (
           select distinct on (d.assignment_id) d.assignment_id, d.rating
             from delivery_confidence_ratings d
            order by d.assignment_id, d.created_at desc, d.id desc)`;

/** Where a recommendation sits in the matrix: report newest first, then position, then ref. */
export type MatrixKey = [number, number, number, string];

export interface MatrixRow {
  id: number;
  ref: string;
  title: string | null;
  report_id: number;
  report_slug: string;
  report_title: string;
  key: MatrixKey;
}
export interface MatrixColumn {
  id: number;
  slug: string;
  name: string;
}
export interface MatrixCell {
  id: number;
  recommendation_id: number;
  organisation_id: number;
  status: AssignmentStatus;
  closure_reason: ClosureReason | null;
  response_due_on: CalendarDate | null;
  responded_on: CalendarDate | null;
  rag: Rag | null;
}
export interface MatrixData {
  rows: MatrixRow[];
  columns: MatrixColumn[];
  cells: MatrixCell[];
  total_rows: number;
  total_columns: number;
}

export interface OverdueResponseRow {
  id: number;
  ref: string;
  title: string | null;
  report_title: string;
  organisation_name: string;
  response_due_on: CalendarDate;
  extended: boolean;
  total: number;
}
export interface OverdueActionRow {
  action_id: number;
  id: number;
  ref: string;
  title: string | null;
  organisation_name: string;
  description: string;
  owner: string;
  target_on: CalendarDate;
  state: ActionState;
  total: number;
}
export interface PastTargetRow {
  id: number;
  ref: string;
  title: string | null;
  organisation_name: string;
  held_to: CalendarDate;
  committed: boolean;
  total: number;
}
export interface WaitingUpdateRow {
  update_id: number;
  id: number;
  ref: string;
  title: string | null;
  organisation_name: string;
  author_label: string;
  created_at: Date;
  total: number;
}

export interface ProgressCountRow {
  month: string;
  status: AssignmentStatus;
  count: number;
}

export interface SummaryCountRow {
  key: string | null;
  name: string | null;
  awaiting_response: number;
  in_progress: number;
  awaiting_verification: number;
  implemented: number;
  closed: number;
  total: number;
  overdue_responses: number;
  overdue_actions: number;
  red: number;
  amber: number;
  green: number;
  unrated: number;
}

export interface AssignmentExportRow {
  id: number;
  ref: string;
  title: string | null;
  report_title: string;
  organisation_name: string;
  status: AssignmentStatus;
  closure_reason: ClosureReason | null;
  response_due_on: CalendarDate | null;
  responded_on: CalendarDate | null;
  response_stance: ResponseStance | null;
  response_date_confirmed: boolean;
  rag: Rag | null;
  last_update_at: Date | null;
  updates_waiting: number;
}

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export type DashboardsRepository = ReturnType<typeof createDashboardsRepository>;

export function createDashboardsRepository(knex: Knex) {
  async function rows<T>(sql: string, bindings: Binding[]): Promise<T[]> {
    const result = await knex.raw<{ rows: T[] }>(sql, bindings);
    return result.rows;
  }

  return {
    /**
     * A window of the matrix: recommendations (rows, in report order) × organisations (columns, by
     * name) among the live filtered assignments, with every cell in that window and the totals of
     * rows and columns. Rows are chosen by offset (pages) or after a key (the API's cursor); leave
     * a limit out for everything (the CSV).
     */
    async matrix(
      filters: DashboardFilters,
      window: {
        rows?: { limit: number; offset?: number; after?: MatrixKey | null };
        columns?: { limit: number; offset: number };
      },
    ): Promise<MatrixData> {
      const live = liveAssignments(filters);
      const bindings: Binding[] = [...live.bindings];
      let rowWindow = '';
      const after = window.rows?.after;
      if (after) {
        rowWindow += ' where (report_order, report_id, position, ref) > (?, ?, ?, ?)';
        bindings.push(...after);
      }
      rowWindow += ' order by report_order, report_id, position, ref';
      if (window.rows) {
        rowWindow += ' limit ? offset ?';
        bindings.push(window.rows.limit, window.rows.offset ?? 0);
      }
      let columnWindow = ' order by name, id';
      if (window.columns) {
        columnWindow += ' limit ? offset ?';
        bindings.push(window.columns.limit, window.columns.offset);
      }
      const sql = `
        with live as (${live.sql}),
        recs as (
          select distinct recommendation_id as id, ref, title, position, report_id, report_slug,
                 report_title, report_order
            from live),
        page_recs as (select * from recs${rowWindow}),
        orgs as (select distinct organisation_id as id, organisation_slug as slug, organisation_name as name from live),
        page_orgs as (select * from orgs${columnWindow}),
        cells as (
          select l.id, l.recommendation_id, l.organisation_id, l.status, l.closure_reason,
                 l.response_due_on, l.responded_on, ${CURRENT_RAG} as rag
            from live l
           where l.recommendation_id in (select id from page_recs)
             and l.organisation_id in (select id from page_orgs))
        select
          (select coalesce(json_agg(json_build_object(
                    'id', p.id, 'ref', p.ref, 'title', p.title, 'report_id', p.report_id,
                    'report_slug', p.report_slug, 'report_title', p.report_title,
                    'key', json_build_array(p.report_order, p.report_id, p.position, p.ref))
                  order by p.report_order, p.report_id, p.position, p.ref), '[]'::json)
             from page_recs p) as rows,
          (select coalesce(json_agg(json_build_object('id', c.id, 'slug', c.slug, 'name', c.name)
                  order by c.name, c.id), '[]'::json)
             from page_orgs c) as columns,
          (select coalesce(json_agg(cells), '[]'::json) from cells) as cells,
          (select count(*) from recs)::int as total_rows,
          (select count(*) from orgs)::int as total_columns`;
      const [row] = await rows<Record<string, unknown>>(sql, bindings);
      return {
        rows: json<MatrixRow[]>(row!.rows),
        columns: json<MatrixColumn[]>(row!.columns),
        cells: json<MatrixCell[]>(row!.cells),
        total_rows: Number(row!.total_rows),
        total_columns: Number(row!.total_columns),
      };
    },

    /**
     * Responses past due: live, no response recorded, not closed, due before `today`. The due date
     * already includes any granted extension (the deadlines module writes it when one is granted).
     */
    async overdueResponses(
      filters: DashboardFilters,
      today: CalendarDate,
      limit: number,
    ): Promise<OverdueResponseRow[]> {
      const live = liveAssignments(filters);
      return rows<OverdueResponseRow>(
        `with live as (${live.sql})
         select l.id, l.ref, l.title, l.report_title, l.organisation_name, l.response_due_on,
                exists (select 1 from extension_requests e where e.assignment_id = l.id and e.state = 'granted') as extended,
                count(*) over ()::int as total
           from live l
          where l.responded_on is null and l.status <> 'closed' and l.response_due_on < ?
          order by l.response_due_on, l.ref, l.organisation_name
          limit ?`,
        [...live.bindings, today, limit],
      );
    },

    /**
     * Open assignments (neither implemented nor closed) whose target date is before `today`: the
     * date the addressee committed to, else the recommendation's own "implement by" date.
     */
    async pastTargets(
      filters: DashboardFilters,
      today: CalendarDate,
      limit: number,
    ): Promise<PastTargetRow[]> {
      const live = liveAssignments(filters);
      return rows<PastTargetRow>(
        `with live as (${live.sql})
         select l.id, l.ref, l.title, l.organisation_name,
                coalesce(l.committed_on, l.implement_by) as held_to,
                (l.committed_on is not null) as committed,
                count(*) over ()::int as total
           from live l
          where l.status not in ('implemented', 'closed')
            and coalesce(l.committed_on, l.implement_by) < ?
          order by coalesce(l.committed_on, l.implement_by), l.ref, l.organisation_name
          limit ?`,
        [...live.bindings, today, limit],
      );
    },

    /** Actions still planned or in progress whose target date is before `today`, on open assignments. */
    async overdueActions(
      filters: DashboardFilters,
      today: CalendarDate,
      limit: number,
    ): Promise<OverdueActionRow[]> {
      const live = liveAssignments(filters);
      return rows<OverdueActionRow>(
        `with live as (${live.sql})
         select x.id as action_id, l.id, l.ref, l.title, l.organisation_name, x.description,
                x.owner, x.target_on, x.state, count(*) over ()::int as total
           from assignment_actions x
           join live l on l.id = x.assignment_id
          where x.state in ('planned', 'in_progress') and x.target_on < ? and l.status <> 'closed'
          order by x.target_on, l.ref, l.organisation_name, x.id
          limit ?`,
        [...live.bindings, today, limit],
      );
    },

    /** Progress updates with no review that were posted before `before` (an instant). */
    async updatesWaitingForReview(
      filters: DashboardFilters,
      before: Date,
      limit: number,
    ): Promise<WaitingUpdateRow[]> {
      const live = liveAssignments(filters);
      return rows<WaitingUpdateRow>(
        `with live as (${live.sql})
         select p.id as update_id, l.id, l.ref, l.title, l.organisation_name, p.author_label,
                p.created_at, count(*) over ()::int as total
           from progress_updates p
           join live l on l.id = p.assignment_id
          where p.created_at < ?
            and not exists (select 1 from progress_update_reviews v where v.progress_update_id = p.id)
          order by p.created_at, p.id
          limit ?`,
        [...live.bindings, before, limit],
      );
    },

    /**
     * How many assignments were in each status at the end of each month, from the month of the
     * earliest made_on among the filtered assignments to the month of `now` (whose figures are as
     * of `now`). Rebuilt from assignment_status_changes by the rule of statusAtSql: the latest
     * change at or before the instant, else awaiting_response from the day the recommendation was
     * made; an assignment counts only between the day it was made and its withdrawal.
     *
     * One pass, not a lookup per month: each stretch of an assignment in one status adds 1 to its
     * status in the month it starts and takes 1 away in the month it ends (months in London time),
     * and a running sum per status over the months gives the count at each month's end.
     */
    async statusCountsByMonth(
      filters: DashboardFilters,
      today: CalendarDate,
      now: Date,
    ): Promise<ProgressCountRow[]> {
      const live = liveAssignments(filters, { history: true });
      const london = (expression: string) =>
        `date_trunc('month', (${expression}) at time zone 'Europe/London')::date`;
      return rows<ProgressCountRow>(
        `with live as (${live.sql}),
         counted as (
           select * from live
            where made_on is not null and made_on <= ?::date
              and (withdrawn_at is null or ${london('withdrawn_at')} > date_trunc('month', made_on::timestamp)::date)),
         changes as (
           select c.assignment_id, c.to_status as status, c.changed_at as starts_at,
                  lead(c.changed_at) over (partition by c.assignment_id order by c.changed_at, c.id) as ends_at,
                  row_number() over (partition by c.assignment_id order by c.changed_at, c.id) as n
             from assignment_status_changes c
             join counted l on l.id = c.assignment_id
            where c.changed_at <= ?),
         stretches as (
           select l.id, 'awaiting_response' as status, date_trunc('month', l.made_on::timestamp)::date as starts_in,
                  ${london('ch.starts_at')} as ends_in, l.withdrawn_at
             from counted l
             left join changes ch on ch.assignment_id = l.id and ch.n = 1
           union all
           select l.id, ch.status,
                  greatest(${london('ch.starts_at')}, date_trunc('month', l.made_on::timestamp)::date),
                  ${london('ch.ends_at')}, l.withdrawn_at
             from changes ch
             join counted l on l.id = ch.assignment_id),
         bounded as (
           select status, starts_in,
                  case when withdrawn_at is null then ends_in
                       when ends_in is null then ${london('withdrawn_at')}
                       else least(ends_in, ${london('withdrawn_at')}) end as ends_in
             from stretches),
         deltas as (
           select starts_in as month, status, 1 as delta from bounded
            where ends_in is null or ends_in > starts_in
           union all
           select ends_in, status, -1 from bounded
            where ends_in is not null and ends_in > starts_in),
         months as (
           select generate_series(
                    (select min(date_trunc('month', made_on::timestamp)) from counted),
                    date_trunc('month', ?::date::timestamp),
                    interval '1 month')::date as month),
         statuses as (
           select * from (values ('awaiting_response'), ('in_progress'), ('awaiting_verification'),
                                 ('implemented'), ('closed')) s (status)),
         net as (
           select m.month, s.status, coalesce(sum(d.delta), 0) as delta
             from months m
            cross join statuses s
             left join deltas d on d.month = m.month and d.status = s.status
            group by m.month, s.status)
         select to_char(month, 'YYYY-MM') as month, status,
                (sum(delta) over (partition by status order by month))::int as count
           from net
          order by month, status`,
        [...live.bindings, today, now, today],
      );
    },

    /**
     * Per organisation (`by: 'organisation'`) or per theme (`by: 'theme'`; an assignment counts
     * under each theme of its recommendation, and under none when it has no theme): counts by
     * status, responses overdue on `today`, actions overdue on `today` (on assignments not
     * closed), and the current delivery confidence.
     */
    async summary(
      filters: DashboardFilters,
      today: CalendarDate,
      by: 'organisation' | 'theme',
    ): Promise<SummaryCountRow[]> {
      const live = liveAssignments(filters);
      const group =
        by === 'organisation'
          ? {
              join: '',
              key: 'l.organisation_slug',
              name: 'l.organisation_name',
              order: 'l.organisation_name, l.organisation_slug',
            }
          : {
              join: 'left join recommendation_themes rt on rt.recommendation_id = l.recommendation_id left join themes t on t.id = rt.theme_id',
              key: 't.slug',
              name: 't.name',
              order: 't.name nulls last, t.slug',
            };
      return rows<SummaryCountRow>(
        `with live as (${live.sql}),
         late_actions as (
           select x.assignment_id, count(*)::int as n
             from assignment_actions x
            where x.state in ('planned', 'in_progress') and x.target_on < ?
            group by x.assignment_id),
         ${LATEST_RATINGS},
         rated as (
           select l.*, lr.rating as rag
             from live l
             left join latest_ratings lr on lr.assignment_id = l.id)
         select ${group.key} as key, ${group.name} as name,
                count(*) filter (where l.status = 'awaiting_response')::int as awaiting_response,
                count(*) filter (where l.status = 'in_progress')::int as in_progress,
                count(*) filter (where l.status = 'awaiting_verification')::int as awaiting_verification,
                count(*) filter (where l.status = 'implemented')::int as implemented,
                count(*) filter (where l.status = 'closed')::int as closed,
                count(*)::int as total,
                count(*) filter (where l.responded_on is null and l.status <> 'closed' and l.response_due_on < ?)::int as overdue_responses,
                coalesce(sum(la.n) filter (where l.status <> 'closed'), 0)::int as overdue_actions,
                count(*) filter (where l.rag = 'red')::int as red,
                count(*) filter (where l.rag = 'amber')::int as amber,
                count(*) filter (where l.rag = 'green')::int as green,
                count(*) filter (where l.rag is null)::int as unrated
           from rated l
           left join late_actions la on la.assignment_id = l.id
           ${group.join}
          group by ${group.key}, ${group.name}
          order by ${group.order}`,
        [...live.bindings, today, today],
      );
    },

    /** Every live filtered assignment with its current state, for the assignments CSV. */
    async assignmentsForExport(filters: DashboardFilters): Promise<AssignmentExportRow[]> {
      const live = liveAssignments(filters);
      return rows<AssignmentExportRow>(
        `with live as (${live.sql}),
         ${LATEST_RATINGS},
         updates as (
           select p.assignment_id, max(p.created_at) as last_update_at,
                  count(*) filter (where v.id is null)::int as waiting
             from progress_updates p
             left join progress_update_reviews v on v.progress_update_id = p.id
            group by p.assignment_id)
         select l.id, l.ref, l.title, l.report_title, l.organisation_name, l.status,
                l.closure_reason, l.response_due_on, l.responded_on, l.response_stance,
                l.response_date_confirmed, lr.rating as rag, u.last_update_at,
                coalesce(u.waiting, 0) as updates_waiting
           from live l
           left join latest_ratings lr on lr.assignment_id = l.id
           left join updates u on u.assignment_id = l.id
          order by l.report_order, l.report_id, l.position, l.ref, l.organisation_name, l.id`,
        live.bindings,
      );
    },

    /** The choices of the filter form: every report and theme, and organisations with live assignments. */
    async filterOptions(): Promise<{
      reports: { slug: string; title: string }[];
      organisations: { slug: string; name: string }[];
      themes: { slug: string; name: string }[];
    }> {
      const [row] = await rows<Record<string, unknown>>(
        `select
           (select coalesce(json_agg(json_build_object('slug', rp.slug, 'title', rp.title)
                   order by rp.published_on desc nulls last, rp.id), '[]'::json) from reports rp) as reports,
           (select coalesce(json_agg(json_build_object('slug', o.slug, 'name', o.name) order by o.name), '[]'::json)
              from organisations o
             where exists (select 1 from assignments a where a.organisation_id = o.id and a.withdrawn_at is null)) as organisations,
           (select coalesce(json_agg(json_build_object('slug', t.slug, 'name', t.name) order by t.name), '[]'::json)
              from themes t) as themes`,
        [],
      );
      return {
        reports: json(row!.reports),
        organisations: json(row!.organisations),
        themes: json(row!.themes),
      };
    },
  };
}
