/**
 * The open data downloads: for each dataset, its columns (name, type, meaning) and how a database
 * row becomes a record. The same list writes the CSV header, the JSON keys and the schema shown on
 * /data, so the documentation cannot drift from the files.
 *
 * Formal responses appear only where their report publishes responses (reports.publish_responses):
 * otherwise the stance, text and source are left empty and `response_published` is false. The
 * date a response was received stays, because whether the statutory deadline was met is public.
 */
import { londonDate, type CalendarDate } from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import { responseClock, type GrantedExtension } from '../assignments/deadlines';
import { overrideFrom } from '../assignments/deadlines.repository';
import { targetState } from '../assignments/deadlines.targets';
import { DEADLINE_RULES } from '../assignments/deadlines.rules';
import type {
  AssignmentDataRow,
  OpenDataRepository,
  RecommendationDataRow,
  ReportDataRow,
  StatusNoteDataRow,
  UpdateDataRow,
} from './open-data.repository';
import { CAVEAT_CODES, CAVEAT_TEXT, caveatWords, caveatsOf } from './register.caveats';

export type ColumnType = 'text' | 'integer' | 'boolean' | 'date' | 'date-time' | 'url';

export const COLUMN_TYPES: Record<ColumnType, string> = {
  text: 'Text (UTF-8). Empty in CSV, null in JSON, when there is none.',
  integer: 'A whole number.',
  boolean: 'true or false.',
  date: 'A calendar date in Europe/London, written YYYY-MM-DD.',
  'date-time': 'An instant in UTC, written YYYY-MM-DDThh:mm:ss.sssZ (ISO 8601).',
  url: 'An absolute web address.',
};

export type CellValue = string | number | boolean | null;

export interface Column<Row> {
  name: string;
  type: ColumnType;
  meaning: string;
  value: (row: Row) => CellValue;
}

/** What a record needs besides its row: the site's address and the date flags are worked out for. */
export interface RecordContext {
  baseUrl: string;
  today: CalendarDate;
}

export interface Dataset<Row = never> {
  name: 'reports' | 'recommendations' | 'assignments' | 'updates' | 'status-notes';
  title: string;
  description: string;
  /** Whether records depend on today's date (overdue flags), not only on stored data. */
  datedByToday: boolean;
  columns: (ctx: RecordContext) => Column<Row>[];
  fetch: (repository: OpenDataRepository, afterId: number, limit: number) => Promise<Row[]>;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** A row that belongs to one assignment: where it stands in the register. */
interface PlacedRow {
  recommendation_ref: string;
  report_slug: string;
  organisation_slug: string;
  organisation_name: string;
}

/**
 * The columns that say where a row stands, the same in every file that has them; `organisation`
 * says what the organisation is to the row.
 */
function placeColumns<Row extends PlacedRow>(organisation: string): Column<Row>[] {
  return [
    {
      name: 'recommendation_ref',
      type: 'text',
      meaning: 'The recommendation (see recommendations.ref).',
      value: (r) => r.recommendation_ref,
    },
    {
      name: 'report_slug',
      type: 'text',
      meaning: 'The report (see reports.slug).',
      value: (r) => r.report_slug,
    },
    {
      name: 'organisation_slug',
      type: 'text',
      meaning: organisation,
      value: (r) => r.organisation_slug,
    },
    {
      name: 'organisation_name',
      type: 'text',
      meaning: 'The organisation’s name.',
      value: (r) => r.organisation_name,
    },
  ];
}

/** The last column of every file about a recommendation's addressees: its page. */
function recommendationPageColumn<Row extends { recommendation_ref: string }>(
  baseUrl: string,
): Column<Row> {
  return {
    name: 'page_url',
    type: 'url',
    meaning: 'The recommendation’s page on this site.',
    value: (r) => baseUrl + paths.recommendations.show(r.recommendation_ref),
  };
}

const reports: Dataset<ReportDataRow> = {
  name: 'reports',
  title: 'Reports',
  description: 'Every report in the register, one row each, in the order they were added.',
  datedByToday: false,
  columns: ({ baseUrl }) => [
    {
      name: 'slug',
      type: 'text',
      meaning: 'The report’s identifier in this register; stable.',
      value: (r) => r.slug,
    },
    { name: 'title', type: 'text', meaning: 'The report’s title.', value: (r) => r.title },
    {
      name: 'issuer_name',
      type: 'text',
      meaning: 'Who made the recommendations.',
      value: (r) => r.issuer_name,
    },
    {
      name: 'issuer_short',
      type: 'text',
      meaning: 'A short name for the issuer, if any.',
      value: (r) => r.issuer_short,
    },
    {
      name: 'published_on',
      type: 'date',
      meaning: 'When the report was published.',
      value: (r) => r.published_on,
    },
    {
      name: 'dated_on',
      type: 'date',
      meaning: 'The date on the report, where it differs from publication.',
      value: (r) => r.dated_on,
    },
    {
      name: 'legal_basis',
      type: 'text',
      meaning:
        'The code of the legal basis that sets the response deadline (for example iopc_para_28a).',
      value: (r) => r.legal_basis,
    },
    {
      name: 'legal_basis_label',
      type: 'text',
      meaning: 'The legal basis in words.',
      value: (r) => DEADLINE_RULES[r.legal_basis].label,
    },
    {
      name: 'source_url',
      type: 'url',
      meaning: 'Where the report is published.',
      value: (r) => r.source_url,
    },
    {
      name: 'summary',
      type: 'text',
      meaning: 'Our short summary of the report.',
      value: (r) => r.summary,
    },
    {
      name: 'publishes_responses',
      type: 'boolean',
      meaning:
        'Whether addressees’ formal responses to this report are published here when received.',
      value: (r) => r.publish_responses,
    },
    {
      name: 'recommendation_count',
      type: 'integer',
      meaning: 'How many recommendations the report makes (withdrawn ones included).',
      value: (r) => r.recommendation_count,
    },
    {
      name: 'page_url',
      type: 'url',
      meaning: 'The report’s page on this site.',
      value: (r) => baseUrl + paths.reports.show(r.slug),
    },
  ],
  fetch: (repository, afterId, limit) => repository.reports(afterId, limit),
};

const recommendations: Dataset<RecommendationDataRow> = {
  name: 'recommendations',
  title: 'Recommendations',
  description:
    'Every recommendation, one row each, in the order they were added. Withdrawn recommendations are included and flagged, with the date and the reason.',
  datedByToday: false,
  columns: ({ baseUrl }) => [
    {
      name: 'ref',
      type: 'text',
      meaning:
        'The recommendation’s reference, unique in this register (for example LIN-01); stable.',
      value: (r) => r.ref,
    },
    {
      name: 'report_slug',
      type: 'text',
      meaning: 'The report that made it (see reports.slug).',
      value: (r) => r.report_slug,
    },
    {
      name: 'source_number',
      type: 'text',
      meaning: 'Its number in the report, if it has one.',
      value: (r) => r.source_number,
    },
    {
      name: 'position',
      type: 'integer',
      meaning: 'Its order within the report.',
      value: (r) => r.position,
    },
    { name: 'title', type: 'text', meaning: 'A short title.', value: (r) => r.title },
    {
      name: 'text',
      type: 'text',
      meaning: 'The text of the recommendation (see text_status).',
      value: (r) => r.body,
    },
    {
      name: 'text_status',
      type: 'text',
      meaning:
        'verified: checked against the source; summary: our own summary of the source; pending: not yet entered.',
      value: (r) => r.text_status,
    },
    {
      name: 'made_on',
      type: 'date',
      meaning: 'When the recommendation was made.',
      value: (r) => r.made_on,
    },
    {
      name: 'made_on_confirmed',
      type: 'boolean',
      meaning:
        'false when the exact date is not confirmed by a public source and the report’s date is used.',
      value: (r) => r.made_on_confirmed,
    },
    {
      name: 'implement_by',
      type: 'date',
      meaning:
        'The source’s own date for implementing the recommendation (for example an inspection’s “by 31 December 2024”); empty when it sets none.',
      value: (r) => r.implement_by,
    },
    {
      name: 'implement_by_wording',
      type: 'text',
      meaning: 'How the source words that date.',
      value: (r) => r.implement_by_wording,
    },
    {
      name: 'themes',
      type: 'text',
      meaning: 'Theme identifiers, separated by semicolons.',
      value: (r) => r.themes,
    },
    {
      name: 'repeats_ref',
      type: 'text',
      meaning: 'The earlier recommendation this one repeats, if any.',
      value: (r) => r.repeats_ref,
    },
    {
      name: 'source_url',
      type: 'url',
      meaning: 'Where the recommendation is published.',
      value: (r) => r.source_url,
    },
    {
      name: 'withdrawn',
      type: 'boolean',
      meaning: 'true when the recommendation was withdrawn from the register.',
      value: (r) => r.withdrawn_at !== null,
    },
    {
      name: 'withdrawn_on',
      type: 'date',
      meaning: 'When it was withdrawn.',
      value: (r) => (r.withdrawn_at ? londonDate(new Date(r.withdrawn_at)) : null),
    },
    {
      name: 'withdrawn_reason',
      type: 'text',
      meaning: 'Why it was withdrawn.',
      value: (r) => (r.withdrawn_at ? r.withdrawn_reason : null),
    },
    {
      name: 'page_url',
      type: 'url',
      meaning: 'The recommendation’s page on this site.',
      value: (r) => baseUrl + paths.recommendations.show(r.ref),
    },
  ],
  fetch: (repository, afterId, limit) => repository.recommendations(afterId, limit),
};

/** The response deadline facts for one assignment, as the public pages work them out. */
function clockFor(row: AssignmentDataRow, today: CalendarDate) {
  const clock = responseClock(
    {
      legalBasis: row.report_legal_basis,
      addresseeKind: row.organisation_kind,
      override: overrideFrom(row),
      recommendationMadeOn: row.recommendation_made_on,
      reportPublishedOn: row.report_published_on,
      reportDatedOn: row.report_dated_on,
      grantedExtensions:
        typeof row.granted_extensions === 'string'
          ? (JSON.parse(row.granted_extensions) as GrantedExtension[])
          : (row.granted_extensions ?? []),
      pauses:
        typeof row.pauses === 'string'
          ? (JSON.parse(row.pauses) as { from: CalendarDate; to: CalendarDate | null }[])
          : (row.pauses ?? []),
    },
    { today, respondedOn: row.responded_on },
  );
  return {
    dueOn: clock.dueOn,
    daysRemaining: clock.daysRemaining,
    // A closed assignment is waiting for nothing, so it is never overdue.
    overdue: clock.overdue && row.status !== 'closed',
    // A response whose own date is not confirmed cannot be judged late.
    late: row.responded_on && row.response_date_confirmed ? clock.respondedLate : null,
    basis: clock.basis,
  };
}

/** The facts behind an assignment's caveats, as the page has them. */
const assignmentFacts = (r: AssignmentDataRow) => ({
  organisationName: r.organisation_name,
  addresseeConfirmed: r.addressee_confirmed,
  textStatus: r.recommendation_text_status,
  madeOnConfirmed: r.recommendation_made_on_confirmed,
  respondedOn: r.responded_on,
  responseDateConfirmed: r.response_date_confirmed,
});

/** Whether an assignment's formal response is published (its report publishes responses). */
const responsePublished = (r: AssignmentDataRow) =>
  r.report_publish_responses && r.response_stance !== null;

const currentVersion = (r: AssignmentDataRow): { version: number; on: string } | null =>
  typeof r.current_response === 'string'
    ? (JSON.parse(r.current_response) as { version: number; on: string })
    : r.current_response;

type ClockOf = (r: AssignmentDataRow) => ReturnType<typeof clockFor>;

/** The response deadline and the target date, for `today`. */
function deadlineColumns(clock: ClockOf, today: CalendarDate): Column<AssignmentDataRow>[] {
  return [
    {
      name: 'response_due_on',
      type: 'date',
      meaning:
        'When the formal response is (or was) due, after any extension granted; empty when there is no statutory clock or its start is unknown.',
      value: (r) => clock(r).dueOn,
    },
    {
      name: 'response_clock',
      type: 'text',
      meaning:
        'Why there is or is not a response deadline for this organisation: statutory (the law’s clock applies to it), recorded_date (a date recorded for it), not_this_addressee (the law places the duty on another addressee, e.g. only the local policing body for an HMICFRS report), overridden_off (an administrator removed it, with a reason) or no_statutory_clock.',
      value: (r) => clock(r).basis,
    },
    {
      name: 'committed_on',
      type: 'date',
      meaning: 'The date the organisation committed to implement by; empty when it gave none.',
      value: (r) => r.committed_on,
    },
    {
      name: 'past_target',
      type: 'boolean',
      meaning:
        'true when the date it is held to (committed_on, else the recommendation’s implement_by) is before as_of and it is neither implemented nor closed.',
      value: (r) =>
        targetState(
          {
            implementBy: r.recommendation_implement_by,
            committedOn: r.committed_on,
            status: r.status,
          },
          today,
        ).pastTarget,
    },
    {
      name: 'days_remaining',
      type: 'integer',
      meaning:
        'Days from as_of to the due date while no response is recorded (negative once overdue).',
      value: (r) => clock(r).daysRemaining,
    },
    {
      name: 'response_overdue',
      type: 'boolean',
      meaning:
        'true when no response is recorded and the due date has passed (never for a closed assignment).',
      value: (r) => clock(r).overdue,
    },
  ];
}

/** The formal response: its date and lateness always, its words only where published. */
function responseColumns(clock: ClockOf): Column<AssignmentDataRow>[] {
  return [
    {
      name: 'responded_on',
      type: 'date',
      meaning:
        'When the first formal response was made (or, if not confirmed, reported); later versions keep this date for lateness.',
      value: (r) => r.responded_on,
    },
    {
      name: 'response_date_confirmed',
      type: 'boolean',
      meaning: 'false when only the date the response was reported is known.',
      value: (r) => (r.responded_on ? r.response_date_confirmed : null),
    },
    {
      name: 'response_late',
      type: 'boolean',
      meaning:
        'true when the response was made after its due date; empty when that cannot be judged.',
      value: (r) => clock(r).late,
    },
    {
      name: 'response_published',
      type: 'boolean',
      meaning:
        'true when the response’s stance and text are published (their report publishes responses).',
      value: (r) => responsePublished(r),
    },
    {
      name: 'response_stance',
      type: 'text',
      meaning: 'accepted, partially_accepted or not_accepted; only when published.',
      value: (r) => (responsePublished(r) ? r.response_stance : null),
    },
    {
      name: 'response_text',
      type: 'text',
      meaning: 'The formal response; only when published.',
      value: (r) => (responsePublished(r) ? r.response_text : null),
    },
    {
      name: 'response_source_url',
      type: 'url',
      meaning: 'Where the response is published; only when published.',
      value: (r) => (responsePublished(r) ? r.response_source_url : null),
    },
    {
      name: 'response_version',
      type: 'integer',
      meaning:
        'Which version of the response the stance, text and source are (1 for the first); earlier versions are kept and shown on the recommendation’s page.',
      value: (r) => currentVersion(r)?.version ?? null,
    },
    {
      name: 'response_version_on',
      type: 'date',
      meaning:
        'The date of that version (responded_on stays the date of the first response, which is what the deadline is judged by).',
      value: (r) => currentVersion(r)?.on ?? null,
    },
  ];
}

/** What the page warns about, and the oversight office's last review and current note. */
function reviewColumns(): Column<AssignmentDataRow>[] {
  return [
    {
      name: 'recommendation_text_status',
      type: 'text',
      meaning:
        'How sure the recommendation’s text is, as text_status in the recommendations file: verified, summary (our own summary of the source) or pending (not yet public in any copy available to us).',
      value: (r) => r.recommendation_text_status,
    },
    {
      name: 'recommendation_made_on_confirmed',
      type: 'boolean',
      meaning:
        'false when the date the recommendation was made is not confirmed and the report’s date is used (the response deadline is counted from it).',
      value: (r) => r.recommendation_made_on_confirmed,
    },
    {
      name: 'last_reviewed_on',
      type: 'date',
      meaning:
        'The last day the oversight office decided or published anything about this assignment (verifying, closing, reopening, reviewing an update, rating, deciding an extension, publishing or withdrawing); empty when it has not yet.',
      value: (r) => (r.last_reviewed_at ? londonDate(new Date(r.last_reviewed_at)) : null),
    },
    {
      name: 'status_note',
      type: 'text',
      meaning:
        'The current public status note: the oversight office’s reason, in its own words, for where the assignment stands (see status-notes). Empty when there is none, or when the latest was withdrawn (the page then says when and why).',
      value: (r) => r.status_note?.note ?? null,
    },
    {
      name: 'status_note_published_on',
      type: 'date',
      meaning: 'When that status note was published.',
      value: (r) => (r.status_note ? londonDate(new Date(r.status_note.publishedAt)) : null),
    },
    {
      name: 'caveats',
      type: 'text',
      meaning: `What the public page warns about this row, in words, separated by "; ", in this order: "${CAVEAT_CODES.map((c) => CAVEAT_TEXT[c]).join('", "')}". Each is also a column of its own, above. Empty when there is nothing to warn about.`,
      value: (r) => caveatWords(caveatsOf(assignmentFacts(r))),
    },
  ];
}

const assignments: Dataset<AssignmentDataRow> = {
  name: 'assignments',
  title: 'Assignments (who each recommendation is addressed to)',
  description:
    'One row for each recommendation and organisation it is addressed to, with the status, the response deadline and the formal response. Withdrawn assignments are left out. Overdue and late are worked out for the date in as_of (JSON) or the day of download.',
  datedByToday: true,
  columns: ({ baseUrl, today }) => {
    const clocks = new WeakMap<AssignmentDataRow, ReturnType<typeof clockFor>>();
    const clock = (r: AssignmentDataRow) => {
      let c = clocks.get(r);
      if (!c) clocks.set(r, (c = clockFor(r, today)));
      return c;
    };
    return [
      {
        name: 'id',
        type: 'integer',
        meaning: 'The assignment’s identifier; stable.',
        value: (r) => r.id,
      },
      ...placeColumns<AssignmentDataRow>('The organisation it is addressed to; stable.'),
      {
        name: 'organisation_kind',
        type: 'text',
        meaning:
          'police_force, national_body, pcc_office, local_authority, government_department or other.',
        value: (r) => r.organisation_kind,
      },
      {
        name: 'addressee_confirmed',
        type: 'boolean',
        meaning:
          'false when public sources do not confirm that the recommendation was addressed to this organisation.',
        value: (r) => r.addressee_confirmed,
      },
      {
        name: 'status',
        type: 'text',
        meaning: 'awaiting_response, in_progress, awaiting_verification, implemented or closed.',
        value: (r) => r.status,
      },
      {
        name: 'closure_reason',
        type: 'text',
        meaning:
          'Why it was closed (not_accepted, overtaken_by_events, superseded, not_implemented); empty unless closed.',
        value: (r) => r.closure_reason,
      },
      ...deadlineColumns(clock, today),
      ...responseColumns(clock),
      ...reviewColumns(),
      recommendationPageColumn(baseUrl),
    ];
  },
  fetch: (repository, afterId, limit) => repository.assignments(afterId, limit),
};

const updates: Dataset<UpdateDataRow> = {
  name: 'updates',
  title: 'Published progress summaries',
  description:
    'The public summaries of progress updates that the oversight office has published, one row each, in the order they were published. Withdrawn summaries are left out. The addressees’ own updates are private and are not here.',
  datedByToday: false,
  columns: ({ baseUrl }) => [
    {
      name: 'id',
      type: 'integer',
      meaning: 'The publication’s identifier; stable.',
      value: (r) => r.id,
    },
    {
      name: 'assignment_id',
      type: 'integer',
      meaning:
        'The assignment it reports on (see assignments.id; it may since have been withdrawn).',
      value: (r) => r.assignment_id,
    },
    ...placeColumns<UpdateDataRow>('The organisation whose progress it describes.'),
    {
      name: 'published_at',
      type: 'date-time',
      meaning: 'When the summary was published.',
      value: (r) => iso(r.published_at),
    },
    { name: 'summary', type: 'text', meaning: 'The published summary.', value: (r) => r.summary },
    recommendationPageColumn(baseUrl),
  ],
  fetch: (repository, afterId, limit) => repository.updates(afterId, limit),
};

const statusNotes: Dataset<StatusNoteDataRow> = {
  name: 'status-notes',
  title: 'Public status notes',
  description:
    'The oversight office’s published reasons for where each assignment stands, one row per note, in the order they were added, including notes a newer one has replaced (current says which one the page shows). Withdrawn notes are left out. The office’s private notes and commentary are never here.',
  datedByToday: false,
  columns: ({ baseUrl }) => [
    {
      name: 'id',
      type: 'integer',
      meaning: 'The note’s identifier; stable.',
      value: (r) => r.id,
    },
    {
      name: 'assignment_id',
      type: 'integer',
      meaning: 'The assignment it is about (see assignments.id; it may since have been withdrawn).',
      value: (r) => r.assignment_id,
    },
    ...placeColumns<StatusNoteDataRow>('The organisation the assignment is addressed to.'),
    {
      name: 'occasion',
      type: 'text',
      meaning:
        'What the note was written for: verify (verifying implementation), close, reopen, rate (rating delivery confidence) or review (another review).',
      value: (r) => r.occasion,
    },
    { name: 'note', type: 'text', meaning: 'The note, as published.', value: (r) => r.note },
    {
      name: 'published_at',
      type: 'date-time',
      meaning: 'When it was published.',
      value: (r) => iso(r.published_at),
    },
    {
      name: 'current',
      type: 'boolean',
      meaning:
        'true when it is the note the assignment’s page shows now; false once a newer note was published (or a newer one was withdrawn, when the page says so instead).',
      value: (r) => r.current,
    },
    recommendationPageColumn(baseUrl),
  ],
  fetch: (repository, afterId, limit) => repository.statusNotes(afterId, limit),
};

export const DATASETS = {
  reports,
  recommendations,
  assignments,
  updates,
  'status-notes': statusNotes,
} as const;
export type DatasetName = keyof typeof DATASETS;
export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];
