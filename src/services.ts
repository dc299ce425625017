/**
 * The composition root: every service is built here from the database, the clock and the config,
 * and handed to createApp. No module keeps a singleton of its own.
 */
import type { Knex } from 'knex';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Clock } from './shared/clock';
import { createRegisterRepository } from './modules/public-record/register.repository';
import { createRegisterService } from './modules/public-record/register.service';
import { createHealthService } from './modules/operations/health.service';
import { createAccountsRepository } from './modules/accounts/accounts.repository';
import { createSessionService } from './modules/accounts/sessions.service';
import { createSignInService } from './modules/accounts/sign-in.service';
import { createAccountService } from './modules/accounts/account.service';
import { createOneTimeLinksService } from './modules/accounts/one-time-links.service';
import { createUsersService } from './modules/accounts/users.service';
import { createRegisterAdminService } from './modules/register/register-admin.service';
import { createImportService } from './modules/register/import.service';
import {
  createPasswordHasher,
  CURRENT_SCRYPT_PARAMS,
  TEST_SCRYPT_PARAMS,
} from './modules/accounts/password';
import { createApiTokensService } from './modules/accounts/api-tokens.service';
import { createCursorCodec } from './shared/api/pagination';
import { createWorkspaceAssignmentsService } from './modules/assignments/responses.service';
import { createProgressUpdatesService } from './modules/assignments/progress-updates.service';
import { createOversightService } from './modules/assignments/decisions.service';
import { createAssignmentDeadlinesService } from './modules/assignments/deadline-settings.service';
import { createPublicationService } from './modules/public-record/publication.service';
import { createStatusNotesService } from './modules/public-record/status-notes.service';
import { createOpenDataRepository } from './modules/public-record/open-data.repository';
import { createOpenDataService } from './modules/public-record/open-data.service';
import { createFeedbackService } from './modules/public-record/feedback.service';
import { createSitemapService } from './modules/public-record/sitemap';
import { createDashboardsRepository } from './modules/oversight/dashboards.repository';
import { createDashboardsService } from './modules/oversight/dashboards.service';
import { createNotificationsService } from './modules/notifications/notifications.service';
import { createBoardPackRepository } from './modules/oversight/board-pack.repository';
import { createBoardPackService } from './modules/oversight/board-pack.service';
import { createSmtpSender } from './modules/notifications/mailer';
import { createAuditTrailService } from './modules/operations/audit-trail.service';
import { createDataVersionReader } from './db/data-version';
import { createResponseCache } from './shared/response-cache/response-cache';
import { releaseId } from './shared/response-cache/release';
import { createVersionMemo } from './shared/response-cache/version-memo';
import { isSignedOutRequest } from './shared/middleware/session';
import { limitConnectionsPerRequest } from './db/request-connections';
import type { EvidenceStore } from './modules/assignments/evidence.store';

export interface ServiceDeps {
  knex: Knex;
  clock: Clock;
  config: Config;
  logger: Logger;
  /** Where evidence bytes go: the database unless given (the embedded database uses files). */
  evidenceStore?: EvidenceStore;
}

export function buildServices({ knex, clock, config, logger, evidenceStore }: ServiceDeps) {
  if (!config.secretKey)
    throw new Error('buildServices needs config.secretKey (see ensureSecretKey in startup.ts)');
  const accountsRepository = createAccountsRepository();
  const hasher = createPasswordHasher(
    config.passwordHashCost === 'test' ? TEST_SCRYPT_PARAMS : CURRENT_SCRYPT_PARAMS,
  );
  const sessions = createSessionService({
    knex,
    clock,
    idleMinutes: config.session.idleMinutes,
    absoluteHours: config.session.absoluteHours,
  });
  const notifications = createNotificationsService({
    knex,
    clock,
    logger,
    sender: config.notifications.smtpUrl
      ? createSmtpSender(config.notifications.smtpUrl, config.notifications.mailFrom)
      : null,
    secretKey: config.secretKey,
    serviceName: config.serviceName,
    publicBaseUrl: config.publicBaseUrl,
    reviewWaitingDays: config.reviewWaitingDays,
    maxAttempts: config.notifications.maxAttempts,
  });
  // Each request's statements take turns on the pool (src/db/request-connections.ts).
  limitConnectionsPerRequest(knex);
  const dataVersions = createDataVersionReader(knex);
  const responseCache = createResponseCache({
    versions: dataVersions,
    clock,
    maxBytes: config.responseCacheMaxBytes,
    isSignedOut: (req) => isSignedOutRequest(req, config),
    release: releaseId(),
  });
  // The dashboards' and board pack's figures, once per data version (src/shared/response-cache).
  const memo = createVersionMemo({ versions: dataVersions, maxEntries: 500 });
  const dashboards = createDashboardsService({
    repository: createDashboardsRepository(knex),
    clock,
    reviewWaitingDays: config.reviewWaitingDays,
    memo,
  });
  const links = createOneTimeLinksService({
    knex,
    clock,
    hasher,
    sessions,
    publicBaseUrl: config.publicBaseUrl,
    serviceName: config.serviceName,
    onLinkIssued: (trx, link) => notifications.emailLink(trx, link),
  });
  const auditTrail = createAuditTrailService({ knex, clock });
  return {
    auditTrail,
    dataVersions,
    responseCache,
    memo,
    sessions,
    hasher,
    links,
    users: createUsersService({ knex, clock, sessions, links }),
    accountsRepository,
    signIn: createSignInService({
      knex,
      clock,
      repository: accountsRepository,
      sessions,
      hasher,
      secretKey: config.secretKey,
    }),
    account: createAccountService({
      knex,
      clock,
      repository: accountsRepository,
      sessions,
      hasher,
      secretKey: config.secretKey,
      serviceName: config.serviceName,
    }),
    config,
    logger,
    clock,
    register: createRegisterService({
      repository: createRegisterRepository(knex, evidenceStore),
      clock,
    }),
    health: createHealthService(knex),
    registerAdmin: createRegisterAdminService({ knex, clock }),
    apiTokens: createApiTokensService({ knex, clock }),
    apiCursors: createCursorCodec(config.secretKey),
    imports: createImportService({ knex, clock, maxBytes: config.importMaxBytes }),
    workspaceAssignments: createWorkspaceAssignmentsService({ knex, clock }),
    progressUpdates: createProgressUpdatesService({
      knex,
      clock,
      maxFileBytes: config.evidence.maxFileBytes,
      maxFiles: config.evidence.maxFiles,
      evidenceStore,
    }),
    oversight: createOversightService({ knex, clock }),
    assignmentDeadlines: createAssignmentDeadlinesService({ knex, clock }),
    publication: createPublicationService({ knex, clock }),
    statusNotes: createStatusNotesService({ knex, clock }),
    openData: createOpenDataService({
      repository: createOpenDataRepository(knex),
      versions: dataVersions,
      clock,
      baseUrl: config.publicBaseUrl,
      serviceName: config.serviceName,
      licence: config.openDataLicence,
      latestCheckpoint: auditTrail.latestCheckpoint,
    }),
    feedback: createFeedbackService({ knex, clock, secretKey: config.secretKey }),
    sitemap: createSitemapService({ knex }),
    dashboards,
    notifications,
    // The board pack's overdue lists are the dashboards'.
    boardPack: createBoardPackService({
      repository: createBoardPackRepository(knex),
      dashboards,
      clock,
      memo,
    }),
  };
}

export type Services = ReturnType<typeof buildServices>;
