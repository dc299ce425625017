/**
 * Reads for the open data downloads and the Atom feeds. Only public columns are ever selected: no
 * progress update narratives, no reviewer or status-change notes, no actors, no feedback. Each
 * download is read in keyset batches (by id), so a large register streams in bounded memory; each
 * batch is one set-based query.
 *
 * Withdrawn assignments are left out of the assignment download (they are not live), as the public
 * pages do; withdrawn recommendations stay in, flagged, with the date and reason.
 */
import type { Knex } from 'knex';
import type { CalendarDate } from '../../shared/calendar-date';
import type {
  AssignmentStatus,
  ClosureReason,
  OrganisationKind,
  ResponseStance,
  TextStatus,
} from '../../db/tables';
import type { LegalBasis } from '../assignments/deadlines.rules';
import type { GrantedExtension } from '../assignments/deadlines';
import { reviewActsSql } from './register.repository';

/** No end: the open data and feeds describe the register as it stands now. */
const NO_END = new Date('9999-12-31T00:00:00Z');

export interface ReportDataRow {
  id: number;
  slug: string;
  title: string;
  issuer_name: string;
  issuer_short: string | null;
  published_on: CalendarDate | null;
  dated_on: CalendarDate | null;
  legal_basis: LegalBasis;
  source_url: string | null;
  summary: string | null;
  publish_responses: boolean;
  recommendation_count: number;
}

export interface RecommendationDataRow {
  id: number;
  ref: string;
  report_slug: string;
  source_number: string | null;
  title: string | null;
  body: string | null;
  text_status: TextStatus;
  made_on: CalendarDate | null;
  made_on_confirmed: boolean;
  implement_by: CalendarDate | null;
  implement_by_wording: string | null;
  source_url: string | null;
  repeats_ref: string | null;
  position: number;
  themes: string | null;
  withdrawn_at: Date | null;
  withdrawn_reason: string | null;
}

export interface AssignmentDataRow {
  id: number;
  recommendation_ref: string;
  report_slug: string;
  organisation_slug: string;
  organisation_name: string;
  organisation_kind: OrganisationKind;
  addressee_confirmed: boolean;
  status: AssignmentStatus;
  closure_reason: ClosureReason | null;
  response_stance: ResponseStance | null;
  response_text: string | null;
  responded_on: CalendarDate | null;
  response_date_confirmed: boolean;
  response_source_url: string | null;
  clock_override: string | null;
  clock_override_due_on: CalendarDate | null;
  committed_on: CalendarDate | null;
  recommendation_implement_by: CalendarDate | null;
  /** Judicial review pauses (JSON from the database). */
  pauses: { from: CalendarDate; to: CalendarDate | null }[] | string;
  /** The current response version's number and own date (JSON from the database). */
  current_response: { version: number; on: CalendarDate } | string | null;
  recommendation_made_on: CalendarDate | null;
  report_legal_basis: LegalBasis;
  report_published_on: CalendarDate | null;
  report_dated_on: CalendarDate | null;
  report_publish_responses: boolean;
  granted_extensions: GrantedExtension[] | string;
  recommendation_text_status: TextStatus;
  recommendation_made_on_confirmed: boolean;
  /** When the oversight office last decided or published anything about it (ADR 0013). */
  last_reviewed_at: Date | string | null;
  /**
   * The latest status note published: its words and date only while it is not withdrawn, as the
   * page shows it; a withdrawn latest note leaves it null.
   */
  status_note: { note: string; publishedAt: Date } | null;
}

export interface UpdateDataRow {
  id: number;
  assignment_id: number;
  recommendation_ref: string;
  report_slug: string;
  organisation_slug: string;
  organisation_name: string;
  summary: string;
  published_at: Date;
}

export interface StatusNoteDataRow {
  id: number;
  assignment_id: number;
  recommendation_ref: string;
  report_slug: string;
  organisation_slug: string;
  organisation_name: string;
  occasion: string;
  note: string;
  published_at: Date;
  /** No later note (live or withdrawn) exists for the assignment: the page shows this one. */
  current: boolean;
}

/** Which part of the register a feed covers. */
export type FeedScope =
  | { kind: 'all' }
  | { kind: 'report'; reportId: number }
  | { kind: 'organisation'; organisationId: number };

/** One published change, before it is worded for the feed. */
export interface FeedEventRow {
  kind:
    | 'status_change'
    | 'response'
    | 'update_publication'
    | 'evidence_publication'
    | 'status_note'
    | 'recommendation_withdrawal'
    | 'assignment_withdrawal';
  id: number;
  at: Date;
  recommendation_ref: string;
  recommendation_title: string | null;
  organisation_name: string | null;
  /** What the page warns about (see register.caveats.ts); null when not about one addressee. */
  addressee_confirmed: boolean | null;
  recommendation_text_status: TextStatus;
  recommendation_made_on_confirmed: boolean;
  recommendation_source_number: string | null;
  report_title: string;
  note?: string;
  from_status?: AssignmentStatus | null;
  to_status?: AssignmentStatus;
  closure_reason?: ClosureReason | null;
  response_stance?: ResponseStance;
  response_text?: string | null;
  response_version?: number;
  response_date_confirmed?: boolean;
  response_source_url?: string | null;
  responded_on?: CalendarDate;
  summary?: string | null;
  file_name?: string | null;
  published_at?: Date;
  withdrawn_at?: Date | null;
  withdrawn_reason?: string | null;
}

export type OpenDataRepository = ReturnType<typeof createOpenDataRepository>;

type Query = Knex.QueryBuilder;

/** Newest first, then by id: the order of every kind of feed event. */
const newestFirst = (at: string, id: string) => [
  { column: at, order: 'desc' },
  { column: id, order: 'desc' },
];

export function createOpenDataRepository(knex: Knex) {
  /** Restricts a query over assignment `a`, recommendation `r` and report `rp` to a feed's scope. */
  const scoped = (query: Query, scope: FeedScope) => {
    if (scope.kind === 'report') query.where('r.report_id', scope.reportId);
    if (scope.kind === 'organisation') query.where('a.organisation_id', scope.organisationId);
    return query;
  };

  /** From assignment `a`: its recommendation `r`, report `rp` and organisation `o`. */
  const placed = (query: Query) =>
    query
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('reports as rp', 'rp.id', 'r.report_id')
      .join('organisations as o', 'o.id', 'a.organisation_id');

  /** A query whose rows belong to an assignment (`on` names the row's assignment id), placed. */
  const ofAssignment = (query: Query, on: string) =>
    placed(query.join('assignments as a', 'a.id', on));

  /** The rows of `table` that belong to an assignment directly, placed. */
  const fromAssignment = (table: string, alias: string, on: string) =>
    ofAssignment(knex(`${table} as ${alias}`), on);

  /** The rows of `table` that belong to a progress update `pu`, placed. */
  const fromUpdate = (query: Query) => ofAssignment(query, 'pu.assignment_id');

  /** Where a download row stands: its assignment, recommendation, report and organisation. */
  const placeColumns = [
    'a.id as assignment_id',
    'r.ref as recommendation_ref',
    'rp.slug as report_slug',
    'o.slug as organisation_slug',
    'o.name as organisation_name',
  ];

  /** What every feed entry needs to name the recommendation honestly and give its caveats. */
  const caveatColumns = (withAssignment = true) => [
    withAssignment ? 'a.addressee_confirmed' : knex.raw('null as addressee_confirmed'),
    'r.text_status as recommendation_text_status',
    'r.made_on_confirmed as recommendation_made_on_confirmed',
    'r.source_number as recommendation_source_number',
    'rp.title as report_title',
  ];

  /** An assignment-level feed entry's own columns, then what names it. */
  const eventColumns = (kind: FeedEventRow['kind'], ...own: (string | Knex.Raw)[]) => [
    knex.raw(`'${kind}' as kind`),
    ...own,
    'r.ref as recommendation_ref',
    'r.title as recommendation_title',
    'o.name as organisation_name',
    ...caveatColumns(),
  ];

  /** One kind of feed event: in scope, newest first, at most `limit`. */
  const newest = (query: Query, scope: FeedScope, order: [string, string], limit: number) =>
    scoped(query, scope)
      .orderBy(newestFirst(...order))
      .limit(limit);

  /**
   * The feed's event queries, one per kind: status changes (public fields only: never the note or
   * who made it), responses where the report publishes them, published summaries and evidence (a
   * withdrawn one as its withdrawal, without its text), live status notes, and withdrawals.
   */
  const feedQueries = {
    statusChanges: (scope: FeedScope, limit: number) =>
      newest(
        fromAssignment('assignment_status_changes', 'sc', 'sc.assignment_id').select(
          eventColumns(
            'status_change',
            'sc.id',
            'sc.changed_at as at',
            'sc.from_status',
            'sc.to_status',
            'sc.closure_reason',
          ),
        ),
        scope,
        ['sc.changed_at', 'sc.id'],
        limit,
      ),

    // One entry per response version, each with its own date and words: a new version is news,
    // and never changes what an earlier entry said.
    responses: (scope: FeedScope, limit: number) =>
      newest(
        fromAssignment('assignment_responses', 'v', 'v.assignment_id')
          .where('rp.publish_responses', true)
          .select(
            eventColumns(
              'response',
              'a.id',
              'v.version as response_version',
              'v.recorded_at as at',
              'v.stance as response_stance',
              'v.text as response_text',
              'v.responded_on',
              'v.responded_on_confirmed as response_date_confirmed',
              'v.source_url as response_source_url',
            ),
          ),
        scope,
        ['v.recorded_at', 'v.id'],
        limit,
      ),

    updatePublications: (scope: FeedScope, limit: number) =>
      newest(
        fromUpdate(
          knex('update_publications as p').join(
            'progress_updates as pu',
            'pu.id',
            'p.progress_update_id',
          ),
        ).select(
          eventColumns(
            'update_publication',
            'p.id',
            knex.raw('coalesce(p.withdrawn_at, p.published_at) as at'),
            // A withdrawn summary's text is gone from the feed with it.
            knex.raw('case when p.withdrawn_at is null then p.summary end as summary'),
            'p.published_at',
            'p.withdrawn_at',
            'p.withdrawn_reason',
          ),
        ),
        scope,
        ['at', 'p.id'],
        limit,
      ),

    evidencePublications: (scope: FeedScope, limit: number) =>
      newest(
        fromUpdate(
          knex('evidence_publications as ep')
            .join('evidence_files as f', 'f.id', 'ep.evidence_file_id')
            .join('progress_updates as pu', 'pu.id', 'f.progress_update_id'),
        ).select(
          eventColumns(
            'evidence_publication',
            'ep.id',
            knex.raw('coalesce(ep.withdrawn_at, ep.published_at) as at'),
            knex.raw('case when ep.withdrawn_at is null then f.original_name end as file_name'),
            'ep.published_at',
            'ep.withdrawn_at',
            'ep.withdrawn_reason',
          ),
        ),
        scope,
        ['at', 'ep.id'],
        limit,
      ),

    // Live notes only: a withdrawn note leaves the feed (its words were withdrawn from public
    // view); the page says it was withdrawn, and the last-reviewed date moves.
    statusNotes: (scope: FeedScope, limit: number) =>
      newest(
        fromAssignment('status_notes', 'n', 'n.assignment_id')
          .whereNull('n.withdrawn_at')
          .select(eventColumns('status_note', 'n.id', 'n.published_at as at', 'n.note')),
        scope,
        ['n.published_at', 'n.id'],
        limit,
      ),

    assignmentWithdrawals: (scope: FeedScope, limit: number) =>
      newest(
        placed(knex('assignments as a'))
          .whereNotNull('a.withdrawn_at')
          .select(
            eventColumns(
              'assignment_withdrawal',
              'a.id',
              'a.withdrawn_at as at',
              'a.withdrawn_at',
              'a.withdrawn_reason',
            ),
          ),
        scope,
        ['a.withdrawn_at', 'a.id'],
        limit,
      ),

    // A recommendation belongs to no one organisation: its assignments' withdrawals (made with
    // it) stand for it in an organisation's feed.
    recommendationWithdrawals: (scope: FeedScope, limit: number) =>
      scope.kind === 'organisation'
        ? Promise.resolve([])
        : knex('recommendations as r')
            .join('reports as rp', 'rp.id', 'r.report_id')
            .whereNotNull('r.withdrawn_at')
            .modify((q) => {
              if (scope.kind === 'report') q.where('r.report_id', scope.reportId);
            })
            .select(
              knex.raw(`'recommendation_withdrawal' as kind`),
              'r.id',
              'r.withdrawn_at as at',
              'r.withdrawn_at',
              'r.withdrawn_reason',
              'r.ref as recommendation_ref',
              'r.title as recommendation_title',
              knex.raw('null as organisation_name'),
              ...caveatColumns(false),
            )
            .orderBy(newestFirst('r.withdrawn_at', 'r.id'))
            .limit(limit),
  };

  /**
   * The batch's last reviews and current notes, as the public pages work them out
   * (register.repository.ts): one grouped query each over the batch's id range, which costs a
   * third of a subquery per row.
   */
  const lastReviewsAndNotes = async (rows: AssignmentDataRow[]) => {
    if (rows.length === 0) return rows;
    const range = [rows[0]!.id, rows[rows.length - 1]!.id];
    const acts = reviewActsSql(NO_END);
    const [reviews, notes] = await Promise.all([
      knex
        .raw(
          `select acts.assignment_id, max(acts.at) as at from (${acts.sql}) acts
            where acts.assignment_id between ? and ? group by acts.assignment_id`,
          [...acts.bindings, ...range],
        )
        .then((r: { rows: { assignment_id: number; at: Date }[] }) => r.rows),
      // The latest note of each; its words and date only while it is not withdrawn.
      knex
        .raw(
          `select distinct on (n.assignment_id) n.assignment_id, n.withdrawn_at is null as live,
                  n.note, n.published_at
             from status_notes n where n.assignment_id between ? and ?
            order by n.assignment_id, n.published_at desc, n.id desc`,
          range,
        )
        .then(
          (r: {
            rows: { assignment_id: number; live: boolean; note: string; published_at: Date }[];
          }) => r.rows,
        ),
    ]);
    const reviewed = new Map(reviews.map((r) => [r.assignment_id, r.at]));
    const current = new Map(
      notes
        .filter((n) => n.live)
        .map((n) => [n.assignment_id, { note: n.note, publishedAt: n.published_at }]),
    );
    for (const row of rows) {
      row.last_reviewed_at = reviewed.get(row.id) ?? null;
      row.status_note = current.get(row.id) ?? null;
    }
    return rows;
  };

  return {
    async reports(afterId: number, limit: number): Promise<ReportDataRow[]> {
      return knex('reports as rp')
        .select(
          'rp.id',
          'rp.slug',
          'rp.title',
          'rp.issuer_name',
          'rp.issuer_short',
          'rp.published_on',
          'rp.dated_on',
          'rp.legal_basis',
          'rp.source_url',
          'rp.summary',
          'rp.publish_responses',
          knex.raw(
            '(select count(*) from recommendations r where r.report_id = rp.id)::int as recommendation_count',
          ),
        )
        .where('rp.id', '>', afterId)
        .orderBy('rp.id')
        .limit(limit);
    },

    async recommendations(afterId: number, limit: number): Promise<RecommendationDataRow[]> {
      return knex('recommendations as r')
        .join('reports as rp', 'rp.id', 'r.report_id')
        .leftJoin('recommendations as rr', 'rr.id', 'r.repeats_recommendation_id')
        .select(
          'r.id',
          'r.ref',
          'rp.slug as report_slug',
          'r.source_number',
          'r.title',
          'r.body',
          'r.text_status',
          'r.made_on',
          'r.made_on_confirmed',
          'r.implement_by',
          'r.implement_by_wording',
          'r.source_url',
          'rr.ref as repeats_ref',
          'r.position',
          'r.withdrawn_at',
          'r.withdrawn_reason',
          knex.raw(
            `(select string_agg(t.slug, ';' order by t.slug) from recommendation_themes rt join themes t on t.id = rt.theme_id where rt.recommendation_id = r.id) as themes`,
          ),
        )
        .where('r.id', '>', afterId)
        .orderBy('r.id')
        .limit(limit);
    },

    async assignments(afterId: number, limit: number): Promise<AssignmentDataRow[]> {
      const rows: AssignmentDataRow[] = await placed(knex('assignments as a'))
        .whereNull('a.withdrawn_at')
        .where('a.id', '>', afterId)
        .select(
          'a.id',
          'r.ref as recommendation_ref',
          'rp.slug as report_slug',
          'o.slug as organisation_slug',
          'o.name as organisation_name',
          'o.kind as organisation_kind',
          'a.addressee_confirmed',
          'a.status',
          'a.closure_reason',
          'a.response_stance',
          'a.response_text',
          'a.responded_on',
          'a.response_date_confirmed',
          'a.response_source_url',
          'a.clock_override',
          'a.clock_override_due_on',
          'a.committed_on',
          'r.implement_by as recommendation_implement_by',
          knex.raw(
            `(select coalesce(json_agg(json_build_object('from', p.from_on, 'to', p.to_on) order by p.from_on, p.id), '[]'::json) from assignment_pauses p where p.assignment_id = a.id) as pauses`,
          ),
          knex.raw(
            `(select json_build_object('version', v.version, 'on', v.responded_on) from assignment_responses v where v.assignment_id = a.id order by v.version desc limit 1) as current_response`,
          ),
          'r.made_on as recommendation_made_on',
          'rp.legal_basis as report_legal_basis',
          'rp.published_on as report_published_on',
          'rp.dated_on as report_dated_on',
          'rp.publish_responses as report_publish_responses',
          // The same granted extensions the public pages use, so the due date agrees with them.
          knex.raw(
            `(select coalesce(json_agg(json_build_object('newDueOn', e.requested_due_on, 'grantedOn', e.decided_on) order by e.decided_at, e.id), '[]'::json) from extension_requests e where e.assignment_id = a.id and e.state = 'granted') as granted_extensions`,
          ),
          'r.text_status as recommendation_text_status',
          'r.made_on_confirmed as recommendation_made_on_confirmed',
        )
        .orderBy('a.id')
        .limit(limit);
      return lastReviewsAndNotes(rows);
    },

    async updates(afterId: number, limit: number): Promise<UpdateDataRow[]> {
      return fromUpdate(
        knex('update_publications as p').join(
          'progress_updates as pu',
          'pu.id',
          'p.progress_update_id',
        ),
      )
        .whereNull('p.withdrawn_at')
        .where('p.id', '>', afterId)
        .select('p.id', ...placeColumns, 'p.summary', 'p.published_at')
        .orderBy('p.id')
        .limit(limit);
    },

    /** Live status notes (withdrawn ones are left out), in the order they were added. */
    async statusNotes(afterId: number, limit: number): Promise<StatusNoteDataRow[]> {
      return fromAssignment('status_notes', 'n', 'n.assignment_id')
        .whereNull('n.withdrawn_at')
        .where('n.id', '>', afterId)
        .select(
          'n.id',
          ...placeColumns,
          'n.occasion',
          'n.note',
          'n.published_at',
          knex.raw(
            `not exists (select 1 from status_notes m where m.assignment_id = n.assignment_id and (m.published_at > n.published_at or (m.published_at = n.published_at and m.id > n.id))) as current`,
          ),
        )
        .orderBy('n.id')
        .limit(limit);
    },

    /**
     * The newest `limit` published changes in a scope, newest first (see `feedQueries`). One query
     * per kind, merged here.
     */
    async feedEvents(scope: FeedScope, limit: number): Promise<FeedEventRow[]> {
      const lists = (await Promise.all(
        Object.values(feedQueries).map((query) => query(scope, limit)),
      )) as FeedEventRow[][];
      return lists
        .flat()
        .map((e) => ({ ...e, at: new Date(e.at) }))
        .sort(
          (x, y) => y.at.getTime() - x.at.getTime() || x.kind.localeCompare(y.kind) || y.id - x.id,
        )
        .slice(0, limit);
    },

    async exampleReportSlug(): Promise<string | null> {
      const row = await knex('reports')
        .orderBy([{ column: 'published_on', order: 'desc', nulls: 'last' }, { column: 'id' }])
        .first('slug');
      return row?.slug ?? null;
    },

    async exampleOrganisationSlug(): Promise<string | null> {
      const row = await knex('organisations as o')
        .whereExists(knex('assignments as a').whereRaw('a.organisation_id = o.id'))
        .orderBy('o.name')
        .first('o.slug');
      return row?.slug ?? null;
    },

    async findReport(
      slug: string,
    ): Promise<{ id: number; slug: string; title: string } | undefined> {
      return knex('reports').where({ slug }).first('id', 'slug', 'title');
    },

    async findOrganisation(
      slug: string,
    ): Promise<{ id: number; slug: string; name: string } | undefined> {
      return knex('organisations').where({ slug }).first('id', 'slug', 'name');
    },
  };
}
