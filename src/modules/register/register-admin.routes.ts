/**
 * Register management pages for administrators. Every path asks the policy for 'register.manage'
 * first: a signed-out visitor is sent to sign in, anyone else without it gets 403. (POSTs are
 * checked for a CSRF token before they get here.) 'new' paths are registered before ':slug' ones,
 * and the service refuses 'new' as a slug.
 */
import { Router, type RequestHandler } from 'express';
import { routes } from '../../shared/paths';
import { authorise } from '../accounts/policy';
import { requireSignIn } from '../accounts/workspace.routes';
import { createOrganisationsController } from './organisations.controller';
import { createRecommendationsController } from './recommendations.controller';
import { createReportsController } from './reports.controller';
import { createThemesController } from './themes.controller';
import { createWithdrawalsController } from './withdrawals.controller';
import type { RegisterAdminService } from './register-admin.service';

const mayManageRegister: RequestHandler = (req, _res, next) => {
  authorise(req.user, 'register.manage');
  next();
};

export function createRegisterAdminRouter(service: RegisterAdminService): Router {
  const reports = createReportsController(service);
  const recommendations = createRecommendationsController(service);
  const withdrawals = createWithdrawalsController(service);
  const organisations = createOrganisationsController(service);
  const themes = createThemesController(service);
  const router = Router();
  const guard = [requireSignIn, mayManageRegister];
  router.get(routes.adminReports, guard, reports.listReports);
  router.get(routes.adminNewReport, guard, reports.showNewReport);
  router.post(routes.adminNewReport, guard, reports.createReport);
  router.get(routes.adminReport, guard, reports.showReport);
  router.get(routes.adminEditReport, guard, reports.showEditReport);
  router.post(routes.adminEditReport, guard, reports.updateReport);
  router.get(routes.adminNewRecommendation, guard, recommendations.showNewRecommendation);
  router.post(routes.adminNewRecommendation, guard, recommendations.createRecommendation);
  router.get(routes.adminRecommendation, guard, recommendations.showRecommendation);
  router.get(routes.adminEditRecommendation, guard, recommendations.showEditRecommendation);
  router.post(routes.adminEditRecommendation, guard, recommendations.updateRecommendation);
  router.post(routes.adminAddressees, guard, recommendations.addAddressees);
  router.get(routes.adminWithdrawRecommendation, guard, withdrawals.showWithdrawRecommendation);
  router.post(routes.adminWithdrawRecommendation, guard, withdrawals.withdrawRecommendation);
  router.get(routes.adminDeleteRecommendation, guard, withdrawals.showDeleteRecommendation);
  router.post(routes.adminDeleteRecommendation, guard, withdrawals.deleteRecommendation);
  router.get(routes.adminWithdrawAssignment, guard, withdrawals.showWithdrawAssignment);
  router.post(routes.adminWithdrawAssignment, guard, withdrawals.withdrawAssignment);
  router.get(routes.adminOrganisations, guard, organisations.listOrganisations);
  router.get(routes.adminNewOrganisation, guard, organisations.showNewOrganisation);
  router.post(routes.adminNewOrganisation, guard, organisations.createOrganisation);
  router.get(routes.adminEditOrganisation, guard, organisations.showEditOrganisation);
  router.post(routes.adminEditOrganisation, guard, organisations.updateOrganisation);
  router.get(routes.adminThemes, guard, themes.listThemes);
  router.get(routes.adminNewTheme, guard, themes.showNewTheme);
  router.post(routes.adminNewTheme, guard, themes.createTheme);
  router.get(routes.adminEditTheme, guard, themes.showEditTheme);
  router.post(routes.adminEditTheme, guard, themes.renameTheme);
  router.post(routes.adminRetireTheme, guard, themes.retireTheme);
  router.post(routes.adminReinstateTheme, guard, themes.reinstateTheme);
  return router;
}
