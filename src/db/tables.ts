/**
 * Row types: the columns as the database returns them (snake_case). Repositories map these to the
 * camelCase shapes the services use.
 */
import type { CalendarDate } from '../shared/calendar-date';
import type { LegalBasis } from '../modules/assignments/deadlines.rules';

export const ORGANISATION_KINDS = [
  'police_force',
  'national_body',
  'pcc_office',
  'local_authority',
  'government_department',
  'other',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export const TEXT_STATUSES = ['verified', 'summary', 'pending'] as const;
export type TextStatus = (typeof TEXT_STATUSES)[number];

export const ASSIGNMENT_STATUSES = [
  'awaiting_response',
  'in_progress',
  'awaiting_verification',
  'implemented',
  'closed',
] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

export const CLOSURE_REASONS = [
  'not_accepted',
  'overtaken_by_events',
  'superseded',
  'not_implemented',
] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

export const RESPONSE_STANCES = ['accepted', 'partially_accepted', 'not_accepted'] as const;
export type ResponseStance = (typeof RESPONSE_STANCES)[number];

export interface OrganisationRow {
  id: number;
  slug: string;
  name: string;
  kind: OrganisationKind;
  created_at: Date;
  updated_at: Date;
}

export interface ReportRow {
  id: number;
  slug: string;
  title: string;
  issuer_name: string;
  issuer_short: string | null;
  published_on: CalendarDate | null;
  dated_on: CalendarDate | null;
  legal_basis: LegalBasis;
  source_url: string | null;
  summary: string | null;
  /** true: formal responses to this report's recommendations are published when received. */
  publish_responses: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface RecommendationRow {
  id: number;
  report_id: number;
  ref: string;
  source_number: string | null;
  title: string | null;
  body: string | null;
  text_status: TextStatus;
  made_on: CalendarDate | null;
  made_on_confirmed: boolean;
  source_url: string | null;
  repeats_recommendation_id: number | null;
  position: number;
  /** The source's own "implement by" date and its wording (history in recommendation_target_dates). */
  implement_by: CalendarDate | null;
  implement_by_wording: string | null;
  withdrawn_at: Date | null;
  withdrawn_reason: string | null;
  withdrawn_by: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface AssignmentRow {
  id: number;
  recommendation_id: number;
  organisation_id: number;
  addressee_confirmed: boolean;
  status: AssignmentStatus;
  closure_reason: ClosureReason | null;
  response_due_on: CalendarDate | null;
  response_stance: ResponseStance | null;
  response_text: string | null;
  responded_on: CalendarDate | null;
  response_date_confirmed: boolean;
  response_source_url: string | null;
  /** An administrator's override of the response clock (see src/modules/assignments/deadlines.ts). */
  clock_override: 'statutory' | 'none' | 'date' | null;
  clock_override_due_on: CalendarDate | null;
  /** The date the addressee committed to implement by (history in assignment_committed_dates). */
  committed_on: CalendarDate | null;
  withdrawn_at: Date | null;
  withdrawn_reason: string | null;
  withdrawn_by: number | null;
  created_at: Date;
  updated_at: Date;
}
