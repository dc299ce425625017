/** Shapes the oversight office's data for its pages: labels, tags and the assignment page panel. */
import { formatLongDate } from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import type { AssignmentStatus, ClosureReason } from '../../db/tables';
import { CLOSURE_REASONS } from '../../db/tables';
import { CLOSURE_REASON_LABELS, STATUS_LABELS } from '../register/register.labels';
import { statusTag } from '../public-record/register.view-model';
import { dateAndTime } from './responses.view-model';
import { SELF_ASSESSMENT_LABELS, describeSize } from './progress-updates.view-model';
import type {
  ConfidenceRating,
  OversightService,
  QueueItem,
  StatusChange,
} from './decisions.service';
import { RATINGS, type Rating, type ReviewDecision } from './decisions.schemas';

/** Words first: the colour only repeats what the text says. */
export const RATING_LABELS: Record<Rating, string> = {
  red: 'Red: delivery at serious risk',
  amber: 'Amber: some concerns about delivery',
  green: 'Green: delivery on course',
};
const RATING_SHORT: Record<Rating, string> = { red: 'Red', amber: 'Amber', green: 'Green' };
/** What each rating means, shown after its tag (the tag says the colour's name in words). */
const RATING_MEANINGS: Record<Rating, string> = {
  red: 'delivery at serious risk',
  amber: 'some concerns about delivery',
  green: 'delivery on course',
};
const RATING_CLASSES: Record<Rating, string> = {
  red: 'govuk-tag--red',
  amber: 'govuk-tag--orange',
  green: 'govuk-tag--green',
};

export const DECISION_LABELS: Record<ReviewDecision, string> = {
  accepted: 'Accepted',
  returned: 'Returned with feedback',
};
const DECISION_CLASSES: Record<ReviewDecision, string> = {
  accepted: 'govuk-tag--green',
  returned: 'govuk-tag--orange',
};

const EVENT_LABELS: Record<string, string> = {
  respond: 'Response recorded',
  claim_complete: 'Implementation claimed',
  return_update: 'Update returned with feedback',
  verify: 'Implementation verified',
  close: 'Closed',
  reopen: 'Reopened',
  recorded: 'Recorded',
};

export const ratingTag = (rating: Rating) => ({
  text: RATING_SHORT[rating],
  classes: RATING_CLASSES[rating],
});

const SELF_ASSESSMENT_CLASSES: Record<string, string> = {
  on_track: 'govuk-tag--green',
  at_risk: 'govuk-tag--yellow',
  off_track: 'govuk-tag--red',
  complete: 'govuk-tag--blue',
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function queueItemView(item: QueueItem) {
  return {
    href: paths.reviews.show(item.updateId),
    assignmentHref: paths.assignments.show(item.assignmentId),
    organisation: item.organisation.name,
    ref: item.recommendation.ref,
    title: item.recommendation.title ?? item.recommendation.ref,
    selfAssessment: {
      text: SELF_ASSESSMENT_LABELS[item.selfAssessment],
      classes: SELF_ASSESSMENT_CLASSES[item.selfAssessment],
    },
    posted: dateAndTime(item.createdAt),
    age: item.ageDays === 0 ? 'Today' : plural(item.ageDays, 'day', 'days'),
    files: item.evidenceFiles === 0 ? 'None' : String(item.evidenceFiles),
  };
}

type ReviewPageData = Awaited<ReturnType<OversightService['reviewPage']>>;

export function reviewPageView(data: ReviewPageData) {
  return {
    updateId: data.update.id,
    ref: data.recommendation.ref,
    title: data.recommendation.title ?? data.recommendation.ref,
    organisation: data.organisation.name,
    assignmentHref: paths.assignments.show(data.assignment.id),
    status: statusTag(data.assignment.status),
    author: data.update.author,
    posted: dateAndTime(data.update.createdAt),
    selfAssessment: {
      text: SELF_ASSESSMENT_LABELS[data.update.selfAssessment],
      classes: SELF_ASSESSMENT_CLASSES[data.update.selfAssessment],
    },
    claimsComplete: data.update.selfAssessment === 'complete',
    paragraphs: data.update.narrative.split(/\n{2,}/),
    files: data.files.map((f) => ({
      name: f.name,
      type: f.contentType.replace(/;.*$/, ''),
      size: describeSize(f.sizeBytes),
      sha256: f.sha256,
      href: paths.evidence.download(f.id),
    })),
    review: data.review
      ? {
          tag: {
            text: DECISION_LABELS[data.review.decision],
            classes: DECISION_CLASSES[data.review.decision],
          },
          feedback: data.review.feedback,
          reviewer: data.review.reviewer,
          reviewedAt: dateAndTime(data.review.reviewedAt),
        }
      : null,
  };
}

export function statusChangeView(c: StatusChange) {
  const to =
    c.toStatus === 'closed' && c.closureReason
      ? `${STATUS_LABELS.closed} (${CLOSURE_REASON_LABELS[c.closureReason].toLowerCase()})`
      : STATUS_LABELS[c.toStatus];
  return {
    when: dateAndTime(c.changedAt),
    event: EVENT_LABELS[c.event] ?? c.event,
    from: c.fromStatus ? STATUS_LABELS[c.fromStatus] : 'None',
    to,
    by: c.actor,
    note: c.note,
  };
}

export function ratingView(r: ConfidenceRating) {
  return {
    tag: ratingTag(r.rating),
    meaning: RATING_MEANINGS[r.rating],
    ratedOn: formatLongDate(r.ratedOn),
    commentary: r.commentary,
    rater: r.rater,
    recorded: dateAndTime(r.createdAt),
  };
}

export type PanelForm = 'verify' | 'close' | 'reopen' | 'confidence';
export const PANEL_FIELDS: Record<PanelForm, string[]> = {
  verify: ['note', 'checkOn'],
  close: ['reason', 'note'],
  reopen: ['note'],
  confidence: ['rating', 'commentary', 'ratedOn'],
};

/** The assignment page's oversight panel, with the values of a form that failed, if one did. */
export function panelView(
  panel: Awaited<ReturnType<OversightService['assignmentPanel']>>,
  failed?: { form: PanelForm; values: Record<string, string> },
) {
  const id = panel.assignmentId;
  const values = (form: PanelForm, fallback: Record<string, string>) =>
    failed?.form === form ? failed.values : fallback;
  const status: AssignmentStatus = panel.status;
  const open = ['awaiting_response', 'in_progress', 'awaiting_verification'].includes(status);
  const closeValues = values('close', { reason: '', note: '' });
  const rateValues = values('confidence', { rating: '', commentary: '', ratedOn: '' });
  const current = panel.ratings[0];
  return {
    current: current ? ratingView(current) : null,
    ratings: panel.ratings.map(ratingView),
    earlierRatings: panel.ratings.slice(1).map(ratingView),
    changes: panel.changes.map(statusChangeView),
    mayDecide: panel.mayDecide,
    statusNotesHref: paths.publication.statusNotes(id),
    // A form stays on the page after it failed, so the message has somewhere to point.
    verify: {
      show: status === 'awaiting_verification' || failed?.form === 'verify',
      action: paths.oversight.verification(id),
      values: values('verify', { note: '', checkOn: '' }),
      checkHint: `A day after today (${formatLongDate(panel.today)}) to check that the change has lasted. It will appear in the workspace and in reminders when it is due. For example, 30 6 ${Number(panel.today.slice(0, 4)) + 1}.`,
    },
    close: {
      show: open || failed?.form === 'close',
      action: paths.oversight.closure(id),
      values: closeValues,
      reasons: CLOSURE_REASONS.map((value, i) => ({
        id: i === 0 ? 'close-reason' : `close-reason-${i + 1}`,
        value,
        text: CLOSURE_REASON_LABELS[value as ClosureReason],
        checked: value === closeValues.reason,
      })),
    },
    reopen: {
      show: status === 'implemented' || failed?.form === 'reopen',
      action: paths.oversight.reopening(id),
      values: values('reopen', { note: '' }),
    },
    confidence: {
      action: paths.oversight.confidence(id),
      values: rateValues,
      today: panel.today,
      dateHint: `Leave it empty for today (${formatLongDate(panel.today)}); it cannot be in the future. For example, 3 3 2026.`,
      ratings: RATINGS.map((value, i) => ({
        id: i === 0 ? 'confidence-rating' : `confidence-rating-${i + 1}`,
        value,
        text: RATING_LABELS[value],
        checked: value === rateValues.rating,
      })),
    },
  };
}
