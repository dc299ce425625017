/** What the page for a one-time link that cannot be used says, by the link's purpose and problem. */
import type { LinkProblem, LinkPurpose } from './one-time-links.service';

export const PROBLEM_STATUS: Record<LinkProblem, number> = {
  unknown: 404,
  expired: 410,
  used: 410,
  revoked: 410,
  closed: 410,
};

export const PROBLEM_TEXT: Record<
  LinkPurpose,
  Record<LinkProblem, { title: string; body: string[] }>
> = {
  setup: {
    unknown: {
      title: 'This set-up link is not valid',
      body: [
        'Check that you copied the whole link from the start-up message.',
        'While the service has no administrator, each start prints a new set-up link and only the newest one works.',
      ],
    },
    expired: {
      title: 'This set-up link has expired',
      body: [
        'A set-up link works for 24 hours, and only the newest one works.',
        'Restart the service to get a new set-up link in the start-up message.',
      ],
    },
    used: {
      title: 'This set-up link has already been used',
      body: ['The first administrator account has been created. Sign in to continue.'],
    },
    revoked: {
      title: 'This set-up link has been withdrawn',
      body: ['Restart the service to get a new set-up link in the start-up message.'],
    },
    closed: {
      title: 'This service has already been set up',
      body: [
        'An administrator account already exists, so set-up links no longer work. Ask an administrator to invite you.',
      ],
    },
  },
  invitation: {
    unknown: {
      title: 'This invitation link is not valid',
      body: [
        'Check that you copied the whole link. If it still does not work, ask your administrator to invite you again.',
      ],
    },
    expired: {
      title: 'This invitation has expired',
      body: [
        'An invitation works for 7 days, and only the newest invitation to an email address works.',
        'Ask your administrator to invite you again.',
      ],
    },
    used: {
      title: 'This invitation has already been used',
      body: ['Your account has been created. Sign in with your email address and password.'],
    },
    revoked: {
      title: 'This invitation has been withdrawn',
      body: [
        'An administrator withdrew this invitation, so it can no longer be used to create an account.',
        'If you think you should have an account, ask your administrator.',
      ],
    },
    closed: {
      title: 'An account already uses this email address',
      body: ['This invitation can no longer be used. Sign in, or ask your administrator for help.'],
    },
  },
  password_reset: {
    unknown: {
      title: 'This password reset link is not valid',
      body: [
        'Check that you copied the whole link. If it still does not work, ask your administrator for a new one.',
      ],
    },
    expired: {
      title: 'This password reset link has expired',
      body: [
        'A password reset link works for 24 hours, and only the newest one works.',
        'Ask your administrator for a new password reset link.',
      ],
    },
    used: {
      title: 'This password reset link has already been used',
      body: ['If you need to reset your password again, ask your administrator for a new link.'],
    },
    revoked: {
      title: 'This password reset link has been withdrawn',
      body: ['Ask your administrator for a new password reset link.'],
    },
    closed: {
      title: 'This password reset link can no longer be used',
      body: ['Ask your administrator for help.'],
    },
  },
};
