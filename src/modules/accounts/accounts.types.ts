/** The shapes the accounts feature passes around: users as the app sees them, and sessions. */
export const ROLES = ['admin', 'overseer', 'viewer', 'org_lead'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that must use two-factor authentication (they can see and decide everything). */
export const ROLES_REQUIRING_TWO_FACTOR: readonly Role[] = ['admin', 'overseer'];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  overseer: 'Overseer',
  viewer: 'Viewer (read only)',
  org_lead: 'Organisation lead',
};

export interface CurrentUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  organisationId: number | null;
  twoFactorEnabled: boolean;
  /** Set when the user is acting through an API token (its id), so audit events can say so. */
  apiTokenId?: number;
}

export type SessionState = 'anonymous' | 'mfa_pending' | 'enrol_required' | 'active';

export interface Session {
  id: string;
  userId: number | null;
  state: SessionState;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
}

/** Who did something and from where, for audit events and throttling. */
export interface RequestContext {
  ip: string;
  userAgent: string | null;
  requestId: string | null;
}
