/**
 * The board pack as the page shows it: labels in words, dates as London days, links to each
 * assignment; the lists of what stands now are cut to their first rows.
 */
import { paths } from '../../shared/paths';
import { formatLongDate, londonDate } from '../../shared/calendar-date';
import { CLOSURE_REASON_LABELS, STANCE_LABELS, STATUS_LABELS } from '../register/register.labels';
import { RAG_LABELS } from './dashboards.view-model';
import type { BoardPack } from './board-pack.service';

const day = (instant: Date) => formatLongDate(londonDate(instant));
const href = (assignmentId: number) => paths.assignments.show(assignmentId);

/**
 * The most rows the pack prints of a list of what stands now (overdue, waiting for a decision):
 * those lists are not bounded by the period and at thousands of organisations ran to megabytes.
 * Each says how many it holds and links to where all of them are. What changed in the period is
 * the pack's record and is printed whole.
 */
export const BOARD_PACK_LIST_MAX = 50;

/** A list of what stands now, first rows only, with its total and where the whole list is. */
function nowList<T>(rows: T[], total: number, fullHref: string, fullText: string) {
  const shown = rows.slice(0, BOARD_PACK_LIST_MAX);
  return { rows: shown, total, more: total - shown.length, fullHref, fullText };
}

/** Names an assignment in a list: its link, reference, title and organisation. */
const item = (x: {
  assignment_id: number;
  ref: string;
  title: string | null;
  organisation_name: string;
}) => ({
  href: href(x.assignment_id),
  ref: x.ref,
  title: x.title,
  organisation: x.organisation_name,
});

/** The same, from the dashboards' overdue lists (camelCase). */
const listedItem = (x: {
  assignmentId: number;
  ref: string;
  title: string | null;
  organisationName: string;
}) => ({
  href: href(x.assignmentId),
  ref: x.ref,
  title: x.title,
  organisation: x.organisationName,
});

/** What changed in the period: the pack's record, printed whole. */
function periodChanges(pack: BoardPack) {
  return {
    statusChanges: pack.changed.statusChanges.map((c) => ({
      ...item(c),
      on: day(c.changed_at),
      from: c.from_status ? STATUS_LABELS[c.from_status] : 'None',
      to: STATUS_LABELS[c.to_status],
      closureReason: c.closure_reason ? CLOSURE_REASON_LABELS[c.closure_reason] : null,
    })),
    responses: pack.changed.responses.map((x) => ({
      ...item(x),
      on: formatLongDate(x.responded_on),
      stance: STANCE_LABELS[x.stance],
      revised: x.version > 1,
    })),
    reviews: pack.changed.reviews.map((v) => ({
      ...item(v),
      on: day(v.created_at),
      decision: v.decision === 'accepted' ? 'Accepted' : 'Returned for more work',
      reviewer: v.reviewer_label,
    })),
    extensions: pack.changed.extensions.map((e) => ({
      ...item(e),
      on: e.decided_on ? formatLongDate(e.decided_on) : '',
      decision: e.state === 'granted' ? 'Granted' : 'Refused',
      dueWhenRequested: formatLongDate(e.due_on_when_requested),
      requestedDue: formatLongDate(e.requested_due_on),
    })),
  };
}

/** What is overdue now. */
function overdueNow(pack: BoardPack) {
  return {
    overdueResponses: nowList(
      pack.overdue.responses.items.map((r) => ({
        ...listedItem(r),
        dueOn: formatLongDate(r.dueOn),
        extended: r.extended,
        daysOverdue: r.daysOverdue,
      })),
      pack.overdue.responses.total,
      paths.assignments.index({ status: 'awaiting_response', sort: 'due' }),
      'every assignment awaiting a response, earliest due first',
    ),
    overdueActions: nowList(
      pack.overdue.actions.items.map((x) => ({
        ...listedItem(x),
        description: x.description,
        targetOn: formatLongDate(x.targetOn),
        daysOverdue: x.daysOverdue,
      })),
      pack.overdue.actions.total,
      paths.dashboards.overdue(),
      'what is late, which narrows the list by report, organisation or theme',
    ),
  };
}

/** What waits for the office's decision now. */
function decisionsWaiting(pack: BoardPack) {
  return {
    pendingExtensions: nowList(
      pack.decisions.pendingExtensions.map((e) => ({
        ...item(e),
        requestedOn: day(e.requested_at),
        dueWhenRequested: formatLongDate(e.due_on_when_requested),
        requestedDue: formatLongDate(e.requested_due_on),
      })),
      pack.decisions.pendingExtensions.length,
      paths.boardPack.api({ from: pack.from, to: pack.to }),
      'the same pack as JSON (with an API token), which lists every one',
    ),
    awaitingVerification: nowList(
      pack.decisions.awaitingVerification.map((a) => ({
        ...item(a),
        since: a.since ? day(a.since) : 'Not recorded',
      })),
      pack.decisions.awaitingVerification.length,
      paths.assignments.index({ status: 'awaiting_verification' }),
      'every assignment awaiting verification',
    ),
    notAccepted: nowList(
      pack.decisions.notAccepted.map((x) => ({
        ...item(x),
        respondedOn: formatLongDate(x.responded_on),
      })),
      pack.decisions.notAccepted.length,
      paths.exports.assignments(),
      'every assignment with its response, as a spreadsheet (CSV)',
    ),
    updatesWaiting: nowList(
      pack.decisions.updatesWaiting.items.map((u) => ({
        ...listedItem(u),
        postedOn: formatLongDate(u.postedOn),
        daysWaiting: u.daysWaiting,
      })),
      pack.decisions.updatesWaiting.total,
      paths.reviews.index(),
      'the review queue',
    ),
  };
}

/** What the page shows: labels in words, dates as London days, links to each assignment. */
export function boardPackView(pack: BoardPack) {
  return {
    fromText: formatLongDate(pack.from),
    toText: formatLongDate(pack.to),
    todayText: formatLongDate(pack.today),
    reviewWaitingDays: pack.reviewWaitingDays,
    ...periodChanges(pack),
    ...overdueNow(pack),
    ragChanges: pack.ragChanges.map((x) => ({
      ...item(x),
      on: formatLongDate(x.rated_on),
      previous: x.previous_rating ? RAG_LABELS[x.previous_rating] : 'Not rated',
      rating: RAG_LABELS[x.rating],
    })),
    ...decisionsWaiting(pack),
  };
}
