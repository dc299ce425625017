/** Shapes the workspace's assignment data for its pages: labels, tags and derived phrases. */
import { formatLongDate, formatShortDate } from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import { describeDue, type ResponseClock } from './deadlines';
import { STANCE_LABELS, STATUS_LABELS } from '../register/register.labels';
import { statusTag } from '../public-record/register.view-model';
import type { AssignmentDetail, AssignmentListItem } from './responses.service';
import type { ActionState, ExtensionState } from './responses.schemas';

export const ACTION_STATE_LABELS: Record<ActionState, string> = {
  planned: 'Planned',
  in_progress: 'In progress',
  done: 'Done',
  dropped: 'Dropped',
};

const EXTENSION_STATE_TAGS: Record<ExtensionState, { text: string; classes: string }> = {
  pending: { text: 'Waiting for a decision', classes: 'govuk-tag--yellow' },
  granted: { text: 'Granted', classes: 'govuk-tag--green' },
  refused: { text: 'Refused', classes: 'govuk-tag--red' },
};

const TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'Europe/London',
});
export const dateAndTime = (d: Date) => `${TIME.format(d)} (UK time)`;

/** "N days left", "Overdue by N days" and so on, with a red tag when overdue. */
export function dueView(clock: ResponseClock) {
  return {
    date: clock.dueOn ? formatLongDate(clock.dueOn) : null,
    shortDate: clock.dueOn ? formatShortDate(clock.dueOn) : null,
    description: describeDue(clock),
    overdue: clock.overdue,
    late: clock.respondedLate === true,
  };
}

export function listItemView(item: AssignmentListItem) {
  return {
    href: paths.assignments.show(item.id),
    ref: item.ref,
    title: item.title ?? item.ref,
    organisationName: item.organisationName,
    status: statusTag(item.status),
    due: dueView(item.clock),
    nextActionOn: item.nextActionOn ? formatShortDate(item.nextActionOn) : null,
    lastChanged: item.lastChangedAt ? dateAndTime(item.lastChangedAt) : null,
  };
}

export function detailView(a: AssignmentDetail) {
  return {
    id: a.id,
    ref: a.recommendation.ref,
    title: a.recommendation.title ?? a.recommendation.ref,
    text: a.recommendation.text,
    organisationName: a.organisation.name,
    reportTitle: a.report.title,
    publicHref: paths.recommendations.show(a.recommendation.ref),
    updatesHref: paths.assignments.updates(a.id),
    deadlinesHref: paths.assignments.deadlines(a.id),
    status: statusTag(a.status),
    statusLabel: STATUS_LABELS[a.status],
    due: dueView(a.clock),
    target: a.targets.heldTo
      ? {
          on: formatLongDate(a.targets.heldTo),
          committed: a.targets.committedOn !== null,
          past: a.targets.pastTarget,
        }
      : null,
    response: a.response
      ? {
          stanceLabel: STANCE_LABELS[a.response.stance],
          text: a.response.text,
          respondedOn: formatLongDate(a.response.respondedOn),
          dateConfirmed: a.response.respondedOnConfirmed,
          sourceUrl: a.response.sourceUrl,
          recordedOn: dateAndTime(a.response.recordedAt),
          recordedBy: a.response.recordedBy,
          late: a.response.late === true,
          version: a.response.version,
        }
      : null,
    earlierResponses: a.responseVersions.slice(1).map((v) => ({
      version: v.version,
      stanceLabel: STANCE_LABELS[v.stance],
      text: v.text,
      respondedOn: formatLongDate(v.respondedOn),
      dateConfirmed: v.respondedOnConfirmed,
      sourceUrl: v.sourceUrl,
      recordedOn: dateAndTime(v.recordedAt),
      recordedBy: v.recordedBy,
    })),
    extensions: a.extensions.map((e) => ({
      id: e.id,
      tag: EXTENSION_STATE_TAGS[e.state],
      pending: e.state === 'pending',
      dueOnWhenRequested: formatLongDate(e.dueOnWhenRequested),
      requestedDueOn: formatLongDate(e.requestedDueOn),
      reason: e.reason,
      requestedBy: e.requestedBy,
      requestedAt: dateAndTime(e.requestedAt),
      decidedBy: e.decidedBy,
      decidedAt: e.decidedAt ? dateAndTime(e.decidedAt) : null,
      decisionReason: e.decisionReason,
      decisionAction: paths.assignments.extensionDecision(a.id, e.id),
    })),
    actions: a.actions.map((x) => ({
      id: x.id,
      description: x.description,
      owner: x.owner,
      targetOn: formatLongDate(x.targetOn),
      stateLabel: ACTION_STATE_LABELS[x.state],
      overdue: x.overdue,
      editHref: paths.assignments.action(a.id, x.id),
      revisions: x.revisions.map(revisionView),
    })),
  };
}

export function revisionView(r: AssignmentDetail['actions'][number]['revisions'][number]) {
  return {
    when: dateAndTime(r.revisedAt),
    by: r.revisedBy,
    description: r.description,
    owner: r.owner,
    stateLabel: ACTION_STATE_LABELS[r.state],
    targetOn: formatLongDate(r.targetOn),
    previousTargetOn:
      r.previousTargetOn && r.previousTargetOn !== r.targetOn
        ? formatLongDate(r.previousTargetOn)
        : null,
    reason: r.reason,
    created: r.previousTargetOn === null,
  };
}
