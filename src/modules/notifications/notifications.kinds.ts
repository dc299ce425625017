/** The kinds of notification, what people see them called, and the email choices for each. */

export const NOTIFICATION_KINDS = [
  'response_due',
  'response_overdue',
  'response_overdue_escalation',
  'action_overdue',
  'extension_requested',
  'extension_decided',
  'update_reviewed',
  'review_waiting',
  'target_approaching',
  'target_passed',
  'sustainment_check_due',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const EMAIL_MODES = ['immediate', 'digest', 'off'] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];

/** The weekly digest has its own preference: on ('immediate' in storage) or off. */
export const DIGEST_PREFERENCE = 'weekly_digest';

export const KIND_LABELS: Record<NotificationKind, { label: string; hint: string }> = {
  response_due: {
    label: 'A response is due soon',
    hint: '14, 7 and 1 days before your organisation’s formal response is due.',
  },
  response_overdue: {
    label: 'A response is overdue',
    hint: 'The day after the due date, then weekly until a response is recorded.',
  },
  response_overdue_escalation: {
    label: 'A response is more than 14 days overdue',
    hint: 'For overseers: an addressee has not responded 14 days after the due date.',
  },
  action_overdue: {
    label: 'An action’s target date has passed',
    hint: 'An action in the plan is not done and its target date has passed.',
  },
  extension_requested: {
    label: 'An extension was requested',
    hint: 'For overseers: an addressee asked for more time to respond.',
  },
  extension_decided: {
    label: 'An extension request was decided',
    hint: 'The overseer granted or refused your organisation’s request.',
  },
  update_reviewed: {
    label: 'A progress update was accepted or returned',
    hint: 'The overseer reviewed one of your organisation’s progress updates.',
  },
  review_waiting: {
    label: 'Updates are waiting for review',
    hint: 'For overseers: a progress update has waited longer than the set number of days.',
  },
  target_approaching: {
    label: 'A target date is coming up',
    hint: '30 and 7 days before the date your organisation committed to (or the recommendation’s own date).',
  },
  target_passed: {
    label: 'A target date has passed',
    hint: 'The date to implement by has passed and the recommendation is not yet implemented.',
  },
  sustainment_check_due: {
    label: 'A sustainment check is due',
    hint: 'For overseers: it is time to check that an implemented recommendation has lasted.',
  },
};

export const MODE_LABELS: Record<EmailMode, string> = {
  immediate: 'Email me straight away',
  digest: 'Include it in my weekly digest email only',
  off: 'Do not email me (it still appears in my notifications)',
};
