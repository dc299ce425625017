/** The deadlines page, shaped for its template: words and dates, never raw codes. */
import { formatLongDate } from '../../shared/calendar-date';
import { paths } from '../../shared/paths';
import { describeDue } from './deadlines';
import { ORGANISATION_KIND_LABELS } from '../register/register.labels';
import type { OrganisationKind } from '../../db/tables';
import type { AssignmentDeadlines } from './deadline-settings.service';
import { OVERRIDE_CHOICES, type OverrideChoice } from './deadline-settings.schemas';

const dateAndTime = (d: Date) =>
  new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Europe/London',
  }).format(d);

export const BASIS_WORDS: Record<AssignmentDeadlines['clock']['basis'], string> = {
  statutory: 'The statutory response clock applies to this organisation.',
  recorded_date: 'A due date has been recorded for this organisation by the administrator.',
  not_this_addressee:
    'The law places the duty to respond on another addressee, so this organisation has no statutory response deadline.',
  overridden_off: 'The administrator has set that this organisation has no response deadline.',
  no_statutory_clock: 'The report’s legal basis sets no response deadline.',
};

export const OVERRIDE_LABELS: Record<OverrideChoice, string> = {
  rules: 'Follow the rule for the legal basis and kind of organisation',
  statutory: 'Apply the statutory clock to this organisation',
  none: 'No response deadline for this organisation',
  date: 'Record a due date for this organisation',
};

type FailedForms = {
  override?: Record<string, string>;
  committed?: Record<string, string>;
  implementBy?: Record<string, string>;
  pause?: Record<string, string>;
  endPause?: Record<string, string>;
  check?: Record<string, string>;
};

/** What the page says about the assignment and its clock. */
function clockView(d: AssignmentDeadlines) {
  return {
    id: d.id,
    ref: d.ref,
    title: d.title ?? d.ref,
    organisationName: d.organisation.name,
    organisationKind: ORGANISATION_KIND_LABELS[d.organisation.kind as OrganisationKind],
    reportTitle: d.report.title,
    ruleLabel: d.rule.label,
    dutyHolders: d.rule.dutyHolders,
    basis: BASIS_WORDS[d.clock.basis],
    dueOn: d.clock.dueOn ? formatLongDate(d.clock.dueOn) : null,
    dueDescription: describeDue(d.clock),
    overdue: d.clock.overdue,
    assignmentHref: paths.assignments.show(d.id),
  };
}

/** What has been recorded: overrides, target dates and their history, pauses and checks. */
function recordsView(d: AssignmentDeadlines, failed: FailedForms) {
  const t = d.targets;
  return {
    overrides: d.overrides.map((o) => ({
      label: OVERRIDE_LABELS[o.mode],
      dueOn: o.dueOn ? formatLongDate(o.dueOn) : null,
      reason: o.reason,
      setBy: o.setBy,
      setAt: dateAndTime(o.setAt),
    })),
    targets: {
      implementBy: t.implementBy ? formatLongDate(t.implementBy) : null,
      wording: t.wording,
      pastImplementBy: t.pastImplementBy,
      committedOn: t.committedOn ? formatLongDate(t.committedOn) : null,
      pastCommitted: t.pastCommitted,
      daysLeft:
        t.daysLeft === null
          ? null
          : t.daysLeft >= 0
            ? `${t.daysLeft} ${t.daysLeft === 1 ? 'day' : 'days'} left`
            : `Past by ${-t.daysLeft} ${t.daysLeft === -1 ? 'day' : 'days'}`,
    },
    targetHistory: d.targetHistory.map((h) => ({
      what:
        h.what === 'implement_by'
          ? 'The recommendation’s own target date'
          : 'The date the organisation committed to',
      on: h.on ? formatLongDate(h.on) : 'removed',
      previous: h.previous ? formatLongDate(h.previous) : null,
      wording: h.wording,
      reason: h.reason,
      setBy: h.setBy,
      setAt: dateAndTime(h.setAt),
    })),
    paused: d.clock.paused,
    pauses: d.pauses.map((p) => ({
      from: formatLongDate(p.from),
      to: p.to ? formatLongDate(p.to) : null,
      reason: p.reason,
      recordedBy: p.recordedBy,
      recordedAt: dateAndTime(p.recordedAt),
      endedBy: p.endedBy,
      endedAt: p.endedAt ? dateAndTime(p.endedAt) : null,
      endForm:
        d.may.pause && p.to === null
          ? {
              action: paths.assignments.endPause(d.id, p.id),
              values: failed.endPause ?? { toOn: '' },
            }
          : null,
    })),
    checks: d.checks.map((c) => ({
      dueOn: formatLongDate(c.dueOn),
      due: c.due,
      outcome:
        c.outcome === 'sustained'
          ? 'The change has lasted'
          : c.outcome === 'reopened'
            ? 'Reopened: the change did not last'
            : null,
      note: c.note,
      decidedOn: c.decidedOn ? formatLongDate(c.decidedOn) : null,
    })),
  };
}

/** The forms the user may use, each with what was typed when it failed. */
function formsView(d: AssignmentDeadlines, failed: FailedForms) {
  const t = d.targets;
  const current: OverrideChoice = d.override?.mode ?? 'rules';
  const overrideValues = failed.override ?? {
    mode: current,
    dueOn: d.override?.mode === 'date' ? d.override.dueOn : '',
    reason: '',
  };
  return {
    checkForm: d.may.check
      ? {
          action: paths.assignments.sustainmentCheck(d.id),
          values: failed.check ?? { outcome: '', note: '', evidenceUpdateId: '' },
          outcomes: [
            { value: 'sustained', text: 'The change has lasted', id: 'check-outcome-sustained' },
            {
              value: 'reopened',
              text: 'It has not: reopen the assignment',
              id: 'check-outcome-reopened',
            },
          ].map((o) => ({ ...o, checked: (failed.check?.outcome ?? '') === o.value })),
          evidence: d.evidenceChoices.map((u) => ({
            value: String(u.id),
            text: `${dateAndTime(u.postedAt)}: ${u.summary}`,
            selected: (failed.check?.evidenceUpdateId ?? '') === String(u.id),
          })),
          updatesHref: paths.assignments.updates(d.id),
        }
      : null,
    pauseForm: d.may.pause
      ? {
          action: paths.assignments.pauses(d.id),
          values: failed.pause ?? { fromOn: '', toOn: '', reason: '' },
        }
      : null,
    committedForm: d.may.commit
      ? {
          action: paths.assignments.committedDate(d.id),
          values: failed.committed ?? { committedOn: t.committedOn ?? '', reason: '' },
          moving: t.committedOn !== null,
        }
      : null,
    implementByForm: d.may.implementBy
      ? {
          action: paths.assignments.implementBy(d.id),
          values: failed.implementBy ?? {
            implementBy: t.implementBy ?? '',
            wording: t.wording ?? '',
            reason: '',
          },
        }
      : null,
    overrideForm: d.may.override
      ? {
          action: paths.assignments.clockOverride(d.id),
          values: overrideValues,
          choices: OVERRIDE_CHOICES.map((value) => ({
            value,
            text: OVERRIDE_LABELS[value],
            id: `override-mode-${value}`,
            checked: overrideValues.mode === value,
          })),
        }
      : null,
  };
}

/** The deadlines page: the clock, what has been recorded, and the forms (`failed`: as typed). */
export function deadlinesView(d: AssignmentDeadlines, failed: FailedForms) {
  return { ...clockView(d), ...recordsView(d, failed), ...formsView(d, failed) };
}
