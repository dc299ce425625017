/**
 * HTTP for the board pack page: reads the period, asks the service, renders. The form sends each
 * date in three boxes (from-day, from-month, from-year); links and bookmarks may send
 * from=YYYY-MM-DD and to=YYYY-MM-DD. Bad or reversed dates re-show the period form with a 400 and
 * what to fix, keeping what the user typed.
 */
import type { Request, Response } from 'express';
import { paths } from '../../shared/paths';
import { formatLongDate, londonDate } from '../../shared/calendar-date';
import { readDateFields } from '../../shared/date-input';
import { ValidationError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { asText } from '../../shared/form-input';
import { authorise } from '../accounts/policy';
import { CLOSURE_REASON_LABELS, STANCE_LABELS, STATUS_LABELS } from '../register/register.labels';
import { RAG_LABELS } from './dashboards.view-model';
import type { BoardPack, BoardPackService } from './board-pack.service';
import { renderKeptBody } from '../../shared/response-cache/kept-body';
import type { VersionMemo } from '../../shared/response-cache/version-memo';

const breadcrumbs = [{ text: 'Your workspace', href: paths.workspace() }];
const FIELD_ORDER = ['from', 'to'] as const;
const PERIOD_DATES = [
  { name: 'from', label: 'The start date' },
  { name: 'to', label: 'The end date' },
];

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

/** What the page shows: labels in words, dates as London days, links to each assignment. */
export function boardPackView(pack: BoardPack) {
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
  return {
    fromText: formatLongDate(pack.from),
    toText: formatLongDate(pack.to),
    todayText: formatLongDate(pack.today),
    reviewWaitingDays: pack.reviewWaitingDays,
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
    overdueResponses: nowList(
      pack.overdue.responses.items.map((r) => ({
        href: href(r.assignmentId),
        ref: r.ref,
        title: r.title,
        organisation: r.organisationName,
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
        href: href(x.assignmentId),
        ref: x.ref,
        title: x.title,
        organisation: x.organisationName,
        description: x.description,
        targetOn: formatLongDate(x.targetOn),
        daysOverdue: x.daysOverdue,
      })),
      pack.overdue.actions.total,
      paths.dashboards.overdue(),
      'what is late, which narrows the list by report, organisation or theme',
    ),
    ragChanges: pack.ragChanges.map((x) => ({
      ...item(x),
      on: formatLongDate(x.rated_on),
      previous: x.previous_rating ? RAG_LABELS[x.previous_rating] : 'Not rated',
      rating: RAG_LABELS[x.rating],
    })),
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
        href: href(u.assignmentId),
        ref: u.ref,
        title: u.title,
        organisation: u.organisationName,
        postedOn: formatLongDate(u.postedOn),
        daysWaiting: u.daysWaiting,
      })),
      pack.decisions.updatesWaiting.total,
      paths.reviews.index(),
      'the review queue',
    ),
  };
}

export function createBoardPackController(service: BoardPackService, memo?: VersionMemo) {
  return {
    async page(req: Request, res: Response) {
      // Check the role first, so a force lead gets 403 whatever dates they typed.
      authorise(req.user, 'oversight.view');
      const dates = readDateFields(req.query, PERIOD_DATES);
      const typed = { from: asText(dates.body.from), to: asText(dates.body.to) };
      let period;
      try {
        if (dates.errors.length) throw new ValidationError(dates.errors);
        period = service.period(dates.body);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(400).render('board-pack/index', {
          pageTitle: 'Error: Board pack',
          breadcrumbs,
          form: { action: paths.boardPack.page(), values: typed },
          ...errorSummary(err.errors, FIELD_ORDER),
        });
        return;
      }
      const chosen = period;
      // The same pack for everyone allowed to read it (checked above): rendered once per version.
      await renderKeptBody(req, res, memo, 'workspace', service.today(), async () => ({
        view: 'board-pack/index',
        locals: {
          pageTitle: 'Board pack',
          breadcrumbs,
          form: { action: paths.boardPack.page(), values: chosen },
          apiHref: paths.boardPack.api(chosen),
          pack: boardPackView(await service.pack(req.user, chosen)),
        },
      }));
    },
  };
}
