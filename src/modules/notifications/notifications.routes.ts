/**
 * Routes for notifications:
 * - signed in: /workspace/notifications (list, mark read, preferences); the unread count on
 *   /workspace is asked for by that page (notifications.panels.ts);
 * - administrators: /admin/outbox, every email queued or sent (the same permission as managing
 *   users, since invitation and reset links pass through it);
 * - public: following a recommendation by email, its confirmation and unsubscribe links (the link
 *   to that on each recommendation's page is notifications.panels.ts's `followLinkFor`).
 */
import { Router, type RequestHandler } from 'express';
import { routes } from '../../shared/paths';
import { authorise } from '../accounts/policy';
import { requireSignIn } from '../accounts/workspace.routes';
import type { Services } from '../../services';
import { createNotificationsController } from './notifications.controller';

const mayView: RequestHandler = (req, _res, next) => {
  authorise(req.user, 'workspace.view');
  next();
};
const mayReadOutbox: RequestHandler = (req, _res, next) => {
  authorise(req.user, 'users.manage');
  next();
};

export function createNotificationsRouter(services: Services): Router {
  const c = createNotificationsController(services);
  const router = Router();
  router.get(routes.notifications, requireSignIn, mayView, c.list);
  router.post(routes.notificationsReadAll, requireSignIn, mayView, c.markAllRead);
  router.post(routes.notificationRead, requireSignIn, mayView, c.markRead);
  router.get(routes.notificationPreferences, requireSignIn, mayView, c.showPreferences);
  router.post(routes.notificationPreferences, requireSignIn, mayView, c.savePreferences);

  router.get(routes.adminOutbox, requireSignIn, mayReadOutbox, c.outbox);
  router.get(routes.adminOutboxMessage, requireSignIn, mayReadOutbox, c.outboxMessage);

  router.get(routes.followRecommendation, c.showFollow);
  router.post(routes.followRecommendation, c.follow);
  router.get(routes.followConfirm, c.confirm);
  router.get(routes.followUnsubscribe, c.showUnsubscribe);
  router.post(routes.followUnsubscribe, c.unsubscribe);
  return router;
}
