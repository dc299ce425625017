/** Words for the register's codes, as people read them on pages, in the API and in open data. */
import type {
  AssignmentStatus,
  ClosureReason,
  OrganisationKind,
  ResponseStance,
  TextStatus,
} from '../../db/tables';

export const STATUS_LABELS: Record<AssignmentStatus, string> = {
  awaiting_response: 'Awaiting response',
  in_progress: 'In progress',
  awaiting_verification: 'Awaiting verification',
  implemented: 'Implemented',
  closed: 'Closed',
};

export const CLOSURE_REASON_LABELS: Record<ClosureReason, string> = {
  not_accepted: 'Not accepted',
  overtaken_by_events: 'Overtaken by events',
  superseded: 'Superseded',
  not_implemented: 'Not implemented',
};

export const STANCE_LABELS: Record<ResponseStance, string> = {
  accepted: 'Accepted',
  partially_accepted: 'Partially accepted',
  not_accepted: 'Not accepted',
};

export const TEXT_STATUS_LABELS: Record<TextStatus, { label: string; explanation: string }> = {
  verified: {
    label: 'Verified text',
    explanation: 'This text has been checked against the source document.',
  },
  summary: {
    label: 'Summary',
    explanation:
      'This is our own summary of the recommendation. The source document has the authoritative wording.',
  },
  pending: {
    label: 'Text not yet entered',
    explanation:
      'The text of this recommendation has not been entered yet. The source document has it.',
  },
};

export const ORGANISATION_KIND_LABELS: Record<OrganisationKind, string> = {
  police_force: 'Police force',
  national_body: 'National body',
  pcc_office: 'Police and crime commissioner’s office',
  local_authority: 'Local authority',
  government_department: 'Government department',
  other: 'Other',
};
