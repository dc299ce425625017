/** Every URL the app links to, built in one place so routes and links cannot drift apart. */
const enc = encodeURIComponent;

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export const paths = {
  home: () => '/',
  reports: {
    index: () => '/reports',
    show: (slug: string) => `/reports/${enc(slug)}`,
  },
  recommendations: {
    index: (query: Query = {}) => withQuery('/recommendations', query),
    show: (ref: string) => `/recommendations/${enc(ref)}`,
  },
  organisations: {
    index: () => '/organisations',
    show: (slug: string) => `/organisations/${enc(slug)}`,
  },
  accessibility: () => '/accessibility',
  signIn: {
    form: () => '/sign-in',
    twoFactor: () => '/sign-in/two-factor',
    signOut: () => '/sign-out',
    signedOut: () => '/signed-out',
  },
  workspace: () => '/workspace',
  admin: {
    users: (query: Query = {}) => withQuery('/admin/users', query),
    invite: () => '/admin/users/invite',
    user: (id: number, query: Query = {}) => withQuery(`/admin/users/${id}`, query),
    userRole: (id: number) => `/admin/users/${id}/role`,
    userDisable: (id: number) => `/admin/users/${id}/disable`,
    userEnable: (id: number) => `/admin/users/${id}/enable`,
    userResetLink: (id: number) => `/admin/users/${id}/reset-link`,
    reports: (query: Query = {}) => withQuery('/admin/reports', query),
    newReport: () => '/admin/reports/new',
    report: (slug: string, query: Query = {}) => withQuery(`/admin/reports/${enc(slug)}`, query),
    editReport: (slug: string) => `/admin/reports/${enc(slug)}/edit`,
    newRecommendation: (slug: string) => `/admin/reports/${enc(slug)}/recommendations/new`,
    recommendation: (ref: string, query: Query = {}) =>
      withQuery(`/admin/recommendations/${enc(ref)}`, query),
    editRecommendation: (ref: string) => `/admin/recommendations/${enc(ref)}/edit`,
    addressees: (ref: string) => `/admin/recommendations/${enc(ref)}/addressees`,
    withdrawRecommendation: (ref: string) => `/admin/recommendations/${enc(ref)}/withdraw`,
    deleteRecommendation: (ref: string) => `/admin/recommendations/${enc(ref)}/delete`,
    withdrawAssignment: (id: number) => `/admin/assignments/${id}/withdraw`,
    organisations: (query: Query = {}) => withQuery('/admin/organisations', query),
    newOrganisation: () => '/admin/organisations/new',
    editOrganisation: (slug: string, query: Query = {}) =>
      withQuery(`/admin/organisations/${enc(slug)}/edit`, query),
    importNew: () => '/admin/imports/new',
    imports: () => '/admin/imports',
    import: (id: string) => `/admin/imports/${enc(id)}`,
    importConfirm: (id: string) => `/admin/imports/${enc(id)}/confirm`,
    reportExport: (slug: string, format: 'csv' | 'json') =>
      `/admin/reports/${enc(slug)}/export.${format}`,
  },
  links: {
    setup: (token: string) => `/setup/${enc(token)}`,
    setupComplete: () => '/setup/complete',
    invitation: (token: string) => `/invitations/${enc(token)}`,
    invitationAccepted: () => '/invitations/accepted',
    resetPassword: (token: string) => `/reset-password/${enc(token)}`,
    resetPasswordComplete: () => '/reset-password/complete',
  },
  account: {
    index: () => '/account',
    enrolTwoFactor: () => '/account/two-factor',
  },
  api: {
    reports: () => '/api/v1/reports',
    report: (slug: string) => `/api/v1/reports/${enc(slug)}`,
    recommendations: (query: Query = {}) => withQuery('/api/v1/recommendations', query),
    recommendation: (ref: string) => `/api/v1/recommendations/${enc(ref)}`,
    organisations: () => '/api/v1/organisations',
    organisation: (slug: string) => `/api/v1/organisations/${enc(slug)}`,
    openapi: () => '/api/v1/openapi.json',
  },
  apiDocs: () => '/api/docs',
  adminTokens: {
    index: (query: Query = {}) => withQuery('/admin/tokens', query),
    issue: () => '/admin/tokens/new',
    revoke: (id: number) => `/admin/tokens/${id}/revoke`,
  },
  health: { alive: () => '/healthz', ready: () => '/readyz' },
} as const;

/** Route patterns for Express, next to the builders above. */
export const routes = {
  home: '/',
  reports: '/reports',
  report: '/reports/:slug',
  recommendations: '/recommendations',
  recommendation: '/recommendations/:ref',
  organisations: '/organisations',
  organisation: '/organisations/:slug',
  accessibility: '/accessibility',
  signIn: '/sign-in',
  signInTwoFactor: '/sign-in/two-factor',
  signOut: '/sign-out',
  signedOut: '/signed-out',
  workspace: '/workspace',
  admin: '/admin',
  adminUsers: '/admin/users',
  adminInvite: '/admin/users/invite',
  adminUser: '/admin/users/:id',
  adminUserRole: '/admin/users/:id/role',
  adminUserDisable: '/admin/users/:id/disable',
  adminUserEnable: '/admin/users/:id/enable',
  adminUserResetLink: '/admin/users/:id/reset-link',
  adminReports: '/admin/reports',
  adminNewReport: '/admin/reports/new',
  adminReport: '/admin/reports/:slug',
  adminEditReport: '/admin/reports/:slug/edit',
  adminNewRecommendation: '/admin/reports/:slug/recommendations/new',
  adminRecommendation: '/admin/recommendations/:ref',
  adminEditRecommendation: '/admin/recommendations/:ref/edit',
  adminAddressees: '/admin/recommendations/:ref/addressees',
  adminWithdrawRecommendation: '/admin/recommendations/:ref/withdraw',
  adminDeleteRecommendation: '/admin/recommendations/:ref/delete',
  adminWithdrawAssignment: '/admin/assignments/:id/withdraw',
  adminOrganisations: '/admin/organisations',
  adminNewOrganisation: '/admin/organisations/new',
  adminEditOrganisation: '/admin/organisations/:slug/edit',
  adminImportNew: '/admin/imports/new',
  adminImports: '/admin/imports',
  adminImport: '/admin/imports/:id',
  adminImportConfirm: '/admin/imports/:id/confirm',
  adminReportExportCsv: '/admin/reports/:slug/export.csv',
  adminReportExportJson: '/admin/reports/:slug/export.json',
  setup: '/setup/:token',
  setupComplete: '/setup/complete',
  invitation: '/invitations/:token',
  invitationAccepted: '/invitations/accepted',
  resetPassword: '/reset-password/:token',
  resetPasswordComplete: '/reset-password/complete',
  api: {
    reports: '/api/v1/reports',
    report: '/api/v1/reports/:slug',
    recommendations: '/api/v1/recommendations',
    recommendation: '/api/v1/recommendations/:ref',
    organisations: '/api/v1/organisations',
    organisation: '/api/v1/organisations/:slug',
    openapi: '/api/v1/openapi.json',
  },
  apiDocs: '/api/docs',
  adminTokens: '/admin/tokens',
  adminTokensNew: '/admin/tokens/new',
  adminTokenRevoke: '/admin/tokens/:id/revoke',
} as const;
