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
import { createRegisterAdminController } from './register-admin.controller';
import type { RegisterAdminService } from './register-admin.service';

const mayManageRegister: RequestHandler = (req, _res, next) => {
  authorise(req.user, 'register.manage');
  next();
};

export function createRegisterAdminRouter(service: RegisterAdminService): Router {
  const c = createRegisterAdminController(service);
  const router = Router();
  const guard = [requireSignIn, mayManageRegister];
  router.get(routes.adminReports, guard, c.listReports);
  router.get(routes.adminNewReport, guard, c.showNewReport);
  router.post(routes.adminNewReport, guard, c.createReport);
  router.get(routes.adminReport, guard, c.showReport);
  router.get(routes.adminEditReport, guard, c.showEditReport);
  router.post(routes.adminEditReport, guard, c.updateReport);
  router.get(routes.adminNewRecommendation, guard, c.showNewRecommendation);
  router.post(routes.adminNewRecommendation, guard, c.createRecommendation);
  router.get(routes.adminRecommendation, guard, c.showRecommendation);
  router.get(routes.adminEditRecommendation, guard, c.showEditRecommendation);
  router.post(routes.adminEditRecommendation, guard, c.updateRecommendation);
  router.post(routes.adminAddressees, guard, c.addAddressees);
  router.get(routes.adminWithdrawRecommendation, guard, c.showWithdrawRecommendation);
  router.post(routes.adminWithdrawRecommendation, guard, c.withdrawRecommendation);
  router.get(routes.adminDeleteRecommendation, guard, c.showDeleteRecommendation);
  router.post(routes.adminDeleteRecommendation, guard, c.deleteRecommendation);
  router.get(routes.adminWithdrawAssignment, guard, c.showWithdrawAssignment);
  router.post(routes.adminWithdrawAssignment, guard, c.withdrawAssignment);
  router.get(routes.adminOrganisations, guard, c.listOrganisations);
  router.get(routes.adminNewOrganisation, guard, c.showNewOrganisation);
  router.post(routes.adminNewOrganisation, guard, c.createOrganisation);
  router.get(routes.adminEditOrganisation, guard, c.showEditOrganisation);
  router.post(routes.adminEditOrganisation, guard, c.updateOrganisation);
  router.get(routes.adminThemes, guard, c.listThemes);
  router.get(routes.adminNewTheme, guard, c.showNewTheme);
  router.post(routes.adminNewTheme, guard, c.createTheme);
  router.get(routes.adminEditTheme, guard, c.showEditTheme);
  router.post(routes.adminEditTheme, guard, c.renameTheme);
  router.post(routes.adminRetireTheme, guard, c.retireTheme);
  router.post(routes.adminReinstateTheme, guard, c.reinstateTheme);
  return router;
}
