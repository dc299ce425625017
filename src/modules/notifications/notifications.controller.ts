/**
 * HTTP for notifications: reads the request, asks the notifications or followers service, renders
 * a view. The router has already checked sign-in and permission where a route needs them.
 */
import type { Request, Response } from 'express';
import { NotFoundError, ValidationError, type FieldError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { asText } from '../../shared/form-input';
import { paths } from '../../shared/paths';
import { ensureSession, requestContext } from '../accounts/accounts.controller';
import { pagination } from '../public-record/register.view-model';
import type { Services } from '../../services';
import {
  DIGEST_PREFERENCE,
  EMAIL_MODES,
  KIND_LABELS,
  MODE_LABELS,
  NOTIFICATION_KINDS,
} from './notifications.kinds';
import { PAGE_SIZE } from './notifications.service';
import { checkEmailForm } from './notifications.schemas';

/** Follow requests allowed from one client address per hour, on this instance. */
const FOLLOW_LIMIT = { perHour: 10 } as const;

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'Europe/London',
});
const when = (d: Date | string | null) => (d ? DATE_TIME.format(new Date(d)) : '');

const STATUS_TAGS: Record<string, { text: string; colour: string }> = {
  pending: { text: 'Waiting to send', colour: 'govuk-tag--blue' },
  sending: { text: 'Sending', colour: 'govuk-tag--yellow' },
  sent: { text: 'Sent', colour: 'govuk-tag--green' },
  failed: { text: 'Failed', colour: 'govuk-tag--red' },
};

function pageNumber(req: Request): number {
  const raw = asText(req.query.page);
  if (raw === '') return 1;
  if (!/^[1-9]\d{0,5}$/.test(raw)) throw new NotFoundError();
  return Number(raw);
}

function idParam(req: Request): number {
  const raw = String(req.params.id ?? '');
  if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2147483647) throw new NotFoundError();
  return Number(raw);
}

export function createNotificationsController(services: Services) {
  const { notifications, config, signIn } = services;
  const followers = notifications.followers;
  const followCounts = new Map<string, { count: number; since: number }>();

  function tooManyFollows(ip: string): boolean {
    const now = Date.now();
    const entry = followCounts.get(ip);
    if (!entry || now - entry.since > 3_600_000) {
      // Forget stale addresses now and then, so the map cannot grow without bound.
      if (followCounts.size > 10_000) followCounts.clear();
      followCounts.set(ip, { count: 1, since: now });
      return false;
    }
    entry.count += 1;
    return entry.count > FOLLOW_LIMIT.perHour;
  }

  async function renderPreferences(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, string>,
    errors: FieldError[] = [],
  ) {
    const kinds = NOTIFICATION_KINDS.map((kind) => ({
      kind,
      ...KIND_LABELS[kind],
      error: errors.find((e) => e.field === kind)?.message,
      options: EMAIL_MODES.map((mode, i) => ({
        id: i === 0 ? kind : `${kind}-${mode}`,
        value: mode,
        text: MODE_LABELS[mode],
        checked: values[kind] === mode,
      })),
    }));
    res.status(status).render('notifications/preferences', {
      pageTitle: errors.length ? 'Error: Notification settings' : 'Notification settings',
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'Notifications', href: paths.notifications.index() },
      ],
      action: paths.notifications.preferences(),
      kinds,
      digest: {
        id: DIGEST_PREFERENCE,
        error: errors.find((e) => e.field === DIGEST_PREFERENCE)?.message,
        on: values[DIGEST_PREFERENCE] === 'immediate',
        off: values[DIGEST_PREFERENCE] === 'off',
      },
      ...errorSummary(errors, [...NOTIFICATION_KINDS, DIGEST_PREFERENCE]),
    });
  }

  async function renderFollow(
    req: Request,
    res: Response,
    status: number,
    email: string,
    errors: FieldError[] = [],
  ) {
    const rec = await followers.publicRecommendation(String(req.params.ref));
    await ensureSession(req, res, signIn, config);
    res.set('Cache-Control', 'no-store');
    res.status(status).render('notifications/follow', {
      pageTitle: `${errors.length ? 'Error: ' : ''}Get email updates about ${rec.ref}`,
      breadcrumbs: [
        { text: 'Recommendations', href: paths.recommendations.index() },
        { text: rec.ref, href: paths.recommendations.show(rec.ref) },
      ],
      recommendation: { ...rec, href: paths.recommendations.show(rec.ref) },
      action: paths.follow.form(rec.ref),
      email,
      ...errorSummary(errors),
    });
  }

  return {
    /** On /workspace: how many unread notifications, and where to read them. */
    async list(req: Request, res: Response) {
      const page = pageNumber(req);
      const { items, total } = await notifications.list(req.user!.id, page);
      const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
      if (page > pageCount) throw new NotFoundError();
      const unread = await notifications.unreadCount(req.user!.id);
      res.set('Cache-Control', 'no-store');
      res.render('notifications/index', {
        pageTitle: 'Notifications',
        breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
        unread,
        total,
        done:
          req.query.done === 'read'
            ? 'Notifications marked as read.'
            : req.query.done === 'saved'
              ? 'Your notification settings have been saved.'
              : null,
        readAllAction: paths.notifications.readAll(),
        preferencesHref: paths.notifications.preferences(),
        items: items.map((n) => ({
          ...n,
          createdAt: when(n.createdAt),
          unread: n.readAt === null,
          readAction: paths.notifications.read(n.id),
        })),
        pagination: pagination(page, pageCount, (p) => paths.notifications.index({ page: p })),
      });
    },

    async markRead(req: Request, res: Response) {
      await notifications.markRead(req.user!.id, idParam(req));
      res.redirect(303, paths.notifications.index({ done: 'read' }));
    },

    async markAllRead(req: Request, res: Response) {
      await notifications.markAllRead(req.user!.id);
      res.redirect(303, paths.notifications.index({ done: 'read' }));
    },

    async showPreferences(req: Request, res: Response) {
      await renderPreferences(req, res, 200, await notifications.preferences(req.user!.id));
    },

    async savePreferences(req: Request, res: Response) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values: Record<string, string> = {};
      for (const kind of [...NOTIFICATION_KINDS, DIGEST_PREFERENCE])
        values[kind] = asText(body[kind]);
      try {
        await notifications.savePreferences(req.user!, values, requestContext(req));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await renderPreferences(req, res, 400, values, err.errors);
        return;
      }
      res.redirect(303, paths.notifications.index({ done: 'saved' }));
    },

    async outbox(req: Request, res: Response) {
      const page = pageNumber(req);
      const status = asText(req.query.status);
      const filter = status in STATUS_TAGS ? status : null;
      const { rows, total, counts } = await notifications.outbox(page, filter);
      const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
      res.set('Cache-Control', 'no-store');
      res.render('notifications/outbox', {
        pageTitle: 'Email outbox',
        breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
        smtpConfigured: notifications.smtpConfigured,
        filters: [
          { text: 'All', href: paths.outbox.index(), current: filter === null },
          ...Object.entries(STATUS_TAGS).map(([value, tag]) => ({
            text: `${tag.text} (${counts[value] ?? 0})`,
            href: paths.outbox.index({ status: value }),
            current: filter === value,
          })),
        ],
        total,
        rows: rows.map((r) => ({
          id: r.id,
          href: paths.outbox.show(r.id),
          subject: r.subject,
          to: r.to_address,
          createdAt: when(r.created_at),
          tag: STATUS_TAGS[r.status],
          attempts: r.attempts,
          lastError: r.status === 'sent' ? null : r.last_error,
        })),
        pagination: pagination(page, pageCount, (p) =>
          paths.outbox.index({ page: p, status: filter }),
        ),
      });
    },

    async outboxMessage(req: Request, res: Response) {
      const row = await notifications.outboxMessage(idParam(req));
      res.set('Cache-Control', 'no-store');
      res.render('notifications/outbox-message', {
        pageTitle: `Email ${row.id}`,
        breadcrumbs: [
          { text: 'Workspace', href: paths.workspace() },
          { text: 'Email outbox', href: paths.outbox.index() },
        ],
        message: {
          ...row,
          tag: STATUS_TAGS[row.status],
          createdAt: when(row.created_at),
          sentAt: when(row.sent_at),
          nextAttemptAt: row.status === 'pending' ? when(row.next_attempt_at) : null,
        },
      });
    },

    showFollow: (req: Request, res: Response) => renderFollow(req, res, 200, ''),

    async follow(req: Request, res: Response) {
      const email = asText((req.body as Record<string, unknown> | undefined)?.email).trim();
      const errors = checkEmailForm.errors({ email });
      if (errors.length) {
        await renderFollow(req, res, 400, email, errors);
        return;
      }
      if (tooManyFollows(req.ip ?? 'unknown')) {
        res.status(429).render('notifications/follow-problem', {
          pageTitle: 'Too many requests',
          heading: 'Too many requests',
          message:
            'Too many requests to follow recommendations came from your connection. Try again in an hour.',
        });
        return;
      }
      const rec = await followers.follow(String(req.params.ref), email, requestContext(req));
      res.set('Cache-Control', 'no-store');
      res.render('notifications/follow-sent', {
        pageTitle: 'Check your email',
        recommendation: { ...rec, href: paths.recommendations.show(rec.ref) },
      });
    },

    async confirm(req: Request, res: Response) {
      const outcome = await followers.confirm(req.params.token, requestContext(req));
      res.set('Cache-Control', 'no-store');
      if (!outcome.ok) {
        res
          .status(outcome.problem === 'expired' ? 410 : 404)
          .render('notifications/follow-problem', {
            pageTitle: 'This link does not work',
            heading: 'This link does not work',
            message:
              outcome.problem === 'expired'
                ? 'The confirmation link has expired. Ask to follow the recommendation again to get a new one.'
                : 'The link is not right, or it has already been used. Check that you copied all of it.',
          });
        return;
      }
      const rec = outcome.recommendation;
      res.render('notifications/follow-confirmed', {
        pageTitle: `You are following ${rec.ref}`,
        recommendation: { ...rec, href: paths.recommendations.show(rec.ref) },
      });
    },

    async showUnsubscribe(req: Request, res: Response) {
      const rec = await followers.checkUnsubscribe(req.params.token);
      await ensureSession(req, res, signIn, config);
      res.set('Cache-Control', 'no-store');
      res.render('notifications/unsubscribe', {
        pageTitle: `Stop following ${rec.ref}`,
        recommendation: rec,
        action: paths.follow.unsubscribe(String(req.params.token)),
      });
    },

    async unsubscribe(req: Request, res: Response) {
      const rec = await followers.unsubscribe(req.params.token, requestContext(req));
      res.set('Cache-Control', 'no-store');
      res.render('notifications/unsubscribed', {
        pageTitle: 'You have unsubscribed',
        recommendation: { ...rec, href: paths.recommendations.show(rec.ref) },
      });
    },
  };
}
