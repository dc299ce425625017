/**
 * The authorisation matrix: every route and method × every role (and anonymous), each cell asserted.
 * A route the app serves but this table does not list fails the test, so new routes must be added
 * here with a deliberate answer for each role. A second test sends every state-changing route a
 * request without a CSRF token and with another session's token: each must refuse and change nothing.
 */
import request from 'supertest';
import { applyLindenSeed } from '../seeds/operation-linden';
import { sealSecret } from '../src/shared/secret-box';
import { generateTotpSecret } from '../src/modules/accounts/totp';
import type { Role } from '../src/modules/accounts/accounts.types';
import { buildTestApp } from './app';
import { createUser, csrfFrom, issueApiToken } from './auth';
import { createTestDatabase, type TestDatabase } from './db';
import { createOrganisation, createRecommendation, createReport } from './factories';
import { listRoutes } from './routes';

type Who = 'anonymous' | Role;
const WHO: Who[] = ['anonymous', 'org_lead', 'viewer', 'overseer', 'admin'];

/**
 * What a response means: ok (2xx), signin (sent to sign in), redirect (elsewhere), invalid (400:
 * allowed, but the empty form was refused), forbidden (403), notfound (404).
 */
type Outcome =
  | 'ok'
  | 'signin'
  | 'redirect'
  | 'invalid'
  | 'forbidden'
  | 'notfound'
  | 'conflict'
  | 'unauthorised'
  | 'unprocessable';

type Row = { path: string; expect: Record<Who, Outcome> };

const all = (o: Outcome): Record<Who, Outcome> => ({
  anonymous: o,
  org_lead: o,
  viewer: o,
  overseer: o,
  admin: o,
});
const signedIn = (o: Outcome): Record<Who, Outcome> => ({
  anonymous: 'signin',
  org_lead: o,
  viewer: o,
  overseer: o,
  admin: o,
});
const adminOnly = (o: Outcome): Record<Who, Outcome> => ({
  anonymous: 'signin',
  org_lead: 'forbidden',
  viewer: 'forbidden',
  overseer: 'forbidden',
  admin: o,
});

// Placeholders in paths: :slug, :ref and :token are filled per row; :id is a user the admin may act on.
const UNKNOWN_TOKEN = 'A'.repeat(43);

type TokenWho = 'none' | 'bad' | Role;
const TOKEN_WHO: TokenWho[] = ['none', 'bad', 'org_lead', 'viewer', 'overseer', 'admin'];
/** A route for any signed-in role's token: `o` for each, 401 without one or with a bad one. */
const tokenRead = (o: Outcome): Record<TokenWho, Outcome> => ({
  none: 'unauthorised',
  bad: 'unauthorised',
  org_lead: o,
  viewer: o,
  overseer: o,
  admin: o,
});
/** An oversight decision through the API: only an overseer's token reaches the route. */
function oversightWrite(overseer: Outcome): Record<TokenWho, Outcome> {
  return {
    none: 'unauthorised',
    bad: 'unauthorised',
    org_lead: 'forbidden',
    viewer: 'forbidden',
    overseer,
    admin: 'forbidden',
  };
}
/** An assignment's private read: any token reaches it; another organisation's lead gets 404. */
function assignmentRead(): Record<TokenWho, Outcome> {
  return {
    none: 'unauthorised',
    bad: 'unauthorised',
    org_lead: 'notfound',
    viewer: 'ok',
    overseer: 'ok',
    admin: 'ok',
  };
}

/** The /api/v1 write routes, with a path to try each on. They take a bearer token only. */
const API_WRITES: Record<string, string> = {
  'POST /api/v1/reports': '/api/v1/reports',
  'PUT /api/v1/reports/:slug': '/api/v1/reports/operation-linden-2021',
  'POST /api/v1/reports/:slug/recommendations':
    '/api/v1/reports/operation-linden-2021/recommendations',
  'PUT /api/v1/recommendations/:ref': '/api/v1/recommendations/LIN-01',
  'DELETE /api/v1/recommendations/:ref': '/api/v1/recommendations/LIN-01',
  'POST /api/v1/recommendations/:ref/withdrawal': '/api/v1/recommendations/LIN-01/withdrawal',
  'POST /api/v1/recommendations/:ref/addressees': '/api/v1/recommendations/LIN-01/addressees',
  'POST /api/v1/assignments/:id/withdrawal': '/api/v1/assignments/1/withdrawal',
  'POST /api/v1/organisations': '/api/v1/organisations',
  'PUT /api/v1/organisations/:slug': '/api/v1/organisations/npcc',
  'POST /api/v1/imports': '/api/v1/imports',
};

/**
 * The force leads' workspace through /api/v1 (a token's user, checked per assignment), with a path
 * to try each route on and each token's answer. Assignment 1 is a Linden assignment; the org_lead
 * token belongs to another organisation, so it gets the same 404 as a missing id. The per-object
 * check comes before the body is read, so readers' tokens are refused (403) whatever they send;
 * an overseer's decision with an empty body is reached and refused (400). No evidence file exists.
 */
const API_ASSIGNMENT_ROUTES: Record<string, { path: string; expect: Record<TokenWho, Outcome> }> = {
  'GET /api/v1/assignments': { path: '/api/v1/assignments', expect: tokenRead('ok') },
  'GET /api/v1/assignments/:id': {
    path: '/api/v1/assignments/1',
    expect: { ...tokenRead('ok'), org_lead: 'notfound' },
  },
  'GET /api/v1/assignments/:id/updates': {
    path: '/api/v1/assignments/1/updates',
    expect: { ...tokenRead('ok'), org_lead: 'notfound' },
  },
  'GET /api/v1/evidence/:id': { path: '/api/v1/evidence/1', expect: tokenRead('notfound') },
  'POST /api/v1/assignments/:id/response': {
    path: '/api/v1/assignments/1/response',
    expect: { ...tokenRead('forbidden'), org_lead: 'notfound' },
  },
  'POST /api/v1/assignments/:id/extensions': {
    path: '/api/v1/assignments/1/extensions',
    expect: { ...tokenRead('forbidden'), org_lead: 'notfound' },
  },
  'POST /api/v1/assignments/:id/extensions/:extensionId/decision': {
    path: '/api/v1/assignments/1/extensions/1/decision',
    expect: { ...tokenRead('forbidden'), org_lead: 'forbidden', overseer: 'invalid' },
  },
  'POST /api/v1/assignments/:id/actions': {
    path: '/api/v1/assignments/1/actions',
    expect: { ...tokenRead('forbidden'), org_lead: 'notfound' },
  },
  'PUT /api/v1/assignments/:id/actions/:actionId': {
    path: '/api/v1/assignments/1/actions/1',
    expect: { ...tokenRead('forbidden'), org_lead: 'notfound' },
  },
  'POST /api/v1/assignments/:id/updates': {
    path: '/api/v1/assignments/1/updates',
    expect: { ...tokenRead('forbidden'), org_lead: 'notfound' },
  },
};

/**
 * The oversight API, with a path to try each route on and each token's answer. The org_lead's token
 * is another organisation's: role-level refusals are 403, per-object reads 404. Writes send `{}`: an
 * overseer reaches the route and has the body refused (400), or, for verifying assignment 1 (in
 * progress), the transition refused (409).
 */
const OVERSIGHT_API: Record<string, { path: string; tokens: Record<TokenWho, Outcome> }> = {
  'GET /api/v1/reviews': {
    path: '/api/v1/reviews',
    tokens: {
      none: 'unauthorised',
      bad: 'unauthorised',
      org_lead: 'forbidden',
      viewer: 'ok',
      overseer: 'ok',
      admin: 'ok',
    },
  },
  'POST /api/v1/progress-updates/:id/review': {
    path: '/api/v1/progress-updates/1/review',
    tokens: oversightWrite('invalid'),
  },
  'POST /api/v1/assignments/:id/verification': {
    path: '/api/v1/assignments/1/verification',
    tokens: oversightWrite('conflict'),
  },
  'POST /api/v1/assignments/:id/closure': {
    path: '/api/v1/assignments/1/closure',
    tokens: oversightWrite('invalid'),
  },
  'POST /api/v1/assignments/:id/reopening': {
    path: '/api/v1/assignments/1/reopening',
    tokens: oversightWrite('invalid'),
  },
  'POST /api/v1/assignments/:id/confidence': {
    path: '/api/v1/assignments/1/confidence',
    tokens: oversightWrite('invalid'),
  },
  'GET /api/v1/assignments/:id/confidence': {
    path: '/api/v1/assignments/1/confidence',
    tokens: assignmentRead(),
  },
  'GET /api/v1/assignments/:id/status-history': {
    path: '/api/v1/assignments/1/status-history',
    tokens: assignmentRead(),
  },
};
/** The oversight dashboards' API routes: readable with a token allowed 'oversight.view'. */
const DASHBOARD_API = [
  '/api/v1/dashboards/matrix',
  '/api/v1/dashboards/overdue',
  '/api/v1/dashboards/progress',
  '/api/v1/dashboards/summary',
];

const MATRIX: Record<string, Row> = {
  'GET /': { path: '/', expect: all('ok') },
  'GET /accessibility': { path: '/accessibility', expect: all('ok') },
  'GET /robots.txt': { path: '/robots.txt', expect: all('ok') },
  'GET /sitemap.xml': { path: '/sitemap.xml', expect: all('ok') },
  'GET /sitemaps/:file': { path: '/sitemaps/1.xml', expect: all('ok') },
  'GET /reports': { path: '/reports', expect: all('ok') },
  'GET /reports/:slug': { path: '/reports/operation-linden-2021', expect: all('ok') },
  'GET /recommendations': { path: '/recommendations', expect: all('ok') },
  'GET /recommendations/:ref': { path: '/recommendations/LIN-01', expect: all('ok') },
  'GET /organisations': { path: '/organisations', expect: all('ok') },
  'GET /organisations/:slug': { path: '/organisations/south-yorkshire-police', expect: all('ok') },
  'GET /organisation-suggestions': {
    path: '/organisation-suggestions?q=police',
    expect: all('ok'),
  },
  'GET /api/v1/reports': { path: '/api/v1/reports', expect: all('ok') },
  'GET /api/v1/reports/:slug': { path: '/api/v1/reports/operation-linden-2021', expect: all('ok') },
  'GET /api/v1/recommendations': { path: '/api/v1/recommendations', expect: all('ok') },
  'GET /api/v1/recommendations/:ref': { path: '/api/v1/recommendations/LIN-01', expect: all('ok') },
  'GET /api/v1/organisations': { path: '/api/v1/organisations', expect: all('ok') },
  'GET /api/v1/organisations/:slug': { path: '/api/v1/organisations/npcc', expect: all('ok') },
  'GET /healthz': { path: '/healthz', expect: all('ok') },
  'GET /readyz': { path: '/readyz', expect: all('ok') },

  'GET /sign-in': { path: '/sign-in', expect: { ...all('redirect'), anonymous: 'ok' } },
  'POST /sign-in': { path: '/sign-in', expect: all('invalid') },
  'GET /sign-in/two-factor': { path: '/sign-in/two-factor', expect: all('signin') },
  'POST /sign-in/two-factor': { path: '/sign-in/two-factor', expect: all('signin') },
  'POST /sign-out': { path: '/sign-out', expect: all('redirect') },
  'GET /signed-out': { path: '/signed-out', expect: all('ok') },
  'GET /workspace': { path: '/workspace', expect: signedIn('ok') },

  'GET /account': { path: '/account', expect: signedIn('ok') },
  'GET /account/password': { path: '/account/password', expect: signedIn('ok') },
  'POST /account/password': { path: '/account/password', expect: signedIn('invalid') },
  'GET /account/two-factor': { path: '/account/two-factor', expect: signedIn('ok') },
  // Users who already have two-factor are sent back to manage it; the others must give a code.
  'POST /account/two-factor': {
    path: '/account/two-factor',
    expect: { ...signedIn('invalid'), overseer: 'redirect', admin: 'redirect' },
  },
  'POST /account/two-factor/disable': {
    path: '/account/two-factor/disable',
    expect: { ...signedIn('invalid'), overseer: 'forbidden', admin: 'forbidden' },
  },
  'POST /account/two-factor/recovery-codes': {
    path: '/account/two-factor/recovery-codes',
    expect: signedIn('invalid'),
  },

  'GET /admin': { path: '/admin', expect: adminOnly('redirect') },
  'GET /admin/users': { path: '/admin/users', expect: adminOnly('ok') },
  'GET /admin/audit': { path: '/admin/audit', expect: adminOnly('ok') },
  'GET /admin/users/invite': { path: '/admin/users/invite', expect: adminOnly('ok') },
  'POST /admin/users/invite': { path: '/admin/users/invite', expect: adminOnly('invalid') },
  'GET /admin/users/:id': { path: '/admin/users/:id', expect: adminOnly('ok') },
  'POST /admin/users/:id/role': { path: '/admin/users/:id/role', expect: adminOnly('invalid') },
  'POST /admin/users/:id/disable': {
    path: '/admin/users/:id/disable',
    expect: adminOnly('redirect'),
  },
  'POST /admin/users/:id/enable': {
    path: '/admin/users/:id/enable',
    expect: adminOnly('redirect'),
  },
  'POST /admin/users/:id/reset-link': {
    path: '/admin/users/:id/reset-link',
    expect: adminOnly('ok'),
  },
  // No invitation has this id, so an admin gets 404; everyone else is stopped before the lookup.
  'POST /admin/invitations/:id/resend': {
    path: '/admin/invitations/999999/resend',
    expect: adminOnly('notfound'),
  },
  'POST /admin/invitations/:id/revoke': {
    path: '/admin/invitations/999999/revoke',
    expect: adminOnly('notfound'),
  },
  'GET /admin/imports/new': { path: '/admin/imports/new', expect: adminOnly('ok') },
  // A form post (not multipart) carries no file: the admin is asked to choose one.
  'POST /admin/imports': { path: '/admin/imports', expect: adminOnly('invalid') },
  'GET /admin/imports/:id': {
    path: `/admin/imports/${'A'.repeat(22)}`,
    expect: adminOnly('notfound'),
  },
  'POST /admin/imports/:id/confirm': {
    path: `/admin/imports/${'A'.repeat(22)}/confirm`,
    expect: adminOnly('notfound'),
  },
  'GET /admin/reports/:slug/export.csv': {
    path: '/admin/reports/operation-linden-2021/export.csv',
    expect: adminOnly('ok'),
  },
  'GET /admin/reports/:slug/export.json': {
    path: '/admin/reports/operation-linden-2021/export.json',
    expect: adminOnly('ok'),
  },

  // Register management. Empty forms are refused (400); deleting LIN-01, which has a response, is a
  // conflict (409), so no row here changes what the next one sees.
  'GET /admin/reports': { path: '/admin/reports', expect: adminOnly('ok') },
  'GET /admin/reports/new': { path: '/admin/reports/new', expect: adminOnly('ok') },
  'POST /admin/reports/new': { path: '/admin/reports/new', expect: adminOnly('invalid') },
  'GET /admin/reports/:slug': {
    path: '/admin/reports/operation-linden-2021',
    expect: adminOnly('ok'),
  },
  'GET /admin/reports/:slug/edit': {
    path: '/admin/reports/operation-linden-2021/edit',
    expect: adminOnly('ok'),
  },
  'POST /admin/reports/:slug/edit': {
    path: '/admin/reports/operation-linden-2021/edit',
    expect: adminOnly('invalid'),
  },
  'GET /admin/reports/:slug/recommendations/new': {
    path: '/admin/reports/operation-linden-2021/recommendations/new',
    expect: adminOnly('ok'),
  },
  'POST /admin/reports/:slug/recommendations/new': {
    path: '/admin/reports/operation-linden-2021/recommendations/new',
    expect: adminOnly('invalid'),
  },
  'GET /admin/recommendations/:ref': {
    path: '/admin/recommendations/LIN-01',
    expect: adminOnly('ok'),
  },
  'GET /admin/recommendations/:ref/edit': {
    path: '/admin/recommendations/LIN-01/edit',
    expect: adminOnly('ok'),
  },
  'POST /admin/recommendations/:ref/edit': {
    path: '/admin/recommendations/LIN-01/edit',
    expect: adminOnly('invalid'),
  },
  'POST /admin/recommendations/:ref/addressees': {
    path: '/admin/recommendations/LIN-01/addressees',
    expect: adminOnly('invalid'),
  },
  'GET /admin/recommendations/:ref/withdraw': {
    path: '/admin/recommendations/LIN-01/withdraw',
    expect: adminOnly('ok'),
  },
  'POST /admin/recommendations/:ref/withdraw': {
    path: '/admin/recommendations/LIN-01/withdraw',
    expect: adminOnly('invalid'),
  },
  'GET /admin/recommendations/:ref/delete': {
    path: '/admin/recommendations/LIN-01/delete',
    expect: adminOnly('ok'),
  },
  'POST /admin/recommendations/:ref/delete': {
    path: '/admin/recommendations/LIN-01/delete',
    expect: adminOnly('conflict'),
  },
  'GET /admin/assignments/:id/withdraw': {
    path: '/admin/assignments/1/withdraw',
    expect: adminOnly('ok'),
  },
  'POST /admin/assignments/:id/withdraw': {
    path: '/admin/assignments/1/withdraw',
    expect: adminOnly('invalid'),
  },
  'GET /admin/organisations': { path: '/admin/organisations', expect: adminOnly('ok') },
  'GET /admin/organisations/new': { path: '/admin/organisations/new', expect: adminOnly('ok') },
  'POST /admin/organisations/new': {
    path: '/admin/organisations/new',
    expect: adminOnly('invalid'),
  },
  'GET /admin/organisations/:slug/edit': {
    path: '/admin/organisations/south-yorkshire-police/edit',
    expect: adminOnly('ok'),
  },
  'POST /admin/organisations/:slug/edit': {
    path: '/admin/organisations/south-yorkshire-police/edit',
    expect: adminOnly('invalid'),
  },

  'GET /setup/:token': { path: `/setup/${UNKNOWN_TOKEN}`, expect: all('notfound') },
  'POST /setup/:token': { path: `/setup/${UNKNOWN_TOKEN}`, expect: all('notfound') },
  'GET /setup/complete': { path: '/setup/complete', expect: all('ok') },
  'GET /invitations/:token': { path: `/invitations/${UNKNOWN_TOKEN}`, expect: all('notfound') },
  'POST /invitations/:token': { path: `/invitations/${UNKNOWN_TOKEN}`, expect: all('notfound') },
  'GET /invitations/accepted': { path: '/invitations/accepted', expect: all('ok') },
  'GET /reset-password/:token': {
    path: `/reset-password/${UNKNOWN_TOKEN}`,
    expect: all('notfound'),
  },
  'POST /reset-password/:token': {
    path: `/reset-password/${UNKNOWN_TOKEN}`,
    expect: all('notfound'),
  },
  'GET /reset-password/complete': { path: '/reset-password/complete', expect: all('ok') },

  // The API ignores cookies, so every role here is anonymous there; tokens are tested below.
  'GET /api/v1/openapi.json': { path: '/api/v1/openapi.json', expect: all('ok') },
  // API writes: a session cookie is ignored on /api/v1, so everyone here is anonymous there.
  ...Object.fromEntries(
    Object.entries(API_WRITES).map(([route, path]) => [
      route,
      { path, expect: all('unauthorised') },
    ]),
  ),
  // Likewise every workspace API route: a cookie is no token.
  ...Object.fromEntries(
    Object.entries(API_ASSIGNMENT_ROUTES).map(([route, { path }]) => [
      route,
      { path, expect: all('unauthorised') },
    ]),
  ),
  'GET /api/docs': { path: '/api/docs', expect: all('ok') },
  'GET /admin/themes': { path: '/admin/themes', expect: adminOnly('ok') },
  'GET /admin/themes/new': { path: '/admin/themes/new', expect: adminOnly('ok') },
  'POST /admin/themes/new': { path: '/admin/themes/new', expect: adminOnly('invalid') },
  'GET /admin/themes/:slug/edit': {
    path: '/admin/themes/law-reform/edit',
    expect: adminOnly('ok'),
  },
  'POST /admin/themes/:slug/edit': {
    path: '/admin/themes/law-reform/edit',
    expect: adminOnly('invalid'),
  },
  'POST /admin/themes/:slug/retire': {
    path: '/admin/themes/law-reform/retire',
    expect: adminOnly('redirect'),
  },
  'POST /admin/themes/:slug/reinstate': {
    path: '/admin/themes/law-reform/reinstate',
    expect: adminOnly('redirect'),
  },
  'GET /admin/tokens': { path: '/admin/tokens', expect: adminOnly('ok') },
  'GET /admin/tokens/new': { path: '/admin/tokens/new', expect: adminOnly('ok') },
  'POST /admin/tokens/new': { path: '/admin/tokens/new', expect: adminOnly('invalid') },
  // :id is a user id here, which is no token's id: the admin is allowed, and told it is not found.
  'POST /admin/tokens/:id/revoke': {
    path: '/admin/tokens/:id/revoke',
    expect: adminOnly('notfound'),
  },

  // The force leads' workspace. Assignment 1 is a Linden assignment; the org_lead here leads
  // another organisation, so every assignment route answers them 404, exactly as a missing id.
  // Readers may see the page but not act for the addressee (403); empty forms from those allowed
  // are refused (400). Extension 1 and action 1 need not exist: permission is settled first.
  'GET /workspace/assignments': { path: '/workspace/assignments', expect: signedIn('ok') },
  'GET /workspace/assignments/:id': {
    path: '/workspace/assignments/1',
    expect: { ...signedIn('ok'), org_lead: 'notfound' },
  },
  'POST /workspace/assignments/:id/response': {
    path: '/workspace/assignments/1/response',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound' },
  },
  'POST /workspace/assignments/:id/extensions': {
    path: '/workspace/assignments/1/extensions',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound' },
  },
  'POST /workspace/assignments/:id/extensions/:extensionId/decision': {
    path: '/workspace/assignments/1/extensions/1/decision',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'POST /workspace/assignments/:id/actions': {
    path: '/workspace/assignments/1/actions',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound' },
  },
  'GET /workspace/assignments/:id/actions/:actionId': {
    path: '/workspace/assignments/1/actions/1',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound' },
  },
  'POST /workspace/assignments/:id/actions/:actionId': {
    path: '/workspace/assignments/1/actions/1',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound' },
  },
  // Progress updates on a Linden assignment: the matrix's org_lead belongs to another organisation.
  'GET /workspace/assignments/:id/updates': {
    path: '/workspace/assignments/1/updates',
    expect: {
      anonymous: 'signin',
      org_lead: 'notfound',
      viewer: 'ok',
      overseer: 'ok',
      admin: 'ok',
    },
  },
  'POST /workspace/assignments/:id/updates': {
    path: '/workspace/assignments/1/updates',
    expect: {
      anonymous: 'signin',
      org_lead: 'notfound',
      viewer: 'forbidden',
      overseer: 'forbidden',
      admin: 'forbidden',
    },
  },
  // The oversight office. Progress update 1 is on assignment 1 (made in beforeAll); the org_lead
  // leads another organisation, so per-object routes answer them 404, as a missing id. Readers may
  // see (viewer, admin) but only overseers decide: empty forms from them are refused (400), and
  // verifying assignment 1, which is in progress, is a conflict (409), so no row changes anything.
  'GET /workspace/reviews': {
    path: '/workspace/reviews',
    expect: { ...signedIn('ok'), org_lead: 'forbidden' },
  },
  'GET /workspace/reviews/:updateId': {
    path: '/workspace/reviews/1',
    expect: { ...signedIn('ok'), org_lead: 'notfound' },
  },
  'POST /workspace/reviews/:updateId': {
    path: '/workspace/reviews/1',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'POST /workspace/assignments/:id/verification': {
    path: '/workspace/assignments/1/verification',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'conflict' },
  },
  'POST /workspace/assignments/:id/closure': {
    path: '/workspace/assignments/1/closure',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'POST /workspace/assignments/:id/reopening': {
    path: '/workspace/assignments/1/reopening',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  // An assignment's deadlines (issue 15): anyone who may see the assignment reads them; only an
  // administrator sets a clock override.
  'GET /workspace/assignments/:id/deadlines': {
    path: '/workspace/assignments/1/deadlines',
    expect: {
      anonymous: 'signin',
      org_lead: 'notfound',
      viewer: 'ok',
      overseer: 'ok',
      admin: 'ok',
    },
  },
  'POST /workspace/assignments/:id/clock-override': {
    path: '/workspace/assignments/1/clock-override',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', admin: 'invalid' },
  },
  // Target dates, pauses and sustainment checks (issue 15) and public status notes (issue 14): the
  // matrix's org_lead belongs to another organisation; only the oversight office writes these.
  'POST /workspace/assignments/:id/committed-date': {
    path: '/workspace/assignments/1/committed-date',
    // An empty form clears the date, so the overseer's post is accepted; it is the addressee's
    // date, which an administrator does not record.
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'redirect' },
  },
  'POST /workspace/assignments/:id/implement-by': {
    path: '/workspace/assignments/1/implement-by',
    // The recommendation's own date belongs to the register, so an administrator's (an empty form
    // clears it).
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', admin: 'redirect' },
  },
  'POST /workspace/assignments/:id/pauses': {
    path: '/workspace/assignments/1/pauses',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'POST /workspace/assignments/:id/pauses/:pauseId/end': {
    path: '/workspace/assignments/1/pauses/1/end',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'POST /workspace/assignments/:id/sustainment-check': {
    path: '/workspace/assignments/1/sustainment-check',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'GET /workspace/sustainment-checks': {
    path: '/workspace/sustainment-checks',
    expect: { ...signedIn('ok'), org_lead: 'forbidden' },
  },
  'GET /workspace/assignments/:id/status-notes': {
    path: '/workspace/assignments/1/status-notes',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'ok' },
  },
  'POST /workspace/assignments/:id/status-notes': {
    path: '/workspace/assignments/1/status-notes',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'POST /workspace/status-notes/:noteId/withdrawal': {
    path: '/workspace/status-notes/1/withdrawal',
    // No such note in the matrix's data.
    expect: signedIn('notfound'),
  },
  'POST /workspace/assignments/:id/confidence': {
    path: '/workspace/assignments/1/confidence',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  // The oversight API ignores cookies too: everyone here is anonymous there.
  ...Object.fromEntries(
    Object.entries(OVERSIGHT_API).map(([route, { path }]) => [
      route,
      { path, expect: all('unauthorised') },
    ]),
  ),
  // Publication control (overseers only), on progress update 1 (assignment 1, made in beforeAll):
  // the org_lead leads another organisation (404); readers may not publish (403); an overseer's
  // empty form is refused (400). No evidence file 999999 exists: it is looked up through the
  // assignment's own check, so it is 404 for every signed-in role alike.
  'GET /workspace/updates/:updateId/publication': {
    path: '/workspace/updates/1/publication',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'ok' },
  },
  'POST /workspace/updates/:updateId/publication': {
    path: '/workspace/updates/1/publication',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'POST /workspace/updates/:updateId/publication/withdrawal': {
    path: '/workspace/updates/1/publication/withdrawal',
    expect: { ...signedIn('forbidden'), org_lead: 'notfound', overseer: 'invalid' },
  },
  'POST /workspace/evidence/:fileId/publication': {
    path: '/workspace/evidence/999999/publication',
    expect: signedIn('notfound'),
  },
  'POST /workspace/evidence/:fileId/publication/withdrawal': {
    path: '/workspace/evidence/999999/publication/withdrawal',
    expect: signedIn('notfound'),
  },
  // Public evidence: only a file an overseer published; none is published here.
  'GET /evidence/:fileId': { path: '/evidence/1', expect: all('notfound') },
  // Notifications: everyone signed in has their own list; 999999 is nobody's notification, and
  // another person's is the same 404 (tested in the module). The outbox holds invitation links,
  // so only those who manage users read it.
  'GET /workspace/notifications': { path: '/workspace/notifications', expect: signedIn('ok') },
  'POST /workspace/notifications/read-all': {
    path: '/workspace/notifications/read-all',
    expect: signedIn('redirect'),
  },
  'POST /workspace/notifications/:id/read': {
    path: '/workspace/notifications/999999/read',
    expect: signedIn('notfound'),
  },
  'GET /workspace/notifications/preferences': {
    path: '/workspace/notifications/preferences',
    expect: signedIn('ok'),
  },
  'POST /workspace/notifications/preferences': {
    path: '/workspace/notifications/preferences',
    expect: signedIn('invalid'),
  },
  'GET /admin/outbox': { path: '/admin/outbox', expect: adminOnly('ok') },
  'GET /admin/outbox/:id': { path: '/admin/outbox/999999', expect: adminOnly('notfound') },
  // Following a recommendation is public; an empty address is refused, unknown links are 404.
  'GET /recommendations/:ref/follow': { path: '/recommendations/LIN-01/follow', expect: all('ok') },
  'POST /recommendations/:ref/follow': {
    path: '/recommendations/LIN-01/follow',
    expect: all('invalid'),
  },
  'GET /follow/confirm/:token': {
    path: `/follow/confirm/${UNKNOWN_TOKEN}`,
    expect: all('notfound'),
  },
  'GET /follow/unsubscribe/:token': {
    path: `/follow/unsubscribe/${UNKNOWN_TOKEN}`,
    expect: all('notfound'),
  },
  'POST /follow/unsubscribe/:token': {
    path: `/follow/unsubscribe/${UNKNOWN_TOKEN}`,
    expect: all('notfound'),
  },
  // No evidence file exists here: the same 404 as another organisation's (tested in the module).
  'GET /workspace/evidence/:id': {
    path: '/workspace/evidence/1',
    expect: {
      anonymous: 'signin',
      org_lead: 'notfound',
      viewer: 'notfound',
      overseer: 'notfound',
      admin: 'notfound',
    },
  },
  // Oversight dashboards and exports: 'oversight.view' (admin, overseer, viewer); a force lead 403.
  ...Object.fromEntries(
    [
      '/workspace/dashboards',
      '/workspace/dashboards/overdue',
      '/workspace/dashboards/progress',
      '/workspace/dashboards/summary',
      '/workspace/exports/matrix.csv',
      '/workspace/exports/assignments.csv',
    ].map((path) => [
      `GET ${path}`,
      { path, expect: { ...signedIn('ok'), org_lead: 'forbidden' } satisfies Record<Who, Outcome> },
    ]),
  ),
  // The dashboards' API takes a token only: a session cookie leaves everyone anonymous there.
  ...Object.fromEntries(
    DASHBOARD_API.map((path) => [`GET ${path}`, { path, expect: all('unauthorised') }]),
  ),
  // The board pack: 'oversight.view'; its API, like the dashboards', takes a token only.
  'GET /workspace/board-pack': {
    path: '/workspace/board-pack',
    expect: { ...signedIn('ok'), org_lead: 'forbidden' },
  },
  'GET /api/v1/board-pack': { path: '/api/v1/board-pack', expect: all('unauthorised') },
};

/** Progress update 1, on assignment 1, for the oversight rows (the seed has no updates). */
async function addProgressUpdate(db: TestDatabase) {
  const [row] = await db
    .knex('progress_updates')
    .insert({
      assignment_id: 1,
      author_label: 'Matrix lead',
      self_assessment: 'on_track',
      narrative: 'An update for the matrix.',
      created_at: new Date('2022-02-01T10:00:00Z'),
    })
    .returning(['id']);
  expect(row.id).toBe(1);
}
// Open data: public downloads and feeds, the same for everyone.
Object.assign(MATRIX, {
  'GET /data': { path: '/data', expect: all('ok') },
  ...Object.fromEntries(
    ['reports', 'recommendations', 'assignments', 'updates', 'status-notes'].flatMap((d) =>
      ['csv', 'json'].map((f) => [
        `GET /data/${d}.${f}`,
        { path: `/data/${d}.${f}`, expect: all('ok') },
      ]),
    ),
  ),
  'GET /data/feed.atom': { path: '/data/feed.atom', expect: all('ok') },
  'GET /data/audit-checkpoints.csv': { path: '/data/audit-checkpoints.csv', expect: all('ok') },
  'GET /data/audit-checkpoints.json': { path: '/data/audit-checkpoints.json', expect: all('ok') },
  'GET /reports/:slug/feed.atom': {
    path: '/reports/operation-linden-2021/feed.atom',
    expect: all('ok'),
  },
  'GET /organisations/:slug/feed.atom': {
    path: '/organisations/south-yorkshire-police/feed.atom',
    expect: all('ok'),
  },
} satisfies Record<string, Row>);

// Feedback: anyone may send (an empty form is refused); the inbox is the oversight office's, and
// only an overseer changes a message's state. :id is no message here, so readers get 404.
Object.assign(MATRIX, {
  'GET /recommendations/:ref/feedback': {
    path: '/recommendations/LIN-01/feedback',
    expect: all('ok'),
  },
  'POST /recommendations/:ref/feedback': {
    path: '/recommendations/LIN-01/feedback',
    expect: all('invalid'),
  },
  'GET /recommendations/:ref/feedback/sent': {
    path: '/recommendations/LIN-01/feedback/sent',
    expect: all('ok'),
  },
  'GET /workspace/feedback': {
    path: '/workspace/feedback',
    expect: { ...signedIn('ok'), org_lead: 'forbidden' },
  },
  'GET /workspace/feedback/:id': {
    path: '/workspace/feedback/:id',
    expect: { ...signedIn('notfound'), org_lead: 'forbidden' },
  },
  'POST /workspace/feedback/:id/state': {
    path: '/workspace/feedback/:id/state',
    expect: { ...signedIn('forbidden'), overseer: 'invalid' },
  },
} satisfies Record<string, Row>);

function classify(res: request.Response): Outcome | string {
  if (res.status >= 200 && res.status < 300) return 'ok';
  if (res.status >= 300 && res.status < 400)
    return res.headers.location === '/sign-in' ? 'signin' : 'redirect';
  const named: Record<number, Outcome> = {
    400: 'invalid',
    403: 'forbidden',
    404: 'notfound',
    409: 'conflict',
    401: 'unauthorised',
    422: 'unprocessable',
  };
  return named[res.status] ?? `status ${res.status}`;
}

describe('the authorisation matrix', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let targetUserId: number;
  const userIds = new Map<Who, number | null>();

  /**
   * Fresh sessions for every row, straight in the database (sign-in itself is tested elsewhere), so
   * one row (signing out, say) cannot change what the next row sees.
   */
  async function sessions(): Promise<Map<Who, { cookie: string; csrf: string }>> {
    const context = { ip: '127.0.0.1', userAgent: 'matrix', requestId: null };
    const out = new Map<Who, { cookie: string; csrf: string }>();
    for (const who of WHO) {
      const userId = userIds.get(who) ?? null;
      const { token, session } = await built.services.sessions.start(db.knex, {
        userId,
        state: userId === null ? 'anonymous' : 'active',
        context,
      });
      out.set(who, { cookie: `tracker-session=${token}`, csrf: session.csrfToken });
    }
    return out;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex);
    await addProgressUpdate(db);
    const org = await createOrganisation(db.knex);
    targetUserId = (await createUser(db.knex, { role: 'viewer' })).id;
    userIds.set('anonymous', null);
    for (const who of WHO.filter((w): w is Role => w !== 'anonymous')) {
      const needsTwoFactor = who === 'admin' || who === 'overseer';
      const user = await createUser(db.knex, {
        role: who,
        organisationId: who === 'org_lead' ? org.id : null,
        totpSecretEnc: needsTwoFactor
          ? sealSecret(generateTotpSecret(), built.services.config.secretKey!)
          : null,
      });
      userIds.set(who, user.id);
    }
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('lists every route the app serves, and only those', () => {
    expect(listRoutes(built.app)).toEqual(Object.keys(MATRIX).sort());
  });

  it.each(Object.entries(MATRIX))('%s answers each role as the table says', async (route, row) => {
    const method = route.split(' ')[0]!;
    const path = row.path.replace(':id', String(targetUserId));
    const actual: Record<string, string> = {};
    const fresh = await sessions();
    for (const who of WHO) {
      const { cookie, csrf } = fresh.get(who)!;
      const verb = method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
      const req =
        method === 'GET'
          ? request(built.app).get(path)
          : request(built.app)[verb](path).type('form').send({ _csrf: csrf });
      actual[who] = classify(await req.set('Cookie', cookie));
    }
    expect(actual).toEqual(row.expect);
  });
});

/** Forms that a refused post gives back, words kept, instead of a 403 (csrf.ts `recoverStaleForm`). */
const STALE_FORM_GIVEN_BACK = new Set(['POST /recommendations/:ref/feedback']);

describe('CSRF protection on every state-changing route', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let adminCookie: string;
  let otherToken: string;
  let targetUserId: number;
  let recommendationRef: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    built = buildTestApp(db.knex);
    const context = { ip: '127.0.0.1', userAgent: 'csrf', requestId: null };
    const admin = await createUser(db.knex, {
      role: 'admin',
      totpSecretEnc: sealSecret(generateTotpSecret(), built.services.config.secretKey!),
    });
    targetUserId = (await createUser(db.knex, { role: 'viewer' })).id;
    const mine = await built.services.sessions.start(db.knex, {
      userId: admin.id,
      state: 'active',
      context,
    });
    adminCookie = `tracker-session=${mine.token}`;
    const page = await request(built.app).get('/sign-in');
    otherToken = csrfFrom(page.text);
    recommendationRef = (await createRecommendation(db.knex, await createReport(db.knex))).ref;
  });
  afterAll(async () => {
    await db.destroy();
  });

  const snapshot = async () => ({
    audit: Number((await db.knex('audit_events').count('* as n').first())?.n),
    users: await db
      .knex('users')
      .orderBy('id')
      .select('id', 'role', 'disabled_at', 'password_hash', 'totp_enabled_at'),
    tokens: Number((await db.knex('one_time_tokens').count('* as n').first())?.n),
    sessions: Number((await db.knex('sessions').count('* as n').first())?.n),
  });

  const postRoutes = () =>
    listRoutes(built.app).filter((r) => r.startsWith('POST ') && !r.includes('/api/'));

  it('covers at least the routes known today', () => {
    expect(postRoutes().length).toBeGreaterThanOrEqual(15);
  });

  it('refuses a missing token and another session’s token with 403, and changes nothing', async () => {
    for (const route of postRoutes()) {
      const path = route
        .slice(5)
        .replace(':id', String(targetUserId))
        .replace(':ref', recommendationRef)
        .replace(':token', UNKNOWN_TOKEN);
      const body = {
        email: 'someone@example.test',
        password: 'a-long-enough-password',
        role: 'admin',
        code: '123456',
      };
      const before = await snapshot();
      const missing = await request(built.app)
        .post(path)
        .set('Cookie', adminCookie)
        .type('form')
        .send(body);
      const foreign = await request(built.app)
        .post(path)
        .set('Cookie', adminCookie)
        .type('form')
        .send({ ...body, _csrf: otherToken });
      // The feedback form, refused, is given back with its words and a fresh token (never stored).
      const given = STALE_FORM_GIVEN_BACK.has(route) ? 200 : 403;
      expect({ route, missing: missing.status, foreign: foreign.status }).toEqual({
        route,
        missing: given,
        foreign: given,
      });
      if (given === 200) expect(foreign.text).toContain('Your message has not been sent yet');
      expect(await snapshot()).toEqual(before);
    }
  });
});

/**
 * API tokens: every /api/v1 route × a token of each role (and no token, and a bad token). Public
 * reads allow every token and refuse a bad one; writes need an administrator's token.
 */
const publicRead = (): Record<TokenWho, Outcome> => ({
  none: 'ok',
  bad: 'unauthorised',
  org_lead: 'ok',
  viewer: 'ok',
  overseer: 'ok',
  admin: 'ok',
});
const API_TOKEN_MATRIX: Record<string, { path: string; expect: Record<TokenWho, Outcome> }> = {
  'GET /api/v1/reports': { path: '/api/v1/reports', expect: publicRead() },
  'GET /api/v1/reports/:slug': {
    path: '/api/v1/reports/operation-linden-2021',
    expect: publicRead(),
  },
  'GET /api/v1/recommendations': { path: '/api/v1/recommendations', expect: publicRead() },
  'GET /api/v1/recommendations/:ref': {
    path: '/api/v1/recommendations/LIN-01',
    expect: publicRead(),
  },
  'GET /api/v1/organisations': { path: '/api/v1/organisations', expect: publicRead() },
  'GET /api/v1/organisations/:slug': { path: '/api/v1/organisations/npcc', expect: publicRead() },
  'GET /api/v1/openapi.json': { path: '/api/v1/openapi.json', expect: publicRead() },
  // Writes need an administrator's token. The admin's cell sends an empty JSON object: the route is
  // reached and refuses the body (400; 422 for an import; 409 for deleting LIN-01, which has a response).
  ...Object.fromEntries(
    Object.entries(API_WRITES).map(([route, path]) => [
      route,
      {
        path,
        expect: {
          none: 'unauthorised',
          bad: 'unauthorised',
          org_lead: 'forbidden',
          viewer: 'forbidden',
          overseer: 'forbidden',
          admin: route.startsWith('DELETE')
            ? 'conflict'
            : route.endsWith('/imports')
              ? 'unprocessable'
              : 'invalid',
        } satisfies Record<TokenWho, Outcome>,
      },
    ]),
  ),
  ...API_ASSIGNMENT_ROUTES,
  ...Object.fromEntries(
    Object.entries(OVERSIGHT_API).map(([route, { path, tokens }]) => [
      route,
      { path, expect: tokens },
    ]),
  ),
  // The board pack: admin, overseer and viewer tokens; a force lead's token is refused.
  'GET /api/v1/board-pack': {
    path: '/api/v1/board-pack',
    expect: {
      none: 'unauthorised',
      bad: 'unauthorised',
      org_lead: 'forbidden',
      viewer: 'ok',
      overseer: 'ok',
      admin: 'ok',
    },
  },
  // Oversight dashboards: admin, overseer and viewer tokens; a force lead's token is refused.
  ...Object.fromEntries(
    DASHBOARD_API.map((path) => [
      `GET ${path}`,
      {
        path,
        expect: {
          none: 'unauthorised',
          bad: 'unauthorised',
          org_lead: 'forbidden',
          viewer: 'ok',
          overseer: 'ok',
          admin: 'ok',
        } satisfies Record<TokenWho, Outcome>,
      },
    ]),
  ),
};

describe('the API token authorisation matrix', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  const tokens = new Map<TokenWho, string | null>();

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex);
    await addProgressUpdate(db);
    const org = await createOrganisation(db.knex);
    tokens.set('none', null);
    tokens.set('bad', `rtk_${'B'.repeat(43)}`);
    for (const role of ['org_lead', 'viewer', 'overseer', 'admin'] as const)
      tokens.set(
        role,
        await issueApiToken(db.knex, {
          role,
          organisationId: role === 'org_lead' ? org.id : null,
        }),
      );
  });
  afterAll(async () => {
    await db.destroy();
  });
  // Each row sends one bad token; with the clock standing still, the per-address throttle (20
  // failures in 15 minutes) would otherwise turn the later rows' bad-token cells into 429s.
  beforeEach(async () => {
    await db.knex('rate_limits').where('key', 'like', 'api-token-address:%').del();
  });

  it('lists every /api/v1 route the app serves', () => {
    expect(listRoutes(built.app).filter((r) => r.includes(' /api/v1/'))).toEqual(
      Object.keys(API_TOKEN_MATRIX).sort(),
    );
  });

  it.each(Object.entries(API_TOKEN_MATRIX))(
    '%s answers each token as the table says',
    async (route, row) => {
      const method = route.split(' ')[0]!.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
      const actual: Record<string, string> = {};
      for (const who of TOKEN_WHO) {
        const token = tokens.get(who);
        const req = request(built.app)[method](row.path);
        if (method === 'post' || method === 'put') req.send({});
        if (token) req.set('Authorization', `Bearer ${token}`);
        actual[who] = classify(await req);
      }
      expect(actual).toEqual(row.expect);
    },
  );
});
