/**
 * createApp(services): the Express application, with no listening and no environment reads, so tests
 * can build it around a real database and drive it with supertest.
 */
import path from 'node:path';
import express, { type Express } from 'express';
import { engine } from 'express-handlebars';
import helmet from 'helmet';
import compression from 'compression';
import type { Services } from './services';
import { PROJECT_ROOT } from './shared/project-root';
import { viewHelpers } from './shared/view-helpers';
import { requestLogging } from './shared/middleware/request-logging';
import { errorHandler, notFoundHandler } from './shared/middleware/error-handler';
import { paths } from './shared/paths';
import { guardBody, guardUrl, verifyFormBody } from './shared/middleware/input-guard';
import { createHealthRouter } from './modules/operations/health.routes';
import { createRegisterRouter } from './modules/public-record/register.routes';
import { createApiRoutes } from './modules/api/api.routes';
import { createStaticPagesRouter } from './modules/public-record/static-pages.routes';
import { pageMetadata } from './modules/public-record/page-metadata';
import { createAccountsRouter } from './modules/accounts/accounts.routes';
import { createAccountRouter, enrolmentGate } from './modules/accounts/account.routes';
import { createWorkspaceRouter } from './modules/accounts/workspace.routes';
import { createOneTimeLinksRouter } from './modules/accounts/one-time-links.routes';
import { createUsersRouter } from './modules/accounts/users.routes';
import { createRegisterAdminRouter } from './modules/register/register-admin.routes';
import { createApiTokensRouter } from './modules/accounts/api-tokens.routes';
import { createImportRouter } from './modules/register/import.routes';
import { createProgressUpdatesRouter } from './modules/assignments/progress-updates.routes';
import { sessionMiddleware } from './shared/middleware/session';
import { createDashboardsRouter } from './modules/oversight/dashboards.routes';
import { createBoardPackRouter } from './modules/oversight/board-pack.routes';
import { csrfProtection } from './shared/middleware/csrf';
import { createWorkspaceAssignmentsRouter } from './modules/assignments/responses.routes';
import { createOversightRouter } from './modules/assignments/decisions.routes';
import { createAssignmentDeadlinesRouter } from './modules/assignments/deadline-settings.routes';
import { createPublicationRouter } from './modules/public-record/publication.routes';
import { createOpenDataRouter } from './modules/public-record/open-data.routes';
import {
  createFeedbackRouter,
  recoverStaleFeedback,
} from './modules/public-record/feedback.routes';
import { createNotificationsRouter } from './modules/notifications/notifications.routes';
import { createAuditRouter } from './modules/operations/audit.routes';
import { oneConnectionPerRequest } from './db/request-connections';
import './shared/express-augment';

const VIEWS = path.join(PROJECT_ROOT, 'views');
const ASSET_MAX_AGE = '1h';

export function createApp(services: Services): Express {
  const { config } = services;
  // Only a site served over HTTPS may tell browsers to insist on HTTPS; over plain HTTP (a LAN
  // address, a first local run) those headers would break the page.
  const https = config.publicBaseUrl.startsWith('https://');
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.engine(
    'hbs',
    engine({
      extname: '.hbs',
      defaultLayout: 'main',
      layoutsDir: path.join(VIEWS, 'layouts'),
      partialsDir: path.join(VIEWS, 'partials'),
      helpers: viewHelpers,
    }),
  );
  app.set('view engine', 'hbs');
  app.set('views', VIEWS);
  // Compiled templates are kept unless `npm run dev` asks for them to be read again on each render:
  // re-reading them costs several times the CPU of a page, and `npm start` is what newcomers run.
  if (config.templateReload) app.disable('view cache');
  else app.enable('view cache');

  app.use(oneConnectionPerRequest());
  app.use(requestLogging(services.logger));
  // Control characters, broken text and malformed escapes never reach a route (or SQL).
  app.use(guardUrl);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: https ? [] : null,
        },
      },
      strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: true } : false,
    }),
  );
  app.use(compression());

  app.use(
    '/assets',
    express.static(path.join(PROJECT_ROOT, 'public'), {
      maxAge: ASSET_MAX_AGE,
      fallthrough: true,
      index: false,
    }),
  );
  app.use(
    '/assets/govuk/js',
    express.static(path.join(PROJECT_ROOT, 'node_modules/govuk-frontend/dist/govuk'), {
      maxAge: ASSET_MAX_AGE,
      index: false,
    }),
  );

  // Forms only: small, flat bodies. The JSON API parses its own bodies.
  app.use(
    express.urlencoded({
      extended: false,
      limit: '64kb',
      parameterLimit: 200,
      verify: verifyFormBody,
    }),
  );
  app.use(guardBody);
  // Before the session and CSRF checks, so a page they refuse still has the site's header.
  app.use((req, res, next) => {
    res.locals.serviceName = config.serviceName;
    res.locals.currentPath = req.path;
    res.locals.nav = [
      { text: 'Overview', href: paths.home(), active: req.path === '/' },
      { text: 'Reports', href: paths.reports.index(), active: req.path.startsWith('/reports') },
      {
        text: 'Recommendations',
        href: paths.recommendations.index(),
        active: req.path.startsWith('/recommendations'),
      },
      {
        text: 'Organisations',
        href: paths.organisations.index(),
        active: req.path.startsWith('/organisations'),
      },
    ];
    next();
  });
  app.use(pageMetadata(config));
  app.use(sessionMiddleware(services.sessions, config));
  app.use(csrfProtection);
  app.use(enrolmentGate);

  app.use(createHealthRouter(services.health));
  app.use(createApiRoutes(services));
  app.use(createNotificationsRouter(services));
  app.use(
    createRegisterRouter(services.register, {
      publicBaseUrl: config.publicBaseUrl,
      progress: (asOf) => services.dashboards.publicProgress(asOf),
      cache: services.responseCache,
    }),
  );
  app.use(
    createStaticPagesRouter({ config, sitemap: services.sitemap, cache: services.responseCache }),
  );
  app.use(createAccountsRouter(services.signIn, config));
  app.use(createAccountRouter({ account: services.account, config }));
  app.use(createWorkspaceRouter({ notifications: services.notifications }));
  app.use(createOneTimeLinksRouter(services.links, services.signIn, config));
  app.use(createUsersRouter(services.users));
  app.use(createAuditRouter(services.auditTrail, config.openDataLicence));
  app.use(createRegisterAdminRouter(services.registerAdmin));
  app.use(createApiTokensRouter(services.apiTokens));
  app.use(createImportRouter(services.imports));
  app.use(
    createWorkspaceAssignmentsRouter(services.workspaceAssignments, {
      oversight: services.oversight,
    }),
  );
  app.use(createOversightRouter(services.oversight, services.workspaceAssignments));
  app.use(createAssignmentDeadlinesRouter(services.assignmentDeadlines));
  app.use(createProgressUpdatesRouter(services.progressUpdates));
  app.use(createPublicationRouter(services.publication, services.statusNotes));
  app.use(createOpenDataRouter(services.openData, services.responseCache));
  app.use(createFeedbackRouter({ feedback: services.feedback, signIn: services.signIn, config }));
  app.use(createDashboardsRouter(services.dashboards, services.memo));
  app.use(createBoardPackRouter(services.boardPack, services.memo));

  // A feedback form refused for an expired session comes back with its words (an error handler).
  app.use(recoverStaleFeedback({ feedback: services.feedback, signIn: services.signIn, config }));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
