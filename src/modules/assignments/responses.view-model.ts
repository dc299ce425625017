/** Shapes the workspace's assignment data for its pages: labels, tags and derived phrases. */
import { formatLongDate, formatShortDate } from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import { describeDue, type ResponseClock } from './deadlines';
import { STANCE_LABELS, STATUS_LABELS } from '../register/register.labels';
import { statusTag } from '../public-record/register.view-model';
import { ASSIGNMENT_STATUSES, RESPONSE_STANCES } from '../../db/tables';
import type { AssignmentDetail, AssignmentListItem } from './responses.service';
import {
  ACTION_STATES,
  SORT_KEYS,
  type ActionState,
  type AssignmentsQuery,
  type ExtensionState,
} from './responses.schemas';

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

/** Radios for one of `values`, the first carrying the field's own id (the error summary links to it). */
function options<T extends string>(
  values: readonly T[],
  labels: Record<T, string>,
  selected: string,
  id: string,
) {
  return values.map((value, i) => ({
    id: i === 0 ? id : `${id}-${i + 1}`,
    value,
    text: labels[value],
    checked: value === selected,
  }));
}

const SORT_LABELS: Record<(typeof SORT_KEYS)[number], string> = {
  due: 'Response due date',
  reference: 'Reference',
  status: 'Status',
};

/** The list page's filters: status, organisation (when there is more than one to see) and order. */
export function listFiltersView(
  query: AssignmentsQuery,
  organisations: { slug: string; name: string }[],
) {
  return {
    statuses: [
      { value: '', text: 'Any status', selected: !query.status },
      ...ASSIGNMENT_STATUSES.map((s) => ({
        value: s,
        text: STATUS_LABELS[s],
        selected: s === query.status,
      })),
    ],
    organisations: organisations.length
      ? [
          { value: '', text: 'Any organisation', selected: !query.organisation },
          ...organisations.map((o) => ({
            value: o.slug,
            text: o.name,
            selected: o.slug === query.organisation,
          })),
        ]
      : null,
    sorts: SORT_KEYS.map((s) => ({
      value: s,
      text: SORT_LABELS[s],
      selected: s === (query.sort || 'due'),
    })),
  };
}

/** The assignment page's own forms: which of them failed, if one did, and what was typed in it. */
export type AssignmentForm = 'response' | 'extension' | 'decision' | 'action';

/**
 * The assignment page's own sections: the assignment, and its response, extension and action-plan
 * forms, each with what was typed when it failed (`failed`) or what it starts with.
 */
export function assignmentPageView(
  detail: AssignmentDetail,
  failed?: { form: AssignmentForm; values: Record<string, string>; extensionId?: number },
) {
  const id = detail.id;
  const typed = (form: AssignmentForm) => (failed?.form === form ? failed.values : undefined);
  const responseValues = typed('response') ?? {
    text: detail.response?.text ?? '',
    stance: detail.response?.stance ?? '',
    sourceUrl: '',
  };
  const actionValues = typed('action') ?? {
    description: '',
    owner: '',
    targetOn: '',
    state: 'planned',
  };
  return {
    a: detailView(detail),
    may: detail.may,
    extensionRefusal:
      detail.may.act && !detail.may.requestExtension.allowed
        ? detail.may.requestExtension.reason
        : null,
    responseForm: {
      action: paths.assignments.response(id),
      values: responseValues,
      stances: options(
        RESPONSE_STANCES,
        STANCE_LABELS,
        responseValues.stance ?? '',
        'response-stance',
      ),
      revising: detail.response !== null,
    },
    extensionForm: {
      action: paths.assignments.extensions(id),
      values: typed('extension') ?? { newDueOn: '', reason: '' },
      // A refused request keeps its form, so the reason the lead wrote is not lost.
      show: detail.may.requestExtension.allowed || failed?.form === 'extension',
    },
    decision:
      failed?.form === 'decision'
        ? { extensionId: failed.extensionId, values: failed.values }
        : null,
    actionForm: {
      action: paths.assignments.actions(id),
      values: actionValues,
      states: options(ACTION_STATES, ACTION_STATE_LABELS, actionValues.state ?? '', 'action-state'),
    },
  };
}

/** The page for changing one action: the action as it is (or as typed), and its history. */
export function actionPageView(
  detail: AssignmentDetail,
  action: AssignmentDetail['actions'][number],
  typed?: Record<string, string>,
) {
  const values = typed ?? {
    description: action.description,
    owner: action.owner,
    targetOn: action.targetOn,
    state: action.state,
    reason: '',
  };
  return {
    ref: detail.recommendation.ref,
    formAction: paths.assignments.action(detail.id, action.id),
    currentTargetOn: action.targetOn,
    currentTargetHint: `The current target is ${action.targetOn ? formatLongDate(action.targetOn) : 'not set'}; if you change it, give a reason below. For example, 31 3 2022.`,
    values,
    states: options(ACTION_STATES, ACTION_STATE_LABELS, values.state ?? '', 'revise-state'),
    revisions: action.revisions.map(revisionView),
  };
}
