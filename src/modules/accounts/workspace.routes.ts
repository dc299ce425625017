/** The signed-in home page. Later issues fill it with each role's tasks. */
import { Router, type RequestHandler } from 'express';
import { routes, paths } from '../../shared/paths';
import { authorise, can } from './policy';
import { ROLE_LABELS } from './accounts.types';
import { notificationsLinkFor } from '../notifications/notifications.panels';
import type { NotificationsService } from '../notifications/notifications.service';

/** Sends a signed-out visitor to sign in (pages) or answers 401 (API); otherwise carries on. */
export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  if (req.path.startsWith('/api/')) {
    res
      .status(401)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'about:blank',
          title: 'Unauthorised',
          status: 401,
          detail: 'Sign in or send a valid bearer token.',
        }),
      );
    return;
  }
  res.redirect(303, paths.signIn.form());
};

export function createWorkspaceRouter(deps: {
  notifications: Pick<NotificationsService, 'unreadCount'>;
}): Router {
  const router = Router();
  router.get(routes.workspace, requireSignIn, async (req, res) => {
    const notificationsLink = await notificationsLinkFor(deps.notifications, req.user!.id);
    authorise(req.user, 'workspace.view');
    res.render('workspace/index', {
      pageTitle: 'Your workspace',
      notificationsLink,
      roleLabel: ROLE_LABELS[req.user!.role],
      canManageUsers: can(req.user, 'users.manage'),
      canManageRegister: can(req.user, 'register.manage'),
      adminReportsHref: paths.admin.reports(),
      adminOrganisationsHref: paths.admin.organisations(),
      adminThemesHref: paths.admin.themes(),
      adminTokensHref: paths.adminTokens.index(),
      importHref: can(req.user, 'register.manage') ? paths.admin.importNew() : null,
      assignmentsHref: paths.assignments.index(),
      reviewsHref: can(req.user, 'oversight.view') ? paths.reviews.index() : null,
      feedbackHref: can(req.user, 'oversight.view') ? paths.feedback.inbox() : null,
      dashboardsHref: can(req.user, 'oversight.view') ? paths.dashboards.matrix() : null,
      boardPackHref: can(req.user, 'oversight.view') ? paths.boardPack.page() : null,
      checksHref: can(req.user, 'oversight.view') ? paths.assignments.sustainmentChecks() : null,
    });
  });
  return router;
}
