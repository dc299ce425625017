/** Shapes register-admin data for the templates: history lines, choices for selects and radios. */
import { LEGAL_BASES, DEADLINE_RULES } from '../assignments/deadlines.rules';
import { ORGANISATION_KINDS, TEXT_STATUSES, type OrganisationKind } from '../../db/tables';
import { ORGANISATION_KIND_LABELS, TEXT_STATUS_LABELS } from './register.labels';
import type { AuditEventRow } from './register-admin.repository';

const LONG_DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
});
const TIME = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'Europe/London',
});
export const dateAndTime = (d: Date) => `${LONG_DATE.format(d)} at ${TIME.format(d)} (UK time)`;

const ACTIONS: Record<string, string> = {
  'report.create': 'Report created',
  'report.update': 'Report changed',
  'recommendation.create': 'Recommendation created',
  'recommendation.update': 'Recommendation changed',
  'recommendation.withdraw': 'Recommendation withdrawn',
  'recommendation.addressees_added': 'Addressed to more organisations',
  'assignment.create': 'Addressee added',
  'assignment.withdraw': 'Addressee withdrawn',
  'organisation.create': 'Organisation created',
  'organisation.update': 'Organisation changed',
};

const FIELD_LABELS: Record<string, string> = {
  slug: 'Short name',
  title: 'Title',
  issuerName: 'Issuer',
  issuerShort: 'Issuer’s short name',
  publishedOn: 'Published on',
  datedOn: 'Date on the report',
  legalBasis: 'Legal basis',
  sourceUrl: 'Source',
  summary: 'Summary',
  publishResponses: 'Publish responses',
  ref: 'Reference',
  sourceNumber: 'Number in the source',
  text: 'Text',
  textStatus: 'Text status',
  themes: 'Themes',
  madeOn: 'Made on',
  madeOnConfirmed: 'Date made confirmed',
  repeatsRef: 'Repeats',
  position: 'Position',
  name: 'Name',
  kind: 'Kind',
  reason: 'Reason',
  dueDatesMoved: 'Response due dates moved',
  assignmentsWithdrawn: 'Addressees withdrawn with it',
  added: 'Added',
  skipped: 'Already addressed (skipped)',
  responseDueOn: 'Response due on',
  withdrawn: 'Withdrawn',
  report: 'Report',
};

const MAX_VALUE_LENGTH = 300;

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(none)';
  if (value === true) return 'yes';
  if (value === false) return 'no';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text;
}

/** One history entry: what happened, who did it, when, and each changed field's before and after. */
export function historyView(events: AuditEventRow[]) {
  return events.map((e) => {
    const before = e.before ?? {};
    const after = e.after ?? {};
    const fields = [...new Set([...Object.keys(after), ...Object.keys(before)])];
    return {
      when: dateAndTime(new Date(e.occurred_at)),
      who: e.actor_label ?? e.actor_type,
      what:
        (ACTIONS[e.action] ?? e.action) +
        (e.subject_type === 'assignment' ? ` (addressee entry ${e.subject_id})` : ''),
      changes: fields.map((f) => ({
        field: FIELD_LABELS[f] ?? f,
        before: f in before && e.after ? show(before[f]) : null,
        after: f in after ? show(after[f]) : show(before[f]),
      })),
    };
  });
}

export function legalBasisOptions(selected: string) {
  return [
    { value: '', text: 'Select the legal basis', selected: selected === '' },
    ...LEGAL_BASES.map((b) => ({
      value: b,
      text: DEADLINE_RULES[b].label,
      selected: b === selected,
    })),
  ];
}

export function kindOptions(selected: string, emptyText = 'Select a kind') {
  return [
    { value: '', text: emptyText, selected: selected === '' },
    ...ORGANISATION_KINDS.map((k) => ({
      value: k,
      text: ORGANISATION_KIND_LABELS[k],
      selected: k === selected,
    })),
  ];
}

export const kindLabel = (k: OrganisationKind) => ORGANISATION_KIND_LABELS[k];

/** Radios for the text status (the first one's id is the field's, for the error summary's link). */
export function textStatusOptions(selected: string) {
  return TEXT_STATUSES.map((s, i) => ({
    id: i === 0 ? 'textStatus' : `textStatus-${i + 1}`,
    value: s,
    text: TEXT_STATUS_LABELS[s].label,
    hint:
      s === 'pending'
        ? 'The text has not been entered yet. Leave the text empty.'
        : TEXT_STATUS_LABELS[s].explanation,
    checked: s === selected,
  }));
}
